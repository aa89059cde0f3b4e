import { describe, expect, it } from 'vitest';
import { currentSpectrumCsv, driftCsv, flowCsv, lossCsv, spectrumCsv } from '../../src/app/charts/chartCsv.ts';
import { figureStyle } from '../../src/app/charts/figureFrame.ts';
import { flowFigure } from '../../src/app/charts/flowFigure.ts';
import { lossFigure } from '../../src/app/charts/lossFigure.ts';
import { restartLines } from '../../src/app/charts/RestartNotes.tsx';
import { escapeXml, figureToSvg } from '../../src/app/charts/sceneSvg.ts';
import { driftFigure, offOrthogonal, spectrumFigure } from '../../src/app/charts/spectrumFigure.ts';
import type { ChartRun } from '../../src/app/charts/types.ts';
import { MetricsBook } from '../../src/app/lab/metricsBook.ts';
import type { IterationRecord } from '../../src/engine/runGroup.ts';
import { csvField } from '../../src/experiments/csvField.ts';

// synthetic data (tests only): two factorised runs and a plain one, L = 9 (10 time steps), n = 4
const RUNS: ChartRun[] = [
  { id: 'a', name: 'margin 0', color: '#1f77b4', hidden: false, margin: 0, parameterisation: 'factorised' },
  { id: 'b', name: 'wide, "m" <1> & more', color: '#d62728', hidden: false, margin: 1, parameterisation: 'factorised' },
  { id: 'c', name: 'plain', color: '#2ca02c', hidden: false, margin: null, parameterisation: 'plain' },
  { id: 'h', name: 'hidden run', color: '#000000', hidden: true, margin: 0.1, parameterisation: 'factorised' },
];

function syntheticBook(iterations = 20): MetricsBook {
  const book = new MetricsBook(100);
  const recs: IterationRecord[] = [];
  for (let it = 1; it <= iterations; it++) {
    const runs = RUNS.map((_, k) => ({ loss: 1 / (it + k), accuracy: Math.min(1, it / 20), softOrthPenalty: 0, weightDecayPenalty: 0 }));
    const flow = RUNS.map((_, k) => Float32Array.from({ length: 10 }, (_, t) => Math.exp(-(k + 0.1) * (9 - t))));
    const spectrum = RUNS.map((_, k) => Float32Array.from([1 + 0.01 * k * it, 1, 1 - 0.01 * k * it, 1]));
    const drift = RUNS.map((r) => (r.parameterisation === 'plain' ? null : ([1e-7 * it, 2e-7 * it] as [number, number])));
    recs.push({ iteration: it, runs, track: { flow, spectrum, drift } });
  }
  book.add(
    recs,
    RUNS.map((r) => r.id),
    RUNS.map((r) => (r.parameterisation === 'plain' ? null : r.margin)),
  );
  return book;
}

/** A tiny XML well-formedness check: balanced tags, quoted attributes, no bare '<' or '&' in text. */
function checkXml(xml: string): { root: string; elements: Map<string, number> } {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const elements = new Map<string, number>();
  let root = '';
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    m = re.exec(body);
    if (!m) throw new Error(`malformed XML at ${pos}: ${body.slice(pos, pos + 60)}`);
    pos = re.lastIndex;
    if (m[5] !== undefined) {
      if (/&(?!(lt|gt|amp|quot|apos);)/.test(m[5])) throw new Error(`bare & in text: ${m[5]}`);
      continue;
    }
    const [, close, name, attrs, selfClose] = m;
    if (/&(?!(lt|gt|amp|quot|apos);)/.test(attrs)) throw new Error(`bare & in attributes of <${name}>`);
    if (close) {
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
      continue;
    }
    if (!root) root = name;
    else if (!stack.length) throw new Error(`second root element <${name}>`);
    elements.set(name, (elements.get(name) ?? 0) + 1);
    if (!selfClose) stack.push(name);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return { root, elements };
}

const HEADER = { title: 'Gradient flow & <spectrum>', settings: 'copy T=100, n=64, batch 20, seed 1', caption: 'a caption' };

describe('chart CSV', () => {
  it('quotes fields that need it and leaves numbers plain; NaN is empty', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(NaN)).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(Infinity)).toBe('Infinity');
  });

  it('writes loss, flow, spectrum and drift with a header line and one row per iteration and run, hidden runs left out', () => {
    const book = syntheticBook();
    const loss = lossCsv(book, RUNS).trim().split('\n');
    expect(loss[0]).toBe('iteration,run,loss,accuracy,soft_orth_penalty,weight_decay_penalty');
    expect(loss.length).toBe(1 + 3 * 20);
    expect(loss[1]).toBe('1,margin 0,1,0.05,0,0');
    expect(loss.some((l) => l.includes('"wide, ""m"" <1> & more"'))).toBe(true);
    expect(loss.some((l) => l.includes('hidden run'))).toBe(false);

    const flow = flowCsv(book, RUNS).trim().split('\n');
    expect(flow[0]).toBe('iteration,run,t,steps_before_last,grad_norm_sq,grad_norm,normalised,rows');
    expect(flow.length).toBe(1 + 3 * 20 * 10);
    const last = flow[10].split(','); // run a, iteration 1, t = 9: the last step, the largest norm
    expect(last.slice(0, 3)).toEqual(['1', 'margin 0', '9']);
    expect(Number(last[6])).toBe(1);

    const spec = spectrumCsv(book, RUNS).trim().split('\n');
    expect(spec[0]).toBe('iteration,run,mean,std,min,max,lower_bound,upper_bound');
    expect(spec.length).toBe(1 + 3 * 20);
    expect(spec[1].endsWith(',1,1')).toBe(true); // margin 0: bounds 1 and 1
    expect(spec.find((l) => l.startsWith('1,plain,'))!.endsWith(',,')).toBe(true); // plain: no bounds

    const cur = currentSpectrumCsv(book, RUNS).trim().split('\n');
    expect(cur[0]).toBe('iteration,run,rank,singular_value');
    expect(cur.length).toBe(1 + 3 * 4);

    const drift = driftCsv(book, RUNS).trim().split('\n');
    expect(drift[0]).toBe('iteration,run,max_abs_UtU_minus_I,max_abs_VtV_minus_I');
    expect(drift.length).toBe(1 + 2 * 20); // the plain run has no U, V
  });
});

describe('chart SVG', () => {
  it('escapes the five XML characters', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  });

  it('builds well-formed SVG for every chart, with the title, settings, axes and legend printed on it', () => {
    const book = syntheticBook();
    const style = figureStyle(1200, false);
    const figures = {
      loss: lossFigure(book, RUNS, { logLoss: true, smoothing: 0.5, baselineLoss: 0.2, taskHasAccuracy: true }, style, HEADER),
      flow: flowFigure(book, RUNS, 'normalised', style, HEADER),
      flowLog: flowFigure(book, RUNS, 'log10', style, HEADER),
      spectrum: spectrumFigure(book, RUNS, style, HEADER),
      drift: driftFigure(book, RUNS, style, HEADER),
    };
    for (const [name, fig] of Object.entries(figures)) {
      const svg = figureToSvg(fig, HEADER.title);
      const { root, elements } = checkXml(svg);
      expect(root, name).toBe('svg');
      expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(svg).toContain('<title>Gradient flow &amp; &lt;spectrum&gt;</title>');
      expect(svg).toContain('copy T=100, n=64, batch 20, seed 1');
      expect(svg, name).toContain('>iteration</text>');
      expect(elements.get('polyline') ?? elements.get('rect') ?? 0, name).toBeGreaterThan(0);
      expect(svg).not.toContain('NaN');
      expect(svg).not.toContain('hidden run');
    }
    const loss = figureToSvg(figures.loss, 'loss');
    expect(loss).toContain('wide, &quot;m&quot; &lt;1&gt; &amp; more'); // legend with the escaped run name
    expect(loss).toContain('memoryless baseline 0.2');
    expect(loss).toContain('>accuracy %</text>');
    const flow = figureToSvg(figures.flow, 'flow');
    expect(flow).toContain('>time step t</text>');
    expect(flow).toContain('linearGradient'); // the colour bar
    expect(flow).toContain('norm / max');
    expect(figureToSvg(figures.spectrum, 's')).toContain('>singular value</text>');
    expect(figureToSvg(figures.drift, 'd')).toContain('U (solid)');
  });

  it("the accuracy panel draws each run's test accuracy over training, dotted, at its best weights as they stood at each round", () => {
    const book = syntheticBook();
    const ids = RUNS.map((r) => r.id);
    const score = (loss: number, accuracy: number, bestIteration?: number) => ({
      loss,
      accuracy,
      count: 100,
      ...(bestIteration === undefined ? {} : { bestIteration }),
    });
    const val = (acc: number[]) => ({ iteration: 0, split: 'validation' as const, runs: acc.map((a) => score(1, a)) });
    // round 5: every run takes best weights; round 10: only run 'a' does; round 15: none
    book.addEvaluation(
      {
        iteration: 5,
        results: [val([0.2, 0.3, 0.4, 0.5]), { iteration: 5, split: 'test', runs: [0.25, 0.35, 0.45, 0.55].map((a) => score(1, a, 5)) }],
      },
      ids,
    );
    book.addEvaluation(
      {
        iteration: 10,
        results: [
          val([0.6, 0.1, 0.1, 0.1]),
          { iteration: 10, split: 'test', runs: [score(1, 0.65, 10), ...[0.35, 0.45, 0.55].map((a) => score(1, a, 5))] },
        ],
      },
      ids,
    );
    book.addEvaluation({ iteration: 15, results: [val([0.1, 0.1, 0.1, 0.1])] }, ids);
    const fig = lossFigure(
      book,
      RUNS,
      { logLoss: false, smoothing: 0, baselineLoss: 0.2, taskHasAccuracy: true },
      figureStyle(1200, false),
      HEADER,
    );
    const dotted = fig.panels[1].marks.filter((m) => m.kind === 'line' && m.dash?.[0] === 1.5);
    expect(dotted.map((m) => (m.kind === 'line' ? [m.color, m.xs, m.ys] : null))).toEqual([
      ['#1f77b4', [5, 10, 15], [25, 65, 65]],
      ['#d62728', [5, 10, 15], [35, 35, 35]],
      ['#2ca02c', [5, 10, 15], [45, 45, 45]],
    ]);
    // the loss panel has no test lines; the legend says what the dotted lines are
    expect(fig.panels[0].marks.some((m) => m.kind === 'line' && m.dash?.[0] === 1.5)).toBe(false);
    expect(figureToSvg(fig, 'loss')).toContain('test at the best-validation weights as they stood at each round (dotted)');
  });

  it('keeps a 10,000-step heatmap small in SVG (at most 160 cells a side)', () => {
    const book = new MetricsBook(100);
    const run: ChartRun = { id: 'x', name: 'long', color: '#000000', hidden: false, margin: 0.01, parameterisation: 'factorised' };
    const recs: IterationRecord[] = [];
    for (let it = 1; it <= 300; it++) {
      const row = Float32Array.from({ length: 10_001 }, (_, t) => (t * it) % 97);
      recs.push({
        iteration: it,
        runs: [{ loss: 1, accuracy: NaN, softOrthPenalty: 0, weightDecayPenalty: 0 }],
        track: { flow: [row], spectrum: [null], drift: [null] },
      });
    }
    book.add(recs, ['x'], [0.01]);
    const svg = figureToSvg(flowFigure(book, [run], 'normalised', figureStyle(1200, false), HEADER), 't');
    checkXml(svg);
    expect((svg.match(/<rect /g) ?? []).length).toBeLessThanOrEqual(160 * 160 + 10);
  });
});

describe('spectrum figure', () => {
  it("prints why a run's latest spectrum is missing (never numbers it does not have)", () => {
    const book = syntheticBook(5);
    const plain = RUNS[2];
    book.add(
      [
        {
          iteration: 6,
          runs: RUNS.map(() => ({ loss: 1, accuracy: 1, softOrthPenalty: 0, weightDecayPenalty: 0 })),
          track: {
            flow: RUNS.map(() => new Float32Array(10)),
            spectrum: RUNS.map((r) => (r === plain ? null : Float32Array.from([1, 1, 1, 1]))),
            spectrumNote: RUNS.map((r) => (r === plain ? 'W has a NaN or infinite entry' : null)),
            drift: RUNS.map(() => null),
          },
        },
      ],
      RUNS.map((r) => r.id),
      RUNS.map((r) => (r.parameterisation === 'plain' ? null : r.margin)),
    );
    const svg = figureToSvg(spectrumFigure(book, RUNS, figureStyle(1200, false), HEADER), 's');
    expect(svg).toContain('no spectrum at iteration 6: W has a NaN or infinite entry');
    expect(svg.match(/no spectrum at iteration/g)).toHaveLength(1);
  });
  it("marks where a run restarted from its initialisation (history kept): a dotted line at that iteration in its spectrum panel, the legend's entry, and the words", () => {
    const book = syntheticBook();
    const plain = () => figureToSvg(spectrumFigure(book, RUNS, figureStyle(1200, false), HEADER), 's');
    expect(plain()).not.toContain('restart 12');
    expect(plain()).not.toContain('restarted from its initialisation');
    book.markRestart(
      'b',
      12,
      "restarted from its initialisation after iteration 12 (Model factorised → lstm): what it measured before is the earlier model's",
    );
    const fig = spectrumFigure(book, RUNS, figureStyle(1200, false), HEADER);
    // the line in the restarted run's panel only: panels alternate band, histogram; run b's band is the third
    const bands = fig.panels.filter((_, i) => i % 2 === 0);
    const dotted = (p: (typeof bands)[number]) =>
      p.marks.filter((m) => m.kind === 'line' && m.dash?.join() === '3,3' && m.xs[0] === 12 && m.xs[1] === 12);
    expect(bands.map((p) => dotted(p).length)).toEqual([0, 1, 0]);
    // its bands and lines break there (a NaN point at 12), the other runs' do not
    const gapsIn = (p: (typeof bands)[number]) =>
      p.marks.filter((m) => m.kind === 'line' && m.width === 2 && Array.from(m.ys).some((v, i) => Number.isNaN(v) && m.xs[i] === 12))
        .length;
    expect(bands.map(gapsIn)).toEqual([0, 1, 0]);
    const svg = figureToSvg(fig, 's');
    expect(svg).toContain('restart 12');
    expect(svg).toContain('restarted from its initialisation (left: the earlier model)');
    expect(restartLines(book, RUNS)).toEqual([
      `'wide, "m" <1> & more' restarted from its initialisation after iteration 12 (Model factorised → lstm): what it measured before is the earlier model's.`,
    ]);
    // the loss figure marks it too, in the run's colour, on the loss and the accuracy panel, with a legend entry
    const loss = lossFigure(
      book,
      RUNS,
      { logLoss: true, smoothing: 0, baselineLoss: 0.2, taskHasAccuracy: true },
      figureStyle(1200, false),
      HEADER,
    );
    const lossDotted = loss.panels.map(
      (p) => p.marks.filter((m) => m.kind === 'line' && m.dash?.join() === '3,3' && m.xs[0] === 12 && m.color === RUNS[1].color).length,
    );
    expect(lossDotted).toEqual([1, 1]);
    expect(figureToSvg(loss, 'l')).toContain('restarted from its initialisation, in the run');
    // a restart outside the iterations drawn is not drawn; a hidden run's is not listed
    book.markRestart('h', 5, 'restarted');
    book.markRestart('a', 500, 'restarted');
    expect(dotted(spectrumFigure(book, RUNS, figureStyle(1200, false), HEADER).panels[0])).toHaveLength(0);
    expect(restartLines(book, RUNS)).toHaveLength(2);
  });
  it("says on a factorised run's spectrum panel when its U, V are off orthogonal (s then is not W's spectrum)", () => {
    const book = syntheticBook();
    const svg = () => figureToSvg(spectrumFigure(book, RUNS, figureStyle(1200, false), HEADER), 's');
    expect(svg()).not.toContain('off orthogonal');
    const d = book.trace('b').drift;
    d.iterations.push(21);
    d.u.push(2e-3);
    d.v.push(1e-7);
    expect(svg()).toContain('U, V are off orthogonal by 2.0e-3: s is not W&apos;s spectrum');
    expect(offOrthogonal({ u: [1e-3], v: [1e-3] })).toBeNull();
    expect(offOrthogonal({ u: [Number.NaN], v: [0] })).toContain('a non-finite amount');
    expect(offOrthogonal({ u: [3.4028234663852886e38], v: [0] })).toContain('a non-finite amount');
    expect(offOrthogonal({ u: [0.5], v: [0] })).toContain('by 5.0e-1');
  });
});
