import { readFileSync } from 'node:fs'
import { expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { PASSWORD, ROBOT_URL, STATE_FILE } from './env'

export interface Fixtures {
  micro_id: number
  micro_chain: string[]
  newcomer: string
}

export function fixtures(): Fixtures {
  return JSON.parse(readFileSync(STATE_FILE, 'utf-8')).fixtures as Fixtures
}

export async function signIn(page: Page, username: string) {
  await page.goto('/console/login')
  await page.locator('#username').fill(username)
  await page.locator('#password').fill(PASSWORD)
  await page.locator('.login-submit').click()
}

/** A token for the API side of a journey (e.g. the resident's own view). */
export async function apiToken(request: APIRequestContext, username: string): Promise<string> {
  const response = await request.post('/api/v1/auth/password-login', { data: { username, password: PASSWORD } })
  expect(response.status()).toBe(200)
  return (await response.json()).access as string
}

export async function apiCall(request: APIRequestContext, token: string, method: 'GET' | 'POST', url: string, data?: unknown) {
  const response = await request.fetch(url, { method, data, headers: { Authorization: `Bearer ${token}` } })
  const body = await response.json().catch(() => null)
  return { status: response.status(), body }
}

/** The screenshot of a journey's step, kept under test-results/ as an artifact. */
export async function shot(page: Page, info: TestInfo, name: string) {
  const file = `test-results/screens/${info.title.replace(/[^\w]+/g, '-')}-${name}.png`
  await page.screenshot({ path: file, fullPage: true })
  await info.attach(name, { path: file, contentType: 'image/png' })
}

/** axe-core: no serious or critical violation on the page as it is now. */
export async function checkA11y(page: Page, info: TestInfo, where: string) {
  // Element Plus fades tags and dialogs in: axe measuring contrast mid-transition sees a pale
  // colour that the settled page never shows, so let running transitions finish first.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null))))
  const results = await new AxeBuilder({ page }).analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  if (bad.length) {
    await info.attach(`axe-${where}`, { body: JSON.stringify(bad, null, 2), contentType: 'application/json' })
  }
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 160)}`).slice(0, 3).join(', ')})`), `axe on ${where}`).toEqual([])
}

export function dialog(page: Page) {
  return page.locator('.el-dialog').filter({ visible: true })
}

/** Choose an option of the visible Element Plus select dropdown. */
export async function pickOption(page: Page, label: string) {
  await page.locator('.el-select-dropdown__item').filter({ visible: true }).filter({ hasText: label }).first().click()
}

/** Walk the grid picker's cascader down the chain of unit names (below the caller's top unit). */
export async function pickGrid(page: Page, picker: ReturnType<Page['locator']>, chain: string[]) {
  await picker.click()
  for (const name of chain) {
    await page.locator('.el-cascader-node').filter({ visible: true }).filter({ hasText: new RegExp(`^${name}$`) }).first().click()
  }
  await page.keyboard.press('Escape')
}

export async function robotMessages(): Promise<{ key: string; body: { markdown?: { content: string }; text?: { content: string } } }[]> {
  return (await fetch(`${ROBOT_URL}/_messages`)).json()
}
