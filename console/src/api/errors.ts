// One shape for every failure the console shows: the API's error body
// {"error": {"code", "message", "fields"}} (backend/errors.py), or a network failure.
export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string[]> }
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Record<string, string[]>
  readonly retryAfter: number | null

  constructor(status: number, code: string, message: string, fields: Record<string, string[]> = {}, retryAfter: number | null = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
    this.retryAfter = retryAfter
  }

  /** The message of one input's field (joined), for a form item's `error`. */
  field(name: string): string {
    return (this.fields[name] ?? []).join(' ')
  }

  /** Fields the form does not show next to an input, to list under the message. */
  otherFields(shown: string[]): string[] {
    return Object.entries(this.fields)
      .filter(([name]) => !shown.includes(name))
      .map(([name, messages]) => `${name}: ${messages.join(' ')}`)
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  return (
    typeof body === 'object' && body !== null && 'error' in body &&
    typeof (body as ErrorBody).error === 'object' && typeof (body as ErrorBody).error?.code === 'string'
  )
}

/** Build the ApiError of a failed response from its (already parsed) body. */
export function toApiError(status: number, body: unknown, headers?: Headers, fallback = ''): ApiError {
  const retry = headers?.get('Retry-After')
  const retryAfter = retry ? Number(retry) : null
  if (isErrorBody(body)) {
    const { code, message, fields } = body.error
    return new ApiError(status, code, message, fields ?? {}, retryAfter)
  }
  return new ApiError(status, `http_${status}`, fallback || `HTTP ${status}`, {}, retryAfter)
}

export function asApiError(err: unknown, networkMessage: string): ApiError {
  if (err instanceof ApiError) return err
  return new ApiError(0, 'network_error', networkMessage)
}
