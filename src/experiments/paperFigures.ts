/**
 * The paper's figures (and Table 5), one registry (issue 11): per figure its id, its title, the paper's own
 * statement, the settings the paper gives (and where it is silent), its claims as checks on recorded curves
 * (claims.ts), and two ways of training it: the paper's settings and a classroom variant (minutes on a CPU
 * adapter, stated as not the paper's). A figure is one or more parts; a part is one run group (one T, one
 * model family) drawn as one chart. The lab's presets (src/app/lab/presets.ts) and `npm run reproduce --
 * figureN` (src/cli/reproduce.ts) both read it, so a figure's runs, settings and claims are written once.
 *
 * The paper (docs/SCIENCE.md section 8): factorised RNNs, n = 128, batch 50, RMSprop lr 1e-4 on the free
 * parameters and geodesic steps at tau 1e-6 on U and V, clip 100, weight decay 1e-4, "an epoch" of the
 * synthetic tasks being 100 minibatches; the copy task without a transition nonlinearity.
 *
 * Converging on the copy task means accuracy (over the 10 recalled symbols) at or above 0.9 on the mean of
 * the last 20 recorded iterations (0.75 in the classroom variants: CLASSROOM_COPY_CONVERGED); on the adding task an MSE at or below 0.05 (the memoryless baseline is
 * 0.167) on the same window. These thresholds are this registry's, not the paper's (the paper reads its
 * curves by eye).
 */

import { type GroupSettings, PAPER_GROUP, PAPER_RUN, RUN_COLORS, type RunSettings } from '../engine/settings.ts';
import type { Claim, Criterion } from './claims.ts';

export type PaperFigureId = 'figure1' | 'figure2' | 'figure4' | 'figure5' | 'appendix';
export const PAPER_FIGURE_IDS: readonly PaperFigureId[] = ['figure1', 'figure2', 'figure4', 'figure5', 'appendix'];

/**
 * What a part's claims read from a run's record: training accuracy, training loss (the adding task's MSE),
 * or the gradient-flow spread (at each tracked iteration, min over t / max over t of |dL_last/dh_t|: 1 when
 * the norm is preserved across time, the paper's Figure 2 normalised across time).
 */
export type CurveMetric = 'accuracy' | 'loss' | 'flowSpread';

export interface FigurePart {
  /** names the part's folder and files: 'T200', 'soft-plain' */
  id: string;
  /** 'Figure 1, T = 200' */
  title: string;
  /** the chart the part draws: the loss and accuracy curves, or the gradient flow */
  chart: 'loss' | 'flow';
  metric: CurveMetric;
  group: GroupSettings;
  runs: RunSettings[];
  iterations: number;
  claims: Claim[];
}

export interface FigureVariant {
  /** the settings in words (the reproduce command's help and report, the lab's preset description) */
  settings: string;
  parts: FigurePart[];
}

export interface PaperFigure {
  id: PaperFigureId;
  /** 'Figure 1' */
  label: string;
  /** the title the report writes */
  title: string;
  /** what the paper says the figure shows, in its own words where the OCR keeps them */
  statement: string;
  /** what the paper leaves unsaid that these settings had to choose */
  silent: string;
  /** the paper's claims that are stated but not checked here, and why */
  notChecked: readonly string[];
  paper: FigureVariant;
  classroom: FigureVariant;
}

/** Copy-task convergence: accuracy >= 0.9 on the mean of 20 recorded iterations. */
export const COPY_CONVERGED: Criterion = { metric: 'accuracy', threshold: 0.9, direction: 'above', window: 20 };
/**
 * The classroom's copy criterion: accuracy >= 0.75 on the mean of 20 iterations. Set after the first
 * classroom run of Figure 1 (T = 20, rates 1e-3, 1000 iterations, SwiftShader): no run reached 0.9 within
 * its budget, while the ordering of the margins showed by 0.75 (docs/reproduction.md says so beside it).
 */
export const CLASSROOM_COPY_CONVERGED: Criterion = { metric: 'accuracy', threshold: 0.75, direction: 'above', window: 20 };
/** Adding-task convergence: MSE <= 0.05 (the baseline: 0.167) on the mean of 20 recorded iterations. */
export const ADDING_CONVERGED: Criterion = { metric: 'MSE', threshold: 0.05, direction: 'below', window: 20 };
/** The gradient norm is no longer preserved across time: its spread (min / max over t) at or below 0.5. */
export const FLOW_LOST: Criterion = { metric: 'gradient-norm spread (min/max over t)', threshold: 0.5, direction: 'below', window: 1 };
/** The gradient norm is not preserved across time at some tracked iteration: spread at or below 0.9. */
export const FLOW_BELOW_09: Criterion = { metric: 'gradient-norm spread (min/max over t)', threshold: 0.9, direction: 'below', window: 1 };

/** The paper's copy settings: n = 128, batch 50, no nonlinearity, tau 1e-6, lr 1e-4, spectrum lr 1e-4. */
const PAPER_COPY_RUN: Partial<RunSettings> = { nonlinearity: 'linear' };
/** The classroom's rates: tau, lr and spectrum lr 1e-3 (issue 11: at 0.01 the copy curves were not stable over seeds). */
export const CLASSROOM_RATES: Pick<RunSettings, 'lrGeodesic' | 'lrFree' | 'lrSpectrum'> = {
  lrGeodesic: 1e-3,
  lrFree: 1e-3,
  lrSpectrum: 1e-3,
};

/**
 * Figure 5's classroom rates: tau, lr and spectrum lr 1e-2. At the other classroom variants' 1e-3 no adding run
 * left the baseline MSE within 1500 iterations (T = 50); see figure5() for the sweeps.
 */
export const FIGURE5_CLASSROOM_RATES: Pick<RunSettings, 'lrGeodesic' | 'lrFree' | 'lrSpectrum'> = {
  lrGeodesic: 1e-2,
  lrFree: 1e-2,
  lrSpectrum: 1e-2,
};

export const FIGURE1_MARGINS: readonly (number | null)[] = [0, 0.001, 0.01, 0.1, 1, null];
export const FIGURE5_MARGINS: readonly (number | null)[] = [0, 1, 10, 100, null];
export const FIGURE4_STRENGTHS: readonly number[] = [0.0001, 0.001, 0.01, 0.1, 1, 10, 100];

export function marginName(m: number | null): string {
  return m === null ? 'none' : `m=${m}`;
}

function runsOf(rows: readonly Partial<RunSettings>[], shared: Partial<RunSettings>): RunSettings[] {
  return rows.map((row, i) => ({ ...PAPER_RUN, ...shared, color: RUN_COLORS[i % RUN_COLORS.length], ...row }) as RunSettings);
}

function marginRuns(margins: readonly (number | null)[], shared: Partial<RunSettings>): RunSettings[] {
  return runsOf(
    margins.map((m) => ({ name: marginName(m), margin: m })),
    shared,
  );
}

/** Sizes a figure's part is trained at: the paper's (n = 128, batch 50) or the classroom's. */
interface Sizes {
  hidden: number;
  batchSize: number;
  trackEvery: number;
}
const PAPER_SIZES: Sizes = { hidden: 128, batchSize: 50, trackEvery: 100 };
const CLASSROOM_SIZES: Sizes = { hidden: 32, batchSize: 32, trackEvery: 20 };

function copyGroup(T: number, s: Sizes, over: Partial<GroupSettings> = {}): GroupSettings {
  return { ...PAPER_GROUP, task: 'copy', T, hidden: s.hidden, batchSize: s.batchSize, trackEvery: s.trackEvery, ...over };
}

const slowest = (runs: readonly string[], slow: string, criterion: Criterion, what: string): Claim => ({
  kind: 'slower',
  statement: `${slow} converges slowest${what}`,
  slower: slow,
  than: runs.filter((r) => r !== slow),
  criterion,
});

// ---------------------------------------------------------------- Figure 1

function figure1Part(T: number, s: Sizes, iterations: number, rates: Partial<RunSettings>, tag: string, longest: boolean): FigurePart {
  const runs = marginRuns(FIGURE1_MARGINS, { ...PAPER_COPY_RUN, ...rates });
  const converged = tag.includes('classroom') ? CLASSROOM_COPY_CONVERGED : COPY_CONVERGED;
  const claims: Claim[] = longest
    ? [
        ...['m=0.01', 'm=0.1', 'm=1'].map(
          (n): Claim => ({
            kind: 'slower',
            statement: `${tag}: ${n} converges slower than m=0.001 (margins above 0.001 are slower at the longest T)`,
            slower: n,
            than: ['m=0.001'],
            criterion: converged,
          }),
        ),
        {
          kind: 'never',
          statement: `${tag}: no margin fails to converge within ${iterations} iterations`,
          run: 'none',
          within: iterations,
          criterion: converged,
        },
      ]
    : [
        slowest(['m=0', 'm=0.1', 'm=1'], 'm=0', converged, ` (after m=0.1 and m=1), ${tag}`),
        {
          kind: 'slower',
          statement: `${tag}: m=0.001 converges slower than m=1 (convergence speeds up with the margin)`,
          slower: 'm=0.001',
          than: ['m=1'],
          criterion: converged,
        },
        {
          kind: 'reaches',
          statement: `${tag}: m=1 converges within ${iterations} iterations`,
          run: 'm=1',
          within: iterations,
          criterion: converged,
        },
      ];
  return {
    id: `T${T}`,
    title: `Figure 1, copy T = ${T}${tag.includes('classroom') ? ' (classroom)' : ''}`,
    chart: 'loss',
    metric: 'accuracy',
    group: copyGroup(T, s, T >= 5000 ? { recompute: 'auto' } : {}),
    runs,
    iterations,
    claims,
  };
}

function figure1(): PaperFigure {
  const paperRates = { lrGeodesic: 1e-6, lrFree: 1e-4, lrSpectrum: 1e-4 };
  return {
    id: 'figure1',
    label: 'Figure 1',
    title: 'Figure 1: copy-task accuracy for T = 200, 500, 1000 and 10000, margins 0, 0.001, 0.01, 0.1, 1 and none',
    statement:
      '"we see an increase in the rate of convergence as we increase the spectral margin. This observation generally holds across the tested sequence lengths (T = 200, T = 500, T = 1000, T = 10000); however, large spectral margins hinder convergence on extremely long sequence lengths. At sequence length T = 10000, parameterizations with spectral margins larger than 0.001 converge slower than when using a margin of 0.001. In addition, the experiment without a margin failed to converge on the longest sequence length." (section 3.1.1)',
    silent:
      "The paper does not state the training length of each panel (its OCR'd x axes read up to about 160 to 200+ epochs of 100 minibatches): 20,000 iterations here (30,000 at T = 10000). It does not say how T = 10000 was kept in memory: recomputation ('auto') here. It reads convergence by eye: accuracy >= 0.9 on the mean of 20 iterations here.",
    notChecked: [],
    paper: {
      settings:
        "the paper's setting: copy T = 200, 500, 1000, 10000 (recomputation where full storage does not fit), factorised RNN, n = 128, batch 50, no nonlinearity, tau 1e-6, lr 1e-4, spectrum lr 1e-4 (rescaled by 1/2m), RMSprop, clip 100, weight decay 1e-4",
      parts: [
        figure1Part(200, PAPER_SIZES, 20_000, paperRates, 'T=200', false),
        figure1Part(500, PAPER_SIZES, 20_000, paperRates, 'T=500', false),
        figure1Part(1000, PAPER_SIZES, 20_000, paperRates, 'T=1000', false),
        figure1Part(10000, PAPER_SIZES, 30_000, paperRates, 'T=10000', true),
      ],
    },
    classroom: {
      settings:
        "the classroom variant, not the paper's setting: copy T = 20 (the trend of the first three panels, 1000 iterations) and T = 40 (standing in for the longest, T = 10000, 800 iterations), n = 32, batch 32, no nonlinearity, tau, lr and spectrum lr 1e-3",
      parts: [
        figure1Part(20, CLASSROOM_SIZES, 1000, CLASSROOM_RATES, 'T=20 (classroom)', false),
        figure1Part(40, CLASSROOM_SIZES, 800, CLASSROOM_RATES, 'T=40 (classroom, for T=10000)', true),
      ],
    },
  };
}

// ---------------------------------------------------------------- Figure 2

function figure2Part(T: number, s: Sizes, iterations: number, rates: Partial<RunSettings>, tag: string): FigurePart {
  return {
    id: `T${T}`,
    title: `Figure 2, gradient flow on copy T = ${T}${tag ? ` ${tag}` : ''}`,
    chart: 'flow',
    metric: 'flowSpread',
    group: copyGroup(T, s, { trackEvery: Math.max(1, Math.round(iterations / 50)) }),
    runs: marginRuns(FIGURE1_MARGINS, { ...PAPER_COPY_RUN, ...rates }),
    iterations,
    claims: [
      {
        kind: 'never',
        statement: `m=0 preserves the gradient norm across time steps (its spread min/max over t stays above 0.9 for ${iterations} iterations)`,
        run: 'm=0',
        within: iterations,
        criterion: FLOW_BELOW_09,
      },
      {
        kind: 'slower',
        statement:
          'the larger the margin, the sooner the norm preservation ends: m=0.001 loses it (spread <= 0.5) after m=1 and no margin do',
        slower: 'm=0.001',
        than: ['m=1', 'none'],
        criterion: FLOW_LOST,
      },
    ],
  };
}

function figure2(): PaperFigure {
  return {
    id: 'figure2',
    label: 'Figure 2',
    title: 'Figure 2: gradient flow (|dL_last/dh_t| normalised across time) on the copy task, T = 200, margins 0 to none',
    statement:
      '"for a purely orthogonal parameterization of the transition matrix (when the margin is zero), the gradient norm is preserved across time steps, as expected. We further observe that with increasing margin size, the number of update steps over which this norm preservation survives decreases, though surprisingly not as quickly as expected." (section 3.1.3; the figure: a length 220 RNN over 1000 update iterations)',
    silent:
      "The paper gives T = 200 (220 steps) and 1000 iterations; the rates and sizes are its defaults (n = 128, batch 50, tau 1e-6, lr 1e-4). How the figure was normalised beyond 'across the time dimension' is not said: here each tracked iteration's norms are divided by their maximum over t, and the claims read the spread min/max over t (<= 0.5: the norm is no longer preserved).",
    notChecked: ["'not as quickly as expected' names no expectation to check against."],
    paper: {
      settings:
        "the paper's setting: copy T = 200 (220 steps), 1000 iterations, factorised RNN, n = 128, batch 50, no nonlinearity, tau 1e-6, lr 1e-4, spectrum lr 1e-4, gradient flow tracked every 20 iterations",
      parts: [figure2Part(200, PAPER_SIZES, 1000, { lrGeodesic: 1e-6, lrFree: 1e-4, lrSpectrum: 1e-4 }, '')],
    },
    classroom: {
      settings:
        "the classroom variant, not the paper's setting: copy T = 20 (40 steps), 500 iterations, n = 32, batch 32, no nonlinearity, tau, lr and spectrum lr 1e-3, gradient flow tracked every 10 iterations",
      parts: [figure2Part(20, CLASSROOM_SIZES, 500, CLASSROOM_RATES, '(classroom)')],
    },
  };
}

// ---------------------------------------------------------------- Figure 4

function strengthName(kind: 'soft' | 'prior', v: number): string {
  return `${kind === 'soft' ? 'soft' : 'prior'} ${v}`;
}

function figure4Part(
  id: string,
  title: string,
  T: number,
  s: Sizes,
  iterations: number,
  strengths: readonly number[],
  kind: 'soft' | 'prior',
  shared: Partial<RunSettings>,
  group: Partial<GroupSettings>,
  withZero: boolean,
): FigurePart {
  const key = kind === 'soft' ? 'softOrth' : 'prior';
  const rows: Partial<RunSettings>[] = strengths.map((v) => ({ name: strengthName(kind, v), [key]: v }));
  if (withZero) rows.push({ name: `${kind === 'soft' ? 'soft' : 'prior'} 0`, [key]: 0 });
  const runs = runsOf(rows, { ...PAPER_COPY_RUN, ...shared });
  const weakest = strengthName(kind, strengths[0]);
  const strongest = strengthName(kind, strengths[strengths.length - 1]);
  const claims: Claim[] = [
    {
      kind: 'slower',
      statement: `${title}: the strongest ${kind === 'soft' ? 'penalty' : 'prior'} (${strongest}) converges slower than the weakest (${weakest})`,
      slower: strongest,
      than: [weakest],
      criterion: title.includes('(classroom)') ? CLASSROOM_COPY_CONVERGED : COPY_CONVERGED,
    },
  ];
  return { id, title, chart: 'loss', metric: 'accuracy', group: copyGroup(T, s, group), runs, iterations, claims };
}

function figure4(): PaperFigure {
  const paperSgd = { lrGeodesic: 1e-6, lrFree: 1e-5, lrSpectrum: 1e-5, rescaleSpectrum: false };
  const classroomStrengths = [0.001, 0.1, 10];
  const classroomSgd = { lrGeodesic: 1e-3, lrFree: 0.1, lrSpectrum: 0.1, rescaleSpectrum: false };
  return {
    id: 'figure4',
    label: 'Figure 4',
    title:
      'Figure 4: copy-task accuracy under soft constraints: a soft orthogonality penalty (left: plain RNN, T = 200; left centre: factorised, T = 500) and a mean-one Gaussian prior on the spectrum (right centre: no margin; right: margin 1), strengths 0.0001 to 100',
    statement:
      '"weakening the strength of the orthogonality-encouraging penalty can increase convergence speed." "We see that priors which are too strong lead to slow convergence. Loosening the strength of the prior makes the optimization more efficient. ... Without the sigmoidal parameterization, optimization quickly becomes unstable; on the other hand, the optimization also becomes unstable if the prior is removed completely in the sigmoidal formulation (margin 1)." (section 3.2)',
    silent:
      "The paper gives the strengths (0.0001 to 100, the legend), T, the plain RNN's learning rate (1e-5) and, for the prior, geodesic steps at 1e-6 and 'regular SGD' at 1e-5 on the rest (plain SGD here; the release's 'SGD' is Nesterov momentum, docs/SCIENCE.md section 5). It does not say the optimiser of the soft-orthogonality panels (RMSprop here, the paper's default), the margin of the factorised soft-orthogonality run (none here: with a margin the penalty barely moves s), or the training length (its OCR'd axes: about 1000 epochs left, 300 elsewhere: 100,000 and 30,000 iterations here). The prior's margin-1 panel is given a run without the prior (strength 0), which the text describes.",
    notChecked: [
      "'optimization quickly becomes unstable' (no sigmoid; margin 1 without the prior): instability is read by eye on the curves, not checked (no claim kind says 'unstable').",
    ],
    paper: {
      settings:
        "the paper's setting: copy, n = 128, batch 50, no nonlinearity; soft orthogonality 0.0001 to 100 on a plain RNN at T = 200 (RMSprop lr 1e-5) and on a factorised RNN without a margin at T = 500 (tau 1e-6, lr 1e-4); the Gaussian prior 0.0001 to 100 on a factorised RNN at T = 200 without a margin and with margin 1 (and without the prior), tau 1e-6, plain SGD lr 1e-5 on the rest",
      parts: [
        figure4Part(
          'soft-plain',
          'Figure 4 left: soft orthogonality, plain RNN, T = 200',
          200,
          PAPER_SIZES,
          100_000,
          FIGURE4_STRENGTHS,
          'soft',
          { parameterisation: 'plain', margin: null, lrFree: 1e-5 },
          {},
          false,
        ),
        figure4Part(
          'soft-factorised',
          'Figure 4 left centre: soft orthogonality, factorised, T = 500',
          500,
          PAPER_SIZES,
          30_000,
          FIGURE4_STRENGTHS,
          'soft',
          { margin: null, lrGeodesic: 1e-6, lrFree: 1e-4 },
          {},
          false,
        ),
        figure4Part(
          'prior-free',
          'Figure 4 right centre: Gaussian prior, no margin, T = 200',
          200,
          PAPER_SIZES,
          30_000,
          FIGURE4_STRENGTHS,
          'prior',
          { margin: null, ...paperSgd },
          { optimizer: 'sgd' },
          false,
        ),
        figure4Part(
          'prior-margin1',
          'Figure 4 right: Gaussian prior, margin 1, T = 200',
          200,
          PAPER_SIZES,
          30_000,
          FIGURE4_STRENGTHS,
          'prior',
          { margin: 1, ...paperSgd },
          { optimizer: 'sgd' },
          true,
        ),
      ],
    },
    classroom: {
      settings:
        "the classroom variant, not the paper's setting: copy T = 20, n = 32, batch 32, no nonlinearity, strengths 0.001, 0.1 and 10; soft orthogonality on a plain RNN (RMSprop lr 1e-3) and on a factorised RNN without a margin (tau and lr 1e-3); the prior without a margin and with margin 1 (and at 0), tau 1e-3, plain SGD lr 0.1",
      parts: [
        figure4Part(
          'soft-plain',
          'Figure 4 left (classroom): soft orthogonality, plain RNN, T = 20',
          20,
          CLASSROOM_SIZES,
          800,
          classroomStrengths,
          'soft',
          { parameterisation: 'plain', margin: null, ...CLASSROOM_RATES },
          {},
          false,
        ),
        figure4Part(
          'soft-factorised',
          'Figure 4 left centre (classroom): soft orthogonality, factorised, T = 20',
          20,
          CLASSROOM_SIZES,
          800,
          classroomStrengths,
          'soft',
          { margin: null, ...CLASSROOM_RATES },
          {},
          false,
        ),
        figure4Part(
          'prior-free',
          'Figure 4 right centre (classroom): Gaussian prior, no margin, T = 20',
          20,
          CLASSROOM_SIZES,
          800,
          classroomStrengths,
          'prior',
          { margin: null, ...classroomSgd },
          { optimizer: 'sgd' },
          false,
        ),
        figure4Part(
          'prior-margin1',
          'Figure 4 right (classroom): Gaussian prior, margin 1, T = 20',
          20,
          CLASSROOM_SIZES,
          800,
          classroomStrengths,
          'prior',
          { margin: 1, ...classroomSgd },
          { optimizer: 'sgd' },
          true,
        ),
      ],
    },
  };
}

// ---------------------------------------------------------------- Figure 5

function figure5Part(T: number, s: Sizes, iterations: number, rates: Partial<RunSettings>, classroom: boolean): FigurePart {
  const tag = `adding T=${T}${classroom ? ' (classroom)' : ''}`;
  return {
    id: `T${T}`,
    title: `Figure 5, adding T = ${T}, ReLU${classroom ? ' (classroom)' : ''}`,
    chart: 'loss',
    metric: 'loss',
    group: { ...PAPER_GROUP, task: 'adding', T, hidden: s.hidden, batchSize: s.batchSize, trackEvery: s.trackEvery },
    runs: marginRuns(FIGURE5_MARGINS, { nonlinearity: 'relu', ...rates }),
    iterations,
    claims: [
      {
        kind: 'never',
        statement: `${tag}: m=0 does not get below the baseline MSE within ${iterations} iterations`,
        run: 'm=0',
        within: iterations,
        criterion: ADDING_CONVERGED,
      },
      {
        kind: 'never',
        statement: `${tag}: no margin does not get below the baseline MSE within ${iterations} iterations`,
        run: 'none',
        within: iterations,
        criterion: ADDING_CONVERGED,
      },
      ...['m=1', 'm=10', 'm=100'].map(
        (n): Claim => ({
          kind: 'reaches',
          statement: `${tag}: ${n} converges within ${iterations} iterations`,
          run: n,
          within: iterations,
          criterion: ADDING_CONVERGED,
        }),
      ),
    ],
  };
}

function figure5(): PaperFigure {
  return {
    id: 'figure5',
    label: 'Figure 5',
    title: 'Figure 5: adding-task MSE for T = 1000, ReLU, margins 0, 1, 10, 100 and none',
    statement:
      '"Testing spectral margins m = 0, m = 1, m = 10, m = 100, and no margin, we find that the models with the purely orthogonal (m = 0) and the unconstrained (no margin) transition matrices failed to begin converging beyond baseline MSE within 2000 epochs." (section 3.1.1; the baseline MSE is 0.167)',
    silent:
      "The paper states the failures of m = 0 and no margin; that m = 1, 10 and 100 converge is read from its figure (the OCR keeps no data) and checked here as 'converges within the budget' (MSE <= 0.05 on the mean of 20 iterations). The rates are its defaults (tau 1e-6, lr 1e-4).",
    notChecked: [],
    paper: {
      settings:
        "the paper's setting: adding T = 1000, factorised RNN, n = 128, batch 50, ReLU, tau 1e-6, lr 1e-4, spectrum lr 1e-4, 2000 epochs (200,000 iterations)",
      parts: [figure5Part(1000, PAPER_SIZES, 200_000, { lrGeodesic: 1e-6, lrFree: 1e-4, lrSpectrum: 1e-4 }, false)],
    },
    // The classroom variant, chosen by measured sweeps on SwiftShader (3 December 2026, load 7 to 24 on 2 cores;
    // npm run train -- --task adding --hidden 32 --batch 32 --nonlin relu --margins 0,1,10,100,none, one seed):
    // T = 50 at rates 1e-3 for 1500 iterations (the earlier variant) and T = 30 at 1e-2 for 400 left no run off
    // the baseline (MSE 0.15-0.17), so no claim said anything; T = 20 at 1e-2 for 800 left it slowly (means of
    // the last 100 iterations 0.08-0.12); T = 10 at 1e-2 for 1000 brought every run below MSE 0.05 on the mean
    // of 20 (none at iteration 440, m = 1, 10, 100 at 640-642, m = 0 at 946). So T = 10 at 1e-2 with 1500
    // iterations: every claim is decided, in minutes. A delay of 10 is no long-term dependency: at it the
    // paper's failures of m = 0 and no margin are not expected to show (they did not: both converged, m = 0
    // last); they need the paper's T = 1000.
    classroom: {
      settings:
        "the classroom variant, not the paper's setting: adding T = 10, n = 32, batch 32, ReLU, tau, lr and spectrum lr 1e-2, 1500 iterations (at T = 50 with rates 1e-3 for 1500 iterations, and at T = 30 with 1e-2 for 400, no run left the baseline MSE; at T = 10 with 1e-2 every run converged within 1000: a variant in which the claims are decided, not one in which a delay of 10 stands in for the paper's 1000)",
      parts: [figure5Part(10, CLASSROOM_SIZES, 1500, FIGURE5_CLASSROOM_RATES, true)],
    },
  };
}

// ---------------------------------------------------------------- Appendix 5.2

function appendixParts(classroom: boolean): FigurePart[] {
  const s = classroom ? CLASSROOM_SIZES : PAPER_SIZES;
  const rates = classroom ? CLASSROOM_RATES : { lrGeodesic: 1e-6, lrFree: 1e-4, lrSpectrum: 1e-4 };
  const T = classroom ? 20 : 1000;
  const iterations = classroom ? 1200 : 20_000;
  const tag = classroom ? ' (classroom)' : '';
  const converged = classroom ? CLASSROOM_COPY_CONVERGED : COPY_CONVERGED;
  const slopes = runsOf(
    [
      { name: 'leaky 0.5', nonlinearity: 'leaky', slope: 0.5 },
      { name: 'leaky 0.7', nonlinearity: 'leaky', slope: 0.7 },
      { name: 'leaky 1', nonlinearity: 'leaky', slope: 1 },
      { name: 'prelu 0.7', nonlinearity: 'prelu', slope: 0.7 },
    ],
    { ...rates, margin: 0.3 },
  );
  const oplu = runsOf(
    [0, 0.1, 1, null].flatMap((m) => [
      { name: `linear ${marginName(m)}`, nonlinearity: 'linear' as const, margin: m },
      { name: `oplu ${marginName(m)}`, nonlinearity: 'oplu' as const, margin: m },
    ]),
    rates,
  );
  const gain = runsOf(
    [
      { name: 'tanh m=0', nonlinearity: 'tanh', margin: 0 },
      { name: 'tanh m=0 gain 1.05', nonlinearity: 'tanh', margin: 0, gain: 1.05 },
      { name: 'tanh m=0.1', nonlinearity: 'tanh', margin: 0.1 },
    ],
    rates,
  );
  const Tg = classroom ? 20 : 1000;
  // the classroom's gain runs learn slowly under tanh: at 1200 iterations neither reached 0.75 in any of 5 seeds
  // (the gain run ahead in every one, 0.63-0.66 against 0.28-0.42); trained 3600, the gain run crossed at
  // 2221-2306 and margin 0 never (0.68-0.69 at the end): 3000 decides
  const gainIterations = classroom ? 3000 : iterations;
  return [
    {
      id: 'slopes',
      title: `Appendix 5.2: copy T = ${T}, margin 0.3, leaky ReLU slopes 0.5, 0.7, 1 and a trained PReLU${tag}`,
      chart: 'loss',
      metric: 'accuracy',
      group: copyGroup(T, s),
      runs: slopes,
      iterations,
      claims: [
        {
          kind: 'reaches',
          statement: `only the slope 1 solves the copy task (T = ${T}): leaky 1 converges within ${iterations} iterations`,
          run: 'leaky 1',
          within: iterations,
          criterion: converged,
        },
        {
          kind: 'never',
          statement: `leaky 0.5 does not solve the copy task (T = ${T}) within ${iterations} iterations`,
          run: 'leaky 0.5',
          within: iterations,
          criterion: converged,
        },
        {
          kind: 'never',
          statement: `leaky 0.7 does not solve the copy task (T = ${T}) within ${iterations} iterations`,
          run: 'leaky 0.7',
          within: iterations,
          criterion: converged,
        },
      ],
    },
    {
      id: 'oplu',
      title: `Appendix 5.2: copy T = ${T}, OPLU against no nonlinearity, margins 0, 0.1, 1 and none${tag}`,
      chart: 'loss',
      metric: 'accuracy',
      group: copyGroup(T, s),
      runs: oplu,
      iterations,
      claims: [0, 0.1, 1, null].map(
        (m): Claim => ({
          kind: 'reaches',
          statement: `OPLU recovers the results without a nonlinearity: oplu ${marginName(m)} converges within ${iterations} iterations`,
          run: `oplu ${marginName(m)}`,
          within: iterations,
          criterion: converged,
        }),
      ),
    },
    {
      id: 'gain',
      title: `Section 3.1.3: pre-activation gain 1.05 on a tanh RNN with margin 0, copy T = ${Tg}${tag}`,
      chart: 'loss',
      metric: 'accuracy',
      group: copyGroup(Tg, s),
      runs: gain,
      iterations: gainIterations,
      claims: [
        {
          kind: 'slower',
          statement: `a 1.05 gain helps margin 0 under tanh: tanh m=0 converges after tanh m=0 gain 1.05 (on the copy task, not the paper's MNIST)`,
          slower: 'tanh m=0',
          than: ['tanh m=0 gain 1.05'],
          criterion: converged,
        },
      ],
    },
  ];
}

function appendix(): PaperFigure {
  return {
    id: 'appendix',
    label: 'Appendix 5.2',
    title:
      "Appendix 5.2 and section 3.1.3: the copy task's nonlinearity (leaky ReLU and PReLU slopes, OPLU) and a 1.05 pre-activation gain",
    statement:
      '"We experimented with clamping alpha to 0.5, 0.7 or 1 in a factorized RNN with a spectral margin of 0.3 and found that only the model with alpha = 1 solved the T = 1000 length copy task. We also experimented with a trainable slope alpha, initialized to 0.7 and found that it converges to 0.96 ... [OPLU] allowed us to recover identical results on the copy task to those without a nonlinearity for different spectral margins." (appendix 5.2); "applying a 1.05 pre-activation gain appears to allow a model with a margin of 0 to nearly match the top performance reached on both of the MNIST tasks" (section 3.1.3)',
    silent:
      "The paper gives no training length, rates or T for the OPLU runs (T = 1000 and the defaults here, as for the slopes), and no margins for 'different spectral margins' (0, 0.1, 1, none here). The gain's claim is the paper's on MNIST (Tables 1, 2); here it is checked on the copy task with tanh, a stand-in: the MNIST form needs the table presets with gain 1.05 (reproduce table1 trains them at gain 1).",
    notChecked: [
      "the trained PReLU slope converging to 0.96: the slope is a trained parameter, not a recorded curve (its final value is in the run's checkpoint); not checked here.",
      "the 1.05 gain on MNIST nearly matching the top accuracy: not trained here (see the gain part's stand-in on the copy task).",
    ],
    paper: {
      settings:
        "the paper's setting where it gives one: copy T = 1000, factorised RNN, n = 128, batch 50, margin 0.3 with leaky ReLU slopes 0.5, 0.7, 1 and a PReLU trained from 0.7; OPLU against no nonlinearity at margins 0, 0.1, 1, none; tanh with margin 0 at gain 1 and 1.05 beside margin 0.1; tau 1e-6, lr 1e-4, 20,000 iterations",
      parts: appendixParts(false),
    },
    classroom: {
      settings:
        "the classroom variant, not the paper's setting: copy T = 20, n = 32, batch 32, tau, lr and spectrum lr 1e-3, 1200 iterations (the gain part 3000: at 1200 neither of its runs reached the criterion)",
      parts: appendixParts(true),
    },
  };
}

export const PAPER_FIGURES: Readonly<Record<PaperFigureId, PaperFigure>> = {
  figure1: figure1(),
  figure2: figure2(),
  figure4: figure4(),
  figure5: figure5(),
  appendix: appendix(),
};

// ---------------------------------------------------------------- Table 5

/** The paper's Table 5: seconds per 1000 iterations on a GTX-770 (copy T = 100, batch 50), mean +- std. */
export const PAPER_TABLE5: readonly { n: number; sgd: [number, number]; geodesic: [number, number] }[] = [
  { n: 128, sgd: [21.9, 0.2], geodesic: [40.4, 0.1] },
  { n: 500, sgd: [46.7, 0.2], geodesic: [161.4, 0.2] },
  { n: 1000, sgd: [95.4, 0.3], geodesic: [711.2, 0.8] },
];

export interface Table5Variant {
  sizes: readonly number[];
  T: number;
  /** timed iterations at n = 128 (fewer for larger n: scaled by (128 / n)^2, at least 3) */
  iterations: number;
  settings: string;
}

export const TABLE5 = {
  id: 'table5' as const,
  label: 'Table 5',
  title:
    'Table 5: seconds per 1000 iterations, a plain RNN trained with SGD against a factorised RNN with geodesic steps (copy T = 100, batch 50)',
  statement:
    '"Run time in seconds for 1000 iterations on a T=100 copy task of a regular RNN trained with stochastic gradient descent (SGD) compared against a factorized RNN trained with geodesic SGD on the bases (geoSGD) and regular SGD for other parameters." Nvidia GTX-770, Theano (appendix 5.3).',
  silent:
    "The paper gives neither the factorised model's margin (0 here, one geodesic step per basis an iteration) nor how the mean +- std were taken (here: one timed stretch, after 2 warm-up iterations).",
  paper: {
    sizes: [128, 500, 1000],
    T: 100,
    iterations: 20,
    settings:
      "the paper's setting: copy T = 100, batch 50, n = 128, 500, 1000, plain SGD (lr 1e-4) on a plain RNN against geodesic steps on U, V and SGD on the rest of a factorised RNN (m = 0)",
  } satisfies Table5Variant,
  classroom: {
    sizes: [32, 64, 128],
    T: 100,
    iterations: 3,
    settings: "the classroom variant, not the paper's setting: copy T = 100, batch 50, n = 32, 64, 128 (the paper: 128, 500, 1000)",
  } satisfies Table5Variant,
};

/** The claims of Table 5, on scores named 'sgd n=..', 'geodesic n=..' (seconds per 1000) and 'ratio n=..' (geodesic / sgd). */
export function table5Claims(sizes: readonly number[]): Claim[] {
  const claims: Claim[] = sizes.map((n) => ({
    kind: 'better',
    statement: `at n = ${n} the plain RNN with SGD is faster than the factorised RNN with geodesic steps`,
    run: `sgd n=${n}`,
    than: [`geodesic n=${n}`],
    higherIsBetter: false,
  }));
  const [first, ...rest] = sizes;
  if (rest.length)
    claims.push({
      kind: 'better',
      statement: `the geodesic step's cost over SGD grows with n: its ratio at n = ${sizes[sizes.length - 1]} is above that at n = ${sizes.slice(0, -1).join(', ')}`,
      run: `ratio n=${sizes[sizes.length - 1]}`,
      than: [first, ...rest.slice(0, -1)].map((n) => `ratio n=${n}`),
      higherIsBetter: true,
    });
  return claims;
}

export type ReproduceFigureId = PaperFigureId | 'table5';
export const REPRODUCE_FIGURE_IDS: readonly ReproduceFigureId[] = [...PAPER_FIGURE_IDS, 'table5'];
