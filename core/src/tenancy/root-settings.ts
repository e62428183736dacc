// The root site's run-time overrides: kernel settings (theme included), plugin settings and plugins on/off,
// stored in kernel_site.overrides and merged over site.json (which stays the defaults, and the list of what is
// installed). Checked with the same schemas as site.json, in effect at once in this process and, through the
// change-notice bus, in every other process on the database; every change is in the audit log.
import type { Logger } from 'pino'
import { siteSchema, type SiteConfig } from '../config/site-config.js'
import type { Database } from '../data/database.js'
import { HttpProblem, type ProblemFieldError } from '../http/problem.js'
import type { LoadedPlugin } from '../plugins/registry.js'
import type { AuditLog } from '../services/audit.js'
import { isResync, type ChangeBus } from '../services/changes.js'
import { deepFreeze } from '../util/freeze.js'
import { createAjv, escapePointer, fieldProblems } from '../validation/ajv.js'
import { SiteRecord, type Site } from './site.js'

/** What the root's administrators changed, each part a difference from site.json. */
export interface SiteOverrides {
  /** Kernel settings (membership, auth, theme, …): a JSON merge patch (RFC 7396) over site.json "settings". */
  siteSettings?: Record<string, unknown>
  /** Per plugin id: a JSON merge patch over that plugin's settings in site.json. */
  settings?: Record<string, Record<string, unknown>>
  /** Plugins switched on (true) or off (false) on the root site where that differs from site.json. */
  plugins?: Record<string, boolean>
}

/** The root site's settings as the admin pages and the JSON API show them. */
export interface RootSettingsView {
  /** False on a subsite: its settings are changed by the root's administrators (subsites API). */
  editable: boolean
  /** Enabled plugin ids, in boot order. */
  plugins: string[]
  /** Effective kernel settings (site.json, then the overrides, then the schema's defaults). */
  siteSettings: Record<string, unknown>
  /** Effective settings of every installed plugin. */
  settings: Record<string, Record<string, unknown>>
  /** What differs from site.json (empty when nothing was changed at run time). */
  overrides: SiteOverrides
  updatedAt: Date | null
}

/** A problem with an override, by JSON Pointer into the overrides (`/siteSettings/…`, `/settings/<id>/…`, `/plugins/<id>`). */
export interface OverrideProblem {
  pointer: string
  detail: string
  code: string
}

export const CHANGE_TOPIC = 'kernel.site'

/** The kernel settings schema of site.json, for forms and checks. */
export const kernelSettingsSchema: Record<string, unknown> = siteSchema.properties.settings
const validateKernel = createAjv({ useDefaults: true }).compile(kernelSettingsSchema)

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** RFC 7396: `patch` applied to `target` (neither is changed; null removes a member). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch)
  const out: Record<string, unknown> = isObject(target) ? structuredClone(target) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

const equal = (a: unknown, b: unknown): boolean => {
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every(k => Object.hasOwn(b, k) && equal(a[k], b[k]))
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]))
  return a === b
}

/** The smallest merge patch that turns `base` into `target`; undefined when they are equal. */
export function diffPatch(base: unknown, target: unknown): unknown {
  if (isObject(base) && isObject(target)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(target)) {
      const d = diffPatch(base[k], v)
      if (d !== undefined) out[k] = d
    }
    for (const k of Object.keys(base)) if (!Object.hasOwn(target, k)) out[k] = null
    return Object.keys(out).length > 0 ? out : undefined
  }
  return equal(base, target) ? undefined : structuredClone(target)
}

/** Top-level keys whose values differ (for the audit log: names only, never values). */
const changedKeys = (a: Record<string, unknown>, b: Record<string, unknown>) => [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(k => !equal(a[k], b[k])).sort()

interface Built {
  site: Site
  overrides: SiteOverrides
  problems: OverrideProblem[]
}

export interface RootSettingsDeps {
  config: SiteConfig
  /** The installed plugins that run (boot order). */
  plugins: () => readonly LoadedPlugin[]
  db: () => Database
  audit: AuditLog
  changes: () => ChangeBus
  log: Logger
  /** Puts a new root site in effect in this process. */
  apply: (site: Site) => void
}

export class RootSiteSettings {
  private id?: string
  private overrides: SiteOverrides = {}
  private updatedAt: Date | null = null
  /** Reloads started; only the newest may put its answer in effect. */
  private generation = 0
  private unsubscribe?: () => void

  constructor(private readonly deps: RootSettingsDeps) {}

  /** site.json's kernel settings with the schema's defaults. */
  private baseKernel(): Record<string, unknown> {
    const value = structuredClone(this.deps.config.settings ?? {})
    validateKernel(value)
    return value
  }

  /**
   * The root site with these overrides. `strict`: every problem is reported (a change is refused);
   * otherwise (a stored record that no longer fits the installed plugins) the part at fault is left out and logged.
   */
  build(id: string, overrides: SiteOverrides, strict: boolean): Built {
    const problems: OverrideProblem[] = []
    const plugins = this.deps.plugins()
    const byId = new Map(plugins.map(p => [p.id, p]))
    const normal: SiteOverrides = {}

    // Kernel settings.
    const base = this.baseKernel()
    let kernel = base
    if (overrides.siteSettings && Object.keys(overrides.siteSettings).length > 0) {
      const merged = mergePatch(base, overrides.siteSettings)
      if (validateKernel(merged)) {
        kernel = merged as Record<string, unknown>
        const d = diffPatch(base, kernel)
        if (d !== undefined) normal.siteSettings = d as Record<string, unknown>
      } else {
        problems.push(...fieldProblems(validateKernel.errors).map(p => ({ pointer: `/siteSettings${p.pointer}`, detail: p.detail, code: p.code })))
      }
    }

    // Plugins on or off.
    const on = new Set(plugins.filter(p => p.rootEnabled).map(p => p.id))
    const wanted = new Set(on)
    const switched: Record<string, boolean> = {}
    for (const [pid, value] of Object.entries(overrides.plugins ?? {})) {
      if (!byId.has(pid)) {
        problems.push({ pointer: `/plugins/${escapePointer(pid)}`, detail: `"${pid}" is not installed on this installation`, code: 'plugin' })
        continue
      }
      if (value) wanted.add(pid)
      else wanted.delete(pid)
      if (value !== on.has(pid)) switched[pid] = value
    }
    const depProblems: OverrideProblem[] = []
    for (const pid of wanted) {
      const missing = Object.keys(byId.get(pid)?.dependencies ?? {}).filter(d => !wanted.has(d))
      // Only what the overrides changed is at fault: site.json's own choices were checked at boot.
      if (missing.length > 0 && (pid in switched || missing.some(m => m in switched))) {
        depProblems.push({
          pointer: `/plugins/${escapePointer(pid)}`,
          detail: `"${pid}" needs ${missing.map(m => `"${m}"`).join(', ')}: enable ${missing.length === 1 ? 'it' : 'them'} too`,
          code: 'dependency',
        })
      }
    }
    problems.push(...depProblems)
    const enabled = depProblems.length === 0 ? wanted : on
    if (depProblems.length === 0 && Object.keys(switched).length > 0) normal.plugins = switched

    // Plugin settings.
    const pluginSettings = new Map<string, Readonly<Record<string, unknown>>>(plugins.map(p => [p.id, p.settings]))
    for (const [pid, patch] of Object.entries(overrides.settings ?? {})) {
      const plugin = byId.get(pid)
      if (!plugin) {
        problems.push({ pointer: `/settings/${escapePointer(pid)}`, detail: `"${pid}" is not installed on this installation`, code: 'plugin' })
        continue
      }
      if (!isObject(patch) || Object.keys(patch).length === 0) continue
      const checked = plugin.validateSettings(mergePatch(plugin.settings, patch))
      if (checked.ok) {
        pluginSettings.set(pid, checked.value)
        const d = diffPatch(plugin.settings, checked.value)
        if (d !== undefined) (normal.settings ??= {})[pid] = d as Record<string, unknown>
      } else {
        problems.push(...checked.problems.map(p => ({ pointer: `/settings/${escapePointer(pid)}${p.pointer}`, detail: p.detail, code: p.code })))
      }
    }

    if (problems.length > 0 && !strict) this.deps.log.error({ problems }, 'stored settings of the root site no longer fit; the parts at fault are left out until an administrator saves them again')
    const { config } = this.deps
    const site = new SiteRecord({
      id,
      key: 'root',
      name: config.name,
      hosts: config.hosts,
      isRoot: true,
      plugins: plugins.map(p => p.id).filter(p => enabled.has(p)),
      pluginSettings,
      publicUrl: config.publicUrl,
      contact: config.contact,
      admins: config.admins,
      settings: deepFreeze(kernel),
    })
    return { site, overrides: normal, problems }
  }

  /** Reads the stored overrides and returns the root site (at boot, and when another process changed them). */
  async load(id: string): Promise<Site> {
    const rows = await this.deps.db().query<{ overrides: SiteOverrides | null; overrides_at: Date | null }>('SELECT overrides, overrides_at FROM kernel_site WHERE id = $1', [id])
    this.id = id
    this.overrides = rows[0]?.overrides ?? {}
    this.updatedAt = rows[0]?.overrides_at ?? null
    return this.build(id, this.overrides, false).site
  }

  /** The root site as it is now, with the overrides last read (after boot-time changes to the plugin list). */
  current(id: string): Site {
    return this.build(id, this.overrides, false).site
  }

  /** Other processes changed the overrides: read them again (notices missed while away: read them too). */
  listen(): void {
    this.unsubscribe?.()
    this.unsubscribe = this.deps.changes().subscribe(CHANGE_TOPIC, message => {
      if (!this.id || (!isResync(message) && (message as { id?: string } | null)?.id !== this.id)) return
      const mine = ++this.generation
      this.load(this.id)
        .then(site => {
          if (mine === this.generation) this.deps.apply(site)
        })
        .catch(error => this.deps.log.error({ err: error }, 'reading the root site settings again failed'))
    })
  }

  stop(): void {
    this.unsubscribe?.()
  }

  /** The settings of a site as an administrator sees them (root: with what was changed at run time). */
  view(site: Site): RootSettingsView {
    const plugins = this.deps.plugins()
    return {
      editable: site.isRoot,
      plugins: [...site.plugins],
      siteSettings: site.settings as Record<string, unknown>,
      settings: Object.fromEntries(plugins.filter(p => site.isRoot || site.isEnabled(p.id)).map(p => [p.id, site.settingsOf(p.id) as Record<string, unknown>])),
      overrides: site.isRoot ? this.overrides : {},
      updatedAt: site.isRoot ? this.updatedAt : null,
    }
  }

  /** site.json's values: what a reset goes back to. */
  defaults(): { plugins: string[]; siteSettings: Record<string, unknown>; settings: Record<string, Readonly<Record<string, unknown>>> } {
    const plugins = this.deps.plugins()
    return { plugins: plugins.filter(p => p.rootEnabled).map(p => p.id), siteSettings: this.baseKernel(), settings: Object.fromEntries(plugins.map(p => [p.id, p.settings])) }
  }

  /**
   * Changes the overrides: `change` gets the stored ones and returns the new ones. Checked (a 400 listing every
   * problem, by pointer into the overrides), stored, in effect here at once, announced to the other processes,
   * and written to the audit log. Concurrent changes are serialised on the site's row.
   */
  async update(site: Site, actorId: string | null, change: (current: SiteOverrides) => SiteOverrides): Promise<RootSettingsView> {
    if (!site.isRoot) {
      throw new HttpProblem({ status: 403, detail: "A subsite's settings are changed by the root site's administrators (PATCH /api/v1/subsites/{id} on the root site).", code: 'SITE_SETTINGS_FROM_ROOT' })
    }
    const before = site
    const result = await this.deps.db().transaction(async m => {
      const rows: Array<{ overrides: SiteOverrides | null }> = await m.query('SELECT overrides FROM kernel_site WHERE id = $1 FOR UPDATE', [site.id])
      const built = this.build(site.id, change(structuredClone(rows[0]?.overrides ?? {})), true)
      if (built.problems.length > 0) {
        const errors: ProblemFieldError[] = built.problems.map(p => ({ in: 'body', location: { pointer: p.pointer }, detail: p.detail, code: p.code }))
        throw new HttpProblem({ status: 400, detail: 'The settings are not valid: ' + built.problems.map(p => `${p.pointer} ${p.detail}`).join('; ') + '.', code: 'INVALID_INPUT', errors })
      }
      const [saved]: [Array<{ overrides_at: Date }>, number] = await m.query('UPDATE kernel_site SET overrides = $2, overrides_at = now() WHERE id = $1 RETURNING overrides_at', [site.id, JSON.stringify(built.overrides)])
      return { ...built, at: saved[0]!.overrides_at }
    })
    this.id = site.id
    this.overrides = result.overrides
    this.updatedAt = result.at
    this.generation++
    this.deps.apply(result.site)
    await this.record(before, result.site, actorId)
    await this.deps.changes().publish(CHANGE_TOPIC, { id: site.id })
    return this.view(result.site)
  }

  /** The audit entries of a change: plugins switched, then which settings changed (names, never values). */
  private async record(before: Site, after: Site, actorId: string | null): Promise<void> {
    const { audit } = this.deps
    for (const p of after.plugins.filter(p => !before.isEnabled(p))) await audit.record(after, { actorId, action: 'plugin.enabled', target: p })
    for (const p of before.plugins.filter(p => !after.isEnabled(p))) await audit.record(after, { actorId, action: 'plugin.disabled', target: p })
    const fields = changedKeys(before.settings as Record<string, unknown>, after.settings as Record<string, unknown>)
    const plugins = this.deps
      .plugins()
      .map(p => p.id)
      .filter(p => !equal(before.settingsOf(p), after.settingsOf(p)))
    if (fields.length > 0 || plugins.length > 0) await audit.record(after, { actorId, action: 'settings.changed', target: 'root', detail: { fields, plugins } })
  }
}
