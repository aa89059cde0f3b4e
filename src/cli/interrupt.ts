/**
 * SIGINT (Ctrl-C) and SIGTERM while training: the first asks the trainer to stop after the iterations on the
 * GPU now, save a snapshot and exit with 130 (SIGINT) or 143 (SIGTERM); a second one aborts at once, saving
 * nothing more (the last complete snapshot stays intact: saves are all-or-nothing).
 *
 * One Ctrl-C in a terminal can arrive several times within milliseconds: the terminal signals every process
 * of the group, and npm and the supervising parent forward what they get. Signals within REPEAT_MS of the
 * first are taken as that same one.
 */
import { constants } from 'node:os';

const REPEAT_MS = 300;

export class Interrupt {
  /** the first signal received, if any */
  signal: 'SIGINT' | 'SIGTERM' | undefined;
  private at = 0;
  private readonly handler = (s: NodeJS.Signals) => this.receive(s as 'SIGINT' | 'SIGTERM');

  /** `onFirst` says what happens now; `onAbort` says what was kept, just before the process exits. */
  constructor(
    private readonly onFirst: (signal: string) => void,
    private readonly onAbort: (signal: string) => void,
  ) {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get requested(): boolean {
    return this.signal !== undefined;
  }

  /** 130 for SIGINT, 143 for SIGTERM: 128 + the signal's number, as a shell reports a process it ended. */
  get exitCode(): number {
    return this.signal ? 128 + constants.signals[this.signal] : 0;
  }

  private receive(s: 'SIGINT' | 'SIGTERM'): void {
    const now = performance.now();
    if (!this.signal) {
      this.signal = s;
      this.at = now;
      this.onFirst(s);
      return;
    }
    if (now - this.at < REPEAT_MS) return;
    this.onAbort(s);
    process.exit(this.exitCode);
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}
