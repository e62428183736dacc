// Durable background jobs in the database: stored before enqueue() returns, claimed with SKIP LOCKED so
// several processes never run one job twice, retried with exponential backoff, recurring schedules.
import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { EntityManager } from 'typeorm'
import type { Database } from '../data/database.js'
import { cursorColumn, cursorTime, decodeCursor, toPage, type Page } from '../http/paging.js'
import type { Site } from '../tenancy/site.js'

export interface JobContext<P> {
  id: string
  name: string
  payload: P
  /** The site the job was queued for, when it was. */
  site: Site | undefined
  /** 1 on the first run. */
  attempt: number
  log: Logger
}

export type JobHandler<P = any> = (job: JobContext<P>) => Promise<void>

export interface JobOptions {
  /** Run no earlier than this. */
  runAt?: Date
  delayMs?: number
  /** Tries before the job is marked failed (default 5). */
  maxAttempts?: number
  /** At most one queued or running job with this key per job name (later enqueues are dropped). */
  singletonKey?: string
  site?: Site
  /** Queue inside the caller's transaction: the job exists exactly when the transaction commits. */
  manager?: EntityManager
}

export interface JobRecord {
  id: string
  name: string
  siteId: string | null
  payload: unknown
  status: 'queued' | 'running' | 'done' | 'failed'
  attempts: number
  maxAttempts: number
  runAt: Date
  lastError: string | null
  createdAt: Date
  finishedAt: Date | null
}

/** A job as administrators see it (API and /admin/jobs): never its payload, which may hold personal data or one-time links. */
export type JobSummary = Omit<JobRecord, 'payload'>

export interface JobDefinitionOptions<P = any> {
  concurrency?: number
  timeoutMs?: number
  /**
   * What is kept of the payload once the job is done, e.g. a mail without its body (which may hold a one-time
   * link). Unset keeps the payload as it is.
   */
  scrub?: (payload: P) => unknown
}

export interface JobsApi {
  /**
   * Declares what a job name does (in register). Names are `<plugin>.<what>`. A handler that throws is retried
   * with backoff, unless the error has `retry: false` (e.g. a MailRejectedError for a bounce): then it fails at once.
   */
  define<P>(name: string, handler: JobHandler<P>, options?: JobDefinitionOptions<P>): void
  /** Stores a job; it runs in some process soon (or at runAt). Returns its id, or undefined when a singleton was queued already. */
  enqueue(name: string, payload?: unknown, options?: JobOptions): Promise<string | undefined>
  /**
   * Stores one job per payload in one statement (one commit, not one per job): for a run that queues thousands,
   * e.g. a digest per recipient. Each is its own job, run, retried and failed on its own. Returns their ids.
   */
  enqueueMany(name: string, payloads: readonly unknown[], options?: Omit<JobOptions, 'singletonKey'>): Promise<string[]>
  /** Runs `name` every `everySeconds` (in one process at a time), starting after one interval. */
  every(name: string, everySeconds: number): void
}

interface Definition {
  owner: string
  handler: JobHandler
  concurrency: number
  timeoutMs: number
  scrub?: (payload: any) => unknown
}

const toSummary = (r: any): JobSummary => ({
  id: r.id,
  name: r.name,
  siteId: r.site_id,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAt: r.run_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
})

const toRecord = (r: any): JobRecord => ({ ...toSummary(r), payload: r.payload })

/** 2, 4, 8, 16 … seconds, at most an hour. */
export const backoffSeconds = (attempt: number) => Math.min(3600, 2 ** attempt)

export class JobRunner {
  private readonly definitions = new Map<string, Definition>()
  private readonly schedules = new Map<string, number>()
  private readonly running = new Map<string, number>()
  private readonly inFlight = new Set<Promise<void>>()
  private timer?: NodeJS.Timeout
  /** The poller's round in progress, if any (drain and stop wait for the jobs it claims). */
  private polling?: Promise<number>
  private stopped = true
  /** A job finished while a poll was in progress: poll again as soon as it ends. */
  private woken = false
  /** When the last round looked at schedules and stale jobs (Date.now()). */
  private lastHousekeeping = 0
  private readonly worker = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

  constructor(
    private readonly db: () => Database,
    private readonly log: Logger,
    private readonly siteById: (id: string) => Promise<Site | undefined>,
    private readonly isEnabled: (owner: string, site: Site | undefined) => boolean,
    private readonly pollMs = 500,
  ) {}

  /** The API one plugin sees; names must start with its id. */
  apiFor(owner: string, registering: () => boolean): JobsApi {
    const check = (name: string) => {
      if (!name.startsWith(`${owner}.`)) throw new TypeError(`Job "${name}": names of plugin "${owner}" start with "${owner}."`)
    }
    return Object.freeze({
      define: (name: string, handler: JobHandler, options: JobDefinitionOptions = {}) => {
        check(name)
        if (!registering()) throw new Error(`Plugin "${owner}": define jobs in register().`)
        if (this.definitions.has(name)) throw new TypeError(`Job "${name}" is defined twice`)
        this.definitions.set(name, { owner, handler, concurrency: options.concurrency ?? 2, timeoutMs: options.timeoutMs ?? 5 * 60_000, scrub: options.scrub })
      },
      enqueue: (name: string, payload?: unknown, options?: JobOptions) => this.enqueue(name, payload, options),
      enqueueMany: (name: string, payloads: readonly unknown[], options?: Omit<JobOptions, 'singletonKey'>) => this.enqueueMany(name, payloads, options),
      every: (name: string, everySeconds: number) => {
        check(name)
        if (!registering()) throw new Error(`Plugin "${owner}": schedule jobs in register().`)
        if (!Number.isInteger(everySeconds) || everySeconds < 1) throw new TypeError(`Job "${name}": every must be whole seconds ≥ 1`)
        this.schedules.set(name, everySeconds)
      },
    })
  }

  async enqueue(name: string, payload: unknown = {}, options: JobOptions = {}): Promise<string | undefined> {
    const runAt = options.runAt ?? (options.delayMs ? new Date(Date.now() + options.delayMs) : null)
    const runner = options.manager ?? this.db()
    const result = await runner.query(
      `INSERT INTO kernel_job (name, site_id, payload, max_attempts, run_at, singleton_key)
       VALUES ($1, $2, $3, $4, coalesce($5, now()), $6)
       ON CONFLICT (name, singleton_key) WHERE singleton_key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING
       RETURNING id`,
      [name, options.site?.id ?? null, JSON.stringify(payload ?? {}), options.maxAttempts ?? 5, runAt, options.singletonKey ?? null],
    )
    return result[0]?.id
  }

  async enqueueMany(name: string, payloads: readonly unknown[], options: Omit<JobOptions, 'singletonKey'> = {}): Promise<string[]> {
    if (payloads.length === 0) return []
    const runAt = options.runAt ?? (options.delayMs ? new Date(Date.now() + options.delayMs) : null)
    const runner = options.manager ?? this.db()
    const rows = (await runner.query(
      `INSERT INTO kernel_job (name, site_id, payload, max_attempts, run_at)
       SELECT $1, $2, p, $4, coalesce($5, now()) FROM unnest($3::jsonb[]) WITH ORDINALITY AS x(p, n) ORDER BY n
       RETURNING id`,
      [name, options.site?.id ?? null, payloads.map(p => JSON.stringify(p ?? {})), options.maxAttempts ?? 5, runAt],
    )) as Array<{ id: string }>
    return rows.map(r => r.id)
  }

  async start(): Promise<void> {
    this.stopped = false
    for (const [name, every] of this.schedules) {
      await this.db().query(
        `INSERT INTO kernel_job_schedule (name, every_seconds, next_run_at) VALUES ($1, $2::int, now() + make_interval(secs => $2::int))
         ON CONFLICT (name) DO UPDATE SET every_seconds = EXCLUDED.every_seconds`,
        [name, every],
      )
    }
    this.tick()
  }

  private tick(delayMs = this.pollMs): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      // Woken by a finished job: only claim (schedules and stale jobs are looked at once per poll interval).
      const claimOnly = this.woken && Date.now() - this.lastHousekeeping < this.pollMs
      this.woken = false
      const round = this.poll(claimOnly)
      this.polling = round
      round
        .catch(error => this.log.warn({ err: error }, 'job poll failed; trying again'))
        .finally(() => {
          if (this.polling === round) this.polling = undefined
          this.tick(this.woken ? 0 : this.pollMs)
        })
    }, delayMs)
    this.timer.unref()
  }

  /**
   * A job finished, so a slot is free: look for the next job now rather than at the next tick. Without this
   * a busy queue drains at `concurrency` jobs per poll interval (4 a second), whatever the jobs cost.
   */
  private wake(): void {
    if (this.stopped) return
    if (this.polling) {
      this.woken = true
      return
    }
    clearTimeout(this.timer)
    this.woken = true
    this.tick(0)
  }

  /**
   * One round: due schedules become jobs, stale jobs go back to the queue (unless `claimOnly`), free slots claim
   * due jobs — of every name with a free slot in one query, not one query per name: a finished job wakes a round.
   */
  async poll(claimOnly = false): Promise<number> {
    if (this.definitions.size === 0) return 0
    const db = this.db()
    if (!claimOnly) {
      this.lastHousekeeping = Date.now()
      if (this.schedules.size > 0) {
        const [due]: [Array<{ name: string }>, number] = (await db.query(
          `UPDATE kernel_job_schedule SET next_run_at = greatest(next_run_at + make_interval(secs => every_seconds), now())
            WHERE name = ANY($1::text[]) AND next_run_at <= now() RETURNING name`,
          [[...this.schedules.keys()]],
        )) as any
        for (const { name } of due) await this.enqueue(name, {}, { singletonKey: 'schedule' })
      }
      // A job whose process died mid-run is queued again once its time limit has passed.
      await db.query(
        `UPDATE kernel_job SET status = 'queued', locked_by = NULL, last_error = 'the process running it stopped'
          WHERE status = 'running' AND locked_at < now() - interval '10 minutes'`,
      )
    }
    const names: string[] = []
    const frees: number[] = []
    for (const [name, def] of this.definitions) {
      const free = def.concurrency - (this.running.get(name) ?? 0)
      if (free > 0) {
        names.push(name)
        frees.push(free)
      }
    }
    if (names.length === 0) return 0
    const [rows] = (await db.query(
      `UPDATE kernel_job SET status = 'running', attempts = attempts + 1, locked_by = $3, locked_at = now()
        WHERE id IN (SELECT j.id FROM unnest($1::text[], $2::int[]) AS d(name, free)
                       CROSS JOIN LATERAL (SELECT id FROM kernel_job WHERE name = d.name AND status = 'queued' AND run_at <= now()
                                            ORDER BY run_at LIMIT d.free FOR UPDATE SKIP LOCKED) j)
        RETURNING *`,
      [names, frees, this.worker],
    )) as any as [any[], number]
    let claimed = 0
    for (const row of rows) {
      const def = this.definitions.get(row.name)!
      const name = row.name as string
      claimed++
      this.running.set(name, (this.running.get(name) ?? 0) + 1)
      const run = this.run(def, row).finally(() => {
        this.running.set(name, (this.running.get(name) ?? 1) - 1)
        this.inFlight.delete(run)
        this.wake()
      })
      this.inFlight.add(run)
    }
    return claimed
  }

  private async run(def: Definition, row: any): Promise<void> {
    const log = this.log.child({ job: row.name, jobId: row.id, attempt: row.attempts })
    const db = this.db()
    try {
      const site = row.site_id ? await this.siteById(row.site_id) : undefined
      if (row.site_id && !site) throw new Error('the site of this job no longer exists')
      if (!this.isEnabled(def.owner, site)) {
        // The plugin is off on that site now: the job waits (a day) rather than run where it should not.
        await db.query(`UPDATE kernel_job SET status = 'queued', attempts = attempts - 1, run_at = now() + interval '1 day', locked_by = NULL WHERE id = $1`, [row.id])
        return
      }
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        def.handler({ id: row.id, name: row.name, payload: row.payload, site, attempt: row.attempts, log }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${def.timeoutMs} ms`)), def.timeoutMs)
        }),
      ]).finally(() => clearTimeout(timer))
      const kept = def.scrub ? JSON.stringify(def.scrub(row.payload) ?? {}) : null
      await db.query(
        `UPDATE kernel_job SET status = 'done', finished_at = now(), locked_by = NULL, last_error = NULL, payload = coalesce($2::jsonb, payload) WHERE id = $1`,
        [row.id, kept],
      )
    } catch (error) {
      const message = String((error as Error)?.message ?? error).slice(0, 2000)
      // An error that says `retry: false` (e.g. MailRejectedError for a bounce) fails the job at once.
      const final = row.attempts >= row.max_attempts || (error as { retry?: unknown } | null)?.retry === false
      log[final ? 'error' : 'warn']({ err: error }, final ? 'job failed for good' : 'job failed; will retry')
      await db
        .query(
          `UPDATE kernel_job SET status = $2::text, last_error = $3, locked_by = NULL,
             run_at = CASE WHEN $2::text = 'queued' THEN now() + make_interval(secs => $4::int) ELSE run_at END,
             finished_at = CASE WHEN $2::text = 'failed' THEN now() END
           WHERE id = $1`,
          [row.id, final ? 'failed' : 'queued', message, backoffSeconds(row.attempts)],
        )
        .catch(e => log.error({ err: e }, 'could not record the job failure'))
    }
  }

  /** Runs every due job now and waits for them (tests, `plein jobs run`). */
  async drain(maxRounds = 50): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      const claimed = await this.poll()
      // The poller's own round may hold jobs this round skipped (SKIP LOCKED): wait for those too.
      const background = (await this.polling?.catch(() => 0)) ?? 0
      const running = this.inFlight.size
      await Promise.all([...this.inFlight])
      if (claimed === 0 && background === 0 && running === 0) {
        // Nothing claimed and nothing running, but a due job may still be queued: one that another claimer's
        // statement held locked when this round's claim passed it by (SKIP LOCKED). Done only when none is.
        const due = await this.db().query(`SELECT 1 FROM kernel_job WHERE name = ANY($1::text[]) AND status = 'queued' AND run_at <= now() LIMIT 1`, [[...this.definitions.keys()]])
        if (due.length === 0) return
        await new Promise(resolve => setTimeout(resolve, 10))
      }
    }
  }

  /** Stops claiming; running jobs finish (bounded by their own time limits). */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.polling?.catch(() => undefined)
    await Promise.allSettled([...this.inFlight])
  }

  async list(siteId: string | null, status: string | undefined, limit: number): Promise<JobRecord[]> {
    const rows = await this.db().query(
      `SELECT * FROM kernel_job WHERE ($1::uuid IS NULL OR site_id = $1) AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [siteId, status ?? null, limit],
    )
    return rows.map(toRecord)
  }

  /**
   * Jobs newest first, one page at a time: every job (siteId null, the root's administrators) or one site's,
   * optionally of one status. Each shape of the query has its own index (see KernelSiteOverrides migration).
   */
  async page(siteId: string | null, options: { status?: JobRecord['status']; limit: number; cursor?: string }): Promise<Page<JobSummary>> {
    const cursor = decodeCursor(options.cursor)
    const params: unknown[] = []
    const clauses: string[] = []
    if (siteId) {
      params.push(siteId)
      clauses.push(`j.site_id = $${params.length}`)
    }
    if (options.status) {
      params.push(options.status)
      clauses.push(`j.status = $${params.length}`)
    }
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      clauses.push(`(j.created_at, j.id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
    }
    params.push(options.limit + 1)
    const rows = await this.db().query(
      `SELECT j.*, ${cursorColumn('j')} AS cursor_us FROM kernel_job j ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}
        ORDER BY j.created_at DESC, j.id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, options.limit, toSummary)
  }

  async retry(id: string, siteId: string | null): Promise<boolean> {
    const [, count] = (await this.db().query(
      `UPDATE kernel_job SET status = 'queued', attempts = 0, run_at = now(), last_error = NULL, finished_at = NULL
        WHERE id = $1 AND status = 'failed' AND ($2::uuid IS NULL OR site_id = $2)`,
      [id, siteId],
    )) as any
    return count > 0
  }

  async sweep(): Promise<void> {
    await this.db().query(`DELETE FROM kernel_job WHERE status = 'done' AND finished_at < now() - interval '7 days'`)
  }
}
