import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The web app lives in editor/ and is built to dist/, which the Express server serves at /.
export default defineConfig({
  root: 'editor',
  plugins: [react()],
  build: { outDir: '../dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://localhost:3000' } },
  test: {
    root: '.',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser and server tests start processes and bind ports; keep files parallel but bounded.
    maxWorkers: 2,
  },
});
