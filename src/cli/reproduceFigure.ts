/**
 * `npm run reproduce -- figure1|figure2|figure4|figure5|appendix [--classroom] [--seeds k] [--iters N] [--out DIR]`:
 * trains each part of one of the paper's figures headless (src/experiments/paperFigures.ts), one experiment
 * folder per part (DIR/<part>), and writes into DIR: the curves (markdown and CSV), each part's chart as SVG
 * and PNG (the lab's drawing: src/cli/figureFiles.ts), the paper's statement and settings beside, and a
 * verdict per claim counted over seeds (src/experiments/figureRecords.ts, claims.ts).
 *
 * It is `npm run train` per part: the folders, their all-or-nothing snapshots, Ctrl-C (saves, exit 130) and
 * the messages are train's. Run again with the same folder, it resumes each part where it stopped and trains
 * only the iterations still missing; a part's folder that holds other settings is refused, never overwritten.
 *
 * `--seeds k`: every run of a part is trained over k seeds side by side in the part's group (seed replicates,
 * src/experiments/replicates.ts: `<run> · s1` .. `<run> · sk`, seeds seed .. seed+k-1), the charts draw each
 * run set as its mean with a min-max band, and each verdict is counted over the k seeds. A part whose runs
 * over k seeds would be more than one group trains side by side (16) is refused, naming the most seeds it takes.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSettings } from '../engine/settings.ts';
import { partReport, seedRecords } from '../experiments/figureRecords.ts';
import { PAPER_FIGURES, type PaperFigureId } from '../experiments/paperFigures.ts';
import { expandReplicates, MAX_GROUP_RUNS, seedsProblem as replicateSeedsProblem } from '../experiments/replicates.ts';
import { UsageError } from './args.ts';
import { experimentToFlags } from './experimentFlags.ts';
import { readManifest } from './experimentFolder.ts';
import { partFigure, partSvg, svgsToPng } from './figureFiles.ts';
import { settingsDifference } from './reproduce.ts';
import { loadResume } from './resume.ts';
import { main as train } from './train.ts';

/** The file in a figure's folder that says which figure and variant it holds. */
const MARKER = 'reproduce.json';

export interface FigureOptions {
  classroom: boolean;
  seeds: number;
  /** train each part this many iterations instead of its budget (the claims keep the budget) */
  iters?: number;
  out: string;
  /** train's --adapter and --quiet */
  pass: string[];
}

/** Checks --seeds for a figure: 1 to 10, and no part over more runs than one group trains side by side. */
export function figureSeedsProblem(id: PaperFigureId, classroom: boolean, seeds: number): string | null {
  const range = replicateSeedsProblem(seeds);
  if (range) return `--seeds: ${range}`;
  const fig = PAPER_FIGURES[id];
  const largest = Math.max(...(classroom ? fig.classroom : fig.paper).parts.map((p) => p.runs.length));
  if (largest * seeds <= MAX_GROUP_RUNS) return null;
  return (
    `--seeds ${seeds}: ${fig.label}${classroom ? ' (classroom)' : ''} has a part of ${largest} runs, ${largest * seeds} over ${seeds} seeds; ` +
    `at most ${MAX_GROUP_RUNS} runs train side by side, so at most ${Math.max(1, Math.floor(MAX_GROUP_RUNS / largest))} seeds here`
  );
}

/** A part's runs as trained: each over `seeds` seeds (seeds = 1: the runs themselves). */
function partRuns(runs: readonly RunSettings[], seeds: number): RunSettings[] {
  return seeds === 1 ? runs.map((r) => ({ ...r })) : expandReplicates(runs, seeds);
}

/** Writes a file whole or not at all: beside, then renamed into place. */
export function writeWhole(path: string, body: string | Buffer): void {
  writeFileSync(`${path}.tmp`, body);
  renameSync(`${path}.tmp`, path);
}

export async function reproduceFigure(id: PaperFigureId, o: FigureOptions): Promise<number> {
  const fig = PAPER_FIGURES[id];
  const v = o.classroom ? fig.classroom : fig.paper;
  const problem = figureSeedsProblem(id, o.classroom, o.seeds);
  if (problem) throw new UsageError(problem);
  // what the folder is for: written before any training, read on every later run (another figure, or the
  // other variant, in it is refused: its parts would sit beside these under the same report)
  const marker = join(o.out, MARKER);
  const what = { format: 'orthogonality-lab/reproduce-figure', figure: id, classroom: o.classroom };
  if (existsSync(marker)) {
    let held: { figure?: unknown; classroom?: unknown } = {};
    try {
      held = JSON.parse(readFileSync(marker, 'utf8'));
    } catch {
      throw new UsageError(`--out ${o.out}: ${marker} is not a reproduce record (unreadable JSON); give a new folder`);
    }
    if (held.figure !== id || held.classroom !== o.classroom)
      throw new UsageError(
        `--out ${o.out} holds ${String(held.figure)}${held.classroom ? ' --classroom' : ''}, not ${id}${o.classroom ? ' --classroom' : ''}; give a new folder`,
      );
  } else if (existsSync(o.out) && readManifest(o.out))
    throw new UsageError(`--out ${o.out} holds an experiment of its own (a table's or train's); give a new folder`);
  mkdirSync(o.out, { recursive: true });
  if (!existsSync(marker)) writeWhole(marker, `${JSON.stringify(what)}\n`);
  // refuse a part's folder holding other settings before training anything
  for (const part of v.parts) {
    const dir = join(o.out, part.id);
    if (!existsSync(dir) || !readManifest(dir)) continue;
    const saved = loadResume(dir);
    const runs = partRuns(part.runs, o.seeds);
    const differs =
      saved.runs.length !== runs.length || saved.group.task !== part.group.task
        ? `another experiment (task ${saved.group.task}, ${saved.runs.length} runs${saved.runs.length !== runs.length ? `; ${runs.length} here over ${o.seeds} seed${o.seeds === 1 ? '' : 's'}` : ''})`
        : settingsDifference(part.group, runs, saved.group, saved.runs);
    if (differs)
      throw new UsageError(
        `--out ${o.out}: ${dir} holds ${fig.label} ${part.id} with other settings (${differs}); give a new folder${o.classroom ? '' : ' (or add --classroom if it was trained with it)'}`,
      );
  }
  for (const part of v.parts) {
    const dir = join(o.out, part.id);
    const target = o.iters ?? part.iterations;
    const manifest = existsSync(dir) ? readManifest(dir) : undefined;
    const done = manifest?.iteration ?? 0;
    if (done >= target) continue;
    process.stderr.write(
      `${part.title}: ${manifest ? `resuming at iteration ${done} of ${target}` : `training ${target} iterations of ${part.runs.length} runs${o.seeds > 1 ? ` over ${o.seeds} seeds` : ''}`} in ${dir}\n`,
    );
    const argv = manifest
      ? ['--resume', dir, '--iters', String(target - done), ...o.pass]
      : [...experimentToFlags(part.group, partRuns(part.runs, o.seeds)), '--iters', String(target), '--out', dir, ...o.pass];
    const code = await train(argv);
    if (code !== 0) {
      process.stderr.write(`The figure is not written yet; run the same command again to continue from ${o.out}.\n`);
      return code;
    }
  }

  const command = `npm run reproduce -- ${id}${o.classroom ? ' --classroom' : ''}${o.seeds > 1 ? ` --seeds ${o.seeds}` : ''}${o.iters !== undefined ? ` --iters ${o.iters}` : ''}`;
  const sections: string[] = [];
  const csvParts: string[] = [];
  const drawings: { part: string; svg: string; width: number; height: number }[] = [];
  const summary: string[] = [];
  for (const part of v.parts) {
    const saved = loadResume(join(o.out, part.id));
    const trained = saved.manifest.iteration;
    const records = seedRecords(saved.runs, saved.log, part.metric);
    const report = partReport(part, records, trained);
    const short =
      trained < part.iterations
        ? ` Trained ${trained} of the ${part.iterations} iterations the claims are made over: a claim that needs the rest is undecided.`
        : '';
    sections.push(report.markdown + (short ? `\n${short.trim()}\n` : ''));
    csvParts.push(report.csv.split('\n').slice(1).join('\n'));
    for (const vd of report.verdicts) summary.push(`| ${part.id} | ${vd.statement} | ${vd.text} |`);
    const figure = partFigure(part, saved.log, v.settings, `Trained by ${command}: ${trained} iterations.`);
    drawings.push({ part: part.id, svg: partSvg(figure, part.title), width: figure.width, height: figure.height });
  }
  for (const d of drawings) writeWhole(join(o.out, `${id}-${d.part}.svg`), d.svg);
  const pngs = await svgsToPng(drawings);
  let pngNote: string;
  if ('error' in pngs) pngNote = `PNG not written: ${pngs.error}. The SVG files are the same drawing.`;
  else {
    pngs.forEach((png, k) => {
      writeWhole(join(o.out, `${id}-${drawings[k].part}.png`), png);
    });
    pngNote = 'PNG: the SVG rendered by Chromium (playwright-core) at twice its size.';
  }
  const markdown = [
    `# ${fig.title}`,
    '',
    `Trained by \`${command}\`: ${v.settings}.`,
    '',
    `**The paper:** ${fig.statement}`,
    '',
    `**Where the paper is silent:** ${fig.silent}`,
    '',
    '## Verdicts',
    '',
    "| part | the paper's claim | verdict over seeds |",
    '|---|---|---|',
    ...summary,
    '',
    o.seeds > 1
      ? `Seeds: each run is trained over ${o.seeds} seeds side by side (seed replicates); a verdict counts the seeds it was checked on, and the charts draw each run set's mean with its min-max band.`
      : 'Seeds: each run is trained once (seed 1); a verdict counts the seeds it was checked on (`--seeds k` trains k).',
    ...(fig.notChecked.length ? ['', 'Stated by the paper, not checked here:', '', ...fig.notChecked.map((n) => `- ${n}`)] : []),
    '',
    ...sections,
    `Figures: ${drawings.map((d) => `${id}-${d.part}.svg`).join(', ')}. ${pngNote}`,
    '',
  ].join('\n');
  writeWhole(join(o.out, `${id}.md`), markdown);
  writeWhole(join(o.out, `${id}.csv`), `part,run,seed,iteration,metric,value\n${csvParts.filter(Boolean).join('\n')}\n`);
  process.stdout.write(`\n${markdown}\nWrote ${join(o.out, `${id}.md`)}, ${id}.csv and the figures\n`);
  return 0;
}
