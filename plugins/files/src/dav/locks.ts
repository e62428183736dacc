// WebDAV write locks, kept in the database so that every process of an installation agrees. Every query
// compares with the database clock: a lock past its timeout is gone (no stale 423s), whatever a client does.
import { randomUUID } from 'node:crypto'
import type { PluginContext, Site } from '@plein/core'

export interface LockRow {
  token: string
  site_id: string
  entity_id: string
  account_id: string
  exclusive: boolean
  infinite: boolean
  owner: string
  root_href: string
  timeout_seconds: number
  expires_at: Date
  /** Seconds left (computed). */
  remaining: number
}

/** The longest lock: clients refresh; a forgotten lock ends within the hour. */
export const MAX_LOCK_SECONDS = 3600
export const DEFAULT_LOCK_SECONDS = 1800

type Runner = { query: (sql: string, params?: unknown[]) => Promise<any> }

const COLUMNS = `l.token, l.site_id, l.entity_id, l.account_id, l.exclusive, l.infinite, l.owner, l.root_href, l.timeout_seconds, l.expires_at,
  greatest(0, ceil(extract(epoch FROM l.expires_at - now())))::int AS remaining`

/** Parses a Timeout header ("Second-600, Infinite"): the first usable value, capped. */
export function lockTimeout(header: string): number {
  for (const part of header.split(',').map(p => p.trim().toLowerCase())) {
    if (part === 'infinite') return MAX_LOCK_SECONDS
    const m = /^second-(\d{1,12})$/.exec(part)
    if (m) return Math.max(1, Math.min(MAX_LOCK_SECONDS, Number(m[1])))
  }
  return DEFAULT_LOCK_SECONDS
}

export class DavLocks {
  constructor(private readonly ctx: PluginContext) {}

  /** Whether the site has any live lock at all (most requests stop here). */
  async any(site: Site): Promise<boolean> {
    const rows = await this.ctx.db.query('SELECT 1 FROM files_dav_lock WHERE site_id = $1 AND expires_at > now() LIMIT 1', [site.id])
    return rows.length > 0
  }

  /** Locks that cover a node: its own, and depth-infinity locks of the folders above it. */
  async covering(nodeId: string, m: Runner = this.ctx.db): Promise<LockRow[]> {
    return m.query(
      `WITH RECURSIVE up(id, d) AS (
         SELECT $1::uuid, 0
         UNION ALL SELECT n.parent_id, up.d + 1 FROM files_node n JOIN up ON n.entity_id = up.id WHERE n.parent_id IS NOT NULL AND up.d < 1000
       ) SELECT ${COLUMNS} FROM files_dav_lock l JOIN up ON l.entity_id = up.id
          WHERE l.expires_at > now() AND (up.d = 0 OR l.infinite) ORDER BY l.created_at`,
      [nodeId],
    )
  }

  /** Locks on the nodes directly given (e.g. the children of a listed folder). */
  async on(nodeIds: string[]): Promise<LockRow[]> {
    if (nodeIds.length === 0) return []
    return this.ctx.db.query(`SELECT ${COLUMNS} FROM files_dav_lock l WHERE l.entity_id = ANY($1::uuid[]) AND l.expires_at > now() ORDER BY l.created_at`, [nodeIds])
  }

  /** Locks anywhere below a folder (not on the folder itself). */
  async inside(nodeId: string, m: Runner = this.ctx.db): Promise<LockRow[]> {
    return m.query(
      `WITH RECURSIVE sub AS (
         SELECT entity_id FROM files_node WHERE parent_id = $1
         UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id
       ) SELECT ${COLUMNS} FROM files_dav_lock l WHERE l.entity_id IN (SELECT entity_id FROM sub) AND l.expires_at > now()`,
      [nodeId],
    )
  }

  /**
   * Takes a lock unless a conflicting one exists, in one transaction serialized per site (several processes,
   * one answer). Returns the new lock, or the conflicting lock.
   */
  async create(
    site: Site,
    input: { nodeId: string; accountId: string; exclusive: boolean; infinite: boolean; owner: string; rootHref: string; seconds: number },
  ): Promise<{ lock?: LockRow; conflict?: LockRow }> {
    return this.ctx.db.transaction(async m => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`files-dav-lock:${site.id}`])
      await m.query('DELETE FROM files_dav_lock WHERE expires_at < now() - interval \'1 minute\'')
      const existing = [...(await this.covering(input.nodeId, m)), ...(input.infinite ? await this.inside(input.nodeId, m) : [])]
      const conflict = existing.find(l => input.exclusive || l.exclusive)
      if (conflict) return { conflict }
      const token = `opaquelocktoken:${randomUUID()}`
      await m.query(
        `INSERT INTO files_dav_lock (token, site_id, entity_id, account_id, exclusive, infinite, owner, root_href, timeout_seconds, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::int, now() + make_interval(secs => $9::int))`,
        [token, site.id, input.nodeId, input.accountId, input.exclusive, input.infinite, input.owner, input.rootHref, input.seconds],
      )
      const rows: LockRow[] = await m.query(`SELECT ${COLUMNS} FROM files_dav_lock l WHERE l.token = $1`, [token])
      return { lock: rows[0] }
    })
  }

  async refresh(token: string, seconds: number): Promise<LockRow | undefined> {
    await this.ctx.db.query('UPDATE files_dav_lock SET timeout_seconds = $2::int, expires_at = now() + make_interval(secs => $2::int) WHERE token = $1 AND expires_at > now()', [token, seconds])
    const rows: LockRow[] = await this.ctx.db.query(`SELECT ${COLUMNS} FROM files_dav_lock l WHERE l.token = $1 AND l.expires_at > now()`, [token])
    return rows[0]
  }

  async remove(token: string): Promise<void> {
    await this.ctx.db.query('DELETE FROM files_dav_lock WHERE token = $1', [token])
  }

  /** Drops the locks on a node and everything below it (it moved away or went to the trash). */
  async removeTree(nodeId: string): Promise<void> {
    await this.ctx.db.query(
      `WITH RECURSIVE sub AS (
         SELECT $1::uuid AS entity_id
         UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id
       ) DELETE FROM files_dav_lock WHERE entity_id IN (SELECT entity_id FROM sub)`,
      [nodeId],
    )
  }

  /** Breaks every lock on a node (administrators); answers how many there were. */
  async breakAll(nodeId: string): Promise<number> {
    const [, count] = await this.ctx.db.query('DELETE FROM files_dav_lock WHERE entity_id = $1 AND expires_at > now()', [nodeId])
    return Number(count ?? 0)
  }

  async purgeExpired(): Promise<number> {
    const [, count] = await this.ctx.db.query("DELETE FROM files_dav_lock WHERE expires_at < now() - interval '1 minute'")
    return Number(count ?? 0)
  }
}
