// An HTTP client for tests: real requests over a real socket, cookies kept, CSRF token sent back.
import { request as httpRequest } from 'node:http'

export interface TestResponse<T = any> {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** Parsed JSON when the answer is JSON, else undefined. */
  body: T
  text: string
}

export interface RequestOptions {
  body?: unknown
  /** Raw body (string or bytes) sent as-is; set the content-type header yourself. */
  raw?: string | Buffer
  headers?: Record<string, string>
  /** Host header (default: the client's host). */
  host?: string
}

export class TestClient {
  private readonly cookies = new Map<string, string>()
  /** The CSRF token from the last answer that carried one (login, /auth/me). */
  csrfToken: string | undefined

  constructor(readonly baseUrl: string, public host = '127.0.0.1') {}

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options)
  }
  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, { ...options, body })
  }
  put<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', path, { ...options, body })
  }
  patch<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, { ...options, body })
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options)
  }

  /** A new client on the same server with its own cookies (another person). */
  fresh(): TestClient {
    return new TestClient(this.baseUrl, this.host)
  }

  request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse<T>> {
    const url = new URL(path, this.baseUrl)
    const headers: Record<string, string> = { accept: 'application/json', ...lower(options.headers ?? {}) }
    headers.host ??= options.host ?? this.host
    let payload: Buffer | undefined
    if (options.raw !== undefined) {
      payload = Buffer.isBuffer(options.raw) ? options.raw : Buffer.from(options.raw)
    } else if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body))
      headers['content-type'] ??= 'application/json'
    }
    if (payload) headers['content-length'] ??= String(payload.length)
    if (this.cookies.size > 0 && headers.cookie === undefined) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    }
    if (this.csrfToken && !['GET', 'HEAD', 'OPTIONS'].includes(method) && headers['x-csrf-token'] === undefined) {
      headers['x-csrf-token'] = this.csrfToken
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method, headers }, res => {
        const chunks: Buffer[] = []
        res.on('data', c => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          this.keepCookies(res.headers['set-cookie'])
          const text = Buffer.concat(chunks).toString('utf8')
          let body: any
          if (/json/.test(String(res.headers['content-type'] ?? '')) && text.length > 0) {
            body = JSON.parse(text)
            if (body && typeof body.csrfToken === 'string') this.csrfToken = body.csrfToken
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text })
        })
      })
      req.on('error', reject)
      req.end(payload)
    })
  }

  private keepCookies(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      const expired = attributes.some(a => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()))
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
}
