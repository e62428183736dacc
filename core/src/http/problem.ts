// RFC 9457 problem details: the only shape an error answer has.

export interface ProblemFieldError {
  in: 'body' | 'query' | 'path' | 'header'
  location: { pointer: string } | { name: string }
  detail: string
  code: string
}

export interface ProblemInit {
  status: number
  title?: string
  detail: string
  /** A stable machine code, e.g. BLOG_NOT_FOUND. */
  code?: string
  errors?: ProblemFieldError[]
  headers?: Record<string, string>
  /** More members for the answer (RFC 9457 extensions). */
  extra?: Record<string, unknown>
}

export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
}

/** Throw this from a handler or service; the kernel turns it into an application/problem+json answer. */
export class HttpProblem extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly code: string | undefined
  readonly errors: ProblemFieldError[] | undefined
  readonly headers: Record<string, string>
  readonly extra: Record<string, unknown>
  readonly expose = true

  constructor(init: ProblemInit) {
    super(init.detail)
    this.name = 'HttpProblem'
    this.status = init.status
    this.title = init.title ?? STATUS_TITLES[init.status] ?? 'Error'
    this.detail = init.detail
    this.code = init.code
    this.errors = init.errors
    this.headers = init.headers ?? {}
    this.extra = init.extra ?? {}
  }

  toJSON(requestId?: string): Record<string, unknown> {
    return {
      ...this.extra,
      type: this.code ? `urn:plein:problem:${this.code.toLowerCase().replace(/_/g, '-')}` : 'about:blank',
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(this.code ? { code: this.code } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
      ...(requestId ? { instance: `urn:plein:request:${requestId}` } : {}),
    }
  }
}

const make = (status: number) => (detail: string, more: Omit<ProblemInit, 'status' | 'detail'> = {}) =>
  new HttpProblem({ status, detail, ...more })

/** Shorthands: `throw problems.notFound('No blog post with this id.', { code: 'BLOG_NOT_FOUND' })`. */
export const problems = {
  badRequest: make(400),
  unauthorized: make(401),
  forbidden: make(403),
  notFound: make(404),
  conflict: make(409),
  gone: make(410),
  tooLarge: make(413),
  unsupportedMediaType: make(415),
  tooManyRequests: make(429),
  unavailable: make(503),
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

/**
 * A whole HTTP/1.1 answer, as text, for a request Node's parser refused before any handler saw it (a URL or
 * headers past its limit, malformed HTTP): problem+json like every other error answer, then the connection closes.
 */
export function rawProblemAnswer(status: number, detail: string, code: string): string {
  const body = JSON.stringify(new HttpProblem({ status, detail, code }).toJSON())
  return `HTTP/1.1 ${status} ${STATUS_TITLES[status] ?? 'Error'}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}
