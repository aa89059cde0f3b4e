/**
 * How the trainer paces its loop: how many iterations one tick encodes (the chunk), how many readbacks may
 * be in flight, and whether a tick yields to the host's event loop. The chunk adapts to the measured speed
 * (about `collectsPerSecond` readbacks a second, so that metrics arrive several times a second and a pause or
 * a signal is acted on soon) and to the measured JS time of a tick (kept under `tickBudgetMs`). The clock is
 * injected: the lab's is performance.now with a setTimeout yield, the CLI's the same clock without a yield,
 * the unit tests' a fake one.
 */

/** Time and yielding, as the host provides them. */
export interface TrainerClock {
  /** milliseconds, monotonic */
  now(): number;
  /** lets the host's event loop run (input, rendering, signals) between ticks */
  yield(): Promise<void>;
}

export interface PacingSettings {
  /** readbacks queued and not yet delivered at most; the loop waits for the oldest one beyond that */
  maxInFlight: number;
  /** readbacks a second the chunk aims for, from the measured speed */
  collectsPerSecond: number;
  /** the JS time one tick may take (ms); a slower tick shrinks the chunk (Infinity: no budget) */
  tickBudgetMs: number;
  /** iterations one tick encodes at most */
  maxChunk: number;
  /** whether each tick ends with clock.yield() */
  yieldEachTick: boolean;
}

/**
 * The lab's pacing: a tick stays far from a 50 ms long task on the main thread (15 ms of JS), metrics arrive
 * about 8 times a second, at most two readbacks in flight, and every tick yields to the page.
 */
export const LAB_PACING: PacingSettings = { maxInFlight: 2, collectsPerSecond: 8, tickBudgetMs: 15, maxChunk: 64, yieldEachTick: true };

/**
 * The headless trainer's pacing: flat out (no tick budget, no yield: the awaited readbacks already let
 * signals in), chunks of about a quarter of a second so that SIGINT and SIGTERM are acted on soon.
 */
export const HEADLESS_PACING: PacingSettings = {
  maxInFlight: 2,
  collectsPerSecond: 4,
  tickBudgetMs: Infinity,
  maxChunk: 25,
  yieldEachTick: false,
};

/** The clock of a real host (a page or Node): performance.now, and a yield to the event loop's next task. */
export const HOST_CLOCK: TrainerClock = {
  now: () => performance.now(),
  yield: () => new Promise((resolve) => setTimeout(resolve, 0)),
};

/** The window the speed is measured over (ms). */
const SPEED_WINDOW_MS = 3000;

export class Pacing {
  /** iterations the next tick encodes */
  chunk = 1;
  /** iterations per second over the last few seconds (NaN until two readbacks were measured since restart) */
  itPerSec = NaN;
  private samples: { t: number; it: number }[] = [];

  constructor(
    readonly settings: PacingSettings,
    private readonly clock: TrainerClock,
  ) {
    const { maxInFlight, collectsPerSecond, tickBudgetMs, maxChunk } = settings;
    if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1))
      throw new Error(`pacing: maxInFlight must be a whole number >= 1 (got ${maxInFlight})`);
    if (!(collectsPerSecond > 0)) throw new Error(`pacing: collectsPerSecond must be > 0 (got ${collectsPerSecond})`);
    if (!(tickBudgetMs > 0)) throw new Error(`pacing: tickBudgetMs must be > 0 (got ${tickBudgetMs})`);
    if (!(Number.isInteger(maxChunk) && maxChunk >= 1)) throw new Error(`pacing: maxChunk must be a whole number >= 1 (got ${maxChunk})`);
  }

  /** A new start: the speed is measured afresh (the chunk is kept). */
  restart(): void {
    this.samples = [];
    this.itPerSec = NaN;
  }

  /** A tick encoded its iterations in `ms` of JS: past the budget, the chunk shrinks in proportion. */
  ticked(ms: number): void {
    const budget = this.settings.tickBudgetMs;
    if (ms > budget && this.chunk > 1) this.chunk = Math.max(1, Math.floor((this.chunk * budget) / ms));
  }

  /**
   * A readback was delivered with `iteration` iterations encoded: the speed over the window, and a chunk of
   * about itPerSec / collectsPerSecond (at most doubling per readback, at most maxChunk). Returns the speed
   * when there are two samples to measure it from, else undefined.
   */
  delivered(iteration: number): number | undefined {
    const t = this.clock.now();
    this.samples.push({ t, it: iteration });
    while (this.samples.length > 2 && t - this.samples[0].t > SPEED_WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    if (this.samples.length < 2 || t <= first.t) return undefined;
    const itPerSec = ((iteration - first.it) * 1000) / (t - first.t);
    const { maxChunk, collectsPerSecond } = this.settings;
    this.chunk = Math.max(1, Math.min(maxChunk, Math.round(itPerSec / collectsPerSecond), this.chunk * 2));
    this.itPerSec = itPerSec;
    return itPerSec;
  }
}
