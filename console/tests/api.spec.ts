import { beforeEach, describe, expect, it } from 'vitest'
import { cursorOf, makeAuthFetch, unwrap } from '../src/api/client'
import { ApiError, toApiError } from '../src/api/errors'
import { tokens } from '../src/api/tokens'
import { i18n } from '../src/i18n'

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })
}

describe('the API wrapper', () => {
  beforeEach(() => localStorage.clear())

  it('sends the bearer token and the language', async () => {
    tokens.set('A1', 'R1')
    const seen: Request[] = []
    const fetcher = makeAuthFetch(async (input) => {
      seen.push(input as Request)
      return json(200, { ok: true })
    })
    await fetcher('http://x/api/v1/me')
    expect(seen[0].headers.get('Authorization')).toBe('Bearer A1')
    expect(seen[0].headers.get('Accept-Language')).toBe('zh-Hans')
  })

  it('asks for the current locale, a switch included, on calls and on the token refresh', async () => {
    tokens.set('old', 'R1')
    const languages: string[] = []
    const fetcher = makeAuthFetch(async (input) => {
      const req = input as Request
      languages.push(`${new URL(req.url).pathname} ${req.headers.get('Accept-Language')}`)
      if (req.url.endsWith('/auth/refresh')) return json(200, { access: 'new' })
      return req.headers.get('Authorization') === 'Bearer new' ? json(200, {}) : json(401, { error: { code: 'token_not_valid', message: 'x' } })
    })
    try {
      i18n.global.locale.value = 'en'
      await fetcher('http://x/api/v1/me')
      i18n.global.locale.value = 'zh-Hans'
      await fetcher('http://x/api/v1/me')
    } finally {
      i18n.global.locale.value = 'zh-Hans'
    }
    expect(languages).toEqual([
      '/api/v1/me en', '/api/v1/auth/refresh en', '/api/v1/me en',
      '/api/v1/me zh-Hans',
    ])
  })

  it('refreshes an expired access token once and retries the call with its body', async () => {
    tokens.set('old', 'R1')
    const calls: string[] = []
    const fetcher = makeAuthFetch(async (input) => {
      const req = input as Request
      calls.push(`${req.method} ${new URL(req.url).pathname} ${req.headers.get('Authorization') ?? ''} ${await req.clone().text()}`)
      if (req.url.endsWith('/auth/refresh')) return json(200, { access: 'new' })
      return req.headers.get('Authorization') === 'Bearer new' ? json(200, { done: true }) : json(401, { error: { code: 'token_not_valid', message: 'x' } })
    })
    const response = await fetcher('http://x/api/v1/appeals/1/reply', { method: 'POST', body: JSON.stringify({ content: 'hi' }) })
    expect(response.status).toBe(200)
    expect(tokens.access).toBe('new')
    expect(calls).toEqual([
      'POST /api/v1/appeals/1/reply Bearer old {"content":"hi"}',
      'POST /api/v1/auth/refresh  {"refresh":"R1"}',
      'POST /api/v1/appeals/1/reply Bearer new {"content":"hi"}',
    ])
  })

  it('signs out when the refresh token is refused too', async () => {
    tokens.set('old', 'R1')
    const fetcher = makeAuthFetch(async () => json(401, { error: { code: 'token_not_valid', message: 'x' } }))
    const response = await fetcher('http://x/api/v1/me')
    expect(response.status).toBe(401)
    expect(tokens.access).toBeNull()
  })

  it('turns an error body into an ApiError with its code, message and fields', async () => {
    const failed = unwrap(Promise.resolve({
      error: { error: { code: 'invalid', message: '输入有误', fields: { title: ['必填'] } } },
      response: json(400, {}),
    }))
    await expect(failed).rejects.toBeInstanceOf(ApiError)
    const err = (await failed.catch((e: unknown) => e)) as ApiError
    expect(err.code).toBe('invalid')
    expect(err.message).toBe('输入有误')
    expect(err.field('title')).toBe('必填')
    expect(err.otherFields(['title'])).toEqual([])
    expect(err.otherFields([])).toEqual(['title: 必填'])
  })

  it('keeps Retry-After and survives a body that is not the API dialect', () => {
    const err = toApiError(503, '<html>', new Headers({ 'Retry-After': '30' }), 'Service Unavailable')
    expect(err.code).toBe('http_503')
    expect(err.message).toBe('Service Unavailable')
    expect(err.retryAfter).toBe(30)
  })

  it('reads the cursor of a next URL', () => {
    expect(cursorOf('http://127.0.0.1/api/v1/appeals?cursor=cD0x&status=submitted')).toBe('cD0x')
    expect(cursorOf(null)).toBeUndefined()
  })
})
