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
 * `--seeds k`: every run of a part is trained over k seeds (seed replicates, src/experiments/replicates.ts:
 * `<run> · s1` .. `<run> · sk`, seeds seed .. seed+k-1), the charts draw each run set as its mean with a
 * min-max band, and each verdict is counted over the k seeds. When a part's runs over k seeds fit in one group
 * (at most 16 side by side; `--group-runs N` lowers it) they train side by side in the part's folder; when
 * they do not, the part is split by seed into several groups trained one after the other, each in a subfolder
 * of the part's named after its seeds (DIR/<part>/seeds-1-2, seeds-3-4, ...: figureRecords.ts seedGroups),
 * each resumable on its own, a finished one never trained again. The report reads them all back as the one
 * group of all of them (mergeSeedGroupLogs): a run trains the same alone or beside others, so the numbers are
 * those one big group would give. The folder's record (reproduce.json) keeps the seed count: another one is
 * refused, as is a part trained in other groups (another --group-runs).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentLog } from '../engine/experimentLog.ts';
import {
  mergeSeedGroupLogs,
  partReport,
  SEED_GROUP_FOLDER,
  type SeedGroup,
  seedGroups,
  seedRecords,
} from '../experiments/figureRecords.ts';
import { type FigurePart, PAPER_FIGURES, type PaperFigureId } from '../experiments/paperFigures.ts';
import { MAX_GROUP_RUNS, seedsProblem as replicateSeedsProblem } from '../experiments/replicates.ts';
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
  /** the most runs a group trains side by side (default MAX_GROUP_RUNS, 16): a part over more is split by seed */
  groupRuns?: number;
  /** train's --adapter and --quiet */
  pass: string[];
}

/**
 * Checks --seeds (1 to 10) and --group-runs (1 to 16, and at least each part's runs: a part is split by seed,
 * never within one) for a figure; a message naming what is wrong and what is allowed, or null.
 */
export function figureSeedsProblem(id: PaperFigureId, classroom: boolean, seeds: number, groupRuns = MAX_GROUP_RUNS): string | null {
  const range = replicateSeedsProblem(seeds);
  if (range) return `--seeds: ${range}`;
  const fig = PAPER_FIGURES[id];
  const largest = Math.max(...(classroom ? fig.classroom : fig.paper).parts.map((p) => p.runs.length));
  if (!Number.isInteger(groupRuns) || groupRuns < 1 || groupRuns > MAX_GROUP_RUNS)
    return `--group-runs must be a whole number from 1 to ${MAX_GROUP_RUNS} (got ${groupRuns})`;
  if (groupRuns < largest)
    return `--group-runs ${groupRuns}: ${fig.label}${classroom ? ' (classroom)' : ''} has a part of ${largest} runs, and a part is split into groups by seed, never within one; give at least ${largest}`;
  return null;
}

/** The seed groups of every part of a variant, in order. */
export function variantGroups(parts: readonly FigurePart[], seeds: number, groupRuns = MAX_GROUP_RUNS): SeedGroup[][] {
  return parts.map((p) => seedGroups(p.runs, seeds, groupRuns));
}

/** The seed-group subfolders (experiment folders) a part's folder holds, sorted, and whether it is an experiment folder itself ('' first). */
function heldGroups(partDir: string): string[] {
  if (!existsSync(partDir)) return [];
  const split = readdirSync(partDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && SEED_GROUP_FOLDER.test(e.name) && readManifest(join(partDir, e.name)))
    .map((e) => e.name)
    .sort();
  return readManifest(partDir) ? ['', ...split] : split;
}

const groupsText = (folders: readonly string[]) =>
  folders.length === 1 && folders[0] === ''
    ? 'one group in the part folder'
    : `groups ${folders.map((f) => f || '(the part folder)').join(', ')}`;

/** Writes a file whole or not at all: beside, then renamed into place. */
export function writeWhole(path: string, body: string | Buffer): void {
  writeFileSync(`${path}.tmp`, body);
  renameSync(`${path}.tmp`, path);
}

export async function reproduceFigure(id: PaperFigureId, o: FigureOptions): Promise<number> {
  const fig = PAPER_FIGURES[id];
  const v = o.classroom ? fig.classroom : fig.paper;
  const groupRuns = o.groupRuns ?? MAX_GROUP_RUNS;
  const problem = figureSeedsProblem(id, o.classroom, o.seeds, groupRuns);
  if (problem) throw new UsageError(problem);
  const groups = variantGroups(v.parts, o.seeds, groupRuns);
  // what the folder is for: written before any training, read on every later run (another figure, the other
  // variant or another seed count in it is refused: its parts would sit beside these under the same report)
  const marker = join(o.out, MARKER);
  const what = { format: 'orthogonality-lab/reproduce-figure', figure: id, classroom: o.classroom, seeds: o.seeds };
  const seedWord = (k: number) => `${k} seed${k === 1 ? '' : 's'}`;
  if (existsSync(marker)) {
    let held: { figure?: unknown; classroom?: unknown; seeds?: unknown } = {};
    try {
      held = JSON.parse(readFileSync(marker, 'utf8'));
    } catch {
      throw new UsageError(`--out ${o.out}: ${marker} is not a reproduce record (unreadable JSON); give a new folder`);
    }
    if (held.figure !== id || held.classroom !== o.classroom)
      throw new UsageError(
        `--out ${o.out} holds ${String(held.figure)}${held.classroom ? ' --classroom' : ''}, not ${id}${o.classroom ? ' --classroom' : ''}; give a new folder`,
      );
    // a record from before the seed count was kept says nothing: the parts' run counts are checked below
    if (held.seeds !== undefined && held.seeds !== o.seeds)
      throw new UsageError(
        `--out ${o.out} holds ${fig.label} trained over ${typeof held.seeds === 'number' ? seedWord(held.seeds) : String(held.seeds)}, not ${seedWord(o.seeds)}; give a new folder (or --seeds ${String(held.seeds)} to continue it)`,
      );
  } else if (existsSync(o.out) && readManifest(o.out))
    throw new UsageError(`--out ${o.out} holds an experiment of its own (a table's or train's); give a new folder`);
  mkdirSync(o.out, { recursive: true });
  if (!existsSync(marker)) writeWhole(marker, `${JSON.stringify(what)}\n`);
  // refuse a part's folder holding other groups or other settings before training anything
  v.parts.forEach((part, p) => {
    const partDir = join(o.out, part.id);
    const wanted = groups[p].map((g) => g.folder);
    const held = heldGroups(partDir);
    const stray = held.filter((f) => !wanted.includes(f));
    if (stray.length)
      throw new UsageError(
        `--out ${o.out}: ${partDir} holds ${fig.label} ${part.id} trained in ${groupsText(held)}; over ${seedWord(o.seeds)} in groups of at most ${groupRuns} runs it trains in ${groupsText(wanted)}; give a new folder (or the --seeds and --group-runs it was trained with)`,
      );
    for (const g of groups[p]) {
      const dir = join(partDir, g.folder);
      if (!held.includes(g.folder)) continue;
      const saved = loadResume(dir);
      const differs =
        saved.runs.length !== g.runs.length || saved.group.task !== part.group.task
          ? `another experiment (task ${saved.group.task}, ${saved.runs.length} runs${saved.runs.length !== g.runs.length ? `; ${g.runs.length} here over ${seedWord(g.to - g.from + 1)}` : ''})`
          : settingsDifference(part.group, g.runs, saved.group, saved.runs);
      if (differs)
        throw new UsageError(
          `--out ${o.out}: ${dir} holds ${fig.label} ${part.id} with other settings (${differs}); give a new folder${o.classroom ? '' : ' (or add --classroom if it was trained with it)'}`,
        );
    }
  });
  for (const [p, part] of v.parts.entries()) {
    const target = o.iters ?? part.iterations;
    for (const [k, g] of groups[p].entries()) {
      const dir = join(o.out, part.id, g.folder);
      const manifest = existsSync(dir) ? readManifest(dir) : undefined;
      const done = manifest?.iteration ?? 0;
      if (done >= target) continue;
      const which =
        groups[p].length > 1 ? ` (seeds ${g.from}${g.to > g.from ? `-${g.to}` : ''}: group ${k + 1} of ${groups[p].length})` : '';
      process.stderr.write(
        `${part.title}${which}: ${manifest ? `resuming at iteration ${done} of ${target}` : `training ${target} iterations of ${part.runs.length} runs${o.seeds > 1 ? ` over ${g.to > g.from || groups[p].length === 1 ? `${seedWord(g.to - g.from + 1)}` : `seed ${g.from}`}` : ''}`} in ${dir}\n`,
      );
      const argv = manifest
        ? ['--resume', dir, '--iters', String(target - done), ...o.pass]
        : [...experimentToFlags(part.group, g.runs), '--iters', String(target), '--out', dir, ...o.pass];
      const code = await train(argv);
      if (code !== 0) {
        process.stderr.write(`The figure is not written yet; run the same command again to continue from ${o.out}.\n`);
        return code;
      }
    }
  }

  const command = `npm run reproduce -- ${id}${o.classroom ? ' --classroom' : ''}${o.seeds > 1 ? ` --seeds ${o.seeds}` : ''}${o.iters !== undefined ? ` --iters ${o.iters}` : ''}${groupRuns !== MAX_GROUP_RUNS ? ` --group-runs ${groupRuns}` : ''}`;
  const sections: string[] = [];
  const csvParts: string[] = [];
  const drawings: { part: string; svg: string; width: number; height: number }[] = [];
  const summary: string[] = [];
  const splitNotes: string[] = [];
  for (const [p, part] of v.parts.entries()) {
    const saved = groups[p].map((g) => loadResume(join(o.out, part.id, g.folder)));
    // the groups read back as the one group of all of them, over the iterations every group trained
    const trained = Math.min(...saved.map((x) => x.manifest.iteration));
    let log: ExperimentLog;
    try {
      log = mergeSeedGroupLogs(
        saved.map((x) => x.log),
        groups[p],
        part.runs.length,
      );
    } catch (e) {
      throw new UsageError(
        `--out ${o.out}: ${part.id}'s seed groups cannot be read as one panel (${(e as Error).message}); give a new folder`,
      );
    }
    if (groups[p].length > 1)
      splitNotes.push(
        `${part.id}: ${part.runs.length} runs over ${seedWord(o.seeds)} are more than a group trains side by side (${groupRuns}), so it trained as ${groups[p].length} groups one after the other (${groups[p].map((g) => g.folder).join(', ')}), read back as one.`,
      );
    const records = seedRecords(log.metrics.runs, log, part.metric);
    const report = partReport(part, records, trained);
    const short =
      trained < part.iterations
        ? ` Trained ${trained} of the ${part.iterations} iterations the claims are made over: a claim that needs the rest is undecided.`
        : '';
    sections.push(report.markdown + (short ? `\n${short.trim()}\n` : ''));
    csvParts.push(report.csv.split('\n').slice(1).join('\n'));
    for (const vd of report.verdicts) summary.push(`| ${part.id} | ${vd.statement} | ${vd.text} |`);
    const figure = partFigure(part, log, v.settings, `Trained by ${command}: ${trained} iterations.`);
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
      ? `Seeds: each run is trained over ${o.seeds} seeds (seed replicates, side by side where a part's runs over them fit in one group); a verdict counts the seeds it was checked on, and the charts draw each run set's mean with its min-max band.${splitNotes.length ? ` ${splitNotes.join(' ')}` : ''}`
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
