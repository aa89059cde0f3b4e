import { FRAGMENT_PREFIX, libraryFromRecord, type ShaderLibrary } from './shaders.ts';

// the kernels (shaders/*.wgsl) and the fragments they include (shaders/lib/*.wgsl)
const modules = import.meta.glob(['../../shaders/*.wgsl', '../../shaders/lib/*.wgsl'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export function browserShaderLibrary(): ShaderLibrary {
  const files: Record<string, string> = {};
  for (const [path, src] of Object.entries(modules)) {
    const base = path.replace(/^.*\//, '').replace(/\.wgsl$/, '');
    files[path.includes('/shaders/lib/') ? FRAGMENT_PREFIX + base : base] = src;
  }
  return libraryFromRecord(files);
}
