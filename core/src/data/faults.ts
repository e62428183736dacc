// Which errors mean "the database is not there right now" (answered 503 with Retry-After), as opposed to a bug.

/** Node socket errors of a connection that cannot be made or was cut. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * PostgreSQL SQLSTATEs of an unavailable server: class 08 (connection exception), 57P01 admin shutdown,
 * 57P02 crash shutdown, 57P03 cannot connect now (starting up, recovering), 53300 too many connections,
 * 57014 statement timeout or cancel (an overloaded server), 25006 read-only transaction (a replica promoted
 * mid-request or a primary that went read-only during a failover).
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '25006'])

/** Messages of node-postgres and pg-pool for a lost or impossible connection, which carry no code. */
const MESSAGES = [
  /^timeout exceeded when trying to connect$/i,
  /^Connection terminated/i,
  /Client has encountered a connection error and is not queryable/i,
  /^Client was closed and is not queryable/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
]

/** True when `error` (or an error it wraps) says the database cannot be reached or is going away. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') {
      if (SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true
    }
    const message = (e as { message?: unknown }).message
    if (typeof message === 'string' && MESSAGES.some(m => m.test(message))) return true
    const next = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause
    if (next === e) break
    e = next
  }
  return false
}

/** Seconds a client should wait before trying again while the database is away. */
export const DATABASE_RETRY_AFTER_S = 5
