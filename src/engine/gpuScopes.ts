/**
 * Every submission of a run group is accountable: each iteration (and each readback flush) runs inside its
 * own validation, out-of-memory and internal error scopes, pushed and popped in the same synchronous block,
 * so no other code's scopes can interleave with them. The pops resolve later; the first error found marks
 * the group as failed from the iteration whose metrics it spoils, and RunGroup.collect() then hands back only
 * the records measured before it (TrainingGpuError.records) and throws. A lost device does the same.
 * Validation errors are raised when a command is recorded or submitted, so a scope around the recording and
 * the submit sees every error of that iteration's work.
 */
import { GpuError } from '../gpu/device.ts';
import type { IterationRecord } from './runGroup.ts';

/** What a GPU error means for the numbers, in words for the CLI and the lab. */
const MEANING: Record<GpuError['kind'], string> = {
  validation: 'the GPU rejected a command (a bug, or a size this device does not allow)',
  'out-of-memory': 'the GPU ran out of memory',
  internal: 'the GPU failed internally',
  'device-lost': 'the GPU device was lost',
};

/** Training stopped by a GPU error: `records` are the metrics measured before `iteration`, which are valid. */
export class TrainingGpuError extends GpuError {
  constructor(
    kind: GpuError['kind'],
    /** the first iteration whose numbers are not valid */
    readonly iteration: number,
    readonly gpuMessage: string,
    readonly records: IterationRecord[],
  ) {
    super(
      kind,
      `Training stopped at iteration ${iteration}: ${MEANING[kind]} (${gpuMessage.trim().split('\n')[0]}). ` +
        `Nothing measured from iteration ${iteration} on is kept; the metrics of the ${iteration - 1} iteration(s) before it are.`,
    );
    this.name = 'TrainingGpuError';
  }
}

function kindOf(error: GPUError): GpuError['kind'] {
  if (typeof GPUOutOfMemoryError !== 'undefined' && error instanceof GPUOutOfMemoryError) return 'out-of-memory';
  if (typeof GPUValidationError !== 'undefined' && error instanceof GPUValidationError) return 'validation';
  return 'internal';
}

export class GpuScopes {
  /** the earliest failure seen so far */
  failure: { kind: GpuError['kind']; iteration: number; message: string } | null = null;
  private readonly checks = new Set<Promise<void>>();

  constructor(private readonly device: GPUDevice) {}

  /** Marks the group failed from `iteration` on (an earlier failure wins). */
  fail(kind: GpuError['kind'], iteration: number, message: string): void {
    if (!this.failure || iteration < this.failure.iteration) this.failure = { kind, iteration, message };
  }

  /** Runs `fn` (which must not await) inside fresh scopes; an error in them spoils the numbers from `iteration` on. */
  run(iteration: number, fn: () => void): void {
    const d = this.device;
    d.pushErrorScope('internal');
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    try {
      fn();
    } finally {
      const pops = [d.popErrorScope(), d.popErrorScope(), d.popErrorScope()];
      const check: Promise<void> = Promise.all(pops)
        .then(
          (errors) => {
            // pops come back [validation, out-of-memory, internal]; an allocation that failed makes every
            // later use of the buffer a validation error, so out-of-memory (the cause) is named first
            const e = errors[1] ?? errors[0] ?? errors[2];
            if (e) this.fail(kindOf(e), iteration, e.message);
          },
          (e: unknown) => this.fail('internal', iteration, `an error scope could not be read: ${(e as Error)?.message ?? String(e)}`),
        )
        .finally(() => this.checks.delete(check));
      this.checks.add(check);
    }
  }

  /** Resolves once every scope opened so far has been popped and read. */
  async settle(): Promise<void> {
    while (this.checks.size) await Promise.all([...this.checks]);
  }
}
