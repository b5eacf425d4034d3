/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { gzipSync } from 'node:zlib'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Plugin } from 'vite'

// Django (WhiteNoise) serves dist/ with WHITENOISE_ROOT, so the app lives under dist/console/
// and its URLs under /console/. WhiteNoise sends a precompressed .gz when one sits beside a file.
const backend = process.env.CONSOLE_BACKEND ?? 'http://127.0.0.1:8000'

function precompress(): Plugin {
  // After the files are written: chunks are final only then (preload markers replaced).
  return {
    name: 'precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      for (const name of Object.keys(bundle)) {
        if (!/\.(js|css|svg|html)$/.test(name)) continue
        const file = path.join(options.dir as string, name)
        writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }))
      }
    },
  }
}

export default defineConfig({
  base: '/console/',
  plugins: [
    vue(),
    // Element Plus components and their styles only where a template uses them.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
    precompress(),
  ],
  build: { outDir: 'dist/console', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    port: Number(process.env.PORT ?? 8121),
    proxy: {
      '/api': backend,
      '/media': backend,
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.spec.ts'],
    server: { deps: { inline: ['element-plus'] } },
  },
})
