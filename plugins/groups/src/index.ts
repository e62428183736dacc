// @plein/plugin-groups: groups with members, requests, invitations, roles and group content.
import { definePlugin, groupToken, LOGGED_IN_TOKEN, problems, PUBLIC_TOKEN, type Site } from '@plein/core'
import { searchHooks } from '@plein/plugin-search/api'
import { groupsHooks, groupsServiceRef } from './api.js'
import { GroupGuard } from './guard.js'
import { GroupService } from './service.js'
import { groupPages } from './pages.js'
import { groupWidgets } from './widget.js'
import { GroupsCreateGroups1764600000000 } from './migrations/GroupsCreateGroups1764600000000.js'
import { groupRoutes } from './routes/groups.js'
import { invitationRoutes } from './routes/invitations.js'
import { memberRoutes } from './routes/members.js'
import { groupsSeeder } from './seed.js'
import { groupsSettings } from './settings.js'
import { GroupsStore } from './store.js'

export { groupsHooks, groupsServiceRef, type GroupEvent, type GroupsService, type Membership, type GroupRole, type MemberStatus } from './api.js'

export const groupsPlugin = definePlugin({
  id: 'groups',
  url: import.meta.url,
  settings: groupsSettings,
  optionalDependencies: { search: '^1.0.0', intranet: '^1.0.0' },
  migrations: [GroupsCreateGroups1764600000000],
  hooks: groupsHooks,
  seed: groupsSeeder,
  register(ctx) {
    const store = new GroupsStore(
      () => ctx.db,
      () => ctx.changes,
    )
    const guard = new GroupGuard(ctx, store)
    const service = new GroupService(ctx, store, guard)
    ctx.provide(groupsServiceRef, () => ({
      membership: (site, groupId, accountId) => store.membership(site, groupId, accountId),
      groupsOf: async (site, accountId) => [...(await store.groupsOf(site, accountId))],
      admins: async (site, groupId) =>
        (
          await ctx.db.query(`SELECT account_id FROM groups_member WHERE site_id = $1 AND group_id = $2 AND status = 'member' AND role IN ('owner', 'admin')`, [
            site.id,
            groupId,
          ])
        ).map((r: { account_id: string }) => r.account_id),
    }))

    ctx.content.kind({
      kind: 'group',
      url: e => `/groups/${e.id}`,
      async load(entities, viewer, site) {
        const accountId = viewer.user?.id ?? null
        // A group this request loaded already (its page): those rows are not read again.
        const known = (e: object) => {
          const k = store.loadedWith.get(e)
          return k && k.accountId === accountId ? k : undefined
        }
        const own = await store.fieldsAndMemberships(
          site,
          entities.filter(e => !known(e)).map(e => e.id),
          accountId,
        )
        return new Map(
          entities.map(e => {
            const row = known(e) ?? own.get(e.id)
            const m = row?.membership
            return [e.id, { name: e.title, ...row?.fields, viewerStatus: m?.status ?? null, viewerRole: m?.status === 'member' ? m.role : null }]
          }),
        )
      },
    })

    // Full members hold group:<id> on this site; pending and invited people do not.
    ctx.hooks.access.viewerTokens.tap(async (tokens, { viewer, site }) => {
      if (!viewer.user) return tokens
      const groups = await store.groupsOf(site, viewer.user.id)
      return groups.length === 0 ? tokens : [...tokens, ...groups.map(groupToken)]
    })

    // Content with containerId = a group: members only; its kinds may be switched off; default read group:<id>.
    ctx.hooks.entity.resolveContainer.tap(async (containerId, viewer, site, kind) => {
      const group = await store.group(site, containerId)
      if (!group) return undefined
      const membership = viewer.user ? await store.membership(site, containerId, viewer.user.id) : undefined
      if (membership?.status !== 'member' && !viewer.isAdmin) {
        if (group.hidden) throw notFoundProblem()
        throw forbidden('Only members of this group can add content to it.', 'GROUP_MEMBERS_ONLY')
      }
      if (group.contentTypes && !group.contentTypes.includes(kind)) {
        throw forbidden(`This group has "${kind}" switched off.`, 'GROUP_KIND_OFF')
      }
      return { defaultAccess: { read: [groupToken(containerId)], write: [] } }
    })

    // Members-only (and hidden) groups keep their content inside: no public or logged_in access.
    const keepInside = async (entity: { containerId: string | null; readAccess: string[]; writeAccess: string[] }, site: Site) => {
      if (!entity.containerId) return undefined
      const group = await store.group(site, entity.containerId)
      if (!group || !(group.membersOnly || group.hidden)) return undefined
      const open = [...entity.readAccess, ...entity.writeAccess].some(t => t === PUBLIC_TOKEN || t === LOGGED_IN_TOKEN)
      return open ? { reason: 'Content of this group stays inside the group: it cannot be public or open to every signed-in account.', status: 403 as const } : undefined
    }
    ctx.hooks.entity.beforeCreate.tap((entity, _viewer, site) => keepInside(entity, site))
    ctx.hooks.entity.beforeUpdate.tap((entity, _viewer, site) => keepInside(entity, site))

    // An e-mailed invitation waits for the account: it becomes an invitation when they register.
    ctx.hooks.identity.registered.tap(async account => {
      await ctx.db.transaction(async m => {
        const invites: Array<{ group_id: string; site_id: string; invited_by: string | null }> = await m.query(
          'DELETE FROM groups_email_invite WHERE email = lower($1) RETURNING group_id, site_id, invited_by',
          [account.email],
        ).then((r: any) => r[0])
        for (const i of invites) {
          await m.query(
            `INSERT INTO groups_member (site_id, group_id, account_id, role, status, invited_by) VALUES ($1, $2, $3, 'member', 'invited', $4)
             ON CONFLICT (group_id, account_id) DO NOTHING`,
            [i.site_id, i.group_id, account.id, i.invited_by],
          )
        }
      })
    })

    // The same for accounts a plugin made in bulk (e.g. an import of colleagues): all of them in one statement.
    ctx.hooks.identity.accountsCreated.tap(async accounts => {
      if (accounts.length === 0) return
      await ctx.db.query(
        `WITH made AS (SELECT lower(t.email) AS email, t.id FROM unnest($1::text[], $2::uuid[]) AS t (email, id)),
              invites AS (DELETE FROM groups_email_invite i USING made WHERE i.email = made.email RETURNING i.group_id, i.site_id, i.invited_by, made.id AS account_id)
         INSERT INTO groups_member (site_id, group_id, account_id, role, status, invited_by)
         SELECT site_id, group_id, account_id, 'member', 'invited', invited_by FROM invites
         ON CONFLICT (group_id, account_id) DO NOTHING`,
        [accounts.map(a => a.email), accounts.map(a => a.id)],
      )
    })

    // A group always has an owner: an owner hands groups over before deleting their account.
    ctx.hooks.identity.beforeAccountDelete.tap(async (account, m) => {
      const owned: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM groups_member WHERE account_id = $1 AND role = 'owner'`, [account.id])
      if (owned[0]!.n > 0) return { reason: `You own ${owned[0]!.n} group(s): transfer their ownership or delete them first.`, status: 409 }
      await m.query(
        `UPDATE groups_group g SET member_count = member_count - 1 FROM groups_member m
          WHERE m.group_id = g.entity_id AND m.account_id = $1 AND m.status = 'member'`,
        [account.id],
      )
      return undefined
    })

    ctx.hooks.identity.accountDeleted.tap(account => store.membershipsChanged([account.id]))

    ctx.hooks.identity.exportAccount.tap(async (data, account) => ({
      ...data,
      groups: await ctx.db.query('SELECT site_id AS "siteId", group_id AS "groupId", role, status, created_at AS "since" FROM groups_member WHERE account_id = $1', [account.id]),
    }))

    ctx.hooks.of(searchHooks).document.tap(async (document, entity) => {
      if (entity.kind !== 'group') return document
      const fields = (await store.fields([entity.id])).get(entity.id)
      return fields ? { ...document, body: `${document.body} ${fields.description}`.trim() } : document
    })

    groupRoutes(ctx, guard, service)
    groupPages(ctx, store, guard, service)
    groupWidgets(ctx, store)
    memberRoutes(ctx, store, guard, service)
    invitationRoutes(ctx, store, guard, service)
  },
})

const forbidden = (detail: string, code: string) => problems.forbidden(detail, { code })
const notFoundProblem = () => problems.notFound('No such group.', { code: 'GROUP_NOT_FOUND' })

export default groupsPlugin
