// Helpers for tests that run real `plein` processes: start one, find its port, talk HTTP to it.
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const here = path.dirname(fileURLToPath(import.meta.url))
export const bin = path.resolve(here, '../../src/bin.ts')
export const fixture = (name: string) => path.resolve(here, '../fixtures', name)

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** A `plein` command (LOG_LEVEL info unless `env` says otherwise); `done` when it exits, with its whole output. */
export function plein(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', bin, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  /** Lines of stdout so far (JSON log lines and others). */
  const lines: string[] = []
  child.stdout!.on('data', d => {
    stdout += d
    lines.push(...String(d).split('\n').filter(Boolean))
  })
  child.stderr!.on('data', d => (stderr += d))
  const done = new Promise<Run>(resolve => child.on('exit', code => resolve({ code, stdout, stderr })))
  return { child, done, lines, stdout: () => stdout, stderr: () => stderr }
}

export interface PleinProcess {
  child: ChildProcess
  /** Output lines (JSON log lines and others), stdout and stderr together. */
  lines: string[]
  exited: Promise<number | null>
  /** Resolves with the first port a "listening" log line names. */
  port(ms?: number): Promise<number>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

export function startPlein(args: string[], env: Record<string, string>): PleinProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', bin, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const collect = (d: Buffer) => lines.push(...String(d).split('\n').filter(Boolean))
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return {
    child,
    lines,
    exited,
    port: ms => waitFor(() => listeningPort(lines), ms, () => lines.slice(-20).join('\n')),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

/** The port the first "listening" log line names. */
export function listeningPort(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    const entry = parseJson(line)
    if (typeof entry?.msg === 'string' && entry.msg.startsWith('listening')) return entry.port as number
  }
  return undefined
}

export function parseJson(line: string): Record<string, any> | undefined {
  try {
    const value = JSON.parse(line)
    return value && typeof value === 'object' ? value : undefined
  } catch {
    return undefined
  }
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms = 120_000, context?: () => string): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out waiting${context ? `; last output:\n${context()}` : ''}`)
    await new Promise(r => setTimeout(r, 50))
  }
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: any
  ms: number
}

/** One HTTP request on a fresh connection (no keep-alive: each request may reach another worker). */
export function call(
  port: number,
  method: string,
  pathname: string,
  options: { body?: unknown; headers?: Record<string, string>; host?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = Date.now()
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body))
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: pathname,
        agent: false,
        timeout: options.timeoutMs ?? 30_000,
        headers: {
          host: options.host ?? 'localhost',
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...options.headers,
        },
      },
      res => {
        let text = ''
        res.on('data', d => (text += d))
        res.on('end', () => {
          let body: unknown = text
          if (/json/.test(String(res.headers['content-type']))) body = parseJson(text) ?? text
          resolve({ status: res.statusCode!, headers: res.headers, body, ms: Date.now() - started })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathname}: no answer within ${options.timeoutMs ?? 30_000} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}

/** Registers and signs in on one process; the cookie and CSRF token work on any process of the installation. */
export async function signIn(port: number, email: string): Promise<{ cookie: string; csrf: string; userId: string }> {
  const password = 'correct horse battery staple'
  const registered = await call(port, 'POST', '/api/v1/auth/register', { body: { email, password, name: 'Operator' } })
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`)
  const login = await call(port, 'POST', '/api/v1/auth/login', { body: { email, password } })
  if (login.status !== 200) throw new Error(`login answered ${login.status}`)
  const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? [])
  const cookie = setCookie.map(c => c.split(';')[0]).join('; ')
  return { cookie, csrf: login.body.csrfToken, userId: login.body.user.id }
}

/** A PostgreSQL server to run multi-process tests on: PLEIN_TEST_DATABASE_URL, else the local one if it answers. */
export async function reachableServer(): Promise<string | undefined> {
  const candidates = [process.env.PLEIN_TEST_DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/test'].filter(Boolean) as string[]
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      return url
    } catch {
      // try the next
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  return undefined
}
