// What an administrator does to subsites, shared by the JSON API and the admin pages: the directory's checks
// and writes, then the subsites hooks and the audit log (on the root site, and plugin changes on the subsite).
import type { PluginContext, Site } from '@plein/core'
import { subsitesHooks, type SubsiteInput, type SubsiteRecord } from './api.js'
import type { SubsiteDirectory } from './directory.js'

/** `actorId` is the administrator who acted; null for tools without a person (the CLI): "the system" in the log. */
export interface SubsiteActions {
  create(input: SubsiteInput, actorId: string | null): Promise<SubsiteRecord>
  update(id: string, changes: Partial<SubsiteInput>, actorId: string | null): Promise<SubsiteRecord>
  remove(id: string, actorId: string | null): Promise<void>
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

export function subsiteActions(ctx: PluginContext, directory: SubsiteDirectory): SubsiteActions {
  const hooks = ctx.hooks.of(subsitesHooks)
  const root = (): Site => ctx.rootSite
  return {
    async create(input, actorId) {
      const record = await directory.create(input, actorId ?? undefined)
      await ctx.audit.record(root(), { actorId, action: 'subsite.created', target: record.host, detail: { id: record.id, name: record.name, plugins: record.plugins } })
      const site = await directory.byIdLoad(record.id)
      if (site) await hooks.created.call(null, site)
      return record
    },

    async update(id, changes, actorId) {
      const before = await directory.get(id)
      const record = await directory.update(id, changes)
      if (before) {
        const fields = (['name', 'host', 'membership', 'allowedEmailDomains', 'admins', 'theme', 'siteSettings', 'disabled'] as const).filter(k => !same(before[k], record[k]))
        const enabled = record.plugins.filter(p => !before.plugins.includes(p))
        const disabled = before.plugins.filter(p => !record.plugins.includes(p))
        const settings = record.plugins.filter(p => !enabled.includes(p) && !same(before.settings[p] ?? {}, record.settings[p] ?? {}))
        if (fields.length + enabled.length + disabled.length + settings.length > 0) {
          await ctx.audit.record(root(), { actorId, action: 'subsite.changed', target: record.host, detail: { id, fields, enabled, disabled, settings } })
        }
        // The subsite's own log tells its administrators what the root's administrators changed there.
        const subsite = { id }
        for (const p of enabled) await ctx.audit.record(subsite, { actorId, action: 'plugin.enabled', target: p })
        for (const p of disabled) await ctx.audit.record(subsite, { actorId, action: 'plugin.disabled', target: p })
        if (settings.length > 0 || fields.length > 0) await ctx.audit.record(subsite, { actorId, action: 'settings.changed', target: record.host, detail: { fields, plugins: settings } })
      }
      const site = await directory.byIdLoad(record.id)
      if (site) await hooks.changed.call(null, site)
      return record
    },

    async remove(id, actorId) {
      const { host } = await directory.remove(id)
      await ctx.audit.record(root(), { actorId, action: 'subsite.deleted', target: host, detail: { id } })
      await hooks.deleted.call(null, { id, host })
    },
  }
}
