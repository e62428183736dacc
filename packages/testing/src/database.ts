// A fresh, empty database for each test kernel: embedded in memory, or a new database on a server.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface TestDatabase {
  /** postgres:// URL of the fresh database, or undefined for the embedded one. */
  url?: string
  drop(): Promise<void>
}

/** The server named by PLEIN_TEST_DATABASE_URL, when set: tests then run on real PostgreSQL. */
export const testServerUrl = (): string | undefined => process.env.PLEIN_TEST_DATABASE_URL || undefined

export async function createTestDatabase(serverUrl = testServerUrl()): Promise<TestDatabase> {
  if (!serverUrl) return { drop: async () => undefined }
  const name = `plein_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}

let snapshot: Promise<Blob> | undefined

/**
 * An empty embedded database, made once per process and copied for each test kernel: a new embedded
 * database otherwise runs initdb, which costs seconds every time.
 */
export function embeddedSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    const { PGlite } = await import('@electric-sql/pglite')
    const db = await PGlite.create('memory://')
    try {
      return await db.dumpDataDir('none')
    } finally {
      await db.close()
    }
  })()
  return snapshot
}
