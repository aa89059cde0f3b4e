/**
 * `npm run bench:gpu:pack`: makes the folder that carries `npm run bench:gpu` to a machine with a GPU and no
 * Node (issue 12, section 3), at .gpu-pack/ (or --out), small enough to travel (about 45 MB):
 *   bench-gpu.mjs            the benchmark and the gradient check bundled into one file (Vite's SSR build;
 *                            everything but the Dawn binding is inlined)
 *   node_modules/webgpu/     the Dawn binding for linux-x64 only (index.js, package.json, dist/linux-x64)
 *   node.xz                  this machine's Node binary, xz-compressed
 *   run.sh                   unpacks Node and runs the bench with the project's shaders/ beside the pack
 * On the GPU machine, from the project root (the shaders/ folder must be there too):
 *   bash .gpu-pack/run.sh OUTDIR     (a Vulkan loader must be installed: README.md says how)
 */

import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FlagSpec, parseArgs, usage } from './args.ts';
import { isMain, runCli } from './run.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const FLAGS: FlagSpec[] = [
  { name: 'out', value: 'DIR', help: 'the pack folder (default .gpu-pack, ignored by git)' },
  { name: 'no-node', switch: true, help: 'leave the Node binary out (the GPU machine has Node 20.19 or newer)' },
  { name: 'help', switch: true, help: 'show this help' },
];

const RUN_SH = `#!/usr/bin/env bash
# Runs the bundled bench:gpu on this machine's GPU. Usage, from the project root: bash .gpu-pack/run.sh OUTDIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="\${1:-bench-reports/gpu}"
node_bin="$(command -v node || true)"
if [ -f "$here/node.xz" ]; then
  node_bin=/tmp/orthogonality-lab-node
  [ -x "$node_bin" ] || { xz -dc "$here/node.xz" > "$node_bin"; chmod +x "$node_bin"; }
fi
[ -n "$node_bin" ] || { echo "error: no Node here and none in the pack (made with --no-node)" >&2; exit 1; }
export ORTHO_SHADER_DIR="\${ORTHO_SHADER_DIR:-$here/../shaders}"
[ -d "$ORTHO_SHADER_DIR" ] || { echo "error: no shaders folder at $ORTHO_SHADER_DIR (run from the project root, or set ORTHO_SHADER_DIR)" >&2; exit 1; }
exec "$node_bin" "$here/bench-gpu.mjs" --out "$out" "\${@:2}"
`;

export async function main(argv: string[]): Promise<number> {
  const flags = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    process.stdout.write(
      usage('npm run bench:gpu:pack -- [flags]', 'Builds the folder that carries bench:gpu to a machine with a GPU.', FLAGS),
    );
    return 0;
  }
  const out = resolve(flags.get('out') ?? join(ROOT, '.gpu-pack'));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const { build } = await import('vite');
  await build({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    build: {
      ssr: join(ROOT, 'src/cli/benchGpu.ts'),
      outDir: out,
      emptyOutDir: false,
      minify: false,
      target: 'node20',
      rollupOptions: {
        output: {
          entryFileNames: 'bench-gpu.mjs',
          format: 'es',
          codeSplitting: false,
          // every module of the bundle shares its url: isMain (src/cli/run.ts) reads the entry's name instead
          banner: "globalThis.__orthoBundleEntry = 'benchGpu';",
        },
      },
    },
    ssr: { noExternal: true, external: ['webgpu'], target: 'node' },
  });
  const webgpu = join(ROOT, 'node_modules/webgpu');
  const dest = join(out, 'node_modules/webgpu');
  mkdirSync(join(dest, 'dist'), { recursive: true });
  for (const f of ['index.js', 'package.json', 'LICENSE.md']) if (existsSync(join(webgpu, f))) cpSync(join(webgpu, f), join(dest, f));
  cpSync(join(webgpu, 'dist/linux-x64'), join(dest, 'dist/linux-x64'), { recursive: true });
  writeFileSync(join(out, 'run.sh'), RUN_SH);
  chmodSync(join(out, 'run.sh'), 0o755);
  if (!flags.has('no-node')) {
    const xz = execFileSync('xz', ['-T2', '-6', '-c', process.execPath], { maxBuffer: 512 * 1024 * 1024 });
    writeFileSync(join(out, 'node.xz'), xz);
  }
  const size = (p: string): number => {
    const st = statSync(p);
    if (!st.isDirectory()) return st.size;
    return Number(execFileSync('du', ['-sb', p]).toString().split('\t')[0]);
  };
  const bundle = readFileSync(join(out, 'bench-gpu.mjs'), 'utf8');
  process.stdout.write(
    `Wrote ${out} (${(size(out) / 1e6).toFixed(1)} MB; the bundle ${(bundle.length / 1e6).toFixed(2)} MB, Node ${flags.has('no-node') ? 'left out' : process.version}).\n` +
      `On the GPU machine, from the project root: bash ${join(out.startsWith(ROOT) ? out.slice(ROOT.length + 1) : out, 'run.sh')} OUTDIR\n`,
  );
  return 0;
}

if (isMain(import.meta.url)) await runCli(main);
