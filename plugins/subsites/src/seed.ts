// `plein seed` for subsites: `scale.subsites` subsites (deelsite-<n>.seed.test) with every plugin of the root
// site but this one, each with members (a few big subsites, many small ones), as SubsiteDirectory.create writes them.
import type { PluginSeeder, SeedSite } from '@plein/core'

export const subsitesSeeder: PluginSeeder = {
  stage: 'sites',
  async run(seed) {
    const rng = seed.rng('sites')
    const plugins = seed.root.plugins.filter(p => p !== seed.pluginId)
    const users = seed.users.length
    const sites: SeedSite[] = []
    const siteRows: unknown[][] = []
    const subsiteRows: unknown[][] = []
    const memberRows: unknown[][] = []
    for (let i = 0; i < seed.scale.subsites; i++) {
      const id = seed.id('site', i)
      const host = `deelsite-${i + 1}.seed.test`
      const name = `Deelsite ${i + 1}: ${rng.title()}`
      const created = seed.pastTime(rng, 5)
      const size = Math.min(users, Math.max(Math.min(users, 5), Math.round((users * 0.2) / Math.pow(i + 1, 0.8))))
      const members = rng.distinct(users, size)
      siteRows.push([id, `subsite:${host}`, name, created])
      subsiteRows.push([id, host, name, plugins, '{}', '{}', [], false, seed.users[0] ?? null, created, created])
      for (const m of members) memberRows.push([id, seed.users[m], 'member', 'member', created])
      sites.push({ id, root: false, plugins, members })
    }
    await seed.insert('kernel_site', { id: 'uuid', key: 'text', name: 'text', created_at: 'timestamptz' }, siteRows)
    await seed.insert(
      'subsites_subsite',
      { site_id: 'uuid', host: 'text', name: 'text', plugins: 'text[]', plugin_settings: 'jsonb', site_settings: 'jsonb', admins: 'text[]', disabled: 'boolean', created_by: 'uuid', created_at: 'timestamptz', updated_at: 'timestamptz' },
      subsiteRows,
    )
    seed.progress(0, memberRows.length, 'subsite members')
    for (let i = 0; i < memberRows.length; i += 20_000) {
      await seed.insert('kernel_site_member', { site_id: 'uuid', account_id: 'uuid', role: 'text', status: 'text', created_at: 'timestamptz' }, memberRows.slice(i, i + 20_000))
      seed.progress(Math.min(memberRows.length, i + 20_000), memberRows.length, 'subsite members')
    }
    seed.addSites(sites)
  },
}
