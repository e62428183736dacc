// `plein seed` for groups: `scale.groups` groups with Zipf-like sizes (a few with thousands of members, most
// with a handful), 10 % hidden, 20 % members-only, as the create and join routes write them; then they are
// the containers later seeders put group-only content in.
import { kernelSettings, siteToken, type PluginSeeder, type SeedContainer, type SeedEntity } from '@plein/core'
import { searchSeederRef } from '@plein/plugin-search/api'

export const groupsSeeder: PluginSeeder = {
  stage: 'containers',
  async run(seed) {
    const rng = seed.rng('groups')
    const defaultRead = kernelSettings(seed.root).access.defaultRead
    const sites = seed.sites.filter(s => s.plugins.includes(seed.pluginId))
    if (sites.length === 0 || seed.users.length === 0) return
    const users = seed.users.length
    const entities: SeedEntity[] = []
    const groupRows: unknown[][] = []
    const memberRows: unknown[][] = []
    const documents: Array<{ id: string; title: string; body: string }> = []
    const containers: SeedContainer[] = []
    for (let k = 0; k < seed.scale.groups; k++) {
      const id = seed.id('group', k)
      // 60 % of the groups on the root site, the rest over the subsites (the first ones busiest).
      const site = sites.length === 1 || rng.next() < 0.6 ? sites[0]! : sites[1 + rng.zipf(sites.length - 1, 0.7)]!
      const pool = site.members.length > 0 ? site.members : null
      const size = Math.max(2, Math.min(pool?.length ?? users, Math.round((users * 0.1) / Math.pow(k + 1, 0.7))))
      const members = pool ? rng.distinct(pool.length, size).map(i => pool[i]!) : rng.distinct(users, size)
      const hidden = rng.next() < 0.1
      const membersOnly = hidden || rng.next() < 0.2
      const created = seed.pastTime(rng, 5)
      const title = `${rng.title()} (${k + 1})`
      const description = `${rng.title()} ${rng.words(20 + rng.int(40))}.`
      const ownerId = seed.users[members[0]!]!
      const read = hidden ? [`group:${id}`] : defaultRead.map(t => (t === 'site' ? siteToken(site.id) : t))
      const text = description
      entities.push({ id, siteId: site.id, kind: 'group', ownerId, title, read, publishedAt: created, createdAt: created, text })
      groupRows.push([id, site.id, description, rng.next() < 0.6 ? 'open' : 'closed', hidden, membersOnly, members.length])
      members.forEach((m, i) => {
        const joined = new Date(created.getTime() + Math.floor(rng.next() * (seed.now.getTime() - created.getTime())))
        memberRows.push([site.id, id, seed.users[m], i === 0 ? 'owner' : rng.next() < 0.05 ? 'admin' : 'member', 'member', i === 0 ? created : joined])
      })
      documents.push({ id, title, body: text })
      containers.push({ id, siteId: site.id, token: `group:${id}`, members })
    }
    await seed.db.transaction(async m => {
      await seed.entities(entities, m)
      await seed.insert('groups_group', { entity_id: 'uuid', site_id: 'uuid', description: 'text', membership: 'text', hidden: 'boolean', members_only: 'boolean', member_count: 'integer' }, groupRows, { manager: m })
    })
    seed.progress(0, memberRows.length, 'group members')
    for (let i = 0; i < memberRows.length; i += 20_000) {
      await seed.insert(
        'groups_member',
        { site_id: 'uuid', group_id: 'uuid', account_id: 'uuid', role: 'text', status: 'text', created_at: 'timestamptz' },
        memberRows.slice(i, i + 20_000),
      )
      seed.progress(Math.min(memberRows.length, i + 20_000), memberRows.length, 'group members')
    }
    await seed.use(searchSeederRef)?.index(documents)
    seed.addContainers(containers)
  },
}
