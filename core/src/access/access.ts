// The access model (ARCHITECTURE §4) in one place: viewer tokens, the readable predicate, grants.
// Plugins never write visibility SQL of their own; they use these helpers, so every list, search and
// direct fetch agrees.
import { kernelSettings } from '../config/kernel-settings.js'
import type { Database } from '../data/database.js'
import type { EntityRecord } from '../hooks/kernel-hooks.js'
import { cursorColumn, cursorTime, decodeCursor, toPage, type Page } from '../http/paging.js'
import { problems } from '../http/problem.js'
import type { Site } from '../tenancy/site.js'
import { systemClock, type Clock } from '../services/clock.js'
import { LOGGED_IN_TOKEN, PUBLIC_TOKEN, siteToken, userToken, type Viewer } from './viewer.js'

export interface AccessLists {
  read: string[]
  write: string[]
}

export interface EntityRow {
  id: string
  site_id: string
  kind: string
  owner_id: string | null
  container_id: string | null
  title: string
  read_access: string[]
  write_access: string[]
  published_at: Date | null
  created_at: Date
  updated_at: Date
  cursor_us: string
}

export const ENTITY_COLUMNS = (alias: string) =>
  `${alias}.id, ${alias}.site_id, ${alias}.kind, ${alias}.owner_id, ${alias}.container_id, ${alias}.title,
   ${alias}.read_access, ${alias}.write_access, ${alias}.published_at, ${alias}.created_at, ${alias}.updated_at, ${cursorColumn(alias)} AS cursor_us`

export const entityFromRow = (r: EntityRow): EntityRecord => ({
  id: r.id,
  siteId: r.site_id,
  kind: r.kind,
  ownerId: r.owner_id,
  containerId: r.container_id,
  title: r.title,
  readAccess: r.read_access,
  writeAccess: r.write_access,
  publishedAt: r.published_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const TOKEN = /^(public|logged_in|(user|group|site):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/

/** JSON Schema of `access` in request bodies. */
export const accessSchema = {
  type: 'object',
  properties: {
    read: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: TOKEN.source } },
    write: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: TOKEN.source } },
  },
  additionalProperties: false,
} as const

export interface ListOptions {
  kinds?: readonly string[]
  containerId?: string | null
  ownerId?: string
  limit: number
  cursor?: string
}

export class AccessService {
  constructor(private readonly db: () => Database, private readonly clock: Clock = systemClock) {}

  /**
   * The WHERE clause that limits `alias` (an entity row) to what the viewer may read on the site.
   * Parameters are numbered from `first`; append the returned params after your own.
   */
  readableWhere(viewer: Viewer, site: Site, alias: string, first: number): { sql: string; params: unknown[] } {
    if (viewer.isAdmin) return { sql: `${alias}.site_id = $${first}`, params: [site.id] }
    const t = `$${first + 1}::text[]`
    // Drafts and scheduled items only for their writers; "now" is the kernel's clock.
    return {
      sql: `${alias}.site_id = $${first} AND ${alias}.readers && ${t} AND (${alias}.published_at <= $${first + 2}::timestamptz OR ${alias}.write_access && ${t})`,
      params: [site.id, [...viewer.tokens], this.clock.now()],
    }
  }

  canRead(viewer: Viewer, entity: Pick<EntityRecord, 'siteId' | 'readAccess' | 'writeAccess' | 'publishedAt'>, site: Site): boolean {
    if (entity.siteId !== site.id) return false
    if (viewer.isAdmin) return true
    const writer = entity.writeAccess.some(t => viewer.tokens.has(t))
    if (writer) return true
    const published = entity.publishedAt !== null && entity.publishedAt.getTime() <= this.clock.now().getTime()
    return published && entity.readAccess.some(t => viewer.tokens.has(t))
  }

  canWrite(viewer: Viewer, entity: Pick<EntityRecord, 'siteId' | 'writeAccess' | 'ownerId'>, site: Site): boolean {
    if (entity.siteId !== site.id || viewer.user === null) return false
    if (viewer.isAdmin) return true
    if (entity.ownerId !== null && entity.ownerId === viewer.user.id) return true
    return entity.writeAccess.some(t => t !== PUBLIC_TOKEN && viewer.tokens.has(t))
  }

  /** 404 when the viewer may not even read it (never reveal it exists), 403 when they may read but not write. */
  assertWritable(viewer: Viewer, entity: EntityRecord, site: Site): void {
    if (!this.canRead(viewer, entity, site)) throw problems.notFound('Not found.', { code: 'NOT_FOUND' })
    if (viewer.user === null) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!this.canWrite(viewer, entity, site)) throw problems.forbidden('You may read this, but not change it.', { code: 'NOT_ALLOWED' })
  }

  /** One item the viewer may read, or a 404 (whether it does not exist, is on another site, or is hidden). */
  async get(viewer: Viewer, site: Site, id: string, kind?: string): Promise<EntityRecord> {
    const found = await this.find(site, id)
    if (!found || (kind !== undefined && found.kind !== kind) || !this.canRead(viewer, found, site)) {
      throw problems.notFound('Not found.', { code: 'NOT_FOUND' })
    }
    return found
  }

  /** An item on this site regardless of access (for the kernel and plugins deciding access themselves). */
  async find(site: Site, id: string): Promise<EntityRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined
    const rows: EntityRow[] = await this.db().query(`SELECT ${ENTITY_COLUMNS('e')} FROM entity e WHERE e.id = $1 AND e.site_id = $2`, [id, site.id])
    return rows[0] ? entityFromRow(rows[0]) : undefined
  }

  /** A newest-first page of what the viewer may read on the site, in one query. */
  async list(viewer: Viewer, site: Site, options: ListOptions): Promise<Page<EntityRecord>> {
    const cursor = decodeCursor(options.cursor)
    const where = this.readableWhere(viewer, site, 'e', 1)
    const params: unknown[] = [...where.params]
    const clauses = [where.sql]
    if (options.kinds && options.kinds.length > 0) {
      params.push([...options.kinds])
      clauses.push(`e.kind = ANY($${params.length}::text[])`)
    }
    if (options.containerId !== undefined) {
      if (options.containerId === null) clauses.push('e.container_id IS NULL')
      else {
        params.push(options.containerId)
        clauses.push(`e.container_id = $${params.length}`)
      }
    }
    if (options.ownerId !== undefined) {
      params.push(options.ownerId)
      clauses.push(`e.owner_id = $${params.length}`)
    }
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      clauses.push(`(e.created_at, e.id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
    }
    params.push(options.limit + 1)
    const rows: EntityRow[] = await this.db().query(
      `SELECT ${ENTITY_COLUMNS('e')} FROM entity e WHERE ${clauses.join(' AND ')}
        ORDER BY e.created_at DESC, e.id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, options.limit, entityFromRow)
  }

  /**
   * Checks the tokens a viewer wants to grant: `public` and `logged_in` unless the site forbids them,
   * `user:<id>` of any account, and only those `group:` and `site:` tokens the viewer holds. 403 otherwise.
   */
  checkGrant(viewer: Viewer, site: Site, access: Partial<AccessLists>): void {
    const settings = kernelSettings(site).access
    for (const token of [...(access.read ?? []), ...(access.write ?? [])]) {
      if (token === PUBLIC_TOKEN) {
        if (!settings.allowPublic) throw problems.forbidden('This site does not allow public content.', { code: 'ACCESS_PUBLIC_FORBIDDEN' })
      } else if (token === LOGGED_IN_TOKEN) {
        if (!settings.allowLoggedIn) {
          throw problems.forbidden('This site does not allow content for every signed-in account.', { code: 'ACCESS_LOGGED_IN_FORBIDDEN' })
        }
      } else if (token.startsWith('user:')) {
        continue
      } else if (!viewer.tokens.has(token) && !viewer.isAdmin) {
        throw problems.forbidden(`You cannot grant "${token}": you can only share with groups and sites you belong to.`, {
          code: 'ACCESS_TOKEN_NOT_HELD',
        })
      }
    }
    if ((access.write ?? []).includes(PUBLIC_TOKEN)) {
      throw problems.forbidden('Anonymous visitors cannot be given write access.', { code: 'ACCESS_PUBLIC_WRITE' })
    }
  }

  /**
   * The access lists of a new item: what the author asked for (checked), else the container's default
   * (e.g. `group:<id>`), else the site's default. The owner is always a writer.
   */
  resolve(viewer: Viewer, site: Site, requested: Partial<AccessLists> | undefined, containerDefault?: AccessLists): AccessLists {
    if (viewer.user === null) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (requested) this.checkGrant(viewer, site, requested)
    const fallback =
      containerDefault ?? {
        read: kernelSettings(site).access.defaultRead.map(t => (t === 'site' ? siteToken(site.id) : t)),
        write: [],
      }
    const read = requested?.read ?? fallback.read
    const write = requested?.write ?? fallback.write
    const owner = userToken(viewer.user.id)
    return { read: [...new Set(read)], write: [...new Set([owner, ...write])] }
  }
}

/** For plugins that join the entity table with their own: the columns to select and the row mapper. */
export const ENTITY_SQL = Object.freeze({ columns: ENTITY_COLUMNS, fromRow: entityFromRow })
