/**
 * The headless commands as real processes, started the way npm run starts them (node --import tsx), for the
 * CLI tests: run one to its end, or start one, wait for a line on its stderr, send it signals, await its exit.
 * XDG_RUNTIME_DIR is removed from their environment, as in the containers and CI jobs where Dawn's start-up
 * noise was seen.
 */
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface CliOptions {
  /** more environment variables */
  env?: Record<string, string>;
  /** false: run the worker directly (ORTHO_CLI_CHILD=1), so that a signal or a kill reaches the trainer itself */
  supervised?: boolean;
  /** run as this user and group (the read-only folder tests, when the tests run as root) */
  uid?: number;
  timeoutMs?: number;
  /** start it as a user does, `npm run --silent <name> -- args` (name = the script's file name without .ts) */
  viaNpm?: boolean;
}

function environment(o: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
  delete env.XDG_RUNTIME_DIR;
  delete env.ORTHO_CLI_CHILD;
  if (o.supervised === false) env.ORTHO_CLI_CHILD = '1';
  return env;
}

function argv(script: string, args: string[]): string[] {
  return ['--import', 'tsx', script.includes('/') ? script : join('src/cli', script), ...args];
}

/** Runs a command to its end (a time limit so that a hang fails the test instead of stalling it). */
export function cli(script: string, args: string[], o: CliOptions = {}): CliResult {
  const spawnOptions: SpawnOptions = { env: environment(o), ...(o.uid === undefined ? {} : { uid: o.uid, gid: o.uid }) };
  const r = spawnSync(process.execPath, argv(script, args), { ...spawnOptions, encoding: 'utf8', timeout: o.timeoutMs ?? 240_000 });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** A command running in the background. */
export class CliProcess {
  out = '';
  err = '';
  readonly exited: Promise<CliResult>;
  private readonly child;
  private waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(script: string, args: string[], o: CliOptions = {}) {
    const [command, commandArgs] = o.viaNpm
      ? ['npm', ['run', '--silent', script.replace(/\.ts$/, ''), '--', ...args]]
      : [process.execPath, argv(script, args)];
    this.child = spawn(command, commandArgs, { env: environment(o), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      this.out += d;
      this.check();
    });
    this.child.stderr!.on('data', (d: string) => {
      this.err += d;
      this.check();
    });
    const limit = setTimeout(() => this.child.kill('SIGKILL'), o.timeoutMs ?? 240_000);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(limit);
        resolve({ code, signal, out: this.out, err: this.err });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves when stdout or stderr (so far or later) matches `re`; rejects if the process ends first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    const now = (this.err + this.out).match(re);
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      this.waiters.push({ re, resolve });
      this.exited.then((r) => reject(new Error(`exited (${r.code ?? r.signal}) before printing ${re}:\n${r.err}${r.out}`)));
    });
  }

  signal(s: NodeJS.Signals): void {
    this.child.kill(s);
  }

  private check(): void {
    const text = this.err + this.out;
    this.waiters = this.waiters.filter((w) => {
      const m = text.match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  }
}

/** Options for a tiny training run: copy task T = 3, n = 8, batch 4 (an iteration is a few ms). */
export const TINY = ['--task', 'copy', '--T', '3', '--hidden', '8', '--batch', '4', '--lr', '0.01'];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
