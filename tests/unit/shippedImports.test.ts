/**
 * Shipped code does not import the test oracles: no file under src/ outside src/reference/ imports a module
 * in src/reference/ (the float64 references judge the kernels; an op that borrowed from its reference would
 * share its mistakes). Geometry both need lives in a shipped module (e.g. src/gpu/ops/matmulGeometry.ts).
 * One exception, a judge like the tests: src/cli/gradientCheck.ts (bench:gpu's self-check runs the float64
 * references against the GPU, as the kernel tests do); no other file but the bench's CLI imports it.
 *
 * The scan reads every .ts/.tsx file, strips comments, and resolves each module specifier of a static
 * import/export ... from, a side-effect import and a dynamic import() against the importing file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const REFERENCE = join(SRC, 'reference');

/** Every .ts/.tsx file under dir, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The module specifiers a source text imports (comments removed first, so a path named in a comment does not count). */
function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, // import x from '...', export { y } from '...'
    /\bimport\s*['"]([^'"]+)['"]/g, // import '...'
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('...')
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

/** Whether `specifier`, imported by the file at `from`, names a module inside src/reference/. */
function intoReference(from: string, specifier: string): boolean {
  if (!specifier.startsWith('.')) return false;
  const target = resolve(dirname(from), specifier.split('?')[0]);
  return target === REFERENCE || target.startsWith(REFERENCE + sep);
}

describe('shipped code and the test oracles', () => {
  it('the import scanner finds every form of import (and ignores comments)', () => {
    const text = [
      "import { a } from '../reference/x.ts';",
      "import type {\n  B,\n  C,\n} from '../../reference/y.ts';",
      "export { d } from './z.ts';",
      "import './side.ts';",
      "const m = await import('../reference/lazy.ts');",
      "// import { e } from '../reference/commented.ts';",
      "/* import { f } from '../reference/block.ts'; */",
      "const url = 'https://example.org/x'; // trailing",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['../reference/x.ts', '../../reference/y.ts', './z.ts', './side.ts', '../reference/lazy.ts']);
  });

  it('no file under src/ outside src/reference/ imports from src/reference/', () => {
    const judge = join(SRC, 'cli', 'gradientCheck.ts');
    const files = sourceFiles(SRC).filter((f) => !f.startsWith(REFERENCE + sep) && f !== judge);
    // the judge is a CLI's alone: nothing shipped to the lab or the engine imports it
    const judgeUsers = sourceFiles(SRC).filter((f) =>
      importSpecifiers(readFileSync(f, 'utf8')).some((s) => resolve(dirname(f), s) === judge),
    );
    expect(judgeUsers.map((f) => relative(ROOT, f))).toEqual([join('src', 'cli', 'benchGpu.ts')]);
    // the scan saw the shipped code (a wrong root would scan nothing and pass)
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.endsWith(join('gpu', 'ops', 'matmul.ts')))).toBe(true);
    const offenders = files.flatMap((f) =>
      importSpecifiers(readFileSync(f, 'utf8'))
        .filter((s) => intoReference(f, s))
        .map((s) => `${relative(ROOT, f)} imports '${s}'`),
    );
    expect(offenders).toEqual([]);
  });
});
