import { afterEach, describe, expect, it, vi } from 'vitest'
import { router } from '../src/router'
import { tokens } from '../src/api/tokens'

describe('the router on a cold start', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    localStorage.clear()
  })

  it("asks for the page's chunks while /me is still on its way, not after", async () => {
    tokens.set('A1', 'R1')
    let answerMe: (r: Response) => void = () => {}
    vi.stubGlobal('fetch', (input: Request) =>
      new URL(input.url).pathname === '/api/v1/me'
        ? new Promise<Response>((resolve) => { answerMe = resolve })
        : Promise.resolve(new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } })))
    const chunks: string[] = []
    for (const record of router.getRoutes()) {
      if (record.name !== 'appeals' && record.path !== '/') continue
      record.components = { default: () => {
        chunks.push(String(record.name ?? record.path))
        return Promise.resolve({ render: () => null })
      } }
    }
    const navigation = router.push('/appeals')
    await vi.waitFor(() => expect(chunks).toEqual(['/', 'appeals']))
    const me = { id: 1, roles: [{ role: 'grid_worker', grid: 3, grid_name: '第1网格' }] }
    answerMe(new Response(JSON.stringify(me), { status: 200, headers: { 'Content-Type': 'application/json' } }))
    await navigation
    expect(router.currentRoute.value.name).toBe('appeals')
  })
})
