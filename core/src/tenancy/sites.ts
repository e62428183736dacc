// Sites other than the root (subsites): checked against the installed plugins and their settings schemas,
// built into Site objects, registered and removed. The subsites plugin uses this through ctx.sites.
import type { EntityManager } from 'typeorm'
import { siteSchema } from '../config/site-config.js'
import type { Database } from '../data/database.js'
import type { Denial } from '../hooks/kernel-hooks.js'
import type { ProblemFieldError } from '../http/problem.js'
import { problems as http } from '../http/problem.js'
import type { LoadedPlugin } from '../plugins/registry.js'
import { createAjv, escapePointer, fieldProblems } from '../validation/ajv.js'
import { deepFreeze } from '../util/freeze.js'
import { SiteRecord, type Site, type SiteContact } from './site.js'

export interface SiteSpec {
  id: string
  key: string
  name: string
  hosts: string[]
  /** Plugin ids to enable. */
  plugins: string[]
  /** Settings per plugin id (before defaults). */
  pluginSettings?: Record<string, unknown>
  /** Kernel settings (membership, auth, access, …) as in site.json's "settings" (before defaults). */
  settings?: Record<string, unknown>
  admins?: string[]
  publicUrl?: string
  contact?: SiteContact
}

export interface InstalledPlugin {
  id: string
  version: string
  dependencies: Readonly<Record<string, string>>
  optionalDependencies: Readonly<Record<string, string>>
  settingsSchema: unknown
}

const validateKernelSettings = createAjv({ useDefaults: true }).compile(siteSchema.properties.settings)

export class SiteDirectory {
  constructor(
    private readonly plugins: () => readonly LoadedPlugin[],
    private readonly db: () => Database,
    private readonly beforeDelete: (site: Site, m: EntityManager) => Promise<Denial | undefined>,
    /** After a deletion is committed (the kernel drops the site's cached sessions). */
    private readonly afterDelete?: (site: Site) => Promise<void>,
  ) {}

  /** Every plugin this installation has loaded, in boot order: what a subsite may enable. */
  installed(): InstalledPlugin[] {
    return this.plugins().map(p => ({
      id: p.id,
      version: p.version,
      dependencies: p.dependencies,
      optionalDependencies: p.optionalDependencies,
      settingsSchema: p.definition.settings ?? { type: 'object', additionalProperties: false },
    }))
  }

  /**
   * Checks a site's plugins (installed, dependencies enabled too) and settings (each plugin's schema, the
   * kernel's), and builds the Site. Problems come back as ADR field errors under `pointerBase`.
   */
  build(spec: SiteSpec, pointerBase = ''): { site?: Site; errors: ProblemFieldError[] } {
    const errors: ProblemFieldError[] = []
    const loaded = new Map(this.plugins().map(p => [p.id, p]))
    const wanted = new Set(spec.plugins)
    spec.plugins.forEach((id, i) => {
      const plugin = loaded.get(id)
      if (!plugin) {
        errors.push({ in: 'body', location: { pointer: `${pointerBase}/plugins/${i}` }, detail: `"${id}" is not installed on this installation`, code: 'plugin' })
        return
      }
      const missing = Object.keys(plugin.dependencies).filter(d => !wanted.has(d))
      if (missing.length > 0) {
        errors.push({
          in: 'body',
          location: { pointer: `${pointerBase}/plugins/${i}` },
          detail: `"${id}" needs ${missing.map(m => `"${m}"`).join(', ')}: enable ${missing.length === 1 ? 'it' : 'them'} too`,
          code: 'dependency',
        })
      }
    })
    const pluginSettings = new Map<string, Readonly<Record<string, unknown>>>()
    for (const id of Object.keys(spec.pluginSettings ?? {})) {
      if (!wanted.has(id)) {
        errors.push({ in: 'body', location: { pointer: `${pointerBase}/settings/${escapePointer(id)}` }, detail: `plugin "${id}" is not enabled on this site`, code: 'plugin' })
      }
    }
    for (const id of spec.plugins) {
      const plugin = loaded.get(id)
      if (!plugin) continue
      const checked = plugin.validateSettings(spec.pluginSettings?.[id])
      if (checked.ok) pluginSettings.set(id, checked.value)
      else {
        for (const p of checked.problems) {
          errors.push({ in: 'body', location: { pointer: `${pointerBase}/settings/${escapePointer(id)}${p.pointer}` }, detail: p.detail, code: p.code })
        }
      }
    }
    const kernelSettings = structuredClone(spec.settings ?? {})
    if (!validateKernelSettings(kernelSettings)) {
      for (const p of fieldProblems(validateKernelSettings.errors)) {
        errors.push({ in: 'body', location: { pointer: `${pointerBase}/siteSettings${p.pointer}` }, detail: p.detail, code: p.code })
      }
    }
    if (errors.length > 0) return { errors }
    const order = this.plugins().map(p => p.id)
    return {
      errors,
      site: new SiteRecord({
        id: spec.id,
        key: spec.key,
        name: spec.name,
        hosts: spec.hosts,
        isRoot: false,
        plugins: order.filter(id => wanted.has(id)),
        pluginSettings,
        publicUrl: spec.publicUrl,
        contact: spec.contact,
        admins: spec.admins,
        settings: deepFreeze(kernelSettings as Record<string, unknown>),
      }),
    }
  }

  /** A new row in kernel_site (inside the caller's transaction when given); returns the site's id. */
  async register(key: string, name: string, m?: EntityManager): Promise<string> {
    const runner = m ?? this.db()
    const taken = await runner.query('SELECT 1 FROM kernel_site WHERE key = $1', [key])
    if (taken.length > 0) throw http.conflict(`A site with key "${key}" exists already.`, { code: 'SITE_KEY_TAKEN' })
    const rows = await runner.query('INSERT INTO kernel_site (key, name) VALUES ($1, $2) RETURNING id', [key, name])
    return rows[0].id
  }

  async rename(siteId: string, name: string, m?: EntityManager): Promise<void> {
    await (m ?? this.db()).query('UPDATE kernel_site SET name = $2 WHERE id = $1', [siteId, name])
  }

  /**
   * Removes a site and everything on it in one transaction: plugins delete their per-site rows in
   * `kernel.beforeSiteDelete` (and may veto), then the kernel deletes content, roles, sessions and jobs.
   */
  async remove(site: Site, extra?: (m: EntityManager) => Promise<void>): Promise<void> {
    if (site.isRoot) throw http.conflict('The root site cannot be deleted.', { code: 'ROOT_SITE' })
    await this.db().transaction(async m => {
      const veto = await this.beforeDelete(site, m)
      if (veto) throw http.conflict(veto.reason, { code: 'SITE_DELETE_REFUSED' })
      if (extra) await extra(m)
      await m.query('DELETE FROM entity WHERE site_id = $1', [site.id])
      await m.query('DELETE FROM kernel_site_member WHERE site_id = $1', [site.id])
      await m.query('DELETE FROM kernel_session WHERE site_id = $1', [site.id])
      // Its background jobs too: queued ones could only fail, and their payloads may hold its content.
      await m.query('DELETE FROM kernel_job WHERE site_id = $1', [site.id])
      await m.query('DELETE FROM kernel_site WHERE id = $1', [site.id])
    })
    await this.afterDelete?.(site)
  }
}
