// @plein/testing — boot a real kernel with your plugins on a real database and a real HTTP port.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Kernel, createLogger, type Logger, type PluginDefinition, type PluginEntry, type SiteConfig } from '@plein/core'
import { TestClient } from './client.js'
import { createTestDatabase, embeddedSnapshot, testServerUrl } from './database.js'

export { TestClient, type TestResponse, type RequestOptions } from './client.js'
export { createTestDatabase, testServerUrl, type TestDatabase } from './database.js'

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
}

export interface TestKernel {
  kernel: Kernel
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  /** A client with its own cookie jar and CSRF token. */
  http: TestClient
  /** Another person: a client with empty cookies. */
  client(): TestClient
  /** Stops the kernel, drops the database, removes the data folder. */
  close(): Promise<void>
}

export const TEST_HOSTS = ['127.0.0.1', 'localhost']

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
    })
    const address = await kernel.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${address.port}`
    const booted = kernel
    return {
      kernel,
      url,
      port: address.port,
      http: new TestClient(url),
      client: () => new TestClient(url),
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
