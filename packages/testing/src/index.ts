// @plein/testing — boot a real kernel with your plugins on a real database and a real HTTP port.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Kernel, createLogger, type Clock, type KernelOptions, type Logger, type PluginDefinition, type PluginEntry, type SiteConfig } from '@plein/core'
import { TestClient } from './client.js'
import { createTestDatabase, embeddedSnapshot, testServerUrl } from './database.js'

export { TestClient, type TestResponse, type RequestOptions } from './client.js'
export { createTestDatabase, testServerUrl, type TestDatabase } from './database.js'
export { expectProblem, expectInvalid, listAll, ids } from './expect.js'

export interface TestKernelOptions {
  /** Plugin definitions (or package names / paths) to enable, in any order. */
  plugins?: Array<PluginDefinition | string>
  /** Settings per plugin id (or per package name for string entries). */
  settings?: Record<string, Record<string, unknown>>
  /** Overrides for the test site's config (name, hosts, admins, settings …). */
  site?: Partial<Omit<SiteConfig, 'plugins'>>
  /** Folder plugin paths resolve against (default: the current folder). */
  siteDir?: string
  /** A logger; by default logs are silent (set PLEIN_TEST_LOG=debug to see them). */
  log?: Logger
  /** Limit for each plugin's start() (default 10 s). */
  startTimeoutMs?: number
  shutdownTimeoutMs?: number
  /** Send mail to this SMTP server (e.g. an smtp-server on loopback); default: .eml files in the data folder. */
  smtpUrl?: string
  /** Password hashing cost: 'fast' by default; 'standard' (production cost) for tests that measure sign-in timing. */
  passwordHashing?: 'standard' | 'fast'
  /** A clock the test controls (new ManualClock(…) from @plein/core), for scheduled publishing and expiry. */
  clock?: Clock
  /** Blob storage: s3://bucket/prefix?endpoint=… (e.g. an s3rver started by the test); default the data folder. */
  storageUrl?: string
  /** Who may read GET /metrics (default: loopback only). */
  metrics?: KernelOptions['metrics']
  /** How long a session read from the database is used (default 1000 ms); 0 for tests that change sessions or roles in SQL. */
  sessionCacheMs?: number
}

/** Site settings of a test kernel unless the test overrides them: no e-mail verification, generous limits. */
export const TEST_SITE_SETTINGS = {
  auth: { requireEmailVerification: false },
  rateLimits: { registerPerIp: { max: 100000, windowSeconds: 3600 }, loginPerIp: { max: 100000, windowSeconds: 900 }, mailRequestsPerIp: { max: 100000, windowSeconds: 3600 } },
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k]
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
      ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
      : v
  }
  return out
}

export interface TestKernel {
  kernel: Kernel
  /** The data folder (mail files land in `<dataDir>/mail/`). */
  dataDir: string
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  /** A client with its own cookie jar and CSRF token. */
  http: TestClient
  /** Another person: a client with empty cookies (on another site when given its host). */
  client(host?: string): TestClient
  /**
   * Registers an account and signs it in on a new client (cookie session + CSRF token).
   * The first account of a kernel becomes the root site's administrator.
   */
  signUp(who?: { name?: string; email?: string; password?: string }): Promise<SignedUp>
  /** Signs an account in on a new client, on another site when given its host (e.g. a subsite's). */
  signIn(who: Pick<SignedUp, 'user' | 'password'>, host?: string): Promise<TestClient>
  /** Stops the kernel, drops the database, removes the data folder. */
  close(): Promise<void>
}

export const TEST_HOSTS = ['127.0.0.1', 'localhost']

export interface SignedUp {
  client: TestClient
  user: { id: string; name: string; email: string }
  password: string
}

let people = 0

/** Signs an existing account in on this client (cookie session + CSRF token). */
export async function signIn(client: TestClient, who: Pick<SignedUp, 'user' | 'password'>): Promise<TestClient> {
  const login = await client.post('/api/v1/auth/login', { email: who.user.email, password: who.password })
  if (login.status !== 200) throw new Error(`signIn: login on ${client.host} answered ${login.status}: ${login.text}`)
  return client
}

export async function signUp(client: TestClient, who: { name?: string; email?: string; password?: string } = {}): Promise<SignedUp> {
  const n = ++people
  const name = who.name ?? `Test Person ${n}`
  const email = who.email ?? `person${n}-${Math.random().toString(36).slice(2, 8)}@example.org`
  const password = who.password ?? 'correct horse battery staple'
  const registered = await client.post('/api/v1/auth/register', { email, password, name })
  if (registered.status !== 201) throw new Error(`signUp: register answered ${registered.status}: ${registered.text}`)
  const login = await client.post('/api/v1/auth/login', { email, password })
  if (login.status !== 200) throw new Error(`signUp: login answered ${login.status}: ${login.text}`)
  return { client, user: login.body.user, password }
}

/**
 * A running kernel on a random port with a fresh database: embedded in memory, or a new database on the
 * PostgreSQL server named by PLEIN_TEST_DATABASE_URL. Always `await tk.close()` (e.g. in `after`).
 */
export async function createTestKernel(options: TestKernelOptions = {}): Promise<TestKernel> {
  const database = await createTestDatabase()
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-test-'))
  const entries: PluginEntry[] = (options.plugins ?? []).map(p => ({
    source: p,
    settings: options.settings?.[typeof p === 'string' ? p : p.id],
  }))
  const config: SiteConfig = {
    name: 'Test site',
    hosts: TEST_HOSTS,
    admins: [],
    ...options.site,
    // Tests sign up many accounts from one address and need no mail round trip, unless they ask for it.
    settings: mergeDeep(TEST_SITE_SETTINGS, options.site?.settings ?? {}),
    plugins: {},
  }
  let kernel: Kernel | undefined
  try {
    kernel = await Kernel.boot({
      siteDir: options.siteDir ?? process.cwd(),
      config,
      plugins: entries,
      databaseUrl: database.url,
      dataDir,
      embeddedDir: 'memory://',
      embeddedSnapshot: database.url ? undefined : await embeddedSnapshot(),
      secret: 'test-secret-that-is-long-enough-0123456789',
      log: options.log ?? createLogger({ level: process.env.PLEIN_TEST_LOG ?? 'silent', pretty: false }),
      startTimeoutMs: options.startTimeoutMs,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 2000,
      passwordHashing: options.passwordHashing ?? 'fast',
      smtpUrl: options.smtpUrl,
      clock: options.clock,
      storageUrl: options.storageUrl,
      metrics: options.metrics,
      sessionCacheMs: options.sessionCacheMs,
    })
    const address = await kernel.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${address.port}`
    const booted = kernel
    return {
      kernel,
      dataDir,
      url,
      port: address.port,
      http: new TestClient(url),
      client: host => new TestClient(url, host),
      signUp: who => signUp(new TestClient(url), who),
      signIn: (who, host) => signIn(new TestClient(url, host), who),
      async close() {
        await booted.stop()
        await database.drop()
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await database.drop().catch(() => undefined)
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
}

export const usesServerDatabase = () => testServerUrl() !== undefined
