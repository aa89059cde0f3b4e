/**
 * The WGSL include directive of src/gpu/shaders.ts libraryFromRecord (`//! include <name>` replaced by
 * shaders/lib/<name>.wgsl): inclusion, once-only, nesting, cycles and unknown names refused with the kernel
 * and the fragment named, fragments refused as kernels, and sourceLine mapping expanded lines back to files.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { libraryFromRecord, sourceLine } from '../../src/gpu/shaders.ts';
import { nodeShaderLibrary, SHADER_DIR } from '../../src/gpu/shadersNode.ts';

/** The expanded source without the include marker lines. */
const body = (code: string) =>
  code
    .split('\n')
    .filter((l) => !l.startsWith('// >>> include ') && !l.startsWith('// <<< include '))
    .join('\n');

describe('shader include directive', () => {
  it('replaces the directive by the fragment, in place', () => {
    const lib = libraryFromRecord({ k: 'a\n//! include f\nb', 'lib/f': 'x\ny\n' });
    expect(body(lib('k'))).toBe('a\nx\ny\nb');
    expect(lib('k')).toBe('a\n// >>> include lib/f\nx\ny\n// <<< include lib/f\nb');
  });

  it('leaves a kernel without directives unchanged', () => {
    const src = '// a comment\n@compute @workgroup_size(1) fn main() {}\n';
    expect(libraryFromRecord({ k: src })('k')).toBe(src);
  });

  it('includes a fragment at most once per kernel (a second include is a no-op), but again in another kernel', () => {
    const lib = libraryFromRecord({
      k: '//! include f\n//! include g\n  //! include f\nend',
      k2: '//! include g',
      'lib/f': 'F',
      'lib/g': '//! include f\nG',
    });
    const k = body(lib('k'));
    expect(k.split('\n').filter((l) => l === 'F')).toHaveLength(1);
    expect(k).toBe('F\n// include lib/f: already included\nG\n// include lib/f: already included\nend');
    expect(body(lib('k2'))).toBe('F\nG');
  });

  it('expands nested includes', () => {
    const lib = libraryFromRecord({ k: '//! include a\nk', 'lib/a': 'a1\n//! include b\na2', 'lib/b': 'b1\n//! include c', 'lib/c': 'c1' });
    expect(body(lib('k'))).toBe('a1\nb1\nc1\na2\nk');
  });

  it('refuses a cycle, naming the kernel and the fragments', () => {
    const lib = libraryFromRecord({
      k: '//! include a',
      'lib/a': '//! include b',
      'lib/b': 'x\n//! include a',
      self: '//! include s',
      'lib/s': '//! include s',
    });
    expect(() => lib('k')).toThrow(/Shader 'k': lib\/b\.wgsl:2: include cycle through fragment 'a' \(k -> lib\/a -> lib\/b -> lib\/a\)/);
    expect(() => lib('self')).toThrow(/Shader 'self': .*include cycle through fragment 's'/);
  });

  it('refuses an unknown fragment, naming the kernel, the line and the fragments there are', () => {
    const lib = libraryFromRecord({ k: 'x\n//! include nope', 'lib/f': 'F' });
    expect(() => lib('k')).toThrow("Shader 'k': k.wgsl:2: no fragment 'nope' in shaders/lib/ (have: f)");
    // a kernel is not a fragment
    expect(() => libraryFromRecord({ k: '//! include other', other: 'O' })('k')).toThrow(/no fragment 'other'/);
  });

  it('refuses a malformed directive', () => {
    for (const bad of ['//! inclde f', '//! include', '//! include f g', '//! include ../f']) {
      expect(() => libraryFromRecord({ k: bad, 'lib/f': 'F' })('k')).toThrow(/Shader 'k': k\.wgsl:1: unknown directive/);
    }
  });

  it('refuses to hand out a fragment as a kernel', () => {
    const lib = libraryFromRecord({ k: 'K', 'lib/f': 'F' });
    expect(() => lib('lib/f')).toThrow(/'lib\/f' is not a kernel/);
    expect(() => lib('f')).toThrow(/No shader named 'f' in shaders\/ \(have: k\)/);
  });

  it('maps an expanded line back to its file and line', () => {
    const files = { k: 'k1\n//! include a\nk3\n//! include b\nk5', 'lib/a': 'a1\n//! include b\na3', 'lib/b': 'b1\nb2' };
    const code = libraryFromRecord(files)('k');
    const lines = code.split('\n');
    const where = lines.map((_, i) => sourceLine('k', code, i + 1));
    // every non-marker line's text is the line sourceLine names
    const text = (loc: string) => {
      const [file, line] = loc.split('.wgsl:');
      return (files as Record<string, string>)[file].split('\n')[Number(line) - 1];
    };
    lines.forEach((l, i) => {
      if (!l.startsWith('// >>>') && !l.startsWith('// <<<') && !l.startsWith('// include ')) expect(text(where[i])).toBe(l);
    });
    expect(where[lines.indexOf('b2')]).toBe('lib/b.wgsl:2');
    expect(where[lines.indexOf('a3')]).toBe('lib/a.wgsl:3');
    expect(where[lines.indexOf('k5')]).toBe('k.wgsl:5');
    expect(sourceLine('plain', 'x\ny', 2)).toBe('plain.wgsl:2');
  });

  it('the project: every kernel expands, every fragment in shaders/lib/ is included somewhere', () => {
    const shaders = nodeShaderLibrary();
    const kernels = readdirSync(SHADER_DIR)
      .filter((f) => f.endsWith('.wgsl'))
      .map((f) => f.slice(0, -5));
    const libDir = join(SHADER_DIR, 'lib');
    const fragments = (existsSync(libDir) ? readdirSync(libDir) : [])
      .filter((f) => f.endsWith('.wgsl'))
      .map((f) => `lib/${f.slice(0, -5)}`);
    const used = new Set<string>();
    for (const k of kernels) {
      const code = shaders(k);
      expect(code).not.toMatch(/^\s*\/\/!/m);
      for (const m of code.matchAll(/^\/\/ >>> include (\S+)$/gm)) used.add(m[1]);
    }
    expect([...used].sort()).toEqual(fragments.sort());
  });
});
