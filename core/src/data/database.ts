// The one TypeORM DataSource: embedded PostgreSQL (PGlite) by default, a PostgreSQL server with DATABASE_URL.
import 'reflect-metadata'
import { mkdirSync } from 'node:fs'
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral, type Repository } from 'typeorm'
import { lockEmbedded } from './embedded-lock.js'

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
  /**
   * How long a request waits for a server connection (connecting, or a free one from a full pool) before it
   * fails, so that a database that is away gives quick 503 answers rather than hung requests. Default 3000 ms.
   */
  connectTimeoutMs?: number
  /** Server-side statement_timeout of every pooled connection (0: none). Default 30000 ms. */
  statementTimeoutMs?: number
  /** Called for errors of idle pooled connections (e.g. the server shut down); without a listener they would crash the process. */
  onPoolError?(error: Error): void
}

/** Connection pool counts, for monitoring. */
export interface PoolStats {
  /** Open connections. */
  total: number
  /** Open connections nobody uses. */
  idle: number
  /** Requests waiting for a connection. */
  waiting: number
  /** Most connections the pool opens. */
  max: number
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
        connectTimeoutMS: options.connectTimeoutMs ?? 3000,
        extra: {
          application_name: 'plein',
          idleTimeoutMillis: 30000,
          statement_timeout: options.statementTimeoutMs ?? 30000,
          keepAlive: true,
        },
      })
      await source.initialize()
      // TypeORM's own listener keeps such errors from crashing the process; this one reports them.
      const pool = (source.driver as { master?: { on?(event: 'error', fn: (error: Error) => void): void } }).master
      if (options.onPoolError) pool?.on?.('error', options.onPoolError)
      return new Database(source, 'postgres')
    }
    const dir = options.embeddedDir ?? 'memory://'
    let unlock = () => {}
    if (!dir.startsWith('memory://')) {
      mkdirSync(dir, { recursive: true })
      unlock = lockEmbedded(dir)
    }
    // Loaded only when used: a server deployment never pays for the WASM module.
    const { PGlite } = await import('@electric-sql/pglite')
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres')
    let pglite: InstanceType<typeof PGlite>
    try {
      pglite = options.embeddedSnapshot ? await PGlite.create({ dataDir: dir, loadDataDir: options.embeddedSnapshot }) : await PGlite.create(dir)
    } catch (error) {
      unlock()
      throw error
    }
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
    return new Database(source, 'embedded', async () => {
      try {
        await pglite.close()
      } finally {
        unlock()
      }
    })
  }

  /** The pool's counts (undefined when the driver has no pool to count). */
  poolStats(): PoolStats | undefined {
    const pool = (this.source.driver as { master?: { totalCount?: number; idleCount?: number; waitingCount?: number; options?: { max?: number } } }).master
    if (!pool || typeof pool.totalCount !== 'number') return undefined
    return { total: pool.totalCount, idle: pool.idleCount ?? 0, waiting: pool.waitingCount ?? 0, max: pool.options?.max ?? 0 }
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
  async ping(timeoutMs = this.kind === 'embedded' ? 2000 : 1000): Promise<boolean> {
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
