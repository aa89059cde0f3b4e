import { libraryFromRecord, type ShaderLibrary } from './shaders.ts';

const modules = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export function browserShaderLibrary(): ShaderLibrary {
  const files: Record<string, string> = {};
  for (const [path, src] of Object.entries(modules)) files[path.replace(/^.*\//, '').replace(/\.wgsl$/, '')] = src;
  return libraryFromRecord(files);
}
