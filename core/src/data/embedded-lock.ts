// One process at a time on an embedded database folder. PGlite has no server: two processes opening the same
// folder would both write its files and corrupt them (a second `plein start`, or `plein backup` while the
// site runs). The lock is a file beside the folder holding the owner's process id; a lock whose process is
// gone (a crash, kill -9) is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'

export class EmbeddedDatabaseBusyError extends Error {
  readonly code = 'EMBEDDED_DATABASE_BUSY'
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`The embedded database in ${dir} is in use by process ${pid}. Stop that process first (the embedded database serves one process; use PostgreSQL with DATABASE_URL for more).`)
  }
}

export const embeddedLockFile = (dir: string): string => `${dir.replace(/[\\/]+$/, '')}.lock`

/** Takes the folder's lock or throws EmbeddedDatabaseBusyError; returns the release function. */
export function lockEmbedded(dir: string): () => void {
  const file = embeddedLockFile(dir)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
      return () => {
        if (ownerOf(file) === process.pid) rmSync(file, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = ownerOf(file)
      if (owner !== undefined && alive(owner)) throw new EmbeddedDatabaseBusyError(dir, owner)
      rmSync(file, { force: true }) // stale: its process is gone
    }
  }
  throw new Error(`Could not take the lock ${file}.`)
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
