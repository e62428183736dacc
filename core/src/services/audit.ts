// The audit log: one row per administrative change on a site (who, what, on what, when), paged newest first.
import type { EntityManager } from 'typeorm'
import type { Database } from '../data/database.js'
import { cursorColumn, cursorTime, decodeCursor, toPage, type Page } from '../http/paging.js'
import type { Site } from '../tenancy/site.js'

export interface AuditInput {
  /** The account that acted (undefined: the system, e.g. a boot-time example). */
  actorId?: string | null
  /** `<area>.<what happened>`, e.g. `role.granted`, `plugin.enabled`, `subsite.created`. */
  action: string
  /** What it happened to, in words a person reads (an account id, a plugin id, a host name). */
  target?: string | null
  /** A small JSON object with the facts (never secrets, never passwords or tokens). */
  detail?: Record<string, unknown>
}

export interface AuditEntry {
  id: string
  action: string
  target: string | null
  detail: Record<string, unknown>
  actor: { id: string; name: string } | null
  createdAt: Date
}

export interface AuditLog {
  /** Writes an entry for a site (inside the caller's transaction when `m` is given). */
  record(site: Pick<Site, 'id'>, entry: AuditInput, m?: EntityManager): Promise<void>
  /** A site's entries, newest first. */
  page(site: Pick<Site, 'id'>, options: { limit: number; cursor?: string; action?: string }): Promise<Page<AuditEntry>>
}

const ACTION = /^[a-z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)+$/

export class KernelAuditLog implements AuditLog {
  constructor(private readonly db: () => Database) {}

  async record(site: Pick<Site, 'id'>, entry: AuditInput, m?: EntityManager): Promise<void> {
    if (!ACTION.test(entry.action)) throw new TypeError(`Audit action "${entry.action}" must look like "<area>.<what>"`)
    await (m ?? this.db()).query('INSERT INTO kernel_audit (site_id, actor_id, action, target, detail) VALUES ($1, $2, $3, $4, $5)', [
      site.id,
      entry.actorId ?? null,
      entry.action,
      entry.target ?? null,
      JSON.stringify(entry.detail ?? {}),
    ])
  }

  async page(site: Pick<Site, 'id'>, options: { limit: number; cursor?: string; action?: string }): Promise<Page<AuditEntry>> {
    const cursor = decodeCursor(options.cursor)
    const params: unknown[] = [site.id]
    const clauses = ['l.site_id = $1']
    if (options.action) {
      params.push(options.action)
      clauses.push(`l.action = $${params.length}`)
    }
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      clauses.push(`(l.created_at, l.id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
    }
    params.push(options.limit + 1)
    const rows = await this.db().query(
      `SELECT l.id, l.action, l.target, l.detail, l.created_at, ${cursorColumn('l')} AS cursor_us, a.id AS actor_id, a.name AS actor_name
         FROM kernel_audit l LEFT JOIN kernel_account a ON a.id = l.actor_id
        WHERE ${clauses.join(' AND ')} ORDER BY l.created_at DESC, l.id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, options.limit, (r: any) => ({
      id: r.id,
      action: r.action,
      target: r.target,
      detail: r.detail ?? {},
      actor: r.actor_id ? { id: r.actor_id, name: r.actor_name } : null,
      createdAt: new Date(r.created_at),
    }))
  }
}
