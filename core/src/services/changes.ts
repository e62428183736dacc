// Change notices between the processes that share one database: a cache invalidation made in one process
// reaches every other within a second. PostgreSQL LISTEN/NOTIFY on a server; in-process on the embedded
// database (which one process owns anyway).
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { Logger } from 'pino'

export type ChangeListener = (message: unknown) => void

/**
 * What every listener of every topic gets after this process lost its link to the others (the database went
 * away) and got it back: notices sent meanwhile are lost, so drop everything cached from that topic.
 */
export const RESYNC = Object.freeze({ resync: true as const })

/** True for the RESYNC message. */
export const isResync = (message: unknown): boolean => (message as { resync?: unknown } | null)?.resync === true

export interface ChangeBus {
  /** Tells every process (this one at once, the others through the database). */
  publish(topic: string, message: unknown): Promise<void>
  /** Listens to a topic; returns the function that stops listening. */
  subscribe(topic: string, listener: ChangeListener): () => void
  /**
   * Whether notices from the other processes reach this one now. While false, a cache must not answer from
   * what it holds (notices may be missing); when it is back, every listener gets RESYNC. Absent: always true.
   */
  listening?(): boolean
  close(): Promise<void>
}

const CHANNEL = 'plein_changes'
/** pg_notify payloads are limited to 8000 bytes. */
const MAX_PAYLOAD = 7900

/** This process's listeners by topic (every bus delivers through one). */
export class LocalListeners {
  private readonly topics = new Map<string, Set<ChangeListener>>()
  constructor(private readonly log: Logger) {}

  subscribe(topic: string, listener: ChangeListener): () => void {
    const set = this.topics.get(topic) ?? new Set()
    set.add(listener)
    this.topics.set(topic, set)
    return () => set.delete(listener)
  }

  deliverAll(message: unknown): void {
    for (const topic of this.topics.keys()) this.deliver(topic, message)
  }

  deliver(topic: string, message: unknown): void {
    for (const listener of this.topics.get(topic) ?? []) {
      try {
        listener(message)
      } catch (error) {
        this.log.error({ err: error, topic }, 'a change listener failed')
      }
    }
  }
}

export function createLocalChangeBus(log: Logger): ChangeBus {
  const local = new LocalListeners(log)
  return {
    async publish(topic, message) {
      local.deliver(topic, message)
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    listening: () => true,
    async close() {},
  }
}

/** LISTEN/NOTIFY on a dedicated connection, reconnecting with backoff when the database goes away. */
export function createPostgresChangeBus(url: string, log: Logger, query: (sql: string, params: unknown[]) => Promise<unknown>): ChangeBus {
  const origin = randomUUID()
  const local = new LocalListeners(log)
  let client: pg.Client | undefined
  let closed = false
  let retry: NodeJS.Timeout | undefined
  let delay = 250
  let lost = false

  const connect = async (): Promise<void> => {
    if (closed) return
    // Keep-alive: a connection that silently went away is noticed (and notices are not trusted meanwhile).
    const c = new pg.Client({ connectionString: url, application_name: 'plein-changes', keepAlive: true })
    c.on('error', error => {
      log.warn({ err: error }, 'change notices: connection lost; reconnecting')
      c.end().catch(() => undefined)
      if (client === c) client = undefined
      lost = true
      schedule()
    })
    c.on('notification', n => {
      if (n.channel !== CHANNEL || !n.payload) return
      try {
        const { o, t, m } = JSON.parse(n.payload) as { o: string; t: string; m: unknown }
        if (o !== origin) local.deliver(t, m)
      } catch {
        // not ours
      }
    })
    try {
      await c.connect()
      await c.query(`LISTEN ${CHANNEL}`)
      if (closed) {
        // close() ran while this connection was being made: it never saw it, so end it here.
        await c.end().catch(() => undefined)
        return
      }
      client = c
      delay = 250
      if (lost) {
        lost = false
        log.info('change notices: listening again; caches start afresh')
        local.deliverAll(RESYNC)
      }
    } catch (error) {
      if (closed) {
        c.end().catch(() => undefined)
        return
      }
      log.warn({ err: error }, 'change notices: cannot listen; retrying')
      lost = true
      c.end().catch(() => undefined)
      schedule()
    }
  }
  const schedule = () => {
    if (closed || retry) return
    retry = setTimeout(() => {
      retry = undefined
      void connect()
    }, delay)
    retry.unref()
    delay = Math.min(delay * 2, 5000)
  }
  void connect()

  return {
    async publish(topic, message) {
      local.deliver(topic, message)
      const payload = JSON.stringify({ o: origin, t: topic, m: message })
      if (payload.length > MAX_PAYLOAD) throw new Error(`change notice on "${topic}" is too large (${payload.length} bytes)`)
      await query('SELECT pg_notify($1, $2)', [CHANNEL, payload])
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    listening: () => client !== undefined,
    async close() {
      closed = true
      clearTimeout(retry)
      await client?.end().catch(() => undefined)
      client = undefined
    },
  }
}
