/**
 * Shader sources by file name (without .wgsl). The browser bundles shaders/ with Vite (`?raw`), Node reads
 * the same files from disk: the shipped WGSL is the tested WGSL.
 */
export type ShaderLibrary = (name: string) => string;

export function libraryFromRecord(files: Record<string, string>): ShaderLibrary {
  return (name) => {
    const src = files[name];
    if (src === undefined) throw new Error(`No shader named '${name}' in shaders/ (have: ${Object.keys(files).sort().join(', ')})`);
    return src;
  };
}
