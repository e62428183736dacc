// Invitations by account or by e-mail address; an e-mailed invitation waits until the person registers.
import { escapeHtml, problems, type PluginContext, type RequestContext } from '@plein/core'
import { groupsHooks } from '../api.js'
import type { GroupGuard } from '../guard.js'
import type { GroupsStore } from '../store.js'

const uuid = { type: 'string', format: 'uuid' }
const groupParams = { type: 'object', properties: { id: uuid } }

export function invitationRoutes(ctx: PluginContext, store: GroupsStore, guard: GroupGuard): void {
  const hooks = ctx.hooks.of(groupsHooks)
  const origin = (c: RequestContext) => c.site.publicUrl?.replace(/\/$/, '') ?? `${c.protocol}://${c.host}`

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
        const group = await guard.load(c, c.input.params.id)
        guard.requireAdmin(c, group)
        const inviter = c.viewer.user!
        let userId = c.input.body.userId
        const email = c.input.body.email?.trim().toLowerCase()
        if (!userId && email) {
          const rows: Array<{ id: string }> = await ctx.db.query('SELECT id FROM kernel_account WHERE lower(email) = $1', [email])
          userId = rows[0]?.id
        }
        if (userId) {
          const account = (await ctx.users.byIds([userId])).get(userId)
          if (!account) throw problems.notFound('No account with this id.', { code: 'USER_NOT_FOUND' })
          const current = await store.membership(c.site, group.entity.id, userId)
          if (current?.status === 'member') throw problems.conflict('Already a member.', { code: 'ALREADY_MEMBER' })
          // Someone who asked to join and is then invited is simply in.
          const status = current?.status === 'pending' ? 'member' : 'invited'
          await ctx.db.transaction(m => store.setMembership(m, c.site, group.entity.id, userId!, { role: 'member', status, invitedBy: inviter.id }))
          if (status === 'member') await hooks.memberJoined.call(c.site, { groupId: group.entity.id, accountId: userId, actorId: inviter.id, site: c.site })
          else await hooks.invited.call(c.site, { groupId: group.entity.id, accountId: userId, actorId: inviter.id, site: c.site })
          c.status = 201
          return { userId, status }
        }
        await ctx.db.query(
          `INSERT INTO groups_email_invite (group_id, site_id, email, invited_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (group_id, email) DO UPDATE SET invited_by = EXCLUDED.invited_by, created_at = now()`,
          [group.entity.id, c.site.id, email, inviter.id],
        )
        const link = `${origin(c)}/auth/register`
        await ctx.mail.send({
          to: email!,
          subject: `Uitnodiging voor de groep ${group.entity.title} / Invitation to ${group.entity.title}`,
          text:
            `${inviter.name} nodigt je uit voor de groep "${group.entity.title}" op ${c.site.name}. Maak een account aan met dit e-mailadres: ${link}\n\n` +
            `${inviter.name} invites you to the group "${group.entity.title}" on ${c.site.name}. Create an account with this e-mail address: ${link}\n`,
          html: `<p>${escapeHtml(inviter.name)} nodigt je uit voor de groep “${escapeHtml(group.entity.title)}” op ${escapeHtml(c.site.name)}.</p><p><a href="${escapeHtml(link)}">Account aanmaken / Create an account</a></p>`,
          link,
        })
        await hooks.invited.call(c.site, { groupId: group.entity.id, accountId: '', actorId: inviter.id, site: c.site, email })
        c.status = 201
        return { email, status: 'invited' }
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

    const mine = async (c: RequestContext & { input: { params: { id: string } } }) => {
      if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
      const group = await guard.load(c, c.input.params.id)
      if (group.membership?.status !== 'invited') throw problems.notFound('You have no invitation to this group.', { code: 'INVITATION_NOT_FOUND' })
      return group
    }

    router.post<unknown, unknown, { id: string }>(
      'groups.invitations.accept',
      '/api/v1/groups/:id/invitations/accept',
      { summary: 'Accept your invitation.', auth: true, params: groupParams, responses: { 200: { description: 'You are a member.' } } },
      async c => {
        const group = await mine(c)
        const me = c.viewer.user!.id
        await ctx.db.transaction(m => store.setMembership(m, c.site, group.entity.id, me, { role: 'member', status: 'member' }))
        await hooks.memberJoined.call(c.site, { groupId: group.entity.id, accountId: me, actorId: me, site: c.site })
        return { status: 'member' }
      },
    )

    router.post<unknown, unknown, { id: string }>(
      'groups.invitations.decline',
      '/api/v1/groups/:id/invitations/decline',
      { summary: 'Decline your invitation.', auth: true, params: groupParams, responses: { 204: { description: 'Declined.' } } },
      async c => {
        const group = await mine(c)
        await ctx.db.transaction(m => store.removeMembership(m, c.site, group.entity.id, c.viewer.user!.id))
        c.status = 204
      },
    )
  })
}
