import { expect, test } from '@playwright/test'
import { apiCall, apiToken, checkA11y, dialog, fixtures, pickGrid, pickOption, robotMessages, shot, signIn } from './helpers'
import { ROBOT_URL } from './env'

test('a grid worker accepts and resolves an appeal, and the resident sees it resolved', async ({ page, request }, info) => {
  const resident = await apiToken(request, 'demo_resident')
  const submitted = await apiCall(request, resident, 'POST', '/api/v1/appeals', {
    category: 'facilities', title: '路灯不亮（端到端）', description: '3号楼前的路灯坏了一周。', location: { lat: 34.7466, lng: 113.6253 },
  })
  expect(submitted.status).toBe(201)
  const { id, number } = submitted.body as { id: number; number: string }

  await signIn(page, 'demo_grid_worker')
  await page.locator('[data-section="appeals"]').first().click()
  await expect(page.locator('.appeals-table')).toContainText(number)
  await checkA11y(page, info, 'appeals')
  await shot(page, info, 'queue')
  await page.locator('a.appeal-link', { hasText: number }).click()
  await expect(page.locator('h1')).toContainText('路灯不亮')
  await expect(page.locator('.position')).toContainText('34.74660, 113.62530')
  await checkA11y(page, info, 'appeal-detail')

  await page.locator('[data-action="accept"]').click()
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.appeal-facts')).toContainText('办理中')
  await page.locator('[data-action="resolve"]').click()
  await dialog(page).locator('textarea').fill('已更换灯泡，恢复照明。')
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.appeal-facts')).toContainText('已办结')
  await expect(page.locator('.timeline')).toContainText('已更换灯泡')
  await shot(page, info, 'resolved')

  const seen = await apiCall(request, resident, 'GET', `/api/v1/appeals/${id}`)
  expect(seen.body.status).toBe('resolved')
  expect(JSON.stringify(seen.body.timeline)).toContain('已更换灯泡')
})

test('an API error shows in words next to its field', async ({ page }, info) => {
  await signIn(page, 'demo_grid_worker')
  await expect(page.locator('h1')).toContainText('您好')
  await page.locator('.sign-out').click()
  await page.locator('#username').fill('demo_grid_worker')
  await page.locator('#password').fill('wrong-password')
  await page.locator('.login-submit').click()
  await expect(page.locator('.api-error')).toBeVisible()
  await expect(page.locator('.api-error')).toHaveAttribute('data-code', 'invalid_credentials')
  await checkA11y(page, info, 'login')
  await shot(page, info, 'login-error')
})

test('a mediator schedules and records a session, then records the agreement', async ({ page }, info) => {
  await signIn(page, 'demo_mediator')
  await page.locator('[data-section="mediation"]').first().click()
  await page.locator('.el-radio-button', { hasText: '已受理' }).click()
  await page.locator('a.case-link').first().click()
  await expect(page.locator('h1')).toContainText('物业费争议')
  await expect(page.locator('.parties')).toContainText('138****0001')
  await checkA11y(page, info, 'case')

  await page.locator('[data-action="schedule"]').click()
  await dialog(page).locator('#fd-scheduled_at').fill('2026-12-08 15:00:00')
  await dialog(page).locator('#fd-scheduled_at').press('Enter')
  await dialog(page).locator('#fd-place').fill('桐柏东社区调解室')
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.sessions')).toContainText('桐柏东社区调解室')
  await page.locator('.sessions [data-action="record"]').click()
  await dialog(page).locator('textarea').fill('双方陈述意见，物业承诺整改。')
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.sessions')).toContainText('物业承诺整改')
  await page.locator('[data-action="agree"]').click()
  await dialog(page).locator('textarea').fill('物业一个月内整改；业主补交物业费。')
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.agreement')).toContainText('补交物业费')
  await expect(page.locator('.el-descriptions')).toContainText('已达成协议')
  await shot(page, info, 'agreed')
})

test('staff run a round of 每月一事 from creation to results', async ({ page, request }, info) => {
  await signIn(page, 'demo_staff')
  await page.locator('[data-section="monthly"]').first().click()
  await checkA11y(page, info, 'monthly')
  await page.locator('.create-round').click()
  const form = dialog(page)
  await form.locator('#fd-month').fill('2027-01')
  await form.locator('#fd-title').fill('端到端：小区停车难')
  for (const [field, value] of [['nomination_ends', '2027-01-10 18:00:00'], ['voting_starts', '2027-01-11 09:00:00'], ['voting_ends', '2027-01-20 18:00:00']]) {
    await form.locator(`#fd-${field}`).fill(value)
    await form.locator(`#fd-${field}`).press('Enter')
  }
  await form.locator('#fd-results_visibility').click()
  await pickOption(page, '实时公布')
  await form.locator('.dialog-submit').click()
  await expect(page).toHaveURL(/\/console\/monthly\/\d+$/)
  const roundId = Number(page.url().split('/').pop())
  await expect(page.locator('h1')).toContainText('征集中')

  const resident = await apiToken(request, 'demo_resident')
  const nominated = await apiCall(request, resident, 'POST', `/api/v1/monthly/rounds/${roundId}/nominations`, { title: '增设夜间停车位', description: '晚上车位不够。' })
  expect(nominated.status).toBe(201)
  await page.reload()
  await page.locator('.nominations [data-action="promote"]').click()
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.candidates')).toContainText('增设夜间停车位')
  await page.locator('[data-action="candidate"]').click()
  await dialog(page).locator('#fd-title').fill('规范共享单车停放')
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.candidates')).toContainText('规范共享单车停放')
  await shot(page, info, 'candidates')

  await page.locator('[data-action="open_voting"]').click()
  await expect(page.locator('h1')).toContainText('投票中')
  const round = await apiCall(request, resident, 'GET', `/api/v1/monthly/rounds/${roundId}`)
  const first = (round.body.candidates as { id: number; title: string }[]).find((c) => c.title === '增设夜间停车位')!
  const ballot = await apiCall(request, resident, 'POST', `/api/v1/monthly/rounds/${roundId}/ballot`, { choices: [first.id] })
  expect(ballot.status).toBe(201)
  // The tally arrives over the WebSocket (data-live="ws"), not by re-reading the round.
  await expect(page.locator('.turnout')).toContainText('1 /')
  await expect(page.locator('.turnout')).toHaveAttribute('data-live', 'ws')
  await shot(page, info, 'live-turnout')

  await page.locator('[data-action="close"]').click()
  await expect(page.locator('h1')).toContainText('已计票')
  await expect(page.locator('.results-table')).toContainText('增设夜间停车位')
  await expect(page.locator('.candidates')).toContainText('当选')
  await checkA11y(page, info, 'round-results')
  await shot(page, info, 'results')
})

test('staff verify a residence', async ({ page }, info) => {
  const { newcomer } = fixtures()
  await signIn(page, 'demo_staff')
  await page.locator('[data-section="residents"]').first().click()
  const row = page.locator('.residences .el-table__row', { hasText: newcomer })
  await expect(row).toBeVisible()
  await checkA11y(page, info, 'residences')
  await row.locator('[data-action="verify"]').click()
  await dialog(page).locator('textarea').fill('已核对房产证。')
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.residences')).not.toContainText(newcomer)
  await page.locator('.el-radio-button', { hasText: '已认证' }).click()
  await expect(page.locator('.residences .el-table__row', { hasText: newcomer })).toContainText('已核对房产证')
  await shot(page, info, 'verified')
})

test('staff send an announcement and watch its deliveries reach a robot', async ({ page }, info) => {
  const { micro_chain } = fixtures()
  const below = micro_chain.slice(2) // the staff's reach starts at the street
  await signIn(page, 'demo_staff')
  await page.locator('[data-section="notifications"]').first().click()
  await page.getByRole('tab', { name: '工作群' }).click()
  await pickGrid(page, page.locator('#pane-chats .grid-picker'), [micro_chain[1], ...below])
  await page.locator('.add-chat').click()
  const form = dialog(page)
  await form.locator('#fd-name').fill('1号楼楼长群')
  await form.locator('#fd-provider').click()
  await pickOption(page, '企业微信')
  await form.locator('#fd-webhook_url').fill(`${ROBOT_URL}/cgi-bin/webhook/send?key=e2e-building-1`)
  await form.locator('.dialog-submit').click()
  await expect(page.locator('.chats')).toContainText('1号楼楼长群')
  await page.locator('.chats [data-action="test"]').first().click()
  await expect(page.locator('.el-alert--success')).toBeVisible()
  await expect.poll(async () => (await robotMessages()).filter((m) => m.key === 'e2e-building-1').length).toBeGreaterThan(0)
  await checkA11y(page, info, 'chats')

  await page.getByRole('tab', { name: '发布公告' }).click()
  await pickGrid(page, page.locator('#pane-announcements .grid-picker'), [micro_chain[1], ...below])
  await page.locator('#ann-title').fill('停水通知（端到端）')
  await page.locator('#ann-body').fill('明日9:00-12:00检修管道，请提前储水。')
  await page.locator('.send-announcement').click()
  await expect(page.locator('.delivery-card')).toContainText('停水通知')
  await expect.poll(async () => (await robotMessages()).some((m) => JSON.stringify(m.body).includes('停水通知'))).toBe(true)
  await expect(page.locator('.count-pending .el-statistic__number')).toHaveText('0')
  await expect(page.locator('.count-sent .el-statistic__number')).not.toHaveText('0')
  await checkA11y(page, info, 'announcements')
  await shot(page, info, 'delivered')

  await page.getByRole('tab', { name: '投递失败' }).click()
  await checkA11y(page, info, 'dead-deliveries')
})

test("a resident's token cannot open the console's staff pages", async ({ page }, info) => {
  await signIn(page, 'demo_resident')
  await expect(page).toHaveURL(/\/console\/forbidden$/)
  await expect(page.locator('main')).toContainText('无权访问工作台')
  await page.goto('/console/appeals')
  await expect(page).toHaveURL(/\/console\/forbidden$/)
  await page.goto('/console/monthly/1')
  await expect(page).toHaveURL(/\/console\/forbidden$/)
  await checkA11y(page, info, 'forbidden')
  await shot(page, info, 'forbidden')
})

test('the console works at 1366×768 and on a 390×844 phone, in both languages', async ({ page }, info) => {
  await signIn(page, 'demo_admin')
  // The API answers in the console's language: it asks in it (the browser's own is zh-CN).
  const listAsked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/appeals')
  await page.locator('[data-section="appeals"]').first().click()
  expect((await listAsked).headers()['accept-language']).toBe('zh-Hans')
  await expect(page.locator('.appeals-table .el-table__row').first()).toBeVisible()
  await shot(page, info, 'appeals-1366')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.reload()
  await expect(page.locator('.appeals-table .el-table__row').first()).toBeVisible()
  await checkA11y(page, info, 'appeals-phone')
  await shot(page, info, 'appeals-390')
  await page.locator('.burger').click()
  await page.locator('.el-drawer [data-section="mediation"]').click()
  await expect(page.locator('h1')).toContainText('矛盾调解')
  await page.locator('.lang').click()
  await pickOption(page, 'English')
  await expect(page.locator('h1')).toContainText('Mediation')
  await shot(page, info, 'mediation-390-en')
  const englishAsked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/mediation/cases')
  await page.reload()
  expect((await englishAsked).headers()['accept-language']).toBe('en')
})

test("the dashboard shows the API's figures, drills down to a child and back up", async ({ page, request }, info) => {
  type Figures = Record<string, Record<string, number | null>> & { grid: number; name: string; children: (Record<string, Record<string, number | null>> & { grid: number; name: string; level: string })[] }
  const token = await apiToken(request, 'demo_staff')
  const shown = (v: number | null, rate = false) => (v === null ? '—' : rate ? `${(Math.round(v * 1000) / 10).toFixed(1)}%` : v.toLocaleString('zh-CN'))
  async function samePage(doc: Figures) {
    await expect(page.locator('h1')).toContainText(doc.name)
    for (const key of ['residents.total', 'residents.verified', 'appeals.received', 'appeals.closed', 'appeals.overdue_open', 'mediation.applied', 'consultations.raised', 'notifications.sent']) {
      const [block, field] = key.split('.')
      await expect(page.locator(`.figure-${block}-${field} .figure-value`)).toHaveText(shown(doc[block][field]))
    }
    for (const key of ['appeals.on_time_rate', 'appeals.satisfaction_rate', 'mediation.agreed_rate']) {
      const [block, field] = key.split('.')
      await expect(page.locator(`.figure-${block}-${field} .figure-value`)).toHaveText(shown(doc[block][field], true))
    }
    await expect(page.locator('.children .el-table__row')).toHaveCount(doc.children.length)
  }

  await signIn(page, 'demo_staff')
  await page.locator('[data-section="dashboard"]').first().click()
  const top = (await apiCall(request, token, 'GET', '/api/v1/dashboard')).body as Figures
  await samePage(top)
  // Ranked by appeals received: the first row is a unit with the most.
  const most = Math.max(...top.children.map((c) => c.appeals.received ?? 0))
  await expect(page.locator('.children .el-table__row').first().locator('.ranked-value')).toHaveText(shown(most))
  await expect(page.locator('.trend-chart')).toHaveAttribute('aria-label', /\d+/)
  await checkA11y(page, info, 'dashboard')
  await shot(page, info, 'top')

  const child = top.children.find((c) => c.appeals.received === most && !['micro', 'dedicated'].includes(c.level))!
  await page.locator(`.children a.drill[data-grid="${child.grid}"]`).click()
  const below = (await apiCall(request, token, 'GET', `/api/v1/dashboard?grid=${child.grid}`)).body as Figures
  await samePage(below)
  await expect(page.locator('.trail .el-breadcrumb__item')).toHaveCount(2)
  await checkA11y(page, info, 'dashboard-child')
  await shot(page, info, 'child')
  await page.locator(`.trail a.crumb[data-grid="${top.grid}"]`).click()
  await samePage(top)
  await expect(page.locator('.trail .el-breadcrumb__item')).toHaveCount(1)

  // A chosen period: the figures of that period, as the API gives them.
  await page.goto(`/console/dashboard?from=2026-01-01&to=2026-12-31`)
  const year = (await apiCall(request, token, 'GET', '/api/v1/dashboard?from=2026-01-01&to=2026-12-31')).body as Figures
  await samePage(year)
  await expect(page.locator('.period input').first()).toHaveValue('2026-01-01')

  // A period the API refuses: its message, in the current language, in words.
  const refused = await request.get('/api/v1/dashboard?from=2024-01-01&to=2026-12-31', { headers: { Authorization: `Bearer ${token}`, 'Accept-Language': 'zh-Hans' } })
  expect(refused.status()).toBe(400)
  await page.goto(`/console/dashboard?from=2024-01-01&to=2026-12-31`)
  await expect(page.locator('.api-error')).toContainText((await refused.json()).error.message)
  await shot(page, info, 'refused')
})

test('a grid worker convenes a meeting on a topic in review, shows its code and a motion\'s counts, and the resident sees the result', async ({ page, request }, info) => {
  const { micro_id } = fixtures()
  const resident = await apiToken(request, 'demo_resident')
  const raised = await apiCall(request, resident, 'POST', '/api/v1/consultations', {
    grid: micro_id, title: '快递柜占用消防通道（端到端）', body: '2号楼门口新装的快递柜挡住了消防通道，建议挪到车棚旁。', kind: 'quick',
  })
  expect(raised.status).toBe(201)
  const topicId = raised.body.id as number
  // Into review by the API (the threshold of supports is not the journey's business).
  const worker = await apiToken(request, 'demo_grid_worker')
  expect((await apiCall(request, worker, 'POST', `/api/v1/consultations/${topicId}/take-up`)).status).toBe(200)

  // Motion counts come over the WebSocket while the meeting panel is open.
  const pushed: { type: string; payload: { id?: number; for?: number } }[] = []
  page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => pushed.push(JSON.parse(String(payload)))))
  await signIn(page, 'demo_grid_worker')
  await page.locator('[data-section="consultations"]').first().click()
  await expect(page.locator('.topics')).toContainText('快递柜占用消防通道')
  await checkA11y(page, info, 'review-queue')
  await shot(page, info, 'review-queue')
  await page.locator('a.topic-link', { hasText: '快递柜占用消防通道' }).click()
  await expect(page.locator('h1')).toContainText('快递柜占用消防通道')

  // The review decision: convene a meeting.
  await page.locator('[data-action="schedule"]').click()
  const form = dialog(page)
  await form.locator('#fd-scheduled_at').fill('2027-03-08 19:00:00')
  await form.locator('#fd-scheduled_at').press('Enter')
  await form.locator('#fd-place').fill('社区党群服务中心议事厅')
  await form.locator('#fd-agenda').fill('情况介绍\n表决挪位方案')
  await form.locator('#fd-quorum').fill('1')
  await form.locator('.dialog-submit').click()
  await expect(page.locator('.topic-facts')).toContainText('已安排议事')
  const code = page.locator('.check-in-code')
  await expect(code).toHaveText(/^\d{6}$/)
  await checkA11y(page, info, 'meeting')
  await shot(page, info, 'check-in-code')

  // The resident signs in at the meeting with the code shown for the room.
  const meetingId = Number(await page.locator('.meeting').first().getAttribute('data-meeting'))
  const checkedIn = await apiCall(request, resident, 'POST', `/api/v1/meetings/${meetingId}/check-in`, { code: (await code.textContent())!.trim() })
  expect(checkedIn.status).toBe(200)

  await page.locator('[data-action="motion"]').click()
  await dialog(page).locator('textarea').fill('同意把快递柜挪到车棚旁')
  await dialog(page).locator('.dialog-submit').click()
  await expect(page.locator('.motions')).toContainText('同意把快递柜挪到车棚旁')
  await expect(page.locator('.motions .count-for')).toHaveText('0')
  const motion = ((await apiCall(request, resident, 'GET', `/api/v1/meetings/${meetingId}`)).body.motions as { id: number }[])[0]
  expect((await apiCall(request, resident, 'POST', `/api/v1/motions/${motion.id}/vote`, { choice: 'for' })).status).toBe(200)
  // No refresh: the vote's count arrives by push (motion_updated on consultations.meeting.<id>).
  await expect(page.locator('.motions .count-for')).toHaveText('1')
  expect(pushed).toContainEqual(expect.objectContaining({ type: 'motion_updated', payload: expect.objectContaining({ id: motion.id, for: 1 }) }))
  await expect(page.locator('.motions .count-against')).toHaveText('0')
  await page.locator('[data-action="close-motion"]').click()
  await expect(page.locator('.motions')).toContainText('通过')
  await expect(page.locator('.checked-in')).toContainText('1')
  await checkA11y(page, info, 'motion-closed')
  await shot(page, info, 'motion-counts')

  // The resident's view: the topic under deliberation, the motion passed with its count, no code.
  const topic = await apiCall(request, resident, 'GET', `/api/v1/consultations/${topicId}`)
  expect(topic.body.status).toBe('deliberating')
  const seen = await apiCall(request, resident, 'GET', `/api/v1/meetings/${meetingId}`)
  expect(seen.body.check_in_code).toBeNull()
  expect(seen.body.checked_in_by_me).toBe(true)
  expect(seen.body.motions[0]).toMatchObject({ status: 'closed', passed: true, for: 1, against: 0, abstain: 0 })
})
