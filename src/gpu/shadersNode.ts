import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FRAGMENT_PREFIX, libraryFromRecord, type ShaderLibrary } from './shaders.ts';

/** The project's shaders folder; ORTHO_SHADER_DIR overrides it (the bundled bench of `npm run bench:gpu:pack`). */
export const SHADER_DIR = process.env.ORTHO_SHADER_DIR
  ? resolve(process.env.ORTHO_SHADER_DIR)
  : resolve(dirname(fileURLToPath(import.meta.url)), '../../shaders');

/** The kernels in dir (dir/*.wgsl) and the fragments they include (dir/lib/*.wgsl, keys `lib/<name>`). */
export function nodeShaderLibrary(dir = SHADER_DIR): ShaderLibrary {
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f.endsWith('.wgsl')) files[f.slice(0, -5)] = readFileSync(join(dir, f), 'utf8');
  const lib = join(dir, FRAGMENT_PREFIX);
  if (existsSync(lib)) {
    for (const f of readdirSync(lib)) if (f.endsWith('.wgsl')) files[FRAGMENT_PREFIX + f.slice(0, -5)] = readFileSync(join(lib, f), 'utf8');
  }
  return libraryFromRecord(files);
}
