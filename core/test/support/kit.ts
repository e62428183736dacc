// Small helpers shared by the kernel's tests: captured logs, boot errors, a second site, a reopenable database.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import {
  Database,
  Kernel,
  KernelBootError,
  SiteRecord,
  createLogger,
  type BootProblem,
  type BootProblemCode,
  type KernelOptions,
  type Logger,
  type PluginDefinition,
  type PluginEntry,
  type Site,
  type SiteConfig,
} from '@plein/core'
import { createTestDatabase, testServerUrl } from '@plein/testing'

/** The repository root: fixture plugin paths like './core/test/fixtures/x' resolve against it. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export const TEST_SECRET = 'core-test-secret-0123456789abcdefghijklmnopqrstuvwxyz'

export const silentLog = (): Logger => createLogger({ level: 'silent', pretty: false })

export type LogLine = Record<string, any> & { level: number; msg: string }

/** A pino logger whose JSON lines are kept in memory. */
export function captureLog(level = 'debug'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const log = createLogger({
    level,
    pretty: false,
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  return { log, lines }
}

export const testConfig = (more: Partial<SiteConfig> = {}): SiteConfig => ({
  name: 'Test site',
  hosts: ['127.0.0.1', 'localhost'],
  plugins: {},
  ...more,
})

/** Kernel.prepare with plugin definitions handed over directly (no database, no port). */
export function prepare(plugins: Array<PluginDefinition | PluginEntry>, more: Partial<KernelOptions> = {}): Promise<Kernel> {
  return Kernel.prepare({
    siteDir: repoRoot,
    config: testConfig(),
    plugins: plugins.map(p => ('source' in p ? p : { source: p })),
    log: silentLog(),
    secret: TEST_SECRET,
    ...more,
  })
}

/** Awaits a promise that must reject with a KernelBootError, and returns it. */
export async function bootError(promise: Promise<unknown>): Promise<KernelBootError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof KernelBootError) return error
    throw error
  }
  expect.fail('expected a KernelBootError, but the kernel booted')
}

/** The one problem with `code` (fails when there is none, or more than one). */
export function problemOf(error: KernelBootError, code: BootProblemCode): BootProblem {
  const found = error.problems.filter(p => p.code === code)
  expect(found, `problems with code ${code} in:\n${error.message}`).to.have.length(1)
  return found[0]!
}

/** A site of its own (a subsite, as the subsites plugin would make one), with its own plugin list. */
export function makeSite(init: { id: string; key: string; name: string; hosts: string[]; plugins: string[]; settings?: Record<string, Record<string, unknown>> }): Site {
  return new SiteRecord({
    id: init.id,
    key: init.key,
    name: init.name,
    hosts: init.hosts,
    isRoot: false,
    plugins: init.plugins,
    pluginSettings: new Map(Object.entries(init.settings ?? {})),
  })
}

/** A hook scope that enables exactly these plugins (a site, for hook calls). */
export const scopeOf = (...ids: string[]) => ({ isEnabled: (id: string) => ids.includes(id) })

/**
 * A database that outlives one kernel, so a test can boot twice on it: a new database on the server
 * named by PLEIN_TEST_DATABASE_URL, else an embedded one in a temporary folder.
 */
export async function reopenableDatabase(): Promise<{
  options: Pick<KernelOptions, 'databaseUrl' | 'embeddedDir' | 'dataDir'>
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>
  drop(): Promise<void>
}> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-core-test-'))
  const server = testServerUrl() ? await createTestDatabase() : undefined
  const options = { databaseUrl: server?.url, embeddedDir: path.join(dataDir, 'pgdata'), dataDir }
  if (!server) {
    // Copying an empty cluster is much faster than initdb in a new folder.
    const { PGlite } = await import('@electric-sql/pglite')
    const pglite = await PGlite.create({ dataDir: options.embeddedDir, loadDataDir: await emptyCluster() })
    await pglite.close()
  }
  return {
    options,
    async query(sql, params = []) {
      const db = await Database.open({ url: options.databaseUrl, embeddedDir: options.embeddedDir, entities: [] })
      try {
        return await db.query(sql, params)
      } finally {
        await db.close()
      }
    },
    async drop() {
      await server?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

let cluster: Promise<Blob> | undefined

/** An empty embedded database as a snapshot, made once per process. */
function emptyCluster(): Promise<Blob> {
  cluster ??= (async () => {
    const { PGlite } = await import('@electric-sql/pglite')
    const db = await PGlite.create('memory://')
    try {
      return await db.dumpDataDir('none')
    } finally {
      await db.close()
    }
  })()
  return cluster
}

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))
