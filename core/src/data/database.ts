// The one TypeORM DataSource: embedded PostgreSQL (PGlite) by default, a PostgreSQL server with DATABASE_URL.
import 'reflect-metadata'
import { mkdirSync } from 'node:fs'
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral, type Repository } from 'typeorm'

export interface DatabaseOptions {
  /** postgres://… — a PostgreSQL server. Without it, an embedded database. */
  url?: string
  /** Folder for the embedded database's files; `memory://` keeps it in memory (tests). */
  embeddedDir?: string
  entities: Function[]
  /** Connections to a server (default 10). */
  poolSize?: number
  /** Start the embedded database from a snapshot (PGlite dumpDataDir), e.g. a test kit's template: skips initdb. */
  embeddedSnapshot?: Blob
}

export class Database {
  private constructor(
    readonly source: DataSource,
    readonly kind: 'embedded' | 'postgres',
    private readonly closeEmbedded?: () => Promise<void>,
  ) {}

  static async open(options: DatabaseOptions): Promise<Database> {
    if (options.url) {
      const source = new DataSource({
        type: 'postgres',
        url: options.url,
        entities: options.entities,
        synchronize: false,
        migrationsRun: false,
        uuidExtension: 'pgcrypto',
        poolSize: options.poolSize ?? 10,
        connectTimeoutMS: 5000,
        extra: { application_name: 'plein', idleTimeoutMillis: 30000 },
      })
      await source.initialize()
      return new Database(source, 'postgres')
    }
    const dir = options.embeddedDir ?? 'memory://'
    if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true })
    // Loaded only when used: a server deployment never pays for the WASM module.
    const { PGlite } = await import('@electric-sql/pglite')
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres')
    const pglite = options.embeddedSnapshot
      ? await PGlite.create({ dataDir: dir, loadDataDir: options.embeddedSnapshot })
      : await PGlite.create(dir)
    const source = new DataSource({
      type: 'postgres',
      entities: options.entities,
      synchronize: false,
      migrationsRun: false,
      uuidExtension: 'pgcrypto',
      poolSize: 1,
      connectTimeoutMS: 15000,
      extra: createPgConfig(pglite),
    })
    await source.initialize()
    return new Database(source, 'embedded', () => pglite.close())
  }

  get manager(): EntityManager {
    return this.source.manager
  }

  query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.source.query(sql, params)
  }

  repository<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.source.getRepository(entity)
  }

  /** Runs `fn` in one transaction. Inside it, use only the manager it is given. */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.source.transaction(fn)
  }

  /** True when the database answers within `timeoutMs`. */
  async ping(timeoutMs = 2000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs)
      })
      await Promise.race([this.source.query('SELECT 1'), timeout])
      return true
    } catch {
      return false
    } finally {
      clearTimeout(timer)
    }
  }

  async close(): Promise<void> {
    if (this.source.isInitialized) await this.source.destroy()
    await this.closeEmbedded?.()
  }
}
