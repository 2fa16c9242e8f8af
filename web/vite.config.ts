import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Two pages, one build: the staff console (/console/) and the demo messenger (/app/), served by
 * banya itself from dist/web (assets under /static/). `npm run dev:web` proxies the API to a
 * running banya on :8080.
 */
export default defineConfig({
  root: path.resolve(import.meta.dirname),
  base: '/static/',
  plugins: [react()],
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/web'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      input: {
        console: path.resolve(import.meta.dirname, 'console/index.html'),
        app: path.resolve(import.meta.dirname, 'app/index.html'),
      },
    },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
