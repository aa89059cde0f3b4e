/**
 * The headless commands run as a small parent and a child doing the work: the parent starts the same
 * script again with ORTHO_CLI_CHILD=1, passes its stdin and stdout through, reads the child's stderr and
 * drops the start-up lines of native code that are known to be harmless (nativeNoise.ts), keeping every
 * other line, and forwards SIGINT and SIGTERM. It exits with the child's code (128 + the signal's number
 * when a signal ended the child). Native code writes to file descriptor 2 directly, so a filter in the
 * same process could not catch those lines.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { NativeNoiseFilter } from './nativeNoise.ts';

export const CHILD_ENV = 'ORTHO_CLI_CHILD';

export function isSupervisedChild(): boolean {
  return process.env[CHILD_ENV] === '1';
}

export function supervise(): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, [CHILD_ENV]: '1' },
  });
  const filter = new NativeNoiseFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const out = filter.feed(chunk);
    if (out) process.stderr.write(out);
  });
  // A Ctrl-C in a terminal reaches the child directly too (same process group); the child treats signals
  // that arrive together as one (interrupt.ts), so forwarding cannot turn one Ctrl-C into two.
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`error: cannot start ${process.argv[1]} (${e.message})\n`);
      process.exitCode = 1;
      resolve();
    });
    child.on('close', (code, signal) => {
      const rest = filter.end();
      if (rest) process.stderr.write(`${rest}\n`);
      process.exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve();
    });
  });
}
