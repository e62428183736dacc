// Database dumps for `plein backup` / `plein restore`, for both engines.
//  - PostgreSQL server: pg_dump's custom format. pg_dump reads one snapshot, so the dump is consistent while
//    the site keeps running. Restore replaces the schema in ONE transaction (psql --single-transaction): it
//    lands whole or not at all.
//  - Embedded database: PGlite's data folder as a gzipped tarball (dumpDataDir). PGlite serves one process,
//    so this needs the folder's lock: the site must be stopped (EmbeddedDatabaseBusyError otherwise).
// Connection passwords go to the tools through PGPASSWORD, never on a command line (ps shows those).
import { spawn } from 'node:child_process'
import { createReadStream, existsSync, renameSync, rmSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { lockEmbedded } from './embedded-lock.js'

export type DatabaseKind = 'postgres' | 'embedded'

export interface DatabaseLocation {
  /** postgres://… ; unset: the embedded database in `embeddedDir`. */
  databaseUrl?: string
  embeddedDir: string
}

export class BackupToolError extends Error {
  readonly code = 'BACKUP_TOOL_FAILED'
}

/** Writes the database to `file`; returns which engine it came from. */
export async function dumpDatabase(where: DatabaseLocation, file: string): Promise<DatabaseKind> {
  if (where.databaseUrl) {
    const { url, env } = connection(where.databaseUrl)
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, `--dbname=${url}`], env)
    return 'postgres'
  }
  const unlock = lockEmbedded(where.embeddedDir)
  try {
    const { PGlite } = await import('@electric-sql/pglite')
    const db = await PGlite.create(where.embeddedDir)
    try {
      const dump = await db.dumpDataDir('gzip')
      await writeFile(file, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 })
    } finally {
      await db.close()
    }
  } finally {
    unlock()
  }
  return 'embedded'
}

/**
 * Replaces the database's contents with a dump made by dumpDatabase (of the same engine). PostgreSQL: the
 * script is made in full first (`scratch` receives it), then applied in one transaction. Embedded: the old
 * folder is kept aside until the new one opens, and put back if it does not.
 */
export async function restoreDatabase(where: DatabaseLocation, kind: DatabaseKind, file: string, scratch: string): Promise<void> {
  if ((kind === 'postgres') !== Boolean(where.databaseUrl)) {
    throw new BackupToolError(
      kind === 'postgres'
        ? 'This backup holds a PostgreSQL dump, but no DATABASE_URL is set: restore it into a PostgreSQL database.'
        : 'This backup holds an embedded database, but DATABASE_URL is set: unset it to restore into the embedded database.',
    )
  }
  if (where.databaseUrl) {
    const { url, env } = connection(where.databaseUrl)
    await run('pg_restore', ['--no-owner', '--no-privileges', `--file=${scratch}`, file], env)
    // The schema is dropped and made again inside the same transaction as the dump's statements.
    await run('psql', ['--no-psqlrc', '--quiet', '--single-transaction', '--set=ON_ERROR_STOP=1', `--dbname=${url}`], env, {
      prefix: 'DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n',
      file: scratch,
    })
    return
  }
  const unlock = lockEmbedded(where.embeddedDir)
  const aside = `${where.embeddedDir}.before-restore-${Date.now()}`
  try {
    if (existsSync(where.embeddedDir)) renameSync(where.embeddedDir, aside)
    try {
      const { PGlite } = await import('@electric-sql/pglite')
      const db = await PGlite.create({ dataDir: where.embeddedDir, loadDataDir: new Blob([await readFile(file)]) })
      await db.query('SELECT 1')
      await db.close()
    } catch (error) {
      rmSync(where.embeddedDir, { recursive: true, force: true })
      if (existsSync(aside)) renameSync(aside, where.embeddedDir)
      throw error
    }
    rmSync(aside, { recursive: true, force: true })
  } finally {
    unlock()
  }
}

/** Connections by application name other than this one: running Plein processes on the database. */
export async function otherConnections(databaseUrl: string): Promise<number> {
  const { url, env } = connection(databaseUrl)
  const out = await run(
    'psql',
    ['--no-psqlrc', '--tuples-only', '--no-align', `--dbname=${url}`, '--command', `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'plein'`],
    env,
  )
  return Number(out.trim())
}

function connection(databaseUrl: string): { url: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl)
  const password = decodeURIComponent(url.password)
  url.password = ''
  return { url: url.toString(), env: password ? { PGPASSWORD: password } : {} }
}

/** Runs a tool; `input`: text written first, then a file streamed, to its standard input. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: { prefix: string; file: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', d => (stdout += d))
    child.stderr!.on('data', d => (stderr += d))
    child.once('error', error =>
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new BackupToolError(`${command} was not found: install the PostgreSQL client tools (e.g. apt-get install postgresql-client), of the server's major version or newer.`)
          : error,
      ),
    )
    child.once('close', code => (code === 0 ? resolve(stdout) : reject(new BackupToolError(`${command} failed (exit ${code}): ${stderr.trim().slice(0, 2000)}`))))
    if (input !== undefined) {
      child.stdin!.write(input.prefix)
      // A failed write (the tool exited early) shows in its exit code and message.
      pipeline(createReadStream(input.file), child.stdin!).catch(() => undefined)
    }
  })
}
