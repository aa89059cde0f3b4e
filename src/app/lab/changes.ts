/**
 * What a settings change does to a running group (no GPU, no React): applied live at the next iteration,
 * or a rebuild of the run group, and what the rebuild can carry over. The words shown in the confirmation
 * come from here too.
 */
import { formatValue, GROUP_SETTINGS, type GroupSettings, RUN_SETTINGS, type RunSettings } from '../../engine/settings.ts';

export type RunChange = 'live' | 'rebuild' | 'reinit';

/**
 * live: RunGroup.updateRun (margins remargin at the next iteration). rebuild: the plan changes but the run
 * keeps its parameters (margin <-> none converts s and p; soft orthogonality switched on). reinit: the run
 * restarts from its initialisation (seed, init scheme or parameterisation changed).
 */
export function classifyRunChange(cur: RunSettings, next: RunSettings, builtWithSoftOrth: boolean): RunChange {
  if (cur.seed !== next.seed || cur.init !== next.init || cur.parameterisation !== next.parameterisation) return 'reinit';
  if (next.parameterisation === 'factorised' && (cur.margin === null) !== (next.margin === null)) return 'rebuild';
  if (cur.softOrth === 0 && next.softOrth > 0 && !builtWithSoftOrth) return 'rebuild';
  return 'live';
}

export type GroupChange = 'live' | 'carry' | 'carry-parameters' | 'restart';

/**
 * live: trackEvery, dataSeed (the data stream restarts from the new seed). carry: T, batch size, recompute
 * (parameters do not depend on them: every run keeps its parameters and optimiser state). carry-parameters: the
 * optimiser (parameters kept, optimiser state restarts). restart: task and hidden size change the
 * parameters' shapes, and so do MNIST's image and step (the inputs a step reads); a new pixel permutation
 * is a new task: every run restarts from its initialisation. MNIST's training subset is carried (the
 * epochs restart). The evaluation settings (evaluateEvery, evaluationBatch) are carried too: the evaluation
 * pass is built again beside the group, and each run keeps its best-validation weights and rounds.
 */
export function classifyGroupChange(key: keyof GroupSettings): GroupChange {
  switch (key) {
    case 'trackEvery':
    case 'dataSeed':
      return 'live';
    case 'T':
    case 'batchSize':
    case 'recompute':
    case 'trainSubset':
    case 'evaluateEvery':
    case 'evaluationBatch':
      return 'carry';
    case 'optimizer':
      return 'carry-parameters';
    case 'task':
    case 'hidden':
    case 'permutationSeed':
    case 'mnistImage':
    case 'mnistStep':
    case 'textCorpus':
    case 'maxLength':
      return 'restart';
  }
}

/**
 * Whether a group built from `to` scores the same validation and test sets as one built from `from`, so
 * that the runs it carries keep their best-validation weights and rounds: the same task, and T for copy
 * and adding (their fixed sets are drawn at the task's T; the batch size and the data seed do not change
 * them); MNIST's sets do not depend on the training subset (a new image, step or permutation restarts every
 * run anyway).
 */
export function keepsEvaluationSets(from: GroupSettings, to: GroupSettings): boolean {
  if (from.task !== to.task) return false;
  if (to.task === 'copy' || to.task === 'adding') return from.T === to.T;
  if (to.task === 'text') return from.textCorpus === to.textCorpus && from.maxLength === to.maxLength;
  return from.mnistImage === to.mnistImage && from.mnistStep === to.mnistStep && from.permutationSeed === to.permutationSeed;
}

/** What a change of the evaluation settings does to the rounds, in words. */
function evaluationChange(from: GroupSettings, to: GroupSettings): string {
  const on = (g: GroupSettings) => g.evaluateEvery !== undefined && g.evaluateEvery !== 'off';
  if (!on(to))
    return 'The evaluation rounds stop; the rounds measured so far stay on the charts (the results table shows while the group evaluates).';
  if (!on(from)) return "The evaluation pass is built beside the group: the first round takes each run's best-validation weights anew.";
  return 'Each run keeps its best-validation weights and its evaluation rounds; the next rounds follow the new setting.';
}

export function describeGroupChange(
  key: keyof GroupSettings,
  from: GroupSettings,
  to: GroupSettings,
  iteration: number,
): { title: string; details: string[] } {
  const spec = GROUP_SETTINGS[key];
  const title = `Change ${spec.label} from ${formatValue(spec, from[key])} to ${formatValue(spec, to[key])}?`;
  const kind = classifyGroupChange(key);
  const details = ['The run group is rebuilt with the new setting (the training kernels are prepared again).'];
  if (kind === 'carry') details.push(`Every run keeps its trained parameters and optimiser state (they do not depend on ${spec.label}).`);
  if (key === 'evaluateEvery' || key === 'evaluationBatch') details.push(evaluationChange(from, to));
  if (kind === 'carry-parameters') details.push('Every run keeps its trained parameters; the optimiser state starts again at zero.');
  if (kind === 'restart') {
    const why =
      key === 'permutationSeed'
        ? 'they learned the old order of the pixels: a new permutation is a new task'
        : key === 'textCorpus' || key === 'maxLength'
          ? 'the sentences change: a new corpus or length limit is a new task'
          : `their shapes depend on ${key === 'hidden' ? 'n' : key === 'task' ? "the task's inputs and outputs" : 'the inputs a step reads'}`;
    details.push(
      `Trained parameters cannot carry over (${why}): every run restarts from its initialisation, counting on from iteration ${iteration}.`,
    );
  }
  details.push(`Everything measured in the first ${iteration} iterations stays on the charts (export the experiment to keep a copy).`);
  return { title, details };
}

export function describeRunChange(
  run: RunSettings,
  next: RunSettings,
  kind: RunChange,
  key: keyof RunSettings,
  iteration: number,
): { title: string; details: string[] } {
  const spec = RUN_SETTINGS[key];
  const title = `Change ${spec.label} of '${run.name}' from ${formatValue(spec, run[key])} to ${formatValue(spec, next[key])}?`;
  const details = [
    'The run group is rebuilt (the training kernels are prepared again); the other runs keep their parameters and optimiser state.',
  ];
  if (kind === 'reinit') details.push(`'${run.name}' restarts from its initialisation, counting on from iteration ${iteration}.`);
  else if (key === 'margin') {
    details.push(
      next.margin === null
        ? `'${run.name}' keeps its weights; its singular values s are trained directly from now on (the spectrum's optimiser state restarts).`
        : `'${run.name}' keeps its weights; its singular values are clamped into the new margin and trained through p from now on (the spectrum's optimiser state restarts).`,
    );
  } else details.push(`'${run.name}' keeps its parameters and optimiser state.`);
  details.push(`Everything measured so far stays on the charts.`);
  return { title, details };
}

/**
 * What a run that restarts from its initialisation with its history kept is told on its charts: the settings
 * that made it restart (its model, seed or initialisation; the group's task, n or input), or the GPU error
 * after which no parameter was trusted. E.g. "restarted from its initialisation after iteration 40 (Model
 * factorised → lstm): what it measured before is the earlier model's".
 */
export function restartNote(
  cur: RunSettings,
  next: RunSettings,
  curGroup: GroupSettings,
  nextGroup: GroupSettings,
  iteration: number,
  afterGpuError: boolean,
): string {
  const changed: string[] = [];
  for (const key of ['parameterisation', 'seed', 'init'] as const) {
    if (cur[key] !== next[key])
      changed.push(`${RUN_SETTINGS[key].label} ${formatValue(RUN_SETTINGS[key], cur[key])} → ${formatValue(RUN_SETTINGS[key], next[key])}`);
  }
  for (const key of Object.keys(GROUP_SETTINGS) as (keyof GroupSettings)[]) {
    if (classifyGroupChange(key) === 'restart' && curGroup[key] !== nextGroup[key]) {
      const spec = GROUP_SETTINGS[key];
      changed.push(`${spec.label} ${formatValue(spec, curGroup[key])} → ${formatValue(spec, nextGroup[key])}`);
    }
  }
  const why = afterGpuError ? 'after a GPU error' : changed.length ? changed.join(', ') : 'restarted by the lab';
  return `restarted from its initialisation after iteration ${iteration} (${why}): what it measured before is the earlier model's`;
}
