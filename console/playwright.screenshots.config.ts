import { defineConfig } from '@playwright/test'
import journeys from './playwright.config'

// `npm run screenshots`: the README's pictures of the console, taken on the journeys' server
// (e2e/global-setup.ts: a fresh database with the demo data, uvicorn, a Celery worker).
export default defineConfig({
  ...journeys,
  testDir: 'scripts',
  testMatch: 'screenshots.ts',
  outputDir: 'test-results/screenshots',
  use: { ...journeys.use, screenshot: 'off' },
})
