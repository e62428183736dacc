// @plein/plugin-subsites: many sites in one installation, each with its own host, plugins and settings.
import { definePlugin, isResync } from '@plein/core'
import { subsitesHooks, subsitesServiceRef } from './api.js'
import { SubsiteDirectory } from './directory.js'
import { SubsitesCreateSubsite1764700000000 } from './migrations/SubsitesCreateSubsite1764700000000.js'
import { subsiteActions } from './actions.js'
import { subsitePages } from './pages.js'
import { subsiteRoutes } from './routes/subsites.js'
import { subsitesSeeder } from './seed.js'
import { subsitesSettings, type SubsitesSettings } from './settings.js'

export { subsitesHooks, subsitesServiceRef, type SubsiteInput, type SubsiteRecord, type SubsitesService } from './api.js'

/** The directory of each kernel this plugin runs in (one per kernel: tests run several in one process). */
const directoryOf = new WeakMap<object, SubsiteDirectory>()

export const subsitesPlugin = definePlugin({
  id: 'subsites',
  url: import.meta.url,
  settings: subsitesSettings,
  migrations: [SubsitesCreateSubsite1764700000000],
  hooks: subsitesHooks,
  seed: subsitesSeeder,
  register(ctx) {
    const directory = new SubsiteDirectory(ctx)
    directoryOf.set(ctx, directory)
    ctx.hooks.kernel.resolveSite.tap(host => directory.resolve(host))
    ctx.hooks.kernel.loadSite.tap(id => directory.byIdLoad(id))
    const actions = subsiteActions(ctx, directory)
    // Tools (the CLI) change subsites through the same actions as the API: checked, hooked and audited.
    ctx.provide(subsitesServiceRef, () => ({
      list: () => directory.list(),
      create: (input, createdBy) => actions.create(input, createdBy ?? null),
      update: (id, changes) => actions.update(id, changes, null),
      remove: id => actions.remove(id, null),
    }))
    subsiteRoutes(ctx, directory, actions)
    subsitePages(ctx, directory, actions)
  },
  async start(ctx) {
    // Another process changed a subsite: forget our cached copy (the next request reads the record).
    ctx.changes.subscribe('subsites', message => {
      // Notices may have been missed while the database was away: forget every cached subsite.
      if (isResync(message)) return directoryOf.get(ctx)?.forgetAll()
      const { id, hosts } = message as { id: string; hosts: string[] }
      directoryOf.get(ctx)?.forget(id, hosts)
    })
    // Example subsites from the settings, once: a newcomer sees the idea at first start.
    const { initial } = ctx.settings<SubsitesSettings>(ctx.rootSite)
    if (initial.length === 0) return
    const directory = directoryOf.get(ctx)!
    const existing = new Set((await directory.list()).map(s => s.host))
    for (const input of initial) {
      if (existing.has(input.host.toLowerCase())) continue
      const created = await directory.create(input)
      ctx.log.info({ host: created.host, plugins: created.plugins }, `created example subsite "${created.name}"`)
    }
  },
})

export default subsitesPlugin
