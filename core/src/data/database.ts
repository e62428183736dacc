// The one TypeORM DataSource: embedded PostgreSQL (PGlite) by default, a PostgreSQL server with DATABASE_URL.
import 'reflect-metadata'
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { DataSource, QueryFailedError, type EntityManager, type EntityTarget, type ObjectLiteral, type Repository } from 'typeorm'
import { lockEmbedded } from './embedded-lock.js'
import { isDatabaseUnavailable } from './faults.js'

/** What Database.query uses of the driver's pg pool. */
interface PgPool {
  connect(): Promise<PgClient>
}
interface PgClient {
  query(query: { text: string; values: unknown[]; name?: string }): Promise<{ command?: string; rows?: unknown[]; rowCount?: number | null } | unknown[]>
  release(error?: Error | boolean): void
  on(event: 'error', listener: (error: Error) => void): unknown
  removeListener(event: 'error', listener: (error: Error) => void): unknown
}

/** Most distinct statements prepared by name; further ones are parsed each time (SQL built with values in it). */
const MAX_PREPARED = 500
/**
 * SQLSTATEs of a prepared statement the server no longer has or cannot use: 26000 it does not exist, 42P05 it
 * exists already (a pooler in transaction mode hands out server connections that are not ours), 0A000 its
 * result changed (a migration by another process altered a table under `SELECT *`).
 */
const PREPARED_FAULTS = new Set(['26000', '42P05', '0A000'])

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
  /** Statement names by SQL text (on a server only): each connection parses a statement once and reuses it. */
  private readonly statementNames = new Map<string, string>()
  private prepare: boolean

  private constructor(
    readonly source: DataSource,
    readonly kind: 'embedded' | 'postgres',
    private readonly closeEmbedded?: () => Promise<void>,
  ) {
    this.prepare = kind === 'postgres'
  }

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
          // Statements prepared by name (Database.query) are planned for their parameters every time, as unnamed
          // ones are: what is saved is parsing, never a generic plan that would suit one site and not another.
          // node-postgres reads PGOPTIONS only when no options are given: keep what the environment asks for.
          options: [process.env.PGOPTIONS, '-c plan_cache_mode=force_custom_plan'].filter(Boolean).join(' '),
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

  /**
   * One statement outside a transaction, answered as TypeORM's DataSource.query answers it (rows; for UPDATE
   * and DELETE `[rows, count]`; errors as QueryFailedError). It goes to the driver's pool directly: TypeORM's
   * query runner (made and released for every query, with its events) cost more CPU than the query itself. On a
   * server the statement is prepared by name, once per connection.
   */
  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    const pool = (this.source.driver as { master?: PgPool }).master
    if (!pool || typeof pool.connect !== 'function') return this.source.query(sql, params)
    // Without parameters a statement goes by the simple protocol, as before (it may hold several statements).
    const name = this.prepare && params.length > 0 ? this.statementName(sql) : undefined
    try {
      return await this.run<T>(pool, sql, params, name)
    } catch (error) {
      const code = ((error as QueryFailedError & { driverError?: { code?: string } }).driverError ?? {}).code
      if (!name || !code || !PREPARED_FAULTS.has(code)) throw error
      // Once more without a name; and no names at all after a server that does not keep them (a pooler).
      if (code !== '0A000') this.prepare = false
      return this.run<T>(pool, sql, params, undefined)
    }
  }

  private statementName(sql: string): string | undefined {
    const known = this.statementNames.get(sql)
    if (known || this.statementNames.size >= MAX_PREPARED) return known
    // Named after the text itself, the same in every process: behind a pooler that hands one server connection
    // to several processes, a name can never stand for another process's different statement.
    const name = `plein_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`
    this.statementNames.set(sql, name)
    return name
  }

  private async run<T>(pool: PgPool, sql: string, params: unknown[], name: string | undefined): Promise<T[]> {
    // As TypeORM's query runner does: its logger sees every statement (query logging, and tests that count them).
    this.source.logger.logQuery(sql, params)
    // Connection errors come through as they are, as with TypeORM.
    const client = await pool.connect()
    let broken: Error | undefined
    // The pool takes its own error listener off a client it hands out (as TypeORM does, listen while it is
    // ours): a server that ends the connection between our statements (57P01 when PostgreSQL stops) must not
    // be an unhandled 'error' event that takes the process down. Such a client is not given back to the pool.
    const lost = (error: Error) => {
      broken = error
    }
    client.on('error', lost)
    try {
      const raw = await client.query(name ? { name, text: sql, values: params } : { text: sql, values: params })
      if (Array.isArray(raw)) return undefined as unknown as T[] // several statements: TypeORM answers nothing either
      return (raw.command === 'UPDATE' || raw.command === 'DELETE' ? [raw.rows, raw.rowCount] : raw.rows) as T[]
    } catch (error) {
      // A lost connection, or one whose prepared statements went wrong, is not given back to the pool.
      const code = (error as { code?: string }).code
      if (isDatabaseUnavailable(error) || (name && code && PREPARED_FAULTS.has(code))) broken = error as Error
      throw new QueryFailedError(sql, params, error as Error)
    } finally {
      client.removeListener('error', lost)
      client.release(broken)
    }
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
