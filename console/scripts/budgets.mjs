// Budgets of the staff console (issue 16), measured and printed, never asserted:
//   - initial JS: the entry and modulepreloads of dist/console/index.html, gzipped (goal ≤ 400 KB),
//     and all the JS the appeals queue loads on a cold visit (routes are split);
//   - the appeals queue interactive ≤ 1.5 s after navigation, on loopback, with 200,000 appeals in
//     the database, at 1366×768 and 390×844: cold loads (a fresh browser context each, empty
//     cache) in Debian's Chromium, from `page.goto` until the table's rows are visible and the
//     first row's link (the first action) takes a click.
// Usage: npm run budgets [-- --runs 5]   (builds first; see README, "The staff console")
// Without BASE_URL it starts scripts/budget_server.py: BENCH_DATABASE_URL (default
// yd_console_budget) seeded with the demo district and 200,000 bulk appeals by
// bench/appeals_load.py (once), served by the production setup on BUDGET_PORT (default 8124),
// Redis BENCH_REDIS_URL / BENCH_BROKER_URL. BUDGET_USERS: who opens the queue (default
// demo_staff, a street's staff member, and demo_admin, the whole district).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { gzipSync } from 'node:zlib'
import path from 'node:path'
import { chromium } from '@playwright/test'

const root = path.resolve('..')
const dist = path.resolve('dist/console')
const gzipped = (file) => (existsSync(`${file}.gz`) ? readFileSync(`${file}.gz`).length : gzipSync(readFileSync(file)).length)
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`

const html = readFileSync(path.join(dist, 'index.html'), 'utf-8')
const initial = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1])
const initialGz = initial.reduce((sum, file) => sum + gzipped(path.join(dist, file)), 0)
console.log(`initial JS (index.html entry + modulepreloads): ${initial.length} files, ${kb(initialGz)} gzipped (budget 400 KB)`)

const argv = process.argv.slice(2)
const runs = Number(argv[argv.indexOf('--runs') + 1] || 5)
const users = (process.env.BUDGET_USERS ?? 'demo_staff,demo_admin').split(',')

/** The budget server, seeded on first use; resolves with its URL and a stop function. */
async function startServer() {
  const python = existsSync(path.join(root, '.venv/bin/python')) ? path.join(root, '.venv/bin/python') : 'python'
  const port = process.env.BUDGET_PORT ?? '8124'
  const child = spawn(python, ['console/scripts/budget_server.py', '--port', port], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const url = await new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`budget_server.py exited with ${code}`)))
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) resolve(line.slice(6).trim())
      else console.log(`  ${line}`)
    })
  })
  child.removeAllListeners('exit')
  return { url, stop: () => new Promise((done) => { child.on('exit', done); child.stdin.end() }) }
}

const server = process.env.BASE_URL ? { url: process.env.BASE_URL, stop: async () => {} } : await startServer()
const base = server.url
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
mkdirSync('test-results', { recursive: true })
try {
  for (const user of users) {
    const login = await fetch(`${base}/api/v1/auth/password-login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: user, password: 'yuandian-demo-2026' }),
    })
    if (!login.ok) throw new Error(`login of ${user} failed: ${login.status}`)
    const { access, refresh } = await login.json()
    const api = []
    for (let i = 0; i < runs; i++) {
      const started = performance.now()
      const answer = await fetch(`${base}/api/v1/appeals`, { headers: { Authorization: `Bearer ${access}` } })
      await answer.arrayBuffer()
      api.push(performance.now() - started)
    }
    console.log(`${user}: GET /api/v1/appeals (first page) median ${median(api).toFixed(0)} ms over ${runs}`)

    for (const [width, height] of [[1366, 768], [390, 844]]) {
      const times = []
      let routeJs = 0
      for (let i = 0; i < runs; i++) {
        const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN' })
        await context.addInitScript(([a, r]) => {
          localStorage.setItem('yd.access', a)
          localStorage.setItem('yd.refresh', r)
        }, [access, refresh])
        const page = await context.newPage()
        const scripts = new Set()
        page.on('request', (request) => {
          const url = new URL(request.url())
          if (url.pathname.startsWith('/console/assets/') && url.pathname.endsWith('.js')) scripts.add(url.pathname.slice('/console/'.length))
        })
        const started = performance.now()
        await page.goto(`${base}/console/appeals`, { waitUntil: 'commit' })
        await page.locator('.appeals-table .el-table__row').first().waitFor()
        await page.locator('.appeals-table a.appeal-link').first().click({ trial: true })
        times.push(performance.now() - started)
        routeJs = [...scripts].reduce((sum, file) => sum + gzipped(path.join(dist, file)), 0)
        if (i === runs - 1) await page.screenshot({ path: `test-results/budgets-appeals-${user}-${width}x${height}.png` })
        await context.close()
      }
      console.log(`${user}: appeals queue interactive at ${width}×${height}: median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms over ${runs} cold loads (budget 1500 ms); JS loaded ${kb(routeJs)} gzipped`)
    }
  }
} finally {
  await browser.close()
  await server.stop()
}
