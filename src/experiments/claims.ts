/**
 * The paper's claims as checks on recorded curves, and a verdict per claim counted over seeds (issue 11): "m = 0
 * converges slowest: holds in 5 of 5 seeds"; "no margin fails at T = 10000: does not hold in 3 of 5 seeds".
 * No React and no GPU: the reproduce command's report and the lab read these on what training recorded.
 *
 * Converging is reaching a criterion: a metric (accuracy, loss) crossing a threshold, read on the trailing mean
 * of the last `window` recorded points so that one lucky batch does not count as converged (window 1: the point
 * itself). A run's time to converge is the first recorded iteration at which the trailing mean is past the
 * threshold; a run that never gets there within what it trained has not converged (and, for a claim that a run
 * never converges within a budget, a run that trained less than the budget leaves the claim undecided).
 *
 * Each claim gives, per seed, one of: holds, fails, undecided (the seed's record cannot decide it: a run is
 * missing, or neither run of a comparison converged), with the reason in words naming the iterations.
 */
import { type Series, seriesProblem } from './replicates.ts';

export type Direction = 'above' | 'below';

/** When a curve counts as converged: its trailing mean over `window` points at or past `threshold`. */
export interface Criterion {
  /** what is measured, for the reasons: 'accuracy', 'loss' */
  metric: string;
  threshold: number;
  /** 'above': converged at >= threshold (accuracy); 'below': at <= threshold (loss, MSE) */
  direction: Direction;
  /** recorded points averaged (default 1) */
  window?: number;
}

/** The first recorded iteration at which the curve has converged by the criterion, or null. */
export function firstReach(s: Series, c: Criterion): number | null {
  const problem = seriesProblem(s);
  if (problem) throw new Error(problem);
  const w = c.window ?? 1;
  if (!Number.isInteger(w) || w < 1) throw new Error(`the criterion's window must be a whole number >= 1 (got ${w})`);
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < s.y.length; i++) {
    // a non-finite point breaks the window: the trailing mean restarts after it
    if (!Number.isFinite(s.y[i])) {
      sum = 0;
      finite = 0;
      continue;
    }
    sum += s.y[i];
    finite++;
    if (finite > w) sum -= s.y[i - w];
    if (finite >= w) {
      const m = sum / w;
      if (c.direction === 'above' ? m >= c.threshold : m <= c.threshold) return s.x[i];
    }
  }
  return null;
}

/** What one seed recorded: each run's curve by run name, and optionally a final figure per run (a table's). */
export interface SeedRecord {
  curves: Readonly<Record<string, Series>>;
  scores?: Readonly<Record<string, number>>;
}

export type Claim =
  /** `slower` converges after every run of `than` (a run that never converges is slower than one that does) */
  | { kind: 'slower'; statement: string; slower: string; than: readonly string[]; criterion: Criterion }
  /** `run` does not converge within `within` iterations */
  | { kind: 'never'; statement: string; run: string; within: number; criterion: Criterion }
  /** `run` converges within `within` iterations */
  | { kind: 'reaches'; statement: string; run: string; within: number; criterion: Criterion }
  /** `run`'s score is better than each of `than`'s (higher or lower is better) */
  | { kind: 'better'; statement: string; run: string; than: readonly string[]; higherIsBetter: boolean };

export type Outcome = 'holds' | 'fails' | 'undecided';

export interface ClaimOutcome {
  outcome: Outcome;
  /** why, in words, with the iterations or figures that decided it */
  why: string;
}

const at = (it: number | null) => (it === null ? 'never' : `at iteration ${it}`);

function lastIteration(s: Series): number {
  return s.x.length ? s.x[s.x.length - 1] : 0;
}

/** Why a claim over a budget is undecided: the run trained less than the budget and has not converged so far. */
function notYet(run: string, trained: number, within: number, what: string): string {
  return `${run} trained ${trained} of the ${within} iterations the claim allows and has not converged yet: ${what} not reached`;
}

/** The claim on one seed's record. */
export function checkClaim(claim: Claim, record: SeedRecord): ClaimOutcome {
  const missing = (names: readonly string[], from: object) => names.filter((n) => !Object.hasOwn(from, n));
  if (claim.kind === 'better') {
    const scores = record.scores ?? {};
    const absent = missing([claim.run, ...claim.than], scores).concat(
      [claim.run, ...claim.than].filter((n) => Object.hasOwn(scores, n) && !Number.isFinite(scores[n])),
    );
    if (absent.length) return { outcome: 'undecided', why: `no figure for ${absent.join(', ')}` };
    const mine = scores[claim.run];
    const worse = claim.than.filter((n) => (claim.higherIsBetter ? scores[n] >= mine : scores[n] <= mine));
    const figures = [claim.run, ...claim.than].map((n) => `${n} ${scores[n]}`).join(', ');
    return worse.length
      ? { outcome: 'fails', why: `${claim.run} is not better than ${worse.join(', ')} (${figures})` }
      : { outcome: 'holds', why: figures };
  }
  const names = claim.kind === 'slower' ? [claim.slower, ...claim.than] : [claim.run];
  const absent = missing(names, record.curves);
  if (absent.length) return { outcome: 'undecided', why: `no curve for ${absent.join(', ')}` };
  const c = claim.criterion;
  const what = `${c.metric} ${c.direction === 'above' ? '>=' : '<='} ${c.threshold}${(c.window ?? 1) > 1 ? ` (mean of ${c.window} points)` : ''}`;
  if (claim.kind === 'slower') {
    const mine = firstReach(record.curves[claim.slower], c);
    const others = claim.than.map((n) => ({ n, it: firstReach(record.curves[n], c) }));
    const reasons = [`${claim.slower} ${at(mine)}`, ...others.map((o) => `${o.n} ${at(o.it)}`)].join(', ');
    const faster = others.filter((o) => o.it !== null && (mine === null || o.it < mine));
    if (faster.length === others.length) return { outcome: 'holds', why: `${what}: ${reasons}` };
    const notFaster = others.filter((o) => !faster.includes(o));
    if (mine === null && notFaster.every((o) => o.it === null))
      return {
        outcome: 'undecided',
        why: `${what}: neither ${claim.slower} nor ${notFaster.map((o) => o.n).join(', ')} converged (${reasons})`,
      };
    return { outcome: 'fails', why: `${what}: ${reasons}` };
  }
  const s = record.curves[claim.run];
  const it = firstReach(s, c);
  const trained = lastIteration(s);
  if (claim.kind === 'reaches') {
    if (it !== null && it <= claim.within) return { outcome: 'holds', why: `${what}: ${claim.run} ${at(it)}` };
    if (trained < claim.within && it === null) return { outcome: 'undecided', why: notYet(claim.run, trained, claim.within, what) };
    return { outcome: 'fails', why: `${what}: ${claim.run} ${at(it)}, not within ${claim.within}` };
  }
  if (it !== null && it <= claim.within) return { outcome: 'fails', why: `${what}: ${claim.run} ${at(it)}` };
  if (trained < claim.within) return { outcome: 'undecided', why: notYet(claim.run, trained, claim.within, what) };
  return { outcome: 'holds', why: `${what}: ${claim.run} never within ${claim.within} iterations` };
}

export interface Verdict {
  statement: string;
  seeds: number;
  holds: number;
  fails: number;
  undecided: number;
  /** "holds in 5 of 5 seeds", "does not hold (holds in 2 of 5 seeds)", ... */
  text: string;
  /** per seed, in order: the outcome and why */
  perSeed: ClaimOutcome[];
}

/**
 * The claim counted over seeds. It holds when it holds in every seed; it does not hold when it fails in any;
 * otherwise (some seeds undecided, none failing) it is undecided. The counts are always given.
 */
export function verdict(claim: Claim, seeds: readonly SeedRecord[]): Verdict {
  const perSeed = seeds.map((r) => checkClaim(claim, r));
  const count = (o: Outcome) => perSeed.filter((p) => p.outcome === o).length;
  const holds = count('holds');
  const fails = count('fails');
  const undecided = count('undecided');
  const n = seeds.length;
  const seedWord = (k: number) => `${k} seed${k === 1 ? '' : 's'}`;
  let text: string;
  if (n === 0) text = 'undecided: no seed recorded';
  else if (holds === n) text = `holds in ${n} of ${seedWord(n)}`;
  else if (fails > 0)
    text = `does not hold: holds in ${holds} of ${seedWord(n)}, fails in ${fails}${undecided ? `, undecided in ${undecided}` : ''}`;
  else text = `undecided: holds in ${holds} of ${seedWord(n)}, undecided in ${undecided}`;
  return { statement: claim.statement, seeds: n, holds, fails, undecided, text, perSeed };
}
