// Runs each plugin's hand-written migrations in plugin order, one transaction per plugin, recorded per plugin.
import type { QueryRunner } from 'typeorm'
import type { MigrationClass } from '../plugins/define.js'
import type { Database } from './database.js'

export interface MigrationSet {
  pluginId: string
  migrations: readonly MigrationClass[]
}

export interface MigrationProgress {
  (event: { pluginId: string; name: string; index: number; total: number }): void
}

export class MigrationError extends Error {
  readonly code = 'PLUGIN_MIGRATION_FAILED'
  constructor(readonly pluginId: string, readonly migration: string, override readonly cause: unknown) {
    super(`Migration ${migration} of plugin "${pluginId}" failed and was rolled back: ${(cause as Error)?.message ?? cause}`)
  }
}

/** Any 64-bit number will do; it only has to be the same in every Plein process. */
const MIGRATION_LOCK_KEY = 7_165_432_101

export const migrationName = (m: MigrationClass) => {
  const instance = new m()
  return instance.name ?? m.name
}

export interface MigrationReport {
  ran: Array<{ pluginId: string; name: string }>
}

export async function runMigrations(db: Database, sets: readonly MigrationSet[], progress?: MigrationProgress): Promise<MigrationReport> {
  const runner = db.source.createQueryRunner()
  const ran: MigrationReport['ran'] = []
  await runner.connect()
  try {
    // A migration may build an index over millions of rows, and waiting for another process's lock may take as
    // long: neither is limited by the pool's statement timeout (RESET below gives the connection its own back).
    await runner.query('SET statement_timeout = 0')
    // Several processes may boot at once; the first migrates, the others wait and then find nothing to do.
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await runner.query(`CREATE TABLE IF NOT EXISTS kernel_migration (
        plugin_id text NOT NULL,
        name text NOT NULL,
        run_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (plugin_id, name)
      )`)
      const done = new Set<string>(
        (await runner.query('SELECT plugin_id, name FROM kernel_migration')).map((r: any) => `${r.plugin_id}\u0000${r.name}`),
      )
      const pending = sets
        .map(set => ({ pluginId: set.pluginId, list: set.migrations.map(m => ({ m, name: migrationName(m) })) }))
        .map(set => ({ ...set, list: set.list.filter(x => !done.has(`${set.pluginId}\u0000${x.name}`)) }))
        .filter(set => set.list.length > 0)
      const total = pending.reduce((n, s) => n + s.list.length, 0)
      let index = 0
      for (const set of pending) {
        await runPluginMigrations(runner, set.pluginId, set.list, name => {
          index++
          progress?.({ pluginId: set.pluginId, name, index, total })
          ran.push({ pluginId: set.pluginId, name })
        })
      }
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined)
    }
  } finally {
    await runner.query('RESET statement_timeout').catch(() => undefined)
    await runner.release()
  }
  return { ran }
}

async function runPluginMigrations(
  runner: QueryRunner,
  pluginId: string,
  list: Array<{ m: MigrationClass; name: string }>,
  onRan: (name: string) => void,
): Promise<void> {
  await runner.startTransaction()
  const names: string[] = []
  let current = ''
  try {
    for (const { m, name } of list) {
      current = name
      await new m().up(runner)
      await runner.query('INSERT INTO kernel_migration (plugin_id, name) VALUES ($1, $2)', [pluginId, name])
      names.push(name)
    }
    await runner.commitTransaction()
  } catch (error) {
    await runner.rollbackTransaction().catch(() => undefined)
    throw new MigrationError(pluginId, current, error)
  }
  names.forEach(onRan)
}
