import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { tokens } from './tokens'
import { toApiError } from './errors'
import { i18n } from '../i18n'

export type { paths, components } from './schema'

let onSignedOut: () => void = () => {}

/** The language the API answers in: the console's current locale, read at each request, so its
 * error messages (Accept-Language, Django's LocaleMiddleware) follow a switch at once. */
export function apiLanguage(): string {
  return i18n.global.locale.value
}

/** Called when the refresh token no longer works: the console goes back to sign-in. */
export function setSignedOutHandler(handler: () => void) {
  onSignedOut = handler
}

let refreshing: Promise<boolean> | null = null

/** Trade the refresh token for a new access token; concurrent 401s share one refresh. */
export function refreshAccess(fetcher: typeof fetch = globalThis.fetch): Promise<boolean> {
  const refresh = tokens.refresh
  if (!refresh) return Promise.resolve(false)
  refreshing ??= fetcher(new Request('/api/v1/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Accept-Language': apiLanguage() },
    body: JSON.stringify({ refresh }),
  }))
    .then(async (response) => {
      if (!response.ok) return false
      const body = (await response.json()) as { access: string; refresh?: string }
      tokens.set(body.access, body.refresh)
      return true
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null
    })
  return refreshing
}

function withAuth(request: Request): Request {
  const req = request.clone()
  req.headers.set('Accept-Language', apiLanguage())
  const access = tokens.access
  if (access) req.headers.set('Authorization', `Bearer ${access}`)
  return req
}

/** fetch with the bearer token; one 401 triggers a refresh and a single retry. */
export function makeAuthFetch(base: typeof fetch = (...args) => globalThis.fetch(...args)): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const original = new Request(input, init)
    const hadToken = Boolean(tokens.access)
    const response = await base(withAuth(original))
    if (response.status !== 401 || !hadToken) return response
    if (await refreshAccess(base)) return base(withAuth(original))
    tokens.clear()
    onSignedOut()
    return response
  }
}

export const authFetch = makeAuthFetch()

export const api = createClient<paths>({ baseUrl: '', fetch: authFetch })

interface FetchResult<T> {
  data?: T
  error?: unknown
  response: Response
}

/** The data of a successful call, or throw its ApiError (with code, message, fields). */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<NonNullable<T>> {
  const { data, error, response } = await call
  if (!response.ok || error !== undefined) throw toApiError(response.status, error, response.headers, response.statusText)
  return data as NonNullable<T>
}

/** The `cursor` of a next/previous URL the API gave, to pass back as a query parameter. */
export function cursorOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined
  return new URL(url, 'http://x').searchParams.get('cursor') ?? undefined
}
