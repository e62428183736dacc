// Fixed-window counters in the database, so a limit holds across every process that shares it.
import type { Database } from '../data/database.js'

export interface Limit {
  max: number
  windowSeconds: number
}

export interface LimitState {
  hits: number
  /** Seconds until the window ends (for Retry-After). */
  retryAfter: number
}

export class RateLimiter {
  constructor(private readonly db: () => Database) {}

  /** The current count without counting this call. */
  async peek(key: string, limit: Limit): Promise<LimitState> {
    const rows = await this.db().query<{ hits: number; retry: number }>(
      `SELECT hits, ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - now())))::int AS retry
         FROM kernel_rate_limit WHERE key = $1 AND window_start > now() - make_interval(secs => $2)`,
      [key, limit.windowSeconds],
    )
    const row = rows[0]
    return row ? { hits: row.hits, retryAfter: Math.max(1, row.retry) } : { hits: 0, retryAfter: 0 }
  }

  /** Counts one hit and returns the new state. */
  async hit(key: string, limit: Limit): Promise<LimitState> {
    const rows = await this.db().query<{ hits: number; retry: number }>(
      `INSERT INTO kernel_rate_limit AS r (key, hits, window_start) VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE r.hits + 1 END,
         window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN now() ELSE r.window_start END
       RETURNING hits, ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - now())))::int AS retry`,
      [key, limit.windowSeconds],
    )
    return { hits: rows[0]!.hits, retryAfter: Math.max(1, rows[0]!.retry) }
  }

  /** Takes back one counted hit (an attempt that turned out not to count, e.g. a successful sign-in). */
  async undo(key: string): Promise<void> {
    await this.db().query('UPDATE kernel_rate_limit SET hits = hits - 1 WHERE key = $1 AND hits > 0', [key])
  }

  async reset(key: string): Promise<void> {
    await this.db().query('DELETE FROM kernel_rate_limit WHERE key = $1', [key])
  }

  /** Drops windows that ended more than a day ago. */
  async sweep(): Promise<void> {
    await this.db().query(`DELETE FROM kernel_rate_limit WHERE window_start < now() - interval '1 day'`)
  }
}
