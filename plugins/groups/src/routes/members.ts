// Joining, requests, members, roles, ownership and leaving.
import { pageQueryProperties, problems, userSchema, type PluginContext, type RequestContext } from '@plein/core'
import { groupsHooks } from '../api.js'
import { notFound, type GroupGuard, type LoadedGroup } from '../guard.js'
import type { GroupsStore, MemberRow } from '../store.js'

const uuid = { type: 'string', format: 'uuid' }
const groupParams = { type: 'object', properties: { id: uuid } }
const memberParams = { type: 'object', properties: { id: uuid, userId: uuid } }

export const memberSchema = {
  type: 'object',
  required: ['id', 'name', 'role', 'user'],
  properties: {
    id: { type: 'string', description: 'The user id.' },
    name: { type: 'string' },
    role: { enum: ['owner', 'admin', 'member'] },
    status: { enum: ['member', 'pending', 'invited'] },
    since: { type: 'string', format: 'date-time' },
    user: userSchema,
  },
}

export function memberRoutes(ctx: PluginContext, store: GroupsStore, guard: GroupGuard): void {
  const hooks = ctx.hooks.of(groupsHooks)
  const json = (c: RequestContext, r: MemberRow) => ({
    id: r.account_id,
    name: r.name,
    role: r.role,
    status: r.status,
    since: r.created_at,
    user: ctx.users.json({ id: r.account_id, name: r.name, email: r.email }, c.viewer),
  })
  const signedIn = (c: RequestContext) => {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    return c.viewer.user
  }
  const event = (c: RequestContext, group: LoadedGroup, accountId: string) => ({
    groupId: group.entity.id,
    accountId,
    actorId: c.viewer.user?.id ?? null,
    site: c.site,
  })

  ctx.routes(router => {
    router.post<unknown, unknown, { id: string }>(
      'groups.join',
      '/api/v1/groups/:id/join',
      {
        summary: 'Join an open group (200 member), ask to join a closed one (202 pending), or accept an invitation.',
        auth: true,
        params: groupParams,
        responses: {
          200: { description: 'You are a member.', schema: { type: 'object', properties: { status: { const: 'member' } } } },
          202: { description: 'Your request waits for a group administrator.', schema: { type: 'object', properties: { status: { const: 'pending' } } } },
        },
      },
      async c => {
        const user = signedIn(c)
        const group = await guard.load(c, c.input.params.id)
        const current = group.membership
        if (current?.status === 'member') return { status: 'member' }
        const direct = current?.status === 'invited' || group.fields.membership === 'open'
        if (group.fields.hidden && current?.status !== 'invited' && !c.viewer.isAdmin) throw notFound()
        if (direct) {
          await ctx.db.transaction(m => store.setMembership(m, c.site, group.entity.id, user.id, { role: 'member', status: 'member' }))
          await hooks.memberJoined.call(c.site, event(c, group, user.id))
          return { status: 'member' }
        }
        if (current?.status !== 'pending') {
          await ctx.db.transaction(m => store.setMembership(m, c.site, group.entity.id, user.id, { role: 'member', status: 'pending' }))
          await hooks.requestCreated.call(c.site, event(c, group, user.id))
        }
        c.status = 202
        return { status: 'pending' }
      },
    )

    router.get<unknown, { limit: number; cursor?: string; q?: string }, { id: string }>(
      'groups.members.list',
      '/api/v1/groups/:id/members',
      {
        summary: "A group's members, newest first; `q` searches names.",
        params: groupParams,
        query: { type: 'object', properties: { ...pageQueryProperties, q: { type: 'string', minLength: 1, maxLength: 100 } } },
        responses: { 200: { description: 'A page of members.', schema: { type: 'object', properties: { items: { type: 'array', items: memberSchema }, nextCursor: { type: ['string', 'null'] } } } } },
      },
      async c => {
        const group = await guard.loadInside(c, c.input.params.id)
        const page = await store.members(group.entity.id, 'member', c.input.query)
        return { items: page.items.map(r => json(c, r)), nextCursor: page.nextCursor }
      },
    )

    router.get<unknown, { limit: number; cursor?: string }, { id: string }>(
      'groups.requests.list',
      '/api/v1/groups/:id/requests',
      {
        summary: 'Pending requests to join (group administrators).',
        auth: true,
        params: groupParams,
        query: { type: 'object', properties: pageQueryProperties },
        responses: { 200: { description: 'A page of requests.' }, 403: { description: 'Not a group administrator.' } },
      },
      async c => {
        const group = await guard.load(c, c.input.params.id)
        guard.requireAdmin(c, group)
        const page = await store.members(group.entity.id, 'pending', c.input.query)
        return { items: page.items.map(r => json(c, r)), nextCursor: page.nextCursor }
      },
    )

    const pendingOf = async (c: RequestContext & { input: { params: { id: string; userId: string } } }) => {
      const group = await guard.load(c, c.input.params.id)
      guard.requireAdmin(c, group)
      const request = await store.membership(c.site, group.entity.id, c.input.params.userId)
      if (request?.status !== 'pending') throw problems.notFound('No pending request of this user.', { code: 'REQUEST_NOT_FOUND' })
      return group
    }

    router.post<unknown, unknown, { id: string; userId: string }>(
      'groups.requests.approve',
      '/api/v1/groups/:id/requests/:userId/approve',
      { summary: 'Approve a request to join (group administrators).', auth: true, params: memberParams, responses: { 200: { description: 'The user is a member.' }, 403: { description: 'Not a group administrator.' } } },
      async c => {
        const group = await pendingOf(c)
        await ctx.db.transaction(m => store.setMembership(m, c.site, group.entity.id, c.input.params.userId, { role: 'member', status: 'member' }))
        await hooks.memberJoined.call(c.site, event(c, group, c.input.params.userId))
        return { status: 'member' }
      },
    )

    router.post<unknown, unknown, { id: string; userId: string }>(
      'groups.requests.reject',
      '/api/v1/groups/:id/requests/:userId/reject',
      { summary: 'Reject a request to join (group administrators).', auth: true, params: memberParams, responses: { 204: { description: 'Rejected.' }, 403: { description: 'Not a group administrator.' } } },
      async c => {
        const group = await pendingOf(c)
        await ctx.db.transaction(m => store.removeMembership(m, c.site, group.entity.id, c.input.params.userId))
        c.status = 204
      },
    )

    router.patch<{ role: 'admin' | 'member' }, unknown, { id: string; userId: string }>(
      'groups.members.update',
      '/api/v1/groups/:id/members/:userId',
      {
        summary: 'Make a member administrator, or administrator member again (the group owner).',
        auth: true,
        params: memberParams,
        body: { type: 'object', required: ['role'], properties: { role: { enum: ['admin', 'member'] } } },
        responses: { 200: { description: 'The new role.' }, 403: { description: 'Not the owner.' }, 409: { description: "The owner's role changes only by transferring ownership." } },
      },
      async c => {
        const group = await guard.load(c, c.input.params.id)
        guard.requireOwner(c, group)
        const target = await store.membership(c.site, group.entity.id, c.input.params.userId)
        if (target?.status !== 'member') throw problems.notFound('This user is not a member.', { code: 'MEMBER_NOT_FOUND' })
        if (target.role === 'owner') throw problems.conflict('The owner stays owner until ownership is transferred.', { code: 'OWNER_ROLE' })
        await ctx.db.transaction(m => store.setMembership(m, c.site, group.entity.id, target.accountId, { role: c.input.body.role, status: 'member' }))
        return { id: target.accountId, role: c.input.body.role }
      },
    )

    router.post<{ userId: string }, unknown, { id: string }>(
      'groups.transfer',
      '/api/v1/groups/:id/transfer',
      {
        summary: 'Hand ownership to another member (the owner, or a site administrator); the old owner becomes administrator.',
        auth: true,
        params: groupParams,
        body: { type: 'object', required: ['userId'], properties: { userId: uuid } },
        responses: { 200: { description: 'The new owner.' }, 403: { description: 'Not the owner.' } },
      },
      async c => {
        const group = await guard.load(c, c.input.params.id)
        guard.requireOwner(c, group)
        const target = await store.membership(c.site, group.entity.id, c.input.body.userId)
        if (target?.status !== 'member') {
          throw problems.badRequest('The new owner must be a member of the group.', {
            code: 'NOT_A_MEMBER',
            errors: [{ in: 'body', location: { pointer: '/userId' }, detail: 'is not a member of this group', code: 'member' }],
          })
        }
        const owners: Array<{ account_id: string }> = await ctx.db.query(`SELECT account_id FROM groups_member WHERE group_id = $1 AND role = 'owner'`, [group.entity.id])
        await ctx.content.update({ site: c.site, viewer: c.viewer, entity: group.entity, permitted: true, ownerId: target.accountId }, async m => {
          for (const o of owners) await store.setMembership(m, c.site, group.entity.id, o.account_id, { role: 'admin', status: 'member' })
          await store.setMembership(m, c.site, group.entity.id, target.accountId, { role: 'owner', status: 'member' })
        })
        return { ownerId: target.accountId }
      },
    )

    router.delete<unknown, unknown, { id: string; userId: string }>(
      'groups.members.remove',
      '/api/v1/groups/:id/members/:userId',
      {
        summary: 'Leave a group (yourself) or remove someone (group administrators); access ends at once.',
        auth: true,
        params: memberParams,
        responses: { 204: { description: 'Gone.' }, 403: { description: 'Not allowed.' }, 409: { description: 'The owner cannot leave before handing over ownership.' } },
      },
      async c => {
        const user = signedIn(c)
        const group = await guard.load(c, c.input.params.id)
        const targetId = c.input.params.userId
        const target = await store.membership(c.site, group.entity.id, targetId)
        if (!target) throw problems.notFound('This user is not in the group.', { code: 'MEMBER_NOT_FOUND' })
        if (target.role === 'owner') throw problems.conflict('The owner cannot leave: transfer ownership first, or delete the group.', { code: 'OWNER_CANNOT_LEAVE' })
        if (targetId !== user.id) {
          guard.requireAdmin(c, group)
          const actorIsOwner = c.viewer.isAdmin || group.membership?.role === 'owner'
          if (target.role === 'admin' && !actorIsOwner) throw problems.forbidden('Only the owner removes administrators.', { code: 'NOT_GROUP_OWNER' })
        }
        await ctx.db.transaction(m => store.removeMembership(m, c.site, group.entity.id, targetId))
        if (target.status === 'member') await hooks.memberLeft.call(c.site, event(c, group, targetId))
        c.status = 204
      },
    )
  })

}
