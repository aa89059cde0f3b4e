/**
 * The experiments the lab opens with (docs/SCIENCE.md section 5.5, 'interactive presets'): the copy task with a
 * sweep of spectral margins as runs (0, 0.01, 0.1, 1, none), as in the paper's Figure 1.
 *
 * - interactive: learning rates far above the paper's (tau 0.01, free lr 0.01, spectrum lr 0.01) so that
 *   something visible happens within seconds. Sized for the adapter: on a CPU (SwiftShader) T=10, n=32,
 *   B=32 (measured in Node/SwiftShader: ~99% copy accuracy in ~400 iterations at ~15 it/s for 3 runs);
 *   on a GPU the paper's sizes T=100, n=128, B=50. Over 5 seeds at the CPU sizes these rates are not robust
 *   (docs/bench/2026-12-03-seed-robustness.md: within 600 iterations the Figure 1 ordering is decided in 3
 *   of 5 seeds, m = 1 and no margin converge in 3 of 5; 0.02 is worse, 0.003 too slow for 600 iterations);
 *   no rate was yet shown to do better, so they stay.
 * - baselines: the row set of the paper's Tables 1 and 2 on the copy task, interactive rates: margins 0,
 *   0.1, 1, no margin from an orthogonal and from a Glorot start, and the LSTM baseline (clip 1, as the
 *   paper's LSTM). Measured headless (SwiftShader, T=10, n=32, B=32): after 800 iterations the LSTM still
 *   sat at the memoryless baseline while m=1 reached 99.7% accuracy.
 * - paper: the paper's sizes and rates (tau 1e-6, lr 1e-4, spectrum lr 1e-4): faithful, slow to move.
 * - MNIST, classroom: sequential MNIST at 14 x 14 read a row a step (14 steps of 14 pixels) on 2,000
 *   training images, tanh, interactive rates: margins 0, 0.1 and 1 and no margin. Measured headless
 *   (npm run train, SwiftShader, 2 cores, n = 32, batch 32, one seed, evaluated every 100 iterations): 300
 *   iterations in 50 s, test accuracy at the best validation weights m=0 84.7%, m=0.1 86.9%, m=1 86.4%,
 *   none 86.4%.
 * - Tables 1 and 2: the paper's run set on sequential and on permuted MNIST (784 one-pixel steps, n = 128,
 *   batch 50, tanh, the paper's rates): margins 0, 0.001, 0.01, 0.1, 1, no margin from orthogonal, Glorot and
 *   identity starts, and the LSTM.
 * - Tables 3 and 4: the paper's run set for character prediction (margins 0, 0.01, 0.1, 1, 100, no margin from
 *   orthogonal, Glorot and identity starts) on sentences of up to 75 and up to 300 characters, the paper's
 *   settings (n = 512, tanh, tau 1e-6, free lr 1e-3, clip 30), on the Brown corpus by default (the paper's
 *   numbers are PTB's).
 * - Table 3, classroom: Table 3's run set on sentences of up to 40 characters, n = 64, batch 32, larger rates
 *   (src/experiments/paperTables.ts). Not yet measured: the text task was not built when this preset was written.
 * - Figures 1, 2, 4, 5 and appendix 5.2 (src/experiments/paperFigures.ts), each as a classroom variant and
 *   at the paper's settings (the figure's first panel), and Table 5 (SGD against geodesic steps at n = 128).
 * The MNIST and text presets evaluate every epoch: validation at the epoch's weights, the test set at each
 * run's best-validation weights, shown beside the paper's tables (src/experiments/resultsTable.ts).
 */
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, RUN_COLORS, type RunSettings } from '../../engine/settings.ts';
import { INTERACTIVE_RATES, mnistClassroomGroup, mnistPaperGroup, mnistTableRuns, PAPER_RATES } from '../../experiments/mnistTables.ts';
import { PAPER_FIGURE_IDS, PAPER_FIGURES, type PaperFigureId, TABLE5 } from '../../experiments/paperFigures.ts';
import { BROWN_TRAINING_SENTENCES, PAPER_TABLES, type PaperTable, tableRuns } from '../../experiments/paperTables.ts';

export const PRESET_MARGINS: readonly (number | null)[] = [0, 0.01, 0.1, 1, null];

export type PresetId =
  | 'interactive'
  | 'baselines'
  | 'paper'
  | 'mnist-classroom'
  | 'table1'
  | 'table2'
  | 'table3'
  | 'table4'
  | 'table3-classroom'
  | `${PaperFigureId}`
  | `${PaperFigureId}-classroom`
  | 'table5';

export interface Experiment {
  group: GroupSettings;
  runs: RunSettings[];
}

export interface Preset {
  id: PresetId;
  label: string;
  /** what the preset is, listed under the preset selector, behind its disclosure */
  description: string;
  experiment: Experiment;
}

export function marginRunName(margin: number | null): string {
  return margin === null ? 'none' : `m=${margin}`;
}

function marginSweep(rates: Pick<RunSettings, 'lrGeodesic' | 'lrFree' | 'lrSpectrum'>): RunSettings[] {
  return PRESET_MARGINS.map((margin, i) => ({
    ...PAPER_RUN,
    ...rates,
    name: marginRunName(margin),
    color: RUN_COLORS[i % RUN_COLORS.length],
    margin,
  }));
}

/** Tables 1-2's rows as runs: margins, no margin from two starts, and the LSTM baseline. */
function baselineRuns(rates: Pick<RunSettings, 'lrGeodesic' | 'lrFree' | 'lrSpectrum'>): RunSettings[] {
  const rows: Partial<RunSettings>[] = [
    { name: 'm=0', margin: 0 },
    { name: 'm=0.1', margin: 0.1 },
    { name: 'm=1', margin: 1 },
    { name: 'none (orthogonal)', margin: null },
    { name: 'none (Glorot)', margin: null, init: 'glorot' },
    { name: 'LSTM', parameterisation: 'lstm', margin: null, clip: 1 },
  ];
  return rows.map((row, i) => ({ ...PAPER_RUN, ...rates, color: RUN_COLORS[i % RUN_COLORS.length], ...row }) as RunSettings);
}

/**
 * The first screen's rates on a CPU adapter (T = 10, n = 32, batch 32): 0.003, measured over 5 seeds at 0.01,
 * 0.02, 0.003 and 0.001 (docs/bench/2026-12-03-seed-robustness.md): the only rate at which Figure 1's
 * "m = 0 converges slowest" held in 5 of 5 seeds (at 90% training accuracy, within 2,000 iterations).
 */
export const FIRST_SCREEN_CPU_RATES = { lrGeodesic: 0.003, lrFree: 0.003, lrSpectrum: 0.003 } as const;

/** The sizes an interactive experiment gets on this adapter. */
export function interactiveGroup(software: boolean): GroupSettings {
  return software ? { ...PAPER_GROUP, T: 10, hidden: 32, batchSize: 32 } : { ...PAPER_GROUP };
}

/** A text table's preset description: what it trains, for how long the paper trained, whose numbers they are. */
function textPresetDescription(table: PaperTable, classroom: boolean, software: boolean): string {
  const v = classroom ? table.classroom : table.paper;
  const maxLength = v.group.maxLength ?? 75;
  const sentences = BROWN_TRAINING_SENTENCES[maxLength];
  const epoch = sentences
    ? ` On Brown, ${sentences.toLocaleString('en-US')} training sentences are that short: an epoch is ${Math.ceil(sentences / v.group.batchSize).toLocaleString('en-US')} iterations of batch ${v.group.batchSize}.`
    : '';
  const runs = 'margins 0, 0.01, 0.1, 1 and 100, and no margin from orthogonal, Glorot and identity starts';
  const paperSentences = BROWN_TRAINING_SENTENCES[table.paper.group.maxLength ?? 75];
  const paperIterations = paperSentences ? table.paper.epochs * Math.ceil(paperSentences / table.paper.group.batchSize) : null;
  const paperTime = `The paper trained ${table.paper.epochs} epochs (on PTB), test figures at the best validation accuracy's weights${paperIterations ? `; on Brown that is ${paperIterations.toLocaleString('en-US')} iterations of ${table.rows.length} runs at n = 512` : ''}.`;
  const cost = classroom
    ? ` Meant to read within minutes on a laptop GPU; headless on SwiftShader (a CPU adapter${software ? ', as here' : ''}) Table 3's classroom took 622 s of CPU time for its 582 iterations of 8 runs.`
    : ` Not timed here: hours at least on a GPU${software ? ', far longer on this CPU adapter' : ''}.`;
  const body = classroom
    ? `Character prediction, classroom: ${table.label}'s run set (${runs}) on Brown sentences of up to ${maxLength} characters (the paper's ${table.label}: up to ${table.paper.group.maxLength}), n = ${v.group.hidden}, batch ${v.group.batchSize}, tanh, tau, lr and spectrum lr 0.01, clip 30, ${v.epochs} epochs; not the paper's setting.`
    : `Character prediction on sentences of up to ${maxLength} characters, the paper's run set (${runs}) and settings: n = 512, batch 50, tanh, tau = 1e-6, lr = 1e-3, spectrum lr = 1e-4, clip 30.`;
  return `${body}${epoch} ${paperTime}${cost} The paper's numbers beside the results are PTB's; the default corpus here is Brown (load ptb.train.txt, ptb.valid.txt and ptb.test.txt in the Data sets panel and set the corpus to files to train on PTB). Loads Brown (once).`;
}

function textPreset(table: PaperTable, classroom: boolean, software: boolean): Preset {
  const v = classroom ? table.classroom : table.paper;
  const what = table.id === 'table3' ? 'short sentences' : 'long sentences';
  return {
    id: classroom ? 'table3-classroom' : (table.id as 'table3' | 'table4'),
    label: classroom
      ? `${table.label}, classroom: character prediction on short sentences (Brown, up to ${v.group.maxLength} characters)`
      : `${table.label}: character prediction, ${what} (up to ${v.group.maxLength} characters), the paper's run set and settings`,
    description: textPresetDescription(table, classroom, software),
    experiment: { group: { ...v.group, evaluateEvery: 'epoch' }, runs: tableRuns(table, v) },
  };
}

/**
 * A figure's presets (src/experiments/paperFigures.ts): the paper's settings and the classroom variant, each
 * its first part's run group (a figure of several panels, such as Figure 1's four T, trains the others with
 * `npm run reproduce`, which the description names).
 */
function figurePresets(id: PaperFigureId, software: boolean): Preset[] {
  const f = PAPER_FIGURES[id];
  const both = `The paper's settings: ${f.paper.settings.replace(/^the paper's setting( where it gives one)?: /, '')}. The classroom variant (not the paper's setting): ${f.classroom.settings.replace(/^the classroom variant, not the paper's setting: /, '')}.`;
  const claims = (c: { statement: string }[]) => c.map((x) => x.statement).join('; ');
  const preset = (classroom: boolean): Preset => {
    const v = classroom ? f.classroom : f.paper;
    const part = v.parts[0];
    const others = v.parts.slice(1);
    const rest = others.length
      ? ` This preset is its first panel (${part.title}); the other panels (${others.map((p) => p.title).join('; ')}) are trained by the reproduce command.`
      : '';
    const cost = classroom
      ? ` Sized for a CPU adapter (${part.iterations} iterations; the times measured on one are in docs/reproduction.md).`
      : ` The paper's sizes${software ? ': slow on this CPU adapter, use the classroom variant' : ''} (${part.iterations.toLocaleString('en-US')} iterations).`;
    return {
      id: classroom ? `${id}-classroom` : id,
      label: `${f.label}${classroom ? ', classroom' : ''}: ${part.title.replace(/^[^,:]*[,:]\s*/, '').replace(/\s*\(classroom\)/, '')}${classroom ? '' : " (the paper's settings)"}`,
      description: `${f.statement} ${both}${rest}${cost} Claims checked: ${claims(part.claims)}. \`npm run reproduce -- ${id}${classroom ? ' --classroom' : ''}\` trains every panel headless and writes each claim's verdict.`,
      experiment: { group: { ...part.group }, runs: part.runs.map((r) => ({ ...r })) },
    };
  };
  return [preset(true), preset(false)];
}

/** Table 5 in the lab: the plain RNN with SGD and the factorised RNN with geodesic steps at n = 128, side by side. */
function table5Preset(): Preset {
  return {
    id: 'table5',
    label: 'Table 5: time per iteration, plain RNN with SGD against geodesic steps (n = 128, copy T = 100)',
    description: `${TABLE5.statement} ${TABLE5.paper.settings}. The lab trains both in one group and shows their joint speed; \`npm run reproduce -- table5\` times each alone at n = 128, 500 and 1000 and writes them beside the paper's GTX-770 seconds (21.9 and 40.4 at n = 128).`,
    experiment: {
      group: { ...PAPER_GROUP, task: 'copy', T: 100, hidden: 128, batchSize: 50, optimizer: 'sgd', trackEvery: 100 },
      runs: [
        { ...PAPER_RUN, name: 'sgd (plain)', color: RUN_COLORS[0], parameterisation: 'plain', margin: null },
        { ...PAPER_RUN, name: 'geodesic (m=0)', color: RUN_COLORS[1], parameterisation: 'factorised', margin: 0 },
      ],
    },
  };
}

export function presets(software: boolean): Preset[] {
  const g = interactiveGroup(software);
  const sized = software
    ? `Sizes are reduced because this adapter is a CPU (software WebGPU): T=${g.T}, n=${g.hidden}, batch ${g.batchSize}.`
    : `The paper's sizes: T=${g.T}, n=${g.hidden}, batch ${g.batchSize}.`;
  return [
    {
      id: 'interactive',
      label: 'Copy task, margin sweep (interactive)',
      description: software
        ? `Interactive: learning rates raised to tau = lr = spectrum lr = 0.003 (the paper uses 1e-6, 1e-4, 1e-4) so the runs move within seconds and the margins sort within about 1,000 iterations (under a minute here). Chosen over 5 seeds (docs/bench/2026-12-03-seed-robustness.md): at 0.003, m = 0 reaches 90% training accuracy last in 5 of 5 seeds (by iteration 790 to 898; no margin first, at 340 to 635); at 0.01 it was decided in only 3 of 5, the runs falling back on the others. ${sized}`
        : `Interactive: learning rates raised to tau = 0.01, lr = 0.01, spectrum lr = 0.01 (the paper uses 1e-6, 1e-4, 1e-4) so the runs move within seconds (at these sizes not yet measured over seeds: the CPU adapter's smaller screen takes 0.003). ${sized}`,
      experiment: { group: g, runs: marginSweep(software ? FIRST_SCREEN_CPU_RATES : INTERACTIVE_RATES) },
    },
    {
      id: 'baselines',
      label: 'Copy task: margins, free spectrum and the LSTM baseline (interactive)',
      description: `The run set of the paper's Tables 1 and 2 on the copy task: margins 0, 0.1 and 1, no margin from an orthogonal and from a Glorot start, and the LSTM baseline (peepholes, forget-gate bias 1, clip 1). Interactive rates as above. ${sized} On the copy task the LSTM stays near the memoryless baseline long after the orthogonal RNNs have solved it: watch its gradient flow fade towards the early steps.`,
      experiment: { group: g, runs: baselineRuns(INTERACTIVE_RATES) },
    },
    {
      id: 'paper',
      label: 'Copy task, margin sweep (paper settings)',
      description: `The paper's settings: T=100, n=128, batch 50, tau = 1e-6, lr = 1e-4, spectrum lr = 1e-4. Faithful but slow: expect little movement for thousands of iterations${software ? ', and on this CPU adapter each iteration takes long' : ''}.`,
      experiment: { group: { ...PAPER_GROUP }, runs: marginSweep(PAPER_RATES) },
    },
    {
      id: 'mnist-classroom',
      label: 'Sequential MNIST, classroom (14 x 14, a row a step)',
      description: `Digits averaged to 14 x 14 and read a row a step (14 steps of 14 pixels, not the paper's 784 single pixels), tanh, margins 0, 0.1 and 1 and no margin, interactive rates. ${software ? 'On this CPU adapter 2,000 training images, n = 32, batch 32: measured headless on a 2-core machine without a GPU, 300 iterations (under a minute) reached test accuracies of 84.7% (m = 0), 86.9% (m = 0.1), 86.4% (m = 1) and 86.4% (no margin): the hard orthogonal model behind, as in the paper.' : 'All 50,000 training images, n = 128, batch 50.'} Loads MNIST (11.5 MB, once).`,
      experiment: {
        group: { ...mnistClassroomGroup('mnist', software), evaluateEvery: 'epoch' },
        runs: [0, 0.1, 1, null].map((margin, i) => ({
          ...PAPER_RUN,
          ...INTERACTIVE_RATES,
          nonlinearity: 'tanh',
          name: marginRunName(margin),
          color: RUN_COLORS[i],
          margin,
        })),
      },
    },
    {
      id: 'table1',
      label: "Table 1: sequential MNIST, the paper's run set and settings",
      description: `784 one-pixel steps, n = 128, batch 50, tanh, tau = 1e-6, lr = 1e-4, spectrum lr = 1e-4: margins 0, 0.001, 0.01, 0.1, 1, no margin from orthogonal, Glorot and identity starts, and the LSTM. The paper trained 120 epochs (the LSTM 150) of 1,000 iterations: hours on a GPU${software ? ', far longer on this CPU adapter' : ''}. Its loss chart is the left of the paper's Figure 6.`,
      experiment: { group: { ...mnistPaperGroup('mnist'), evaluateEvery: 'epoch' }, runs: mnistTableRuns(PAPER_RATES) },
    },
    {
      id: 'table2',
      label: "Table 2: permuted MNIST, the paper's run set and settings",
      description:
        "As Table 1 on permuted MNIST: the 784 pixels in one fixed random order (permutation seed 1), the same for every run and split, so that the class depends on pixels hundreds of steps apart. Its spectrum chart is the paper's Figure 3 (the singular values' bands of the margins and the Glorot start over training), its loss chart the right of Figure 6.",
      experiment: { group: { ...mnistPaperGroup('pmnist'), evaluateEvery: 'epoch' }, runs: mnistTableRuns(PAPER_RATES) },
    },
    textPreset(PAPER_TABLES.table3, true, software),
    textPreset(PAPER_TABLES.table3, false, software),
    textPreset(PAPER_TABLES.table4, false, software),
    ...PAPER_FIGURE_IDS.flatMap((id) => figurePresets(id, software)),
    table5Preset(),
  ];
}

export function defaultExperiment(software: boolean): Experiment {
  return presets(software)[0].experiment;
}

/** A new run to add to an experiment: a copy of the last run's rates with the next free colour. */
export function nextRun(existing: readonly RunSettings[]): RunSettings {
  const base = existing[existing.length - 1] ?? { ...PAPER_RUN, ...INTERACTIVE_RATES };
  const used = new Set(existing.map((r) => r.color));
  const color = RUN_COLORS.find((c) => !used.has(c)) ?? RUN_COLORS[existing.length % RUN_COLORS.length];
  return { ...base, color, name: `run ${existing.length + 1}` };
}
