/**
 * Shader sources by file name (without .wgsl). The browser bundles shaders/ with Vite (`?raw`), Node reads
 * the same files from disk: the shipped WGSL is the tested WGSL.
 *
 * Kernels are shaders/<name>.wgsl; fragments (shared code, never compiled on their own) are
 * shaders/lib/<name>.wgsl, recorded here under the key `lib/<name>`. A kernel (or a fragment) line
 * `//! include <name>` is replaced by the source of shaders/lib/<name>.wgsl, itself expanded the same way,
 * between the marker lines `// >>> include lib/<name>` and `// <<< include lib/<name>` (which let
 * sourceLine map a compiler message's line back to its file). Each fragment is included at most once per
 * kernel: a second include of the same name (directly or through another fragment) becomes the comment
 * `// include lib/<name>: already included`. An unknown name, an include cycle, or any other `//!` line is
 * refused with an error naming the kernel and the fragment.
 */
export type ShaderLibrary = (name: string) => string;

/** Record-key prefix (and folder under shaders/) of the fragments. */
export const FRAGMENT_PREFIX = 'lib/';

const DIRECTIVE = /^\s*\/\/!(.*)$/;
const INCLUDE = /^\s*include\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const BEGIN = '// >>> include ';
const END = '// <<< include ';

export function libraryFromRecord(files: Record<string, string>): ShaderLibrary {
  const kernels = () =>
    Object.keys(files)
      .filter((k) => !k.startsWith(FRAGMENT_PREFIX))
      .sort()
      .join(', ');
  const fragments = () =>
    Object.keys(files)
      .filter((k) => k.startsWith(FRAGMENT_PREFIX))
      .map((k) => k.slice(FRAGMENT_PREFIX.length))
      .sort()
      .join(', ');
  const cache = new Map<string, string>();
  return (name) => {
    if (name.startsWith(FRAGMENT_PREFIX) || name.includes('/')) {
      throw new Error(
        `'${name}' is not a kernel: shaders/lib/ holds fragments, which are only included by kernels (kernels: ${kernels()})`,
      );
    }
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    const src = files[name];
    if (src === undefined) throw new Error(`No shader named '${name}' in shaders/ (have: ${kernels()})`);
    const included = new Set<string>();
    const expand = (key: string, text: string, stack: string[]): string => {
      const out: string[] = [];
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const directive = DIRECTIVE.exec(line);
        if (!directive) {
          out.push(line);
          continue;
        }
        const where = `${key}.wgsl:${i + 1}`;
        const inc = INCLUDE.exec(directive[1]);
        if (!inc) {
          throw new Error(
            `Shader '${name}': ${where}: unknown directive '${line.trim()}' (allowed: '//! include <name>', <name> a fragment shaders/lib/<name>.wgsl)`,
          );
        }
        const frag = FRAGMENT_PREFIX + inc[1];
        if (stack.includes(frag)) {
          throw new Error(`Shader '${name}': ${where}: include cycle through fragment '${inc[1]}' (${[...stack, frag].join(' -> ')})`);
        }
        const fsrc = files[frag];
        if (fsrc === undefined) {
          throw new Error(`Shader '${name}': ${where}: no fragment '${inc[1]}' in shaders/lib/ (have: ${fragments() || 'none'})`);
        }
        if (included.has(frag)) {
          out.push(`// include ${frag}: already included`);
          continue;
        }
        included.add(frag);
        out.push(BEGIN + frag, expand(frag, fsrc.replace(/\n$/, ''), [...stack, frag]), END + frag);
      }
      return out.join('\n');
    };
    const code = expand(name, src, [name]);
    cache.set(name, code);
    return code;
  };
}

/**
 * Where line `lineNum` (1-based) of a kernel's expanded source comes from: `<file>.wgsl:<line>`, the kernel's
 * own file or the fragment the include markers place it in (`lib/<name>.wgsl:<line>`).
 */
export function sourceLine(kernel: string, code: string, lineNum: number): string {
  const lines = code.split('\n');
  // each open file: its key and the count of its own lines passed so far
  const stack: { key: string; line: number }[] = [{ key: kernel, line: 0 }];
  for (let i = 0; i < Math.min(lineNum, lines.length); i++) {
    const l = lines[i];
    const top = stack[stack.length - 1];
    if (l.startsWith(BEGIN)) {
      top.line++; // the directive's own line
      if (i + 1 === lineNum) return `${top.key}.wgsl:${top.line}`;
      stack.push({ key: l.slice(BEGIN.length), line: 0 });
    } else if (l.startsWith(END) && stack.length > 1) {
      stack.pop();
      if (i + 1 === lineNum) return `${stack[stack.length - 1].key}.wgsl:${stack[stack.length - 1].line}`;
    } else {
      top.line++;
      if (i + 1 === lineNum) return `${top.key}.wgsl:${top.line}`;
    }
  }
  return `${kernel}.wgsl:${lineNum}`;
}
