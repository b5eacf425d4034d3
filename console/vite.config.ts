/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

// Django (WhiteNoise) serves dist/ with WHITENOISE_ROOT, so the app lives under dist/console/
// and its URLs under /console/. WhiteNoise sends a precompressed .gz when one sits beside a file.
const backend = process.env.CONSOLE_BACKEND ?? 'http://127.0.0.1:8000'

function precompress(): Plugin {
  return {
    name: 'precompress',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const [name, item] of Object.entries(bundle)) {
        if (!/\.(js|css|svg)$/.test(name)) continue
        const source = item.type === 'chunk' ? item.code : item.source
        this.emitFile({ type: 'asset', fileName: `${name}.gz`, source: gzipSync(source, { level: 9 }) })
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
