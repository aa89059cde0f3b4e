/**
 * The registry of the paper's tables (src/experiments/paperTables.ts): every table's rows carry the paper's
 * numbers as printed (transcribed here again, independently, from the paper's text: Tables 3 and 4 in the
 * order its body text assigns them), names are unique, the paper's and the classroom's settings are valid
 * experiments with the paper's values where the paper states them; the row of a run is found by its settings
 * in every table; the lab's text presets are valid experiments whose descriptions say what the paper trained
 * and that its numbers are PTB's; the reproduce command's text run set and epochs.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presets } from '../../src/app/lab/presets.ts';
import { main, reproduction, savedExperimentProblem, settingsDifference, tablesHelp } from '../../src/cli/reproduce.ts';
import { loadBrown } from '../../src/data/nodeLoader.ts';
import { corpusUpTo } from '../../src/data/textCorpus.ts';
import { PAPER_GROUP, PAPER_RUN, type RunSettings, validateExperiment } from '../../src/engine/settings.ts';
import { MNIST_TABLE_ROWS, mnistTableRuns, PAPER_RATES } from '../../src/experiments/mnistTables.ts';
import {
  BROWN_TRAINING_SENTENCES,
  PAPER_TABLE_IDS,
  PAPER_TABLES,
  paperTableOfGroup,
  tableRowOf,
  tableRuns,
} from '../../src/experiments/paperTables.ts';

// [margin, initialisation, bpc, accuracy] as the paper prints them (the left-hand table is Table 3: body text)
const PRINTED_TEXT: Record<'table3' | 'table4', [number | null, string, number, number][]> = {
  table3: [
    [0, 'orthogonal', 2.16, 55.31],
    [0.01, 'orthogonal', 2.16, 55.33],
    [0.1, 'orthogonal', 2.12, 55.37],
    [1, 'orthogonal', 2.06, 57.07],
    [100, 'orthogonal', 2.04, 57.51],
    [null, 'orthogonal', 2.06, 57.38],
    [null, 'glorot', 2.08, 57.37],
    [null, 'identity', 2.25, 53.83],
  ],
  table4: [
    [0, 'orthogonal', 2.2, 54.88],
    [0.01, 'orthogonal', 2.2, 54.83],
    [0.1, 'orthogonal', 2.24, 54.1],
    [1, 'orthogonal', 2.36, 51.12],
    [100, 'orthogonal', 2.36, 51.2],
    [null, 'orthogonal', 2.34, 51.3],
    [null, 'glorot', 2.34, 51.04],
    [null, 'identity', 2.68, 45.35],
  ],
};
// [margin | 'lstm', initialisation, Table 1 %, Table 2 %]
const PRINTED_MNIST: [number | null | 'lstm', string, number, number][] = [
  [0, 'orthogonal', 77.18, 83.56],
  [0.001, 'orthogonal', 79.26, 84.59],
  [0.01, 'orthogonal', 85.47, 89.63],
  [0.1, 'orthogonal', 94.1, 91.44],
  [1, 'orthogonal', 93.84, 90.83],
  [null, 'orthogonal', 93.24, 90.51],
  [null, 'glorot', 66.71, 79.33],
  [null, 'identity', 53.53, 42.72],
  ['lstm', 'orthogonal', 97.3, 92.62],
];

describe("the registry of the paper's tables", () => {
  it("Tables 3 and 4: each row's margin, start, bpc and accuracy as printed", () => {
    for (const id of ['table3', 'table4'] as const) {
      const t = PAPER_TABLES[id];
      expect(t.measures).toEqual(['bpc', 'accuracy']);
      const runs = tableRuns(t, t.paper);
      expect(
        t.rows.map((r, k) => [runs[k].margin, runs[k].init, r.paper.bpc, r.paper.accuracy]),
        id,
      ).toEqual(PRINTED_TEXT[id]);
    }
  });

  it('Tables 1 and 2: each row as printed, and the older MNIST names give the same', () => {
    for (const [k, id] of (['table1', 'table2'] as const).entries()) {
      const t = PAPER_TABLES[id];
      expect(t.measures).toEqual(['accuracy']);
      const runs = tableRuns(t, t.paper);
      expect(t.rows.map((r, i) => [runs[i].parameterisation === 'lstm' ? 'lstm' : runs[i].margin, runs[i].init, r.paper.accuracy])).toEqual(
        PRINTED_MNIST.map((p) => [p[0], p[1], p[2 + k]]),
      );
      expect(t.rows.every((r) => r.paper.bpc === undefined)).toBe(true);
    }
    expect(MNIST_TABLE_ROWS.map((r) => [r.paper.table1, r.paper.table2])).toEqual(PRINTED_MNIST.map((p) => [p[2], p[3]]));
    expect(mnistTableRuns(PAPER_RATES)).toEqual(tableRuns(PAPER_TABLES.table1, PAPER_TABLES.table1.paper));
  });

  it('names are unique in every table, and every run of a table is its own row, in order', () => {
    for (const id of PAPER_TABLE_IDS) {
      const t = PAPER_TABLES[id];
      expect(t.id).toBe(id);
      expect(new Set(t.rows.map((r) => r.name)).size, id).toBe(t.rows.length);
      for (const v of [t.paper, t.classroom]) expect(tableRuns(t, v).map((r) => tableRowOf(t, r)?.name)).toEqual(t.rows.map((r) => r.name));
    }
  });

  it("the paper's and the classroom's settings are valid experiments, evaluated every epoch", () => {
    for (const id of PAPER_TABLE_IDS) {
      const t = PAPER_TABLES[id];
      for (const v of [t.paper, t.classroom]) {
        expect(validateExperiment({ ...v.group, evaluateEvery: 'epoch' }, tableRuns(t, v)), `${id}: ${v.settings}`).toEqual([]);
        expect(paperTableOfGroup(v.group)?.id, `${id}'s group goes beside ${id}`).toBe(id);
      }
    }
  });

  it("the text tables' paper settings: Brown by default, 75 and 300 characters, n = 512, batch 50, tanh, tau 1e-6, lr 1e-3, clip 30, 200 epochs", () => {
    for (const [id, maxLength] of [
      ['table3', 75],
      ['table4', 300],
    ] as const) {
      const t = PAPER_TABLES[id];
      expect(t.paper.group).toMatchObject({
        task: 'text',
        textCorpus: 'brown',
        maxLength,
        hidden: 512,
        batchSize: 50,
        optimizer: 'rmsprop',
      });
      expect(t.paper.epochs).toBe(200);
      for (const run of tableRuns(t, t.paper))
        expect(run).toMatchObject({
          parameterisation: 'factorised',
          nonlinearity: 'tanh',
          lrGeodesic: 1e-6,
          lrFree: 1e-3,
          lrSpectrum: 1e-4,
          clip: 30,
          weightDecay: 1e-4,
          softOrth: 0,
          prior: 0,
        });
      // the classroom: stated as such, smaller and shorter than the paper's
      expect(t.classroom.settings).toMatch(/^the classroom variant, not the paper's setting/);
      expect(t.classroom.group.hidden).toBeLessThan(512);
      expect(t.classroom.group.maxLength!).toBeLessThan(maxLength);
      expect(t.dataNote).toMatch(/numbers are for PTB.*default corpus here is Brown/);
    }
    // Table 4's classroom sentences are still longer than Table 3's
    expect(PAPER_TABLES.table4.classroom.group.maxLength!).toBeGreaterThan(PAPER_TABLES.table3.classroom.group.maxLength!);
  });
});

describe("Brown's training sentences under the text tables' limits", () => {
  it('are those the presets state, for every limit of a text table or its classroom', () => {
    const brown = loadBrown();
    expect(brown.train.count).toBe(51_606);
    const limits = (['table3', 'table4'] as const).flatMap((id) => [
      PAPER_TABLES[id].paper.group.maxLength!,
      PAPER_TABLES[id].classroom.group.maxLength!,
    ]);
    expect(
      Object.keys(BROWN_TRAINING_SENTENCES)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...limits].sort((a, b) => a - b));
    for (const m of limits) expect(corpusUpTo(brown, m).train.count, `up to ${m}`).toBe(BROWN_TRAINING_SENTENCES[m]);
  });
});

describe("a text run's row of the paper", () => {
  const tanh = (s: Partial<RunSettings>): RunSettings => ({ ...PAPER_RUN, nonlinearity: 'tanh', ...s });
  const t3 = PAPER_TABLES.table3;

  it('is found by the settings, whatever the name or the rates', () => {
    expect(tableRowOf(t3, tanh({ name: 'x', margin: 100 }))?.paper).toEqual({ bpc: 2.04, accuracy: 57.51 });
    expect(tableRowOf(t3, tanh({ margin: null, init: 'glorot', lrFree: 0.05 }))?.name).toBe('none (Glorot)');
    expect(tableRowOf(PAPER_TABLES.table4, tanh({ margin: null, init: 'identity' }))?.paper).toEqual({ bpc: 2.68, accuracy: 45.35 });
  });

  it('is none where the text tables have no such row', () => {
    expect(tableRowOf(t3, tanh({ margin: 0.001 }))).toBeNull(); // an MNIST margin, not a text one
    expect(tableRowOf(t3, { ...PAPER_RUN, parameterisation: 'lstm', margin: null })).toBeNull(); // no LSTM in Tables 3 and 4
    expect(tableRowOf(t3, tanh({ margin: 1, nonlinearity: 'relu' }))).toBeNull();
    expect(tableRowOf(t3, tanh({ margin: 1, prior: 0.1 }))).toBeNull();
  });

  it('a text group goes beside Table 3 up to 75 characters, Table 4 above; the synthetic tasks beside none', () => {
    expect(paperTableOfGroup({ task: 'text', maxLength: 75 })?.id).toBe('table3');
    expect(paperTableOfGroup({ task: 'text', maxLength: 40 })?.id).toBe('table3');
    expect(paperTableOfGroup({ task: 'text' })?.id).toBe('table3'); // unset: 75
    expect(paperTableOfGroup({ task: 'text', maxLength: 76 })?.id).toBe('table4');
    expect(paperTableOfGroup({ task: 'text', maxLength: 300 })?.id).toBe('table4');
    expect(paperTableOfGroup({ task: 'mnist' })?.id).toBe('table1');
    expect(paperTableOfGroup({ task: 'pmnist' })?.id).toBe('table2');
    expect(paperTableOfGroup({ task: 'copy' })).toBeNull();
    expect(paperTableOfGroup({ task: 'adding' })).toBeNull();
  });
});

describe("the lab's text presets", () => {
  for (const software of [true, false]) {
    const all = presets(software);
    it(`are valid experiments of their table's run set (${software ? 'CPU' : 'GPU'} adapter)`, () => {
      for (const [id, table, maxLength, hidden] of [
        ['table3', 'table3', 75, 512],
        ['table4', 'table4', 300, 512],
        ['table3-classroom', 'table3', 40, 64],
      ] as const) {
        const p = all.find((x) => x.id === id);
        expect(p, id).toBeDefined();
        const { group, runs } = p!.experiment;
        expect(validateExperiment(group, runs), id).toEqual([]);
        expect(group).toMatchObject({ task: 'text', textCorpus: 'brown', maxLength, hidden, evaluateEvery: 'epoch' });
        const t = PAPER_TABLES[table];
        expect(runs.map((r) => tableRowOf(t, r)?.name)).toEqual(t.rows.map((r) => r.name));
        expect(p!.label).toMatch(id === 'table3-classroom' ? /^Table 3, classroom/ : /the paper's run set and settings$/);
        // what it trains, for how long the paper trained, and whose numbers they are
        expect(p!.description).toMatch(/The paper trained 200 epochs \(on PTB\)/);
        expect(p!.description).toMatch(/numbers beside the results are PTB's; the default corpus here is Brown/);
        expect(p!.description).toMatch(/Data sets panel/);
        expect(p!.description).toMatch(new RegExp(`sentences of up to ${maxLength} characters`));
      }
      expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
      for (const p of all) expect(validateExperiment(p.experiment.group, p.experiment.runs), p.id).toEqual([]);
    });
  }
});

describe('npm run reproduce -- table3|table4', () => {
  it('trains the run set for whole batches of every epoch, on Brown unless files are given', () => {
    const r = reproduction('table3', { classroom: true, trainSize: 9286 });
    expect(r.epochs).toBe(2);
    expect(r.iterations).toBe(2 * Math.ceil(9286 / 32));
    expect(r.group).toMatchObject({ task: 'text', textCorpus: 'brown', maxLength: 40, hidden: 64, batchSize: 32 });
    expect(r.runs.map((x) => x.name)).toEqual(PAPER_TABLES.table3.rows.map((x) => x.name));
    expect(r.trained).toMatch(/^Trained by `npm run reproduce -- table3 --classroom`: the classroom variant, not the paper's setting/);
    expect(r.trained).toMatch(/corpus: Brown corpus, 9,286 training sentences of up to 40 characters; 2 epochs \(582 iterations\)/);
    const files = reproduction('table4', { classroom: false, epochs: 3, trainSize: 1001, textFiles: ['ptb.train.txt'] });
    expect(files.group).toMatchObject({ textCorpus: 'files', maxLength: 300, hidden: 512 });
    expect(files.iterations).toBe(3 * 21);
    expect(() => reproduction('table3', { classroom: false })).toThrow(/number of training sentences is needed/);
  });

  it('a folder with the other sentence limit, or the other variant, differs by the setting that differs', () => {
    const paper = reproduction('table3', { classroom: false, trainSize: 100 });
    const classroom = reproduction('table3', { classroom: true, trainSize: 100 });
    expect(settingsDifference(paper.group, paper.runs, classroom.group, classroom.runs)).toBe('batchSize 32 there, 50 here');
    const files = reproduction('table3', { classroom: false, trainSize: 100, textFiles: ['a.txt'] });
    expect(settingsDifference(files.group, files.runs, paper.group, paper.runs)).toBe('textCorpus brown there, files here');
    expect(settingsDifference(paper.group, paper.runs, { ...paper.group }, paper.runs)).toBeNull();
    expect(settingsDifference(paper.group, paper.runs, { ...PAPER_GROUP, ...paper.group, maxLength: 300 }, paper.runs)).toBe(
      'maxLength 300 there, 75 here',
    );
  });

  it("a folder of another table, of another task or of the same table's other settings cannot be resumed", () => {
    const t3 = reproduction('table3', { classroom: false, trainSize: 100 });
    const t4 = reproduction('table4', { classroom: false, trainSize: 100 });
    const c3 = reproduction('table3', { classroom: true, trainSize: 100 });
    const mnist = reproduction('table1', { classroom: true });
    expect(savedExperimentProblem('table3', t3.group, t3.runs, t4.group, t4.runs)).toBe(
      'another experiment (task text, 8 runs, sentences of up to 300 characters)',
    );
    expect(savedExperimentProblem('table4', t4.group, t4.runs, c3.group, c3.runs)).toBe(
      'another experiment (task text, 8 runs, sentences of up to 40 characters)',
    );
    expect(savedExperimentProblem('table3', t3.group, t3.runs, mnist.group, mnist.runs)).toBe('another experiment (task mnist, 9 runs)');
    expect(savedExperimentProblem('table3', t3.group, t3.runs, c3.group, c3.runs)).toBe(
      'Table 3 with other settings (batchSize 32 there, 50 here)',
    );
    expect(savedExperimentProblem('table3', c3.group, c3.runs, c3.group, c3.runs)).toBeNull();
  });

  it('refuses, before any training, a flag of the other kind of table, a wrong --text-files, a file that cannot be read', async () => {
    const none = join(mkdtempSync(join(tmpdir(), 'ortho-reproduce-text-')), 'never');
    await expect(main(['table3', '--train-images', '5', '--out', none])).rejects.toThrow(
      /^--train-images is MNIST's \(table1, table2\); table3 trains on every sentence under its length limit$/,
    );
    await expect(main(['table1', '--text-files', 'a.txt', '--out', none])).rejects.toThrow(
      /^--text-files is the text tables' \(table3, table4\); table1 trains on MNIST$/,
    );
    await expect(main(['table4', '--text-files', 'a.txt,b.txt', '--out', none])).rejects.toThrow(/--text-files takes one file or three/);
    await expect(main(['table4', '--text-files', join(none, 'no-such.txt'), '--out', none])).rejects.toThrow(
      /no-such\.txt: cannot be read \(ENOENT\)$/,
    );
    // a file with no sentence short enough: named, with the limit
    const long = join(dirname(none), 'long.txt');
    writeFileSync(long, `${'a'.repeat(200)}\n`.repeat(40));
    await expect(main(['table3', '--classroom', '--text-files', long, '--out', none])).rejects.toThrow(
      /long\.txt: no training sentence of at most 40 characters/,
    );
    expect(existsSync(none)).toBe(false);
  });

  it('--help lists every table with its run set and settings', () => {
    const help = tablesHelp();
    for (const id of PAPER_TABLE_IDS) {
      const t = PAPER_TABLES[id];
      expect(help).toContain(`${id}  ${t.title}`);
      expect(help).toContain(`runs: ${t.rows.map((r) => r.name).join(', ')}`);
      expect(help).toContain(`${t.paper.settings}; ${t.paper.epochs} epochs`);
      expect(help).toContain(`--classroom: ${t.classroom.settings}; ${t.classroom.epochs} epochs`);
    }
  });
});
