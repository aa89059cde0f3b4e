/**
 * The trainer's logic without a GPU: a fake run group (numbers that are a known function of the iteration,
 * readbacks resolved at once or by the test) and a fake clock (each step costs a set number of ms). Checks
 * the pacing (the chunk grows to speed / collectsPerSecond, caps, shrinks past the tick budget), start with
 * `until`, pause and resume, that halt waits for every readback, the failure events (run guard, GPU error,
 * lost device, host GPU error, other errors) and what save() holds; with a fake evaluator, that rounds run
 * exactly at the iterations due (multiples of k, or uneven ones as an epoch schedule gives), with every record
 * up to them delivered and nothing stepped while one runs, never skipped by a pause, and that a throwing
 * evaluator stops the trainer with its error.
 */
import { describe, expect, it } from 'vitest';
import { TrainingGpuError } from '../../src/engine/gpuScopes.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import type { IterationRecord, RunStatus } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import type { TrainingPosition } from '../../src/tasks/task.ts';
import type { TrainerEvaluation, TrainerEvaluator } from '../../src/training/evaluationHook.ts';
import { LAB_PACING, Pacing, type PacingSettings, type TrainerClock } from '../../src/training/pacing.ts';
import { type TrainableGroup, Trainer } from '../../src/training/trainer.ts';
import type { TrainerEvents } from '../../src/training/trainerEvents.ts';

class FakeClock implements TrainerClock {
  t = 0;
  now(): number {
    return this.t;
  }
  yield(): Promise<void> {
    return new Promise((r) => setTimeout(r, 0));
  }
}

const lossAt = (iteration: number, r: number) => 1 / (iteration + r);

/** A run group stand-in: step() costs `stepMs` on the clock; collect() answers at once or, when `manual`, when the test says. */
class FakeGroup implements TrainableGroup {
  iteration = 0;
  canStep = true;
  readonly group: GroupSettings = { ...PAPER_GROUP, trackEvery: 1000 };
  readonly runs: RunSettings[];
  readonly status: RunStatus[];
  /** steps encoded per collect, in order */
  readonly chunks: number[] = [];
  manual = false;
  readonly held: (() => void)[] = [];
  /** collect() throws this (once) instead of answering */
  collectError: unknown = null;
  stepError: unknown = null;
  /** run -> the iteration at which the run guard freezes it */
  failAt = new Map<number, number>();
  rngState = [1, 2, 3, 4];
  destroyed = false;
  private unread: number[] = [];

  constructor(
    private readonly clock: FakeClock,
    R = 2,
    private readonly stepMs = 2,
  ) {
    this.runs = Array.from({ length: R }, (_, r) => ({ ...PAPER_RUN, name: `run${r}`, seed: r + 1 }));
    this.status = this.runs.map(() => ({ state: 'training' }));
  }

  step(): void {
    if (this.stepError) throw this.stepError;
    this.iteration++;
    this.clock.t += this.stepMs;
    this.rngState = this.rngState.map((v) => v + 1);
    this.unread.push(this.iteration);
  }

  collect(): Promise<IterationRecord[]> {
    const its = this.unread;
    this.unread = [];
    this.chunks.push(its.length);
    const records = its.map((iteration) => ({
      iteration,
      runs: this.runs.map((_, r) => ({ loss: lossAt(iteration, r), accuracy: NaN, softOrthPenalty: 0, weightDecayPenalty: 0 })),
    }));
    const answer = (): IterationRecord[] => {
      for (const [r, at] of this.failAt)
        if (its.includes(at)) this.status[r] = { state: 'failed', iteration: at, message: `run ${r} failed at ${at}` };
      if (this.collectError) {
        const e = this.collectError;
        this.collectError = null;
        throw e;
      }
      return records;
    };
    if (!this.manual) return Promise.resolve().then(answer);
    return new Promise((resolve, reject) =>
      this.held.push(() => {
        try {
          resolve(answer());
        } catch (e) {
          reject(e);
        }
      }),
    );
  }

  /** Answers every readback held so far. */
  release(): void {
    for (const f of this.held.splice(0)) f();
  }

  dataRngState(): number[] {
    return [...this.rngState];
  }
  get dataPosition(): TrainingPosition {
    return { epoch: 0, position: this.iteration };
  }
  async readParameters(r: number): Promise<ParamSet> {
    return { W: Float32Array.of(this.iteration, r) };
  }
  async readOptimizerState(r: number): Promise<ParamSet> {
    return { W: Float32Array.of(-this.iteration, r) };
  }
  updateRun(r: number, next: RunSettings): void {
    this.runs[r] = { ...next };
  }
  setPaused(r: number, paused: boolean): void {
    this.status[r] = { state: paused ? 'paused' : 'training' };
  }
  setTrackEvery(trackEvery: number): void {
    this.group.trackEvery = trackEvery;
  }
  restartData(seed: number): void {
    this.group.dataSeed = seed;
  }
  async destroy(): Promise<void> {
    this.destroyed = true;
  }
}

const HEADLESS_TEST: PacingSettings = { maxInFlight: 2, collectsPerSecond: 8, tickBudgetMs: Infinity, maxChunk: 64, yieldEachTick: true };

function setup(pacing: PacingSettings = HEADLESS_TEST, R = 2, stepMs = 2) {
  const clock = new FakeClock();
  const g = new FakeGroup(clock, R, stepMs);
  let hostError: { kind: 'validation'; message: string } | undefined;
  const trainer = new Trainer(g, { pacing, clock, hostGpuError: () => hostError });
  const log: { type: keyof TrainerEvents; event: unknown }[] = [];
  const records: IterationRecord[] = [];
  for (const type of ['metrics', 'progress', 'runFailed', 'gpuError', 'deviceLost', 'error'] as const)
    trainer.on(type, (event) => {
      log.push({ type, event });
      if (type === 'metrics') records.push(...(event as TrainerEvents['metrics']).records);
    });
  return { clock, g, trainer, log, records, setHostError: (m: string) => (hostError = { kind: 'validation', message: m }) };
}

const iterationsOf = (records: IterationRecord[]) => records.map((r) => r.iteration);
const upTo = (n: number) => Array.from({ length: n }, (_, k) => k + 1);
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Pacing', () => {
  it('measures the speed over the window and aims the chunk at speed / collectsPerSecond, doubling at most', () => {
    const clock = new FakeClock();
    const p = new Pacing(LAB_PACING, clock);
    expect(p.delivered(0)).toBeUndefined(); // one sample: no speed yet
    const chunks: number[] = [];
    for (let k = 1; k <= 8; k++) {
      clock.t = 100 * k;
      p.delivered(40 * k); // 400 it/s: 50 per readback at 8 a second
      chunks.push(p.chunk);
    }
    expect(p.itPerSec).toBeCloseTo(400, 9);
    expect(chunks).toEqual([2, 4, 8, 16, 32, 50, 50, 50]);
  });

  it('caps the chunk at maxChunk and shrinks it in proportion when a tick passes the budget', () => {
    const clock = new FakeClock();
    const p = new Pacing(LAB_PACING, clock);
    p.chunk = 64;
    p.delivered(0);
    clock.t = 1000;
    p.delivered(10_000); // 10000 it/s would be 1250 per readback
    expect(p.chunk).toBe(64);
    p.ticked(15); // at the budget: kept
    expect(p.chunk).toBe(64);
    p.ticked(40); // 64 iterations took 40 ms against 15: 24 fit
    expect(p.chunk).toBe(24);
  });

  it('forgets samples older than the window (the speed follows a slow-down)', () => {
    const clock = new FakeClock();
    const p = new Pacing(LAB_PACING, clock);
    p.delivered(0);
    for (let k = 1; k <= 10; k++) {
      clock.t = 1000 * k;
      p.delivered(k <= 5 ? 1000 * k : 5000 + 10 * (k - 5));
    }
    // the window holds the last 3 s only: 10 it/s, not the mean since the start
    expect(p.itPerSec).toBeCloseTo(10, 9);
  });

  it('refuses settings that cannot pace a loop', () => {
    expect(() => new Pacing({ ...LAB_PACING, maxInFlight: 0 }, new FakeClock())).toThrow(/maxInFlight must be a whole number >= 1/);
    expect(() => new Pacing({ ...LAB_PACING, maxChunk: 1.5 }, new FakeClock())).toThrow(/maxChunk/);
    expect(() => new Pacing({ ...LAB_PACING, tickBudgetMs: 0 }, new FakeClock())).toThrow(/tickBudgetMs/);
  });
});

describe('Trainer', () => {
  it('start({ until }) trains exactly to `until`, delivering every record once and in order', async () => {
    const { g, trainer, records } = setup();
    expect(await trainer.start({ until: 300 })).toBe('reached');
    expect(g.iteration).toBe(300);
    expect(trainer.pending).toBe(0);
    expect(iterationsOf(records)).toEqual(upTo(300));
    expect(records[41].runs[1].loss).toBe(lossAt(42, 1));
    // 2 ms a step is 500 it/s: the chunk grows (doubling per readback) to round(500 / 8) = 63 and stays there
    // (the first readback gives one sample, no speed; the last chunk is what was left to 300)
    expect(g.chunks.slice(0, 9)).toEqual([1, 1, 2, 4, 8, 16, 32, 63, 63]);
    expect(g.chunks.reduce((a, b) => a + b, 0)).toBe(300);
    expect(trainer.itPerSec).toBeCloseTo(500, 6);
  });

  it('with the lab pacing a tick stays within the budget: slow steps shrink the chunk', async () => {
    // 1 ms a step: 1000 it/s asks for 125 per readback, capped at 64; 15 ms a tick allows 15
    const { g, trainer } = setup(LAB_PACING, 2, 1);
    await trainer.start({ until: 400 });
    expect(Math.max(...g.chunks)).toBeLessThanOrEqual(2 * 15); // at most one doubling past the budget before the next shrink
    expect(trainer.lastTickMs).toBeLessThanOrEqual(30);
    const { g: fast, trainer: flatOut } = setup(HEADLESS_TEST, 2, 1);
    await flatOut.start({ until: 400 });
    expect(Math.max(...fast.chunks)).toBeGreaterThan(30); // without a budget the chunk is not held back
  });

  it('pause stops encoding, start continues, and halt waits for every readback', async () => {
    const { g, trainer, records } = setup();
    g.manual = true;
    const run = trainer.start();
    await tick();
    await tick();
    expect(trainer.playing).toBe(true);
    trainer.pause();
    expect(trainer.playing).toBe(false);
    const encoded = g.iteration;
    expect(trainer.pending).toBeGreaterThan(0);
    let halted = false;
    const h = trainer.halt().then(() => {
      halted = true;
    });
    await tick();
    expect(halted).toBe(false); // readbacks are still out
    expect(records.length).toBeLessThan(encoded);
    g.release();
    await h;
    expect(await run).toBe('paused');
    expect(trainer.pending).toBe(0);
    expect(g.iteration).toBe(encoded); // nothing encoded after the pause
    expect(iterationsOf(records)).toEqual(upTo(encoded));
    g.manual = false;
    await trainer.start({ until: encoded + 50 });
    expect(iterationsOf(records)).toEqual(upTo(encoded + 50));
  });

  it('step() is one iteration and its metrics, with every earlier readback in first', async () => {
    const { g, trainer, records, log } = setup();
    await trainer.step();
    await trainer.step();
    expect(g.iteration).toBe(2);
    expect(iterationsOf(records)).toEqual([1, 2]);
    expect(log.filter((e) => e.type === 'progress')).toEqual([]); // a single step is not a speed
  });

  it('tells a run the guard froze once, as runFailed with its status', async () => {
    const { g, trainer, log } = setup(HEADLESS_TEST, 3);
    g.failAt.set(1, 17);
    expect(await trainer.start({ until: 100 })).toBe('reached');
    const failed = log.filter((e) => e.type === 'runFailed');
    expect(failed).toEqual([
      { type: 'runFailed', event: { run: 1, status: { state: 'failed', iteration: 17, message: 'run 1 failed at 17' } } },
    ]);
  });

  it('a run that had failed before the trainer (a resumed one) is not told again', async () => {
    const clock = new FakeClock();
    const g = new FakeGroup(clock);
    g.status[0] = { state: 'failed', iteration: 3, message: 'earlier' };
    const trainer = new Trainer(g, { pacing: HEADLESS_TEST, clock });
    const told: unknown[] = [];
    trainer.on('runFailed', (e) => told.push(e));
    await trainer.start({ until: 20 });
    expect(told).toEqual([]);
  });

  it('a GPU error: the records measured before it, then gpuError once; the trainer trains no more', async () => {
    const { g, trainer, log, records } = setup();
    await trainer.start({ until: 10 });
    const valid = upTo(4).map((k) => ({ iteration: 10 + k, runs: [] }));
    g.collectError = new TrainingGpuError('validation', 15, 'bad binding', valid);
    expect(await trainer.start({ until: 100 })).toBe('failed');
    const types = log.map((e) => e.type).filter((t) => t !== 'progress');
    expect(types.at(-1)).toBe('gpuError');
    expect(types.filter((t) => t === 'gpuError')).toHaveLength(1);
    const err = log.find((e) => e.type === 'gpuError')!.event as TrainerEvents['gpuError'];
    expect(err.kind).toBe('validation');
    expect(err.iteration).toBe(15);
    expect(err.message).toMatch(/Training stopped at iteration 15/);
    expect(iterationsOf(records)).toEqual(upTo(14));
    expect(trainer.failed).toMatch(/bad binding/);
    const before = g.iteration;
    expect(await trainer.start()).toBe('failed');
    await trainer.step();
    expect(g.iteration).toBe(before);
    await expect(trainer.save()).rejects.toThrow(/Cannot save after the training stopped/);
  });

  it('a failure in step() is told after the readbacks queued before it are delivered', async () => {
    const { g, trainer, log } = setup();
    g.manual = true;
    const run = trainer.start();
    // the first tick has encoded iteration 1 and its readback is held; the next tick's step fails
    g.stepError = new TrainingGpuError('out-of-memory', 2, 'oom', []);
    await tick();
    await tick();
    expect(log.filter((e) => e.type === 'gpuError')).toEqual([]); // not before the readback queued earlier
    g.release();
    expect(await run).toBe('failed');
    const types = log.map((e) => e.type).filter((t) => t !== 'progress');
    expect(types.at(-1)).toBe('gpuError');
    expect(types.slice(0, -1).every((t) => t === 'metrics')).toBe(true);
    expect(types.length).toBeGreaterThan(1);
  });

  it('a lost device is deviceLost, not gpuError', async () => {
    const { g, trainer, log } = setup();
    g.collectError = new TrainingGpuError('device-lost', 1, 'destroyed', []);
    expect(await trainer.start()).toBe('failed');
    expect(log.filter((e) => e.type === 'deviceLost')).toHaveLength(1);
    expect(log.filter((e) => e.type === 'gpuError')).toEqual([]);
  });

  it("a host's GPU error stops the training and that readback's records are not delivered", async () => {
    const { trainer, log, records, setHostError } = setup();
    await trainer.start({ until: 5 });
    setHostError('uncaptured validation error');
    expect(await trainer.start({ until: 100 })).toBe('failed');
    expect(iterationsOf(records)).toEqual(upTo(5));
    const err = log.find((e) => e.type === 'gpuError')!.event as TrainerEvents['gpuError'];
    expect(err).toEqual({ kind: 'validation', iteration: 6, message: 'Training stopped: uncaptured validation error' });
  });

  it('any other failure is an error event', async () => {
    const { g, trainer, log } = setup();
    g.collectError = new Error('mapAsync failed');
    expect(await trainer.start()).toBe('failed');
    expect(log.filter((e) => e.type === 'error')).toEqual([{ type: 'error', event: { message: 'mapAsync failed' } }]);
  });

  it('save() halts and holds every run, the iteration, the data state and the status, all records delivered', async () => {
    const { g, trainer, records } = setup(HEADLESS_TEST, 2);
    g.failAt.set(0, 7);
    const run = trainer.start();
    while (g.iteration < 10) await tick();
    const snap = await trainer.save();
    expect(await run).toBe('paused');
    expect(trainer.playing).toBe(false);
    const n = snap.iteration;
    expect(n).toBe(g.iteration);
    expect(iterationsOf(records)).toEqual(upTo(n));
    expect(snap.dataRngState).toEqual([1 + n, 2 + n, 3 + n, 4 + n]);
    expect(snap.status[0]).toEqual({ state: 'failed', iteration: 7, message: 'run 0 failed at 7' });
    expect(snap.status[1]).toEqual({ state: 'training' });
    expect(snap.state.map((s) => [Array.from(s.parameters.W), Array.from(s.optimizerState.W)])).toEqual([
      [
        [n, 0],
        [-n, 0],
      ],
      [
        [n, 1],
        [-n, 1],
      ],
    ]);
    expect(snap.runs.map((r) => r.name)).toEqual(['run0', 'run1']);
    // plain data: a Worker could post it as it is
    expect(structuredClone(snap)).toEqual(snap);
  });

  it('readParametersNow() halts, every record delivered, and gives one run’s parameters at that iteration; start() trains on', async () => {
    const { g, trainer, records } = setup(HEADLESS_TEST, 2);
    const run = trainer.start();
    while (g.iteration < 10) await tick();
    const read = await trainer.readParametersNow(1);
    expect(await run).toBe('paused');
    expect(read.iteration).toBe(g.iteration);
    expect(iterationsOf(records)).toEqual(upTo(read.iteration));
    expect(Array.from(read.parameters.W)).toEqual([read.iteration, 1]);
    const again = trainer.start({ until: read.iteration + 5 });
    expect(await again).toBe('reached');
    expect(iterationsOf(records)).toEqual(upTo(read.iteration + 5));
  });

  it('live edits reach the group and destroy() halts, then destroys it', async () => {
    const { g, trainer } = setup();
    trainer.updateRun(1, { ...g.runs[1], margin: 0.5 });
    trainer.setRunPaused(0, true);
    trainer.setTrackEvery(7);
    trainer.restartData(99);
    expect([g.runs[1].margin, g.status[0].state, g.group.trackEvery, g.group.dataSeed]).toEqual([0.5, 'paused', 7, 99]);
    g.manual = true;
    void trainer.start();
    await tick();
    const d = trainer.destroy();
    await tick();
    expect(g.destroyed).toBe(false); // a readback is still out
    g.release();
    await d;
    expect(g.destroyed).toBe(true);
  });
});

/**
 * An evaluator stand-in: rounds due at the iterations of `dueAt` (sorted); each round notes the iteration the
 * trainer says, the group's iteration and the last record delivered then, and whether anything was stepped
 * while it ran (it takes a few macrotasks); `fail` makes the round at that iteration throw.
 */
class FakeEvaluator implements TrainerEvaluator {
  readonly rounds: { iteration: number; groupIteration: number; lastRecord: number; steppedMeanwhile: boolean }[] = [];
  fail: number | null = null;
  destroyed = false;

  constructor(
    private readonly g: FakeGroup,
    private readonly records: IterationRecord[],
    private readonly dueAt: number[],
  ) {}

  due(iteration: number): boolean {
    return this.dueAt.includes(iteration);
  }
  untilDue(iteration: number): number {
    const next = this.dueAt.find((i) => i > iteration);
    return next === undefined ? Infinity : next - iteration;
  }
  async evaluate(iteration: number): Promise<TrainerEvaluation[]> {
    const before = this.g.iteration;
    const lastRecord = this.records.at(-1)?.iteration ?? 0;
    for (let k = 0; k < 3; k++) await tick();
    this.rounds.push({ iteration, groupIteration: before, lastRecord, steppedMeanwhile: this.g.iteration !== before });
    if (iteration === this.fail) throw new Error(`the evaluation at ${iteration} broke`);
    return [
      { iteration, split: 'validation', runs: this.g.runs.map((_, r) => ({ loss: lossAt(iteration, r), accuracy: NaN, count: 10 })) },
    ];
  }
  async snapshot() {
    return this.g.runs.map(() => ({
      best: null,
      evaluations: this.rounds.map((r) => ({ iteration: r.iteration, validation: { loss: 1, accuracy: null, count: 10 } })),
    }));
  }
  destroy(): void {
    this.destroyed = true;
  }
}

function setupEvaluating(dueAt: number[], pacing: PacingSettings = HEADLESS_TEST) {
  const clock = new FakeClock();
  const g = new FakeGroup(clock);
  const records: IterationRecord[] = [];
  const evaluator = new FakeEvaluator(g, records, dueAt);
  const trainer = new Trainer(g, { pacing, clock, evaluator });
  const events: TrainerEvents['evaluation'][] = [];
  const failures: string[] = [];
  trainer.on('metrics', (e) => records.push(...e.records));
  trainer.on('evaluation', (e) => events.push(e));
  for (const type of ['gpuError', 'deviceLost', 'error'] as const) trainer.on(type, (e) => failures.push(`${type}: ${e.message}`));
  return { g, trainer, evaluator, records, events, failures };
}

describe('Trainer with an evaluator', () => {
  it('evaluates exactly at the multiples of k, every record up to each delivered, nothing stepped meanwhile', async () => {
    const k = 7;
    const due = Array.from({ length: 50 }, (_, j) => (j + 1) * k);
    const { trainer, evaluator, records, events, failures } = setupEvaluating(due);
    expect(await trainer.start({ until: 100 })).toBe('reached');
    expect(evaluator.rounds.map((r) => r.iteration)).toEqual(due.filter((i) => i <= 100));
    for (const r of evaluator.rounds)
      expect([r.groupIteration, r.lastRecord, r.steppedMeanwhile]).toEqual([r.iteration, r.iteration, false]);
    expect(events.map((e) => e.iteration)).toEqual(due.filter((i) => i <= 100));
    expect(events[1].results[0].runs[1].loss).toBe(lossAt(14, 1));
    expect(structuredClone(events)).toEqual(events); // plain data
    expect(iterationsOf(records)).toEqual(upTo(100));
    // `until` at a multiple: its round runs before start() resolves; the next start does not repeat it
    expect(await trainer.start({ until: 105 })).toBe('reached');
    expect(evaluator.rounds.map((r) => r.iteration).slice(-2)).toEqual([98, 105]);
    await trainer.start({ until: 110 });
    expect(evaluator.rounds.map((r) => r.iteration).slice(-2)).toEqual([98, 105]);
    expect(failures).toEqual([]);
  });

  it('uneven due iterations (an epoch schedule) are met exactly, in the lab pacing too', async () => {
    const due = [3, 4, 17, 40, 41, 90];
    const { trainer, evaluator } = setupEvaluating(due, LAB_PACING);
    await trainer.start({ until: 95 });
    expect(evaluator.rounds.map((r) => [r.iteration, r.groupIteration, r.lastRecord])).toEqual(due.map((i) => [i, i, i]));
  });

  it('a pause on the way to a due iteration does not skip its round; halt, step and save wait for it', async () => {
    const { g, trainer, evaluator, records } = setupEvaluating([5, 6, 20]);
    g.manual = true;
    const run = trainer.start({ until: 30 });
    // readbacks answered as the loop goes, until iteration 5 (a due one, the stretch's end) is encoded;
    // then pause while its readback is out
    while (g.iteration < 5) {
      g.release();
      await tick();
    }
    expect(g.iteration).toBe(5);
    trainer.pause();
    const h = trainer.halt();
    await tick();
    expect(evaluator.rounds).toEqual([]); // the readbacks are not in yet
    g.release();
    await h;
    expect(await run).toBe('paused');
    expect(evaluator.rounds.map((r) => [r.iteration, r.lastRecord])).toEqual([[5, 5]]);
    g.manual = false;
    await trainer.step(); // iteration 6 is due: step() returns after its round
    expect(evaluator.rounds.map((r) => r.iteration)).toEqual([5, 6]);
    await trainer.start({ until: 20 });
    const snap = await trainer.save();
    expect(snap.evaluation?.[0].evaluations.map((e) => e.iteration)).toEqual([5, 6, 20]);
    expect(iterationsOf(records)).toEqual(upTo(20));
    await trainer.destroy();
    expect(evaluator.destroyed).toBe(true);
  });

  it('a throwing evaluator stops the trainer with its error, after the records before it', async () => {
    const { trainer, evaluator, records, events, failures } = setupEvaluating([10, 20, 30]);
    evaluator.fail = 20;
    expect(await trainer.start({ until: 50 })).toBe('failed');
    expect(failures).toEqual(['error: the evaluation at 20 broke']);
    expect(events.map((e) => e.iteration)).toEqual([10]);
    expect(trainer.iteration).toBe(20); // nothing trained after the failed round
    expect(iterationsOf(records)).toEqual(upTo(20));
    expect(trainer.failed).toBe('the evaluation at 20 broke');
    expect(await trainer.start({ until: 50 })).toBe('failed');
    await expect(trainer.save()).rejects.toThrow(/Cannot save after the training stopped/);
  });
});
