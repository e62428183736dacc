// Subsite records: stored in subsites_subsite, built into kernel Sites, cached by host and id.
import { cursorColumn, cursorTime, decodeCursor, HttpProblem, normalizeHost, problems, toPage, type Page, type PluginContext, type ProblemFieldError, type Site } from '@plein/core'
import type { EntityManager } from 'typeorm'
import type { SubsiteInput, SubsiteRecord } from './api.js'

interface Row {
  site_id: string
  host: string
  name: string
  plugins: string[]
  plugin_settings: Record<string, Record<string, unknown>>
  site_settings: Record<string, unknown>
  admins: string[]
  disabled: boolean
  created_at: Date
  updated_at: Date
}

const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/
const MAX_NEGATIVE = 10_000

export const toRecord = (r: Row): SubsiteRecord => {
  const { membership, allowedEmailDomains, theme, ...siteSettings } = r.site_settings as Record<string, any>
  return {
    id: r.site_id,
    name: r.name,
    host: r.host,
    plugins: r.plugins,
    settings: r.plugin_settings,
    membership: membership ?? 'open',
    allowedEmailDomains: allowedEmailDomains ?? [],
    admins: r.admins,
    theme: theme ?? {},
    siteSettings,
    disabled: r.disabled,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

/** Kernel settings of a subsite: its site settings plus the fields the API names on their own. */
const kernelSettingsOf = (input: Pick<SubsiteInput, 'siteSettings' | 'membership' | 'allowedEmailDomains' | 'theme'>) => ({
  ...(input.siteSettings ?? {}),
  ...(input.membership ? { membership: input.membership } : {}),
  ...(input.allowedEmailDomains ? { allowedEmailDomains: input.allowedEmailDomains.map(d => d.toLowerCase()) } : {}),
  ...(input.theme ? { theme: input.theme } : {}),
})

export class SubsiteDirectory {
  private readonly byHost = new Map<string, Site | null>()
  private readonly byId = new Map<string, Site>()

  constructor(private readonly ctx: PluginContext) {}

  private row(where: 'host' | 'site_id', value: string, m?: EntityManager): Promise<Row | undefined> {
    return (m ?? this.ctx.db).query(`SELECT * FROM subsites_subsite WHERE ${where} = $1`, [value]).then((rows: Row[]) => rows[0])
  }

  /** The live site for a host name; undefined for unknown or disabled ones. */
  async resolve(host: string): Promise<Site | undefined> {
    const cached = this.byHost.get(host)
    if (cached !== undefined) return cached ?? undefined
    const row = await this.row('host', host)
    const site = row && !row.disabled ? this.toSite(row) : undefined
    if (this.byHost.size > MAX_NEGATIVE) this.byHost.clear()
    this.byHost.set(host, site ?? null)
    if (site) this.byId.set(site.id, site)
    return site
  }

  async byIdLoad(id: string): Promise<Site | undefined> {
    const cached = this.byId.get(id)
    if (cached) return cached
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined
    const row = await this.row('site_id', id)
    if (!row) return undefined
    const site = this.toSite(row)
    if (site && !row.disabled) {
      this.byId.set(id, site)
      this.byHost.set(row.host, site)
    }
    return site
  }

  /** Drops a changed site from the cache here and in every other process. */
  async changed(id: string, hosts: string[]): Promise<void> {
    this.forget(id, hosts)
    await this.ctx.changes.publish('subsites', { id, hosts })
  }

  /** Drops every cached site (after change notices may have been missed). */
  forgetAll(): void {
    this.byId.clear()
    this.byHost.clear()
  }

  /** Drops cached sites so the next request reads the stored record (after a change). */
  forget(id: string, hosts: string[] = []): void {
    const site = this.byId.get(id)
    this.byId.delete(id)
    for (const h of [...hosts, ...(site?.hosts ?? [])]) this.byHost.delete(h)
  }

  /** A stored record as a Site. Plugins uninstalled since are left out (and logged), never a crash. */
  private toSite(row: Row): Site | undefined {
    const installed = new Set(this.ctx.sites.installed().map(p => p.id))
    const plugins = row.plugins.filter(p => installed.has(p))
    const spec = {
      id: row.site_id,
      key: row.host,
      name: row.name,
      hosts: [row.host],
      plugins,
      pluginSettings: row.plugin_settings,
      settings: row.site_settings,
      admins: row.admins,
    }
    const built = this.ctx.sites.build(spec)
    if (built.site) return built.site
    this.ctx.log.error({ site: row.site_id, problems: built.errors }, 'a stored subsite no longer fits the installed plugins; it answers 404 until fixed')
    return undefined
  }

  /** Checks input (host, plugins and their dependencies, every settings schema): a 400 listing every problem. */
  check(input: SubsiteInput, id = '00000000-0000-4000-8000-000000000000'): Site {
    const errors: ProblemFieldError[] = []
    const host = normalizeHost(input.host)
    if (!HOST.test(host)) errors.push({ in: 'body', location: { pointer: '/host' }, detail: 'is not a host name', code: 'format' })
    if (input.plugins.includes(this.ctx.id)) {
      errors.push({ in: 'body', location: { pointer: '/plugins' }, detail: 'subsites cannot have subsites of their own', code: 'plugin' })
    }
    const built = this.ctx.sites.build({
      id,
      key: host,
      name: input.name,
      hosts: [host],
      plugins: input.plugins,
      pluginSettings: input.settings,
      settings: kernelSettingsOf(input),
      admins: input.admins,
    })
    errors.push(...built.errors.map(e => (e.in === 'body' && 'pointer' in e.location && e.location.pointer.startsWith('/siteSettings') ? remapSiteSetting(e) : e)))
    if (errors.length > 0) {
      throw new HttpProblem({ status: 400, detail: 'The subsite is not valid: ' + errors.map(e => `${'pointer' in e.location ? e.location.pointer : ''} ${e.detail}`).join('; ') + '.', code: 'INVALID_INPUT', errors })
    }
    return built.site!
  }

  private async hostTaken(host: string, except?: string, m?: EntityManager): Promise<boolean> {
    if (this.ctx.rootSite.hosts.includes(host)) return true
    const row = await this.row('host', host, m)
    return row !== undefined && row.site_id !== except
  }

  async create(input: SubsiteInput, createdBy?: string): Promise<SubsiteRecord> {
    this.check(input)
    const host = normalizeHost(input.host)
    const row = await this.ctx.db.transaction(async m => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['subsites'])
      if (await this.hostTaken(host, undefined, m)) throw problems.conflict(`The host name "${host}" is taken.`, { code: 'HOST_TAKEN' })
      const id = await this.ctx.sites.register(`subsite:${host}`, input.name, m)
      const rows: Row[] = await m.query(
        `INSERT INTO subsites_subsite (site_id, host, name, plugins, plugin_settings, site_settings, admins, disabled, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [id, host, input.name, input.plugins, input.settings ?? {}, kernelSettingsOf(input), (input.admins ?? []).map(a => a.toLowerCase()), input.disabled ?? false, createdBy ?? null],
      )
      return rows[0]!
    })
    await this.changed(row.site_id, [host])
    return toRecord(row)
  }

  async update(id: string, changes: Partial<SubsiteInput>): Promise<SubsiteRecord> {
    const before = await this.row('site_id', id)
    if (!before) throw problems.notFound('No such subsite.', { code: 'SUBSITE_NOT_FOUND' })
    const current = toRecord(before)
    const next: SubsiteInput = {
      name: changes.name ?? current.name,
      host: changes.host ?? current.host,
      plugins: changes.plugins ?? current.plugins,
      settings: changes.settings ?? current.settings,
      membership: changes.membership ?? current.membership,
      allowedEmailDomains: changes.allowedEmailDomains ?? current.allowedEmailDomains,
      admins: changes.admins ?? current.admins,
      theme: (changes.theme ?? current.theme) as SubsiteInput['theme'],
      siteSettings: changes.siteSettings ?? current.siteSettings,
      disabled: changes.disabled ?? current.disabled,
    }
    this.check(next, id)
    const host = normalizeHost(next.host)
    const row = await this.ctx.db.transaction(async m => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['subsites'])
      if (await this.hostTaken(host, id, m)) throw problems.conflict(`The host name "${host}" is taken.`, { code: 'HOST_TAKEN' })
      await this.ctx.sites.rename(id, next.name, m)
      const [rows]: [Row[], number] = await m.query(
        `UPDATE subsites_subsite SET host = $2, name = $3, plugins = $4, plugin_settings = $5, site_settings = $6, admins = $7, disabled = $8, updated_at = now()
          WHERE site_id = $1 RETURNING *`,
        [id, host, next.name, next.plugins, next.settings ?? {}, kernelSettingsOf(next), (next.admins ?? []).map(a => a.toLowerCase()), next.disabled ?? false],
      )
      return rows[0]!
    })
    await this.changed(id, [before.host, host])
    return toRecord(row)
  }

  async remove(id: string): Promise<{ host: string }> {
    const before = await this.row('site_id', id)
    if (!before) throw problems.notFound('No such subsite.', { code: 'SUBSITE_NOT_FOUND' })
    const site = this.toSite({ ...before, disabled: false }) ?? this.bare(before)
    await this.ctx.sites.remove(site)
    await this.changed(id, [before.host])
    return { host: before.host }
  }

  /** A site object good enough to delete a record whose plugins no longer fit. */
  private bare(row: Row): Site {
    return this.ctx.sites.build({ id: row.site_id, key: row.host, name: row.name, hosts: [row.host], plugins: [] }).site!
  }

  async page(limit: number, rawCursor?: string): Promise<Page<SubsiteRecord>> {
    const cursor = decodeCursor(rawCursor)
    const params: unknown[] = cursor ? [cursor.micros, cursor.id, limit + 1] : [limit + 1]
    const rows = await this.ctx.db.query(
      `SELECT s.*, s.site_id AS id, ${cursorColumn('s')} AS cursor_us FROM subsites_subsite s
        ${cursor ? `WHERE (s.created_at, s.site_id) < (${cursorTime('$1')}, $2::uuid)` : ''}
        ORDER BY s.created_at DESC, s.site_id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, limit, toRecord)
  }

  async list(limit = 1000): Promise<SubsiteRecord[]> {
    const rows: Row[] = await this.ctx.db.query('SELECT * FROM subsites_subsite ORDER BY created_at DESC, site_id DESC LIMIT $1', [limit])
    return rows.map(toRecord)
  }

  async get(id: string): Promise<SubsiteRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined
    const row = await this.row('site_id', id)
    return row ? toRecord(row) : undefined
  }
}

/** Problems with the fields the API names on their own point at them, not at siteSettings. */
function remapSiteSetting(e: ProblemFieldError): ProblemFieldError {
  if (!('pointer' in e.location)) return e
  const pointer = e.location.pointer.replace(/^\/siteSettings\/(membership|allowedEmailDomains|theme)/, '/$1')
  return { ...e, location: { pointer } }
}
