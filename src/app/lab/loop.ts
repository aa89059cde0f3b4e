/**
 * The training loop's tick, kept off the main thread's critical path: encode `chunk` iterations (GPU work is
 * asynchronous), queue a collect, and keep at most MAX_IN_FLIGHT collects outstanding. The chunk adapts to
 * the measured speed (about COLLECTS_PER_SECOND readbacks a second, so the charts refresh several times a
 * second) and to the measured JS time of a tick (kept under TICK_BUDGET_MS, far from a 50 ms long task).
 * The loop is cancelled by a token: start() bumps it, stop() bumps it, halt() also waits for every readback.
 * A tick ends early when the group's staging buffers are all being read back (RunGroup.canStep). A GPU error
 * during training (TrainingGpuError) stops the loop; the controller keeps the records measured before it.
 */
import { TrainingGpuError } from '../../engine/gpuScopes.ts';
import type { IterationRecord, RunGroup } from '../../engine/runGroup.ts';
import { reportProblem } from '../gpuProblems.ts';
import type { LabController } from './controller.ts';

const MAX_IN_FLIGHT = 2;
const COLLECTS_PER_SECOND = 8;
const TICK_BUDGET_MS = 15;
const MAX_CHUNK = 64;

export class TrainingLoop {
  private token = 0;
  private chunk = 1;
  private readonly inFlight: Promise<void>[] = [];
  private samples: { t: number; it: number }[] = [];
  /** JS time of the last tick (ms), for the test hook */
  lastTickMs = 0;

  /** collects queued and not yet read back */
  get pending(): number {
    return this.inFlight.length;
  }

  constructor(private readonly lab: LabController) {}

  start(): void {
    const token = ++this.token;
    this.samples = [];
    void this.run(token);
  }

  stop(): void {
    this.token++;
  }

  /** Stops and waits until every queued readback has reached the MetricsBook. */
  async halt(): Promise<void> {
    this.stop();
    while (this.inFlight.length) await Promise.allSettled([...this.inFlight]);
  }

  /** One iteration and its metrics (the 's' key). */
  async single(): Promise<void> {
    const rg = this.lab.group;
    if (!rg) return;
    await this.halt();
    try {
      rg.step();
      this.lab.absorb(rg, await rg.collect());
    } catch (e) {
      this.failed(e, rg);
    }
  }

  private queueCollect(rg: RunGroup): void {
    const p: Promise<void> = rg
      .collect()
      .then((records: IterationRecord[]) => {
        this.measure(rg.iteration);
        this.lab.absorb(rg, records);
      })
      .catch((e: unknown) => this.failed(e, rg))
      .finally(() => this.inFlight.splice(this.inFlight.indexOf(p), 1));
    this.inFlight.push(p);
  }

  private measure(iteration: number): void {
    const t = performance.now();
    this.samples.push({ t, it: iteration });
    while (this.samples.length > 2 && t - this.samples[0].t > 3000) this.samples.shift();
    const first = this.samples[0];
    if (this.samples.length >= 2 && t > first.t) {
      const itPerSec = ((iteration - first.it) * 1000) / (t - first.t);
      this.lab.store.setState({ itPerSec });
      this.chunk = Math.max(1, Math.min(MAX_CHUNK, Math.round(itPerSec / COLLECTS_PER_SECOND), this.chunk * 2));
    }
  }

  private async run(token: number): Promise<void> {
    while (token === this.token) {
      const rg = this.lab.group;
      if (!rg) return;
      const t0 = performance.now();
      try {
        for (let k = 0; k < this.chunk && rg.canStep; k++) rg.step();
      } catch (e) {
        this.failed(e, rg);
        return;
      }
      const ms = performance.now() - t0;
      this.lastTickMs = ms;
      if (ms > TICK_BUDGET_MS && this.chunk > 1) this.chunk = Math.max(1, Math.floor((this.chunk * TICK_BUDGET_MS) / ms));
      this.queueCollect(rg);
      if (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight[0];
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  private failed(e: unknown, rg: RunGroup): void {
    this.stop();
    this.lab.store.setState({ playing: false });
    if (e instanceof TrainingGpuError) {
      this.lab.gpuFailed(rg, e);
      return;
    }
    // a readback that fails because the device is being lost is that loss's consequence, reported as such
    void this.lab.deviceLostSoon().then((lost) => lost || reportProblem('app', `Training stopped: ${(e as Error)?.message ?? String(e)}`));
  }
}
