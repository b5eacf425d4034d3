// The README's screenshots, regenerated from a real server with the demo data:
//   docs/console.png        the appeals queue at 1366×768, signed in as demo_admin
//   docs/console-phone.png  the same at 390×844 (a phone)
// Usage: npm run screenshots   (builds, then runs this with playwright.screenshots.config.ts,
// which starts the end-to-end server: E2E_DATABASE_URL is dropped and recreated, see README).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { signIn } from '../e2e/helpers'

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs')

for (const [file, width, height] of [['console.png', 1366, 768], ['console-phone.png', 390, 844]] as const) {
  test(`docs/${file}`, async ({ page }) => {
    await page.setViewportSize({ width, height })
    await signIn(page, 'demo_admin')
    await expect(page.locator('h1')).toContainText('您好')
    await page.goto('/console/appeals')
    await expect(page.locator('.appeals-table .el-table__row').first()).toBeVisible()
    // Settled: fonts loaded, no transition half-way (tags fade in), the pointer off the rows.
    await page.evaluate(async () => {
      await document.fonts.ready
      await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)))
    })
    await page.mouse.move(0, height - 1)
    await page.screenshot({ path: path.join(docs, file) })
  })
}
