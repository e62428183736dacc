// Joining, requests, members, roles, ownership and leaving.
import { pageQueryProperties, userSchema, type PluginContext, type RequestContext } from '@plein/core'
import type { GroupGuard } from '../guard.js'
import type { GroupService } from '../service.js'
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

export function memberRoutes(ctx: PluginContext, store: GroupsStore, guard: GroupGuard, service: GroupService): void {
  const json = (c: RequestContext, r: MemberRow) => ({
    id: r.account_id,
    name: r.name,
    role: r.role,
    status: r.status,
    since: r.created_at,
    user: ctx.users.json({ id: r.account_id, name: r.name, email: r.email }, c.viewer),
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
        const status = await service.join(c, c.input.params.id)
        if (status === 'pending') c.status = 202
        return { status }
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

    router.post<unknown, unknown, { id: string; userId: string }>(
      'groups.requests.approve',
      '/api/v1/groups/:id/requests/:userId/approve',
      { summary: 'Approve a request to join (group administrators).', auth: true, params: memberParams, responses: { 200: { description: 'The user is a member.' }, 403: { description: 'Not a group administrator.' } } },
      async c => {
        await service.approve(c, c.input.params.id, c.input.params.userId)
        return { status: 'member' }
      },
    )

    router.post<unknown, unknown, { id: string; userId: string }>(
      'groups.requests.reject',
      '/api/v1/groups/:id/requests/:userId/reject',
      { summary: 'Reject a request to join (group administrators).', auth: true, params: memberParams, responses: { 204: { description: 'Rejected.' }, 403: { description: 'Not a group administrator.' } } },
      async c => {
        await service.reject(c, c.input.params.id, c.input.params.userId)
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
        return { id: await service.setRole(c, c.input.params.id, c.input.params.userId, c.input.body.role), role: c.input.body.role }
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
        return { ownerId: await service.transfer(c, c.input.params.id, c.input.body.userId) }
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
        await service.removeMember(c, c.input.params.id, c.input.params.userId)
        c.status = 204
      },
    )
  })

}
