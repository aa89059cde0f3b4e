/**
 * The text panel (issue 10, "Beyond the paper"), shown when the group's task is 'text': per run, samples drawn
 * from its current parameters (temperature, seed, prompt; live every k iterations while training, if asked),
 * and for a sentence the user types, the character-by-character gradient view (how strongly each earlier
 * state's gradient reaches each prediction), both computed in a Worker (textWorker.ts) from the parameters the
 * controller reads in its serial order (LabController.readRunParameters).
 */
import { type JSX, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { parseDecimal } from '../../engine/settings.ts';
import { csvBlob, downloadBlob, EXPORT_WIDTH, exportFilename, figurePngBlob, figureSvgBlob } from '../charts/chartExport.ts';
import { type FigureStyle, figureStyle } from '../charts/figureFrame.ts';
import type { Figure } from '../charts/scene.ts';
import { drawFigure } from '../charts/sceneCanvas.ts';
import { useWidth } from '../charts/useBookRedraw.ts';
import type { LabController } from '../lab/controller.ts';
import { cellAt, predictedChar, type ReachScale, reachCaption, reachCsv, reachFigure, shownChar } from './gradientFigure.ts';
import { CancelledError, TextWorkerClient } from './textWorkerClient.ts';
import type { GradientResult, SampleResult } from './textWorkerProtocol.ts';
import './text.css';

/** The longest sentence the gradient view takes (its cost grows with the square of the length). */
export const GRADIENT_MAX_CHARS = 120;
/** Samples kept on the page (newest first). */
const SAMPLES_KEPT = 30;
const PROMPT_MAX_CHARS = 100;

interface ShownSample {
  id: number;
  runName: string;
  color: string;
  iteration: number;
  temperature: number;
  seed: number;
  live: boolean;
  result: SampleResult;
}

interface ShownReach {
  runName: string;
  iteration: number;
  result: GradientResult;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A whole number in 0..2^32-1 written in decimal, else null. */
function parseSeed(text: string): number | null {
  const v = parseDecimal(text);
  return v !== null && Number.isInteger(v) && v >= 0 && v < 2 ** 32 ? v : null;
}

export function TextPanel(props: { controller: LabController; presentation: boolean }): JSX.Element {
  const { controller } = props;
  const store = controller.store;
  const runs = useStore(store, (s) => s.runs);
  const group = useStore(store, (s) => s.group);
  const phase = useStore(store, (s) => s.phase);
  const client = useMemo(() => new TextWorkerClient(), []);
  useEffect(() => () => client.dispose(), [client]);

  const [runId, setRunId] = useState<string>(runs[0]?.id ?? '');
  useEffect(() => {
    if (!runs.some((r) => r.id === runId) && runs[0]) setRunId(runs[0].id);
  }, [runs, runId]);
  const run = runs.find((r) => r.id === runId);
  const maxLength = group.maxLength ?? 75;

  /** Reads the chosen run's parameters now and hands them to the worker. */
  const readModel = useCallback(async () => {
    if (!run) throw new Error('There is no run to read');
    const read = await controller.readRunParameters(run.id);
    const key = client.setModel(read.settings, read.parameters);
    return { key, iteration: read.iteration, runName: read.settings.name, color: read.settings.color };
  }, [client, controller, run]);

  return (
    <section className="text-panel" aria-label="Text: samples and gradient view" data-testid="text-panel">
      <h3>Text: what each run writes, and what it remembers</h3>
      {phase !== 'ready' && (
        <p className="note" role="status">
          The samples and the gradient view read a run’s trained parameters: they work once the run group is built and ready.
        </p>
      )}
      <label className="text-run-picker">
        Run{' '}
        <select value={runId} onChange={(e) => setRunId(e.target.value)} data-testid="text-run">
          {runs.map((r) => (
            <option key={r.id} value={r.id}>
              {r.settings.name}
            </option>
          ))}
        </select>
      </label>
      <SamplesPart readModel={readModel} client={client} store={store} ready={phase === 'ready' && !!run} maxLength={maxLength} />
      <ReachPart
        readModel={readModel}
        client={client}
        ready={phase === 'ready' && !!run}
        presentation={props.presentation}
        settingsSummary={`text, n=${group.hidden}, max length ${maxLength}`}
      />
    </section>
  );
}

type ReadModel = () => Promise<{ key: string; iteration: number; runName: string; color: string }>;

function SamplesPart(props: {
  readModel: ReadModel;
  client: TextWorkerClient;
  store: LabController['store'];
  ready: boolean;
  maxLength: number;
}): JSX.Element {
  const { readModel, client, store, ready, maxLength } = props;
  const [temperature, setTemperature] = useState(1);
  const [seedText, setSeedText] = useState('1');
  const [prompt, setPrompt] = useState('the ');
  const [live, setLive] = useState(false);
  const [everyText, setEveryText] = useState('100');
  const [samples, setSamples] = useState<ShownSample[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nextId = useRef(1);
  const busyRef = useRef(false);
  const lastLive = useRef(-Infinity);

  const seed = parseSeed(seedText);
  const everyValue = parseDecimal(everyText);
  const every = everyValue !== null && Number.isInteger(everyValue) && everyValue >= 1 && everyValue <= 1_000_000 ? everyValue : null;
  const promptProblem =
    prompt.length === 0
      ? 'Type at least one character: the model never predicts a sentence’s first character (it reads it), so a sample starts from a prompt.'
      : prompt.length > PROMPT_MAX_CHARS
        ? `The prompt has ${prompt.length} characters; at most ${PROMPT_MAX_CHARS}.`
        : prompt.length + 1 >= maxLength
          ? `The prompt leaves no room under the length cap (${maxLength} characters with the newline).`
          : null;
  const problem = seed === null ? 'Seed: a whole number from 0 to 4294967295.' : promptProblem;

  const draw = useCallback(
    async (isLive: boolean) => {
      if (busyRef.current || problem || seed === null) return;
      busyRef.current = true;
      setBusy(true);
      setError(null);
      try {
        const m = await readModel();
        const result = await client.sample(m.key, { prompt, temperature, seed, maxLength });
        const shown: ShownSample = {
          id: nextId.current++,
          runName: m.runName,
          color: m.color,
          iteration: m.iteration,
          temperature,
          seed,
          live: isLive,
          result,
        };
        setSamples((prev) => [shown, ...prev].slice(0, SAMPLES_KEPT));
        if (isLive) lastLive.current = m.iteration;
      } catch (e) {
        if (!(e instanceof CancelledError)) setError(`Could not draw a sample: ${errorText(e)}`);
        if (isLive) setLive(false);
      } finally {
        busyRef.current = false;
        setBusy(false);
      }
    },
    [client, maxLength, problem, prompt, readModel, seed, temperature],
  );

  // live: a sample every `every` iterations while the lab trains (each reads the parameters, halting the trainer briefly)
  const iteration = useStore(store, (s) => s.iteration);
  const playing = useStore(store, (s) => s.playing);
  useEffect(() => {
    if (!live || !playing || !ready || every === null) return;
    if (iteration - lastLive.current >= every) void draw(true);
  }, [live, playing, ready, every, iteration, draw]);

  const samplesCsv = () => {
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const lines = ['run,iteration,temperature,seed,prompt_chars,drawn,ended,log_probability_nats,text'];
    for (const s of [...samples].reverse())
      lines.push(
        [
          q(s.runName),
          s.iteration,
          s.temperature,
          s.seed,
          s.result.promptLength,
          s.result.drawn,
          s.result.ended,
          s.result.logProbability,
          q(s.result.text),
        ].join(','),
      );
    return `${lines.join('\n')}\n`;
  };

  return (
    <div className="text-part" data-testid="text-samples">
      <h4>Samples</h4>
      <p className="text-explain">
        The run reads the prompt, then writes one character at a time, each drawn from its predicted distribution sharpened or flattened by
        the temperature (0: always the likeliest character), until it writes the end of the sentence or reaches the length cap of{' '}
        {maxLength} characters (the group’s maximum sentence length). The same seed draws the same text from the same parameters: keep it
        fixed and resample as training goes on to watch the noise become words.
      </p>
      <div className="text-controls">
        <label>
          Temperature{' '}
          <input
            type="range"
            min={0}
            max={2}
            step={0.05}
            value={temperature}
            onChange={(e) => setTemperature(Number(e.target.value))}
            aria-valuetext={temperature === 0 ? '0 (greedy)' : String(temperature)}
            data-testid="text-temperature"
          />
          <output>{temperature === 0 ? '0 (greedy)' : temperature.toFixed(2)}</output>
        </label>
        <label>
          Seed{' '}
          <input
            type="text"
            inputMode="numeric"
            size={10}
            value={seedText}
            onChange={(e) => setSeedText(e.target.value)}
            aria-invalid={seed === null}
            data-testid="text-seed"
          />
        </label>
        <label>
          Prompt{' '}
          <input
            type="text"
            size={24}
            maxLength={PROMPT_MAX_CHARS + 1}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value.replace(/[\r\n]/g, ' '))}
            aria-invalid={promptProblem !== null}
            data-testid="text-prompt"
          />
        </label>
        <button type="button" disabled={!ready || busy || problem !== null} onClick={() => void draw(false)} data-testid="text-sample">
          {busy ? 'Sampling…' : 'Sample'}
        </button>
        <label>
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} data-testid="text-live" /> resample every
        </label>
        <label>
          <input
            type="text"
            inputMode="numeric"
            size={6}
            value={everyText}
            onChange={(e) => setEveryText(e.target.value)}
            aria-label="Resample every how many iterations"
            aria-invalid={every === null}
          />{' '}
          iterations while training
        </label>
      </div>
      {problem && (
        <p className="text-problem" role="alert">
          {problem}
        </p>
      )}
      {every === null && (
        <p className="text-problem" role="alert">
          Resample every: a whole number of iterations from 1 to 1,000,000.
        </p>
      )}
      {error && (
        <p className="text-problem" role="alert">
          {error}
        </p>
      )}
      <ol className="text-samples" aria-label="Samples, newest first" aria-live="polite" data-testid="text-sample-list">
        {samples.map((s) => (
          <li key={s.id}>
            <span className="text-sample-meta" style={{ borderColor: s.color }}>
              {s.runName}, iteration {s.iteration}, T = {s.temperature === 0 ? '0 (greedy)' : s.temperature}, seed {s.seed}
              {s.live ? ' (live)' : ''}
              {s.result.ended === 'length' ? `; stopped at the length cap` : ''}
            </span>
            <pre className="text-sample" data-testid="text-sample-text">
              <span className="text-prompt-part">{s.result.text.slice(0, s.result.promptLength)}</span>
              {s.result.text.slice(s.result.promptLength)}
              {s.result.ended === 'newline' ? <span className="text-end">⏎</span> : null}
            </pre>
          </li>
        ))}
      </ol>
      {samples.length > 0 && (
        // biome-ignore lint/a11y/useSemanticElements: a row of buttons, as the charts' export bars
        <div className="export-bar" role="group" aria-label="Export the samples">
          <span className="export-label">Export</span>
          <button type="button" onClick={() => downloadBlob(csvBlob(samplesCsv()), exportFilename('text-samples', 'csv'))}>
            CSV
          </button>
          <button type="button" onClick={() => setSamples([])}>
            Clear
          </button>
        </div>
      )}
    </div>
  );
}

const REACH_TITLE = 'Character-by-character gradient view';

function ReachPart(props: {
  readModel: ReadModel;
  client: TextWorkerClient;
  ready: boolean;
  presentation: boolean;
  settingsSummary: string;
}): JSX.Element {
  const { readModel, client, ready, presentation } = props;
  const [sentence, setSentence] = useState('the cat sat on the mat.');
  const [scale, setScale] = useState<ReachScale>('normalised');
  const [shown, setShown] = useState<ShownReach | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<{ k: number; s: number } | null>(null);

  const problem =
    sentence.length === 0
      ? 'Type a sentence (at least one character).'
      : sentence.length > GRADIENT_MAX_CHARS
        ? `The sentence has ${sentence.length} characters; the gradient view takes at most ${GRADIENT_MAX_CHARS}.`
        : null;

  const compute = async () => {
    if (problem) return;
    setError(null);
    setProgress(0);
    try {
      const m = await readModel();
      const result = await client.gradient(m.key, sentence, (done, total) => setProgress(done / total));
      setShown({ runName: m.runName, iteration: m.iteration, result });
      setCursor({ k: result.L, s: result.L });
    } catch (e) {
      if (!(e instanceof CancelledError)) setError(`Could not compute the gradient view: ${errorText(e)}`);
    } finally {
      setProgress(null);
    }
  };

  const summary = props.settingsSummary;
  const header = useCallback(
    (r: ShownReach) => ({
      title: `${REACH_TITLE}: ${r.runName}, iteration ${r.iteration}`,
      settings: `${summary}; sentence “${r.result.text}”`,
      caption: reachCaption(scale),
    }),
    [summary, scale],
  );
  const build = useCallback(
    (style: FigureStyle, withHeader: boolean) =>
      shown ? reachFigure(shown.result, scale, style, withHeader ? header(shown) : null, withHeader ? null : cursor) : null,
    [shown, scale, cursor, header],
  );

  const describeCell = (c: { k: number; s: number } | null): string => {
    if (!shown || !c) return '';
    const r = shown.result;
    const g = r.G[(c.k - 1) * r.L + (c.s - 1)];
    let peak = 0;
    for (let s = 1; s <= c.k; s++) peak = Math.max(peak, r.G[(c.k - 1) * r.L + (s - 1)]);
    return `Predicting “${shownChar(predictedChar(r.text, c.k))}” (character ${c.k + 1}, loss ${r.losses[c.k - 1].toFixed(3)} nats) from the state after “${shownChar(r.text[c.s - 1])}” (character ${c.s}): ‖∂loss/∂h‖ = ${g.toExponential(3)}, ${(g / (peak || 1)).toFixed(3)} of the row’s largest.`;
  };

  const exportFigure = async (kind: 'png' | 'svg') => {
    if (!shown) return;
    const fig = reachFigure(shown.result, scale, figureStyle(EXPORT_WIDTH, presentation), header(shown));
    if (kind === 'png') downloadBlob(await figurePngBlob(fig), exportFilename('gradient-reach', 'png'));
    else downloadBlob(figureSvgBlob(fig, REACH_TITLE), exportFilename('gradient-reach', 'svg'));
  };

  return (
    <div className="text-part" data-testid="text-reach">
      <h4>{REACH_TITLE}</h4>
      <p className="text-explain">
        For a sentence you type, each row is one prediction (the character it predicts, top to bottom) and each column one state of the
        network (after reading that character). The colour says how strongly the gradient of that prediction’s loss reaches back to that
        state: a row that stays bright far to the left is a prediction that still depends on early characters (memory); a row that fades at
        once depends only on the last few. At most {GRADIENT_MAX_CHARS} characters: the work grows with the square of the length (at n =
        512, 120 characters take about 3 s for an RNN and 12 s for an LSTM on a 2-core machine; a bar shows the progress).
      </p>
      <div className="text-controls">
        <label>
          Sentence{' '}
          <input
            type="text"
            size={48}
            maxLength={GRADIENT_MAX_CHARS + 20}
            value={sentence}
            onChange={(e) => setSentence(e.target.value.replace(/[\r\n]/g, ' '))}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && ready && progress === null) void compute();
            }}
            aria-invalid={problem !== null}
            aria-describedby="text-reach-cap"
            data-testid="text-reach-sentence"
          />
        </label>
        <span id="text-reach-cap" className="text-cap">
          {sentence.length} / {GRADIENT_MAX_CHARS} characters
        </span>
        <button
          type="button"
          disabled={!ready || progress !== null || problem !== null}
          onClick={() => void compute()}
          data-testid="text-reach-compute"
        >
          Show the gradient view
        </button>
        {progress !== null && (
          <>
            <progress max={1} value={progress} aria-label="Gradient view progress" data-testid="text-reach-progress" />
            <button type="button" onClick={() => client.cancel()}>
              Cancel
            </button>
          </>
        )}
        <span role="radiogroup" aria-label="Gradient view colour scale" className="text-scale">
          <label>
            <input type="radio" name="text-reach-scale" checked={scale === 'normalised'} onChange={() => setScale('normalised')} />{' '}
            normalised over s (each row by its maximum)
          </label>
          <label>
            <input type="radio" name="text-reach-scale" checked={scale === 'log10'} onChange={() => setScale('log10')} /> raw (log10 of the
            norm)
          </label>
        </span>
      </div>
      {problem && (
        <p className="text-problem" role="alert">
          {problem}
        </p>
      )}
      {error && (
        <p className="text-problem" role="alert">
          {error}
        </p>
      )}
      {shown && (
        <>
          <ReachCanvas build={build} L={shown.result.L} cursor={cursor} setCursor={setCursor} presentation={presentation} />
          <p className="text-readout" aria-live="polite" data-testid="text-reach-readout">
            {describeCell(cursor)}
          </p>
          <p className="chart-caption">
            {reachCaption(scale)} Computed in {shown.result.seconds.toFixed(2)} s. Arrow keys move the marked cell when the heatmap has
            focus.
          </p>
          {/* biome-ignore lint/a11y/useSemanticElements: a row of buttons, as the charts' export bars */}
          <div className="export-bar" role="group" aria-label={`Export ${REACH_TITLE}`}>
            <span className="export-label">Export</span>
            <button type="button" onClick={() => void exportFigure('png')} data-testid="export-gradient-reach-png">
              PNG
            </button>
            <button type="button" onClick={() => void exportFigure('svg')} data-testid="export-gradient-reach-svg">
              SVG
            </button>
            <button
              type="button"
              onClick={() =>
                downloadBlob(
                  csvBlob(reachCsv(shown.result, { run: shown.runName, iteration: shown.iteration })),
                  exportFilename('gradient-reach', 'csv'),
                )
              }
              data-testid="export-gradient-reach-csv"
            >
              CSV
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function ReachCanvas(props: {
  build: (style: FigureStyle, withHeader: boolean) => Figure | null;
  L: number;
  cursor: { k: number; s: number } | null;
  setCursor: (c: { k: number; s: number } | null) => void;
  presentation: boolean;
}): JSX.Element {
  const { build, L, cursor, setCursor, presentation } = props;
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useRef(0);
  const fig = useRef<Figure | null>(null);
  const paint = useCallback(() => {
    const c = canvas.current;
    if (!c || width.current <= 0) return;
    const f = build(figureStyle(width.current, presentation), false);
    fig.current = f;
    if (!f) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.ceil(f.width * dpr);
    c.height = Math.ceil(f.height * dpr);
    c.style.width = `${f.width}px`;
    c.style.height = `${f.height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawFigure(ctx, f);
  }, [build, presentation]);
  useWidth(box, (w) => {
    width.current = w;
    paint();
  });
  useEffect(() => paint(), [paint]);

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!fig.current) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const cell = cellAt(fig.current, L, e.clientX - rect.left, e.clientY - rect.top);
    if (cell && (cell.k !== cursor?.k || cell.s !== cursor?.s)) setCursor(cell);
  };
  const onKey = (e: React.KeyboardEvent<HTMLCanvasElement>) => {
    const c = cursor ?? { k: L, s: L };
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    const k = Math.min(L, Math.max(1, c.k + m[0]));
    const s = Math.min(k, Math.max(1, c.s + m[1]));
    setCursor({ k, s });
  };
  return (
    <div ref={box} className="figure-box">
      <canvas
        ref={canvas}
        role="img"
        tabIndex={0}
        aria-label="Gradient view heatmap: rows are predictions, columns the states they reach back to; arrow keys move the marked cell"
        data-testid="text-reach-canvas"
        onMouseMove={onMove}
        onKeyDown={onKey}
      />
    </div>
  );
}
