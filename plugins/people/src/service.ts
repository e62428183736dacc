// The directory's SQL: profiles per site, searched and filtered through their indexes, written in batches.
import { ENTITY_SQL, type Database, type EntityManager, type ItemJson, type PluginContext, type ProblemFieldError, type Site, type Viewer } from '@plein/core'
import { groupsServiceRef } from '@plein/plugin-groups/api'
import type { FieldValue, PersonJson } from './api.js'
import { decodeKey, encodeKey } from '@plein/core'
import { isTextKey } from './cursor.js'
import { facet, facetsOf, profileFromBody, searchFingerprint, searchQuery, searchTexts, vectorFromTexts, vectorSql, viewerLevel, visibleData, type Fields, type ProfileData } from './fields.js'
import type { PeopleSettings } from './settings.js'

export interface ProfileRow {
  accountId: string
  name: string
  email: string
  data: ProfileData
  createdAt: Date
  updatedAt: Date
}

export interface ListFilter {
  q?: string
  /** Exact (case-insensitive) values of fields, e.g. { department: 'ICT' }. */
  facets?: Record<string, string>
  limit: number
  cursor?: string
}

type Runner = Pick<Database, 'query'> | EntityManager

/** A profile page's data: the person, their groups (when the site has groups) and latest content. */
export type ProfileJson = PersonJson & { groups?: Array<{ id: string; name: string; url: string }>; recent: ItemJson[] }

/** One checked row of an import. */
export interface ImportedRow {
  email: string
  name: string
  values: ReadonlyArray<readonly [string, FieldValue | undefined]>
}

export interface ImportResult {
  rows: number
  accountsCreated: number
  profilesCreated: number
  profilesUpdated: number
}

/** Rows per INSERT in a batch write: big enough to be fast, small enough to keep parameters modest. */
const BATCH = 2000

const toRow = (r: any): ProfileRow => ({
  accountId: r.account_id,
  name: r.name,
  email: r.email,
  data: r.data ?? {},
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export class PeopleStore {
  /** Sites whose search vectors are known to match their current field definitions (by fingerprint). */
  private readonly indexed = new Map<string, string>()

  constructor(private readonly ctx: PluginContext) {}

  private get db(): Database {
    return this.ctx.db
  }

  settings(site: Site): PeopleSettings {
    return this.ctx.settings<PeopleSettings>(site)
  }

  fields(site: Site): Fields {
    return this.settings(site).fields
  }

  /**
   * Rebuilds a site's search vectors when the fields they are made of (searchable, visibility) changed in the
   * settings since they were built: one UPDATE for the whole site, once.
   */
  async ensureIndexed(site: Site): Promise<void> {
    const fields = this.fields(site)
    const fingerprint = searchFingerprint(fields)
    if (this.indexed.get(site.id) === fingerprint) return
    await this.db.transaction(async m => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`people-index:${site.id}`])
      const rows = (await m.query('SELECT fields_hash FROM people_site WHERE site_id = $1', [site.id])) as Array<{ fields_hash: string }>
      if (rows[0]?.fields_hash === fingerprint) return
      await m.query(`UPDATE people_profile p SET search = ${vectorSql(fields, 'p.data', 'p.name')} WHERE p.site_id = $1`, [site.id])
      await m.query(
        'INSERT INTO people_site (site_id, fields_hash) VALUES ($1, $2) ON CONFLICT (site_id) DO UPDATE SET fields_hash = EXCLUDED.fields_hash',
        [site.id, fingerprint],
      )
    })
    this.indexed.set(site.id, fingerprint)
  }

  /** A page of profiles by name; `q` matches the name and the searchable fields the viewer may see. */
  async list(viewer: Viewer, site: Site, filter: ListFilter): Promise<{ items: ProfileRow[]; nextCursor: string | null }> {
    await this.ensureIndexed(site)
    const cursor = decodeKey(filter.cursor, isTextKey)
    const params: unknown[] = [site.id]
    const clauses = ['p.site_id = $1']
    const query = filter.q === undefined ? undefined : searchQuery(filter.q, viewerLevel(viewer, site))
    if (query !== undefined) {
      params.push(query)
      clauses.push(`p.search @@ to_tsquery('simple', $${params.length})`)
    }
    const facets = Object.entries(filter.facets ?? {}).map(([name, value]) => facet(name, value))
    if (facets.length > 0) {
      params.push(facets)
      clauses.push(`p.facets @> $${params.length}::text[]`)
    }
    if (cursor) {
      params.push(cursor[0], cursor[1])
      clauses.push(`(lower(p.name), p.account_id) > ($${params.length - 1}, $${params.length}::uuid)`)
    }
    params.push(filter.limit + 1)
    const rows: any[] = await this.db.query(
      `SELECT p.account_id, p.name, a.email, p.data, p.created_at, p.updated_at
         FROM people_profile p JOIN kernel_account a ON a.id = p.account_id
        WHERE ${clauses.join(' AND ')} ORDER BY lower(p.name), p.account_id LIMIT $${params.length}`,
      params,
    )
    const more = rows.length > filter.limit
    const items = (more ? rows.slice(0, filter.limit) : rows).map(toRow)
    const last = items[items.length - 1]
    return { items, nextCursor: more && last ? encodeKey([last.name.toLowerCase(), last.accountId]) : null }
  }

  /** The profiles made last (new colleagues). */
  async newest(site: Site, limit: number): Promise<ProfileRow[]> {
    const rows: any[] = await this.db.query(
      `SELECT p.account_id, p.name, a.email, p.data, p.created_at, p.updated_at
         FROM people_profile p JOIN kernel_account a ON a.id = p.account_id WHERE p.site_id = $1
        ORDER BY p.created_at DESC, p.account_id DESC LIMIT $2`,
      [site.id, limit],
    )
    return rows.map(toRow)
  }

  async get(site: Site, accountId: string, m: Runner = this.db): Promise<ProfileRow | undefined> {
    const rows = (await m.query(
      `SELECT p.account_id, p.name, a.email, p.data, p.created_at, p.updated_at
         FROM people_profile p JOIN kernel_account a ON a.id = p.account_id WHERE p.site_id = $1 AND p.account_id = $2`,
      [site.id, accountId],
    )) as any[]
    return rows[0] ? toRow(rows[0]) : undefined
  }

  /** Writes profiles (insert or replace), in batches; the search vector and facets come along. */
  async saveMany(m: EntityManager, site: Site, profiles: ReadonlyArray<{ accountId: string; name: string; data: ProfileData }>): Promise<void> {
    const fields = this.fields(site)
    for (let i = 0; i < profiles.length; i += BATCH) {
      const batch = profiles.slice(i, i + BATCH)
      const texts = batch.map(p => searchTexts(fields, p.data))
      await m.query(
        `INSERT INTO people_profile AS p (site_id, account_id, data, name, facets, search)
         SELECT $1, t.account_id, t.data::jsonb, t.name, string_to_array(t.facets, E'\\x1f'),
                ${vectorFromTexts('t.name', ['t.a', 't.b', 't.c', 't.d'])}
           FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS t (account_id, data, name, facets, a, b, c, d)
         ON CONFLICT (site_id, account_id) DO UPDATE
           SET data = EXCLUDED.data, name = EXCLUDED.name, facets = EXCLUDED.facets, search = EXCLUDED.search, updated_at = now()`,
        [
          site.id,
          batch.map(p => p.accountId),
          batch.map(p => JSON.stringify(p.data)),
          batch.map(p => p.name),
          // Values never hold control characters (checkValue), so U+001F separates them safely.
          batch.map(p => facetsOf(fields, p.data).join('\u001f')),
          ...[0, 1, 2, 3].map(k => texts.map(t => t[k])),
        ],
      )
    }
  }

  /** Profile data of these accounts on a site (locked for the writing transaction). */
  async dataOf(m: EntityManager, site: Site, accountIds: string[]): Promise<Map<string, ProfileData>> {
    const out = new Map<string, ProfileData>()
    for (let i = 0; i < accountIds.length; i += BATCH * 5) {
      const rows = (await m.query('SELECT account_id, data FROM people_profile WHERE site_id = $1 AND account_id = ANY($2::uuid[]) FOR UPDATE', [
        site.id,
        accountIds.slice(i, i + BATCH * 5),
      ])) as Array<{ account_id: string; data: ProfileData }>
      for (const r of rows) out.set(r.account_id, r.data)
    }
    return out
  }

  async remove(site: Site, accountId: string): Promise<boolean> {
    const [, count] = (await this.db.query('DELETE FROM people_profile WHERE site_id = $1 AND account_id = $2', [site.id, accountId])) as unknown as [
      unknown,
      number,
    ]
    return count > 0
  }

  /** Every profile of a site by name, a batch at a time (for the CSV export). */
  async *all(site: Site, batch = 1000): AsyncGenerator<ProfileRow[]> {
    let after: [string, string] | undefined
    for (;;) {
      const params: unknown[] = [site.id, batch]
      let where = ''
      if (after) {
        params.push(after[0], after[1])
        where = 'AND (lower(p.name), p.account_id) > ($3, $4::uuid)'
      }
      const rows: any[] = await this.db.query(
        `SELECT p.account_id, p.name, a.email, p.data, p.created_at, p.updated_at
           FROM people_profile p JOIN kernel_account a ON a.id = p.account_id
          WHERE p.site_id = $1 ${where} ORDER BY lower(p.name), p.account_id LIMIT $2`,
        params,
      )
      if (rows.length === 0) return
      const items = rows.map(toRow)
      yield items
      const last = items[items.length - 1]!
      after = [last.name.toLowerCase(), last.accountId]
      if (rows.length < batch) return
    }
  }

  /** A person as this viewer may see them. */
  json(site: Site, viewer: Viewer, row: ProfileRow): PersonJson {
    const own = viewer.user?.id === row.accountId
    return {
      ...(this.ctx.users.json({ id: row.accountId, name: row.name, email: row.email }, viewer) as { id: string; name: string; email?: string }),
      fields: visibleData(this.fields(site), row.data, viewerLevel(viewer, site), own),
      url: `/people/${row.accountId}`,
      updatedAt: row.updatedAt,
    }
  }

  /** A profile page: the person, their groups and their latest content, all as this viewer may see them. */
  async profile(viewer: Viewer, site: Site, row: ProfileRow): Promise<ProfileJson> {
    const recentItems = this.settings(site).recentItems
    const kinds = this.ctx.content.enabledKinds(site).filter(k => k !== 'group')
    const recent: ItemJson[] = recentItems > 0 && kinds.length > 0 ? (await this.ctx.content.page(viewer, site, { kinds, ownerId: row.accountId, limit: recentItems })).items : []
    const groups = await this.groupsOf(viewer, site, row.accountId)
    return { ...this.json(site, viewer, row), ...(groups !== undefined ? { groups } : {}), recent }
  }

  /**
   * Writes one profile (replacing it) from field values by name, checked against the site's fields: every
   * problem, or the profile as written (`created` when it is new). The API's PUT and the edit form both use it.
   */
  async writeProfile(
    site: Site,
    account: { id: string; name: string },
    body: Record<string, unknown>,
    asAdmin: boolean,
  ): Promise<{ errors: ProblemFieldError[] } | { row: ProfileRow; created: boolean }> {
    const current = await this.get(site, account.id)
    const { data, errors } = profileFromBody(this.fields(site), body, current?.data ?? {}, asAdmin)
    if (errors.length > 0) return { errors }
    await this.ensureIndexed(site)
    await this.db.transaction(m => this.saveMany(m, site, [{ accountId: account.id, name: account.name, data }]))
    return { row: (await this.get(site, account.id))!, created: !current }
  }

  /**
   * Imports checked CSV rows in one transaction: accounts for new e-mail addresses, each profile gets the
   * row's columns (an undefined value clears the field) and keeps its other fields.
   */
  async importRows(site: Site, rows: ReadonlyArray<ImportedRow>): Promise<ImportResult> {
    await this.ensureIndexed(site)
    const { accounts, result } = await this.ctx.users.ensure(rows, site, async (m, accounts) => {
      const ids = rows.map(r => accounts.get(r.email.toLowerCase())!.id)
      const existing = await this.dataOf(m, site, ids)
      const profiles = rows.map((r, i) => {
        const data: ProfileData = { ...existing.get(ids[i]!) }
        for (const [name, value] of r.values) {
          if (value === undefined) delete data[name]
          else data[name] = value
        }
        return { accountId: ids[i]!, name: accounts.get(r.email.toLowerCase())!.name, data }
      })
      await this.saveMany(m, site, profiles)
      return existing.size
    })
    const updated = result ?? 0
    return {
      rows: rows.length,
      accountsCreated: [...accounts.values()].filter(a => a.created).length,
      profilesCreated: rows.length - updated,
      profilesUpdated: updated,
    }
  }

  /** The groups the person is a full member of that the viewer may see (hidden groups only for their members). */
  async groupsOf(viewer: Viewer, site: Site, accountId: string): Promise<Array<{ id: string; name: string; url: string }> | undefined> {
    const groups = site.isEnabled('groups') ? this.ctx.services.find(groupsServiceRef) : undefined
    if (!groups) return undefined
    const ids = await groups.groupsOf(site, accountId)
    if (ids.length === 0) return []
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params = [...where.params, ids]
    const rows: any[] = await this.db.query(
      `SELECT ${ENTITY_SQL.columns('e')} FROM entity e WHERE e.kind = 'group' AND e.id = ANY($${params.length}::uuid[]) AND ${where.sql}
        ORDER BY lower(e.title), e.id LIMIT 200`,
      params,
    )
    return rows.map(ENTITY_SQL.fromRow).map(e => ({ id: e.id, name: e.title, url: this.ctx.content.urlOf(e) }))
  }
}
