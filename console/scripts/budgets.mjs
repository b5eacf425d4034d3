// Budgets of the staff console, printed (not asserted):
//   initial JS (entry + modulepreloads of index.html), gzipped, from the build in dist/;
//   the appeals queue's time to interactive after navigation, in Debian's Chromium, against a
//   running server (BASE_URL, default bin/demo's http://127.0.0.1:8000) with demo logins;
//   screenshots of the queue at 1366×768 and 390×844 (test-results/budgets-*.png).
// Usage: npm run build && node scripts/budgets.mjs [--runs 5]
import { readFileSync, existsSync, mkdirSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import path from 'node:path'
import { chromium } from '@playwright/test'

const dist = path.resolve('dist/console')
const html = readFileSync(path.join(dist, 'index.html'), 'utf-8')
const initial = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1])
let gz = 0
for (const file of initial) {
  const full = path.join(dist, file)
  gz += existsSync(`${full}.gz`) ? readFileSync(`${full}.gz`).length : gzipSync(readFileSync(full)).length
}
console.log(`initial JS: ${initial.length} files, ${(gz / 1024).toFixed(1)} KB gzipped (budget 400 KB)`)

const base = process.env.BASE_URL ?? 'http://127.0.0.1:8000'
const user = process.env.BUDGET_USER ?? 'demo_admin'
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5)
const login = await fetch(`${base}/api/v1/auth/password-login`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ username: user, password: 'yuandian-demo-2026' }),
})
if (!login.ok) throw new Error(`login failed: ${login.status}`)
const { access, refresh } = await login.json()
const count = await fetch(`${base}/api/v1/appeals?page_size=1`, { headers: { Authorization: `Bearer ${access}` } })
console.log(`server ${base}, appeals list answers ${count.status}`)

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
mkdirSync('test-results', { recursive: true })
for (const [width, height] of [[1366, 768], [390, 844]]) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width, height } })
    await context.addInitScript(([a, r]) => {
      localStorage.setItem('yd.access', a)
      localStorage.setItem('yd.refresh', r)
    }, [access, refresh])
    const page = await context.newPage()
    const started = Date.now()
    await page.goto(`${base}/console/appeals`)
    // Interactive: the first row rendered and the status filter accepts a click.
    await page.locator('.appeals-table .el-table__row').first().waitFor()
    await page.locator('.toolbar .el-select').first().click({ trial: true })
    times.push(Date.now() - started)
    if (i === runs - 1) await page.screenshot({ path: `test-results/budgets-appeals-${width}x${height}.png`, fullPage: true })
    await context.close()
  }
  times.sort((a, b) => a - b)
  console.log(`appeals queue interactive at ${width}×${height}: median ${times[Math.floor(times.length / 2)]} ms, max ${times[times.length - 1]} ms over ${runs} cold loads (budget 1500 ms)`)
}
await browser.close()
