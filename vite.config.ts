import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// One config for the app (vite) and the unit/kernel tests (vitest).
export default defineConfig({
  plugins: [react()],
  base: './',
  // one bundle of ~1 MB (290 kB gzipped: React, recharts, webgpu-utils' WGSL reflection, the shaders): loaded
  // once, then the lab needs no network
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1536 },
  server: { port: 5173, strictPort: false },
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
