// Invitations by account or by e-mail address; an e-mailed invitation waits until the person registers.
import type { PluginContext } from '@plein/core'
import type { GroupGuard } from '../guard.js'
import type { GroupService } from '../service.js'
import type { GroupsStore } from '../store.js'

const uuid = { type: 'string', format: 'uuid' }
const groupParams = { type: 'object', properties: { id: uuid } }

export function invitationRoutes(ctx: PluginContext, store: GroupsStore, guard: GroupGuard, service: GroupService): void {
  ctx.routes(router => {
    router.post<{ userId?: string; email?: string }, unknown, { id: string }>(
      'groups.invitations.create',
      '/api/v1/groups/:id/invitations',
      {
        summary: 'Invite someone by account (userId) or e-mail address (group administrators).',
        auth: true,
        params: groupParams,
        body: {
          type: 'object',
          properties: { userId: uuid, email: { type: 'string', format: 'email', maxLength: 254 } },
          oneOf: [{ required: ['userId'] }, { required: ['email'] }],
        },
        responses: { 201: { description: 'Invited.' }, 403: { description: 'Not a group administrator.' }, 409: { description: 'Already a member.' } },
      },
      async c => {
        const result = await service.invite(c, c.input.params.id, c.input.body)
        c.status = 201
        return result
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'groups.invitations.list',
      '/api/v1/groups/:id/invitations',
      { summary: 'Open invitations (group administrators).', auth: true, params: groupParams, responses: { 200: { description: 'Invitations.' }, 403: { description: 'Not a group administrator.' } } },
      async c => {
        const group = await guard.load(c, c.input.params.id)
        guard.requireAdmin(c, group)
        const accounts = await store.members(group.entity.id, 'invited', { limit: 100 })
        return {
          items: [
            ...accounts.items.map(r => ({ user: ctx.users.json({ id: r.account_id, name: r.name, email: r.email }, c.viewer), since: r.created_at })),
            ...(await store.emailInvites(group.entity.id)).map(i => ({ email: i.email, since: i.createdAt })),
          ],
        }
      },
    )

    router.post<unknown, unknown, { id: string }>(
      'groups.invitations.accept',
      '/api/v1/groups/:id/invitations/accept',
      { summary: 'Accept your invitation.', auth: true, params: groupParams, responses: { 200: { description: 'You are a member.' } } },
      async c => {
        await service.accept(c, c.input.params.id)
        return { status: 'member' }
      },
    )

    router.post<unknown, unknown, { id: string }>(
      'groups.invitations.decline',
      '/api/v1/groups/:id/invitations/decline',
      { summary: 'Decline your invitation.', auth: true, params: groupParams, responses: { 204: { description: 'Declined.' } } },
      async c => {
        await service.decline(c, c.input.params.id)
        c.status = 204
      },
    )
  })
}
