// What changing a group or its membership means: the one place the JSON API and the web pages both call, so
// both follow the same rules, fire the same hooks and throw the same problems.
import { escapeHtml, problems, type PluginContext, type RequestContext } from '@plein/core'
import { groupsHooks, type GroupEvent } from './api.js'
import { groupReadAccess, notFound, type GroupGuard, type LoadedGroup } from './guard.js'
import type { GroupsSettings } from './settings.js'
import type { GroupsStore } from './store.js'

export interface GroupInput {
  name: string
  description?: string
  icon?: string | null
  membership?: 'open' | 'closed'
  hidden?: boolean
  membersOnly?: boolean
  contentTypes?: string[] | null
}

export type InviteResult = { userId: string; status: 'member' | 'invited' } | { email: string; status: 'invited' }

const signedIn = (c: RequestContext) => {
  if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  return c.viewer.user
}

export class GroupService {
  private readonly hooks

  constructor(
    private readonly ctx: PluginContext,
    private readonly store: GroupsStore,
    private readonly guard: GroupGuard,
  ) {
    this.hooks = ctx.hooks.of(groupsHooks)
  }

  private event(c: RequestContext, group: LoadedGroup, accountId: string): GroupEvent {
    return { groupId: group.entity.id, accountId, actorId: c.viewer.user?.id ?? null, site: c.site }
  }

  /** Creates a group with the viewer as its owner and only member; returns its id. */
  async create(c: RequestContext, input: GroupInput): Promise<string> {
    const user = signedIn(c)
    const settings = this.ctx.settings<GroupsSettings>(c.site)
    if (settings.whoMayCreate === 'admins' && !c.viewer.isAdmin) throw problems.forbidden('On this site only administrators create groups.', { code: 'GROUP_CREATE_ADMINS_ONLY' })
    const id = crypto.randomUUID()
    const hidden = input.hidden ?? false
    await this.ctx.content.create(
      { site: c.site, viewer: c.viewer, kind: 'group', id, title: input.name.trim(), systemAccess: { read: groupReadAccess(c.site, id, hidden), write: [] } },
      async m => {
        await m.query(
          `INSERT INTO groups_group (entity_id, site_id, description, icon, membership, hidden, members_only, content_kinds, member_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)`,
          [id, c.site.id, input.description ?? '', input.icon ?? null, input.membership ?? settings.defaultMembership, hidden, input.membersOnly ?? false, input.contentTypes ?? null],
        )
        await m.query(`INSERT INTO groups_member (site_id, group_id, account_id, role, status) VALUES ($1, $2, $3, 'owner', 'member')`, [c.site.id, id, user.id])
      },
    )
    await this.store.membershipsChanged([user.id])
    return id
  }

  /** Changes a group's settings (its owner and administrators); fields left out stay as they are. */
  async update(c: RequestContext, groupId: string, input: Partial<GroupInput>): Promise<LoadedGroup> {
    const group = await this.guard.load(c, groupId)
    this.guard.requireAdmin(c, group)
    const f = group.fields
    const hidden = input.hidden ?? f.hidden
    await this.ctx.content.update(
      {
        site: c.site,
        viewer: c.viewer,
        entity: group.entity,
        permitted: true,
        title: input.name?.trim(),
        systemAccess: hidden !== f.hidden ? { read: groupReadAccess(c.site, group.entity.id, hidden), write: [] } : undefined,
      },
      async m => {
        await m.query(`UPDATE groups_group SET description = $2, icon = $3, membership = $4, hidden = $5, members_only = $6, content_kinds = $7 WHERE entity_id = $1`, [
          group.entity.id,
          input.description ?? f.description,
          input.icon === undefined ? f.icon : input.icon,
          input.membership ?? f.membership,
          hidden,
          input.membersOnly ?? f.membersOnly,
          input.contentTypes === undefined ? f.contentTypes : input.contentTypes,
        ])
      },
    )
    return group
  }

  /** Deletes a group (its owner and administrators); its content is archived or deleted, by site setting, in the same transaction. */
  async remove(c: RequestContext, groupId: string): Promise<void> {
    const group = await this.guard.load(c, groupId)
    this.guard.requireAdmin(c, group)
    const mode = this.ctx.settings<GroupsSettings>(c.site).deletedGroupContent
    await this.ctx.content.delete({ site: c.site, viewer: c.viewer, entity: group.entity, permitted: true }, async m => {
      if (mode === 'delete') {
        await m.query('DELETE FROM entity WHERE site_id = $1 AND container_id = $2', [c.site.id, group.entity.id])
      } else {
        // Archived: out of the group, readable by its writers (authors) only. Nothing points at a missing group.
        await m.query(`UPDATE entity SET container_id = NULL, read_access = '{}', updated_at = now() WHERE site_id = $1 AND container_id = $2`, [c.site.id, group.entity.id])
      }
    })
    await this.store.groupGone(group.entity.id)
  }

  /** Joins an open group, asks to join a closed one, or accepts an invitation; answers the viewer's status. */
  async join(c: RequestContext, groupId: string): Promise<'member' | 'pending'> {
    const user = signedIn(c)
    const group = await this.guard.load(c, groupId)
    const current = group.membership
    if (current?.status === 'member') return 'member'
    const direct = current?.status === 'invited' || group.fields.membership === 'open'
    if (group.fields.hidden && current?.status !== 'invited' && !c.viewer.isAdmin) throw notFound()
    if (direct) {
      await this.ctx.db.transaction(m => this.store.setMembership(m, c.site, group.entity.id, user.id, { role: 'member', status: 'member' }))
      await this.store.membershipsChanged([user.id])
      await this.hooks.memberJoined.call(c.site, this.event(c, group, user.id))
      return 'member'
    }
    if (current?.status !== 'pending') {
      await this.ctx.db.transaction(m => this.store.setMembership(m, c.site, group.entity.id, user.id, { role: 'member', status: 'pending' }))
      await this.hooks.requestCreated.call(c.site, this.event(c, group, user.id))
    }
    return 'pending'
  }

  private async pendingOf(c: RequestContext, groupId: string, userId: string): Promise<LoadedGroup> {
    const group = await this.guard.load(c, groupId)
    this.guard.requireAdmin(c, group)
    const request = await this.store.membership(c.site, group.entity.id, userId)
    if (request?.status !== 'pending') throw problems.notFound('No pending request of this user.', { code: 'REQUEST_NOT_FOUND' })
    return group
  }

  /** Approves a request to join (group administrators). */
  async approve(c: RequestContext, groupId: string, userId: string): Promise<void> {
    const group = await this.pendingOf(c, groupId, userId)
    await this.ctx.db.transaction(m => this.store.setMembership(m, c.site, group.entity.id, userId, { role: 'member', status: 'member' }))
    await this.store.membershipsChanged([userId])
    await this.hooks.memberJoined.call(c.site, this.event(c, group, userId))
  }

  /** Rejects a request to join (group administrators). */
  async reject(c: RequestContext, groupId: string, userId: string): Promise<void> {
    const group = await this.pendingOf(c, groupId, userId)
    await this.ctx.db.transaction(m => this.store.removeMembership(m, c.site, group.entity.id, userId))
  }

  /** Makes a member administrator, or an administrator member again (the group owner). */
  async setRole(c: RequestContext, groupId: string, userId: string, role: 'admin' | 'member'): Promise<string> {
    const group = await this.guard.load(c, groupId)
    this.guard.requireOwner(c, group)
    const target = await this.store.membership(c.site, group.entity.id, userId)
    if (target?.status !== 'member') throw problems.notFound('This user is not a member.', { code: 'MEMBER_NOT_FOUND' })
    if (target.role === 'owner') throw problems.conflict('The owner stays owner until ownership is transferred.', { code: 'OWNER_ROLE' })
    await this.ctx.db.transaction(m => this.store.setMembership(m, c.site, group.entity.id, target.accountId, { role, status: 'member' }))
    return target.accountId
  }

  /** Hands ownership to another member (the owner, or a site administrator); the old owner becomes administrator. */
  async transfer(c: RequestContext, groupId: string, userId: string): Promise<string> {
    const group = await this.guard.load(c, groupId)
    this.guard.requireOwner(c, group)
    const target = await this.store.membership(c.site, group.entity.id, userId)
    if (target?.status !== 'member') {
      throw problems.badRequest('The new owner must be a member of the group.', {
        code: 'NOT_A_MEMBER',
        errors: [{ in: 'body', location: { pointer: '/userId' }, detail: 'is not a member of this group', code: 'member' }],
      })
    }
    const owners: Array<{ account_id: string }> = await this.ctx.db.query(`SELECT account_id FROM groups_member WHERE group_id = $1 AND role = 'owner'`, [group.entity.id])
    await this.ctx.content.update({ site: c.site, viewer: c.viewer, entity: group.entity, permitted: true, ownerId: target.accountId }, async m => {
      for (const o of owners) await this.store.setMembership(m, c.site, group.entity.id, o.account_id, { role: 'admin', status: 'member' })
      await this.store.setMembership(m, c.site, group.entity.id, target.accountId, { role: 'owner', status: 'member' })
    })
    return target.accountId
  }

  /** Leaves a group (yourself) or removes someone (group administrators; administrators only by the owner). */
  async removeMember(c: RequestContext, groupId: string, targetId: string): Promise<void> {
    const user = signedIn(c)
    const group = await this.guard.load(c, groupId)
    const target = await this.store.membership(c.site, group.entity.id, targetId)
    if (!target) throw problems.notFound('This user is not in the group.', { code: 'MEMBER_NOT_FOUND' })
    if (target.role === 'owner') throw problems.conflict('The owner cannot leave: transfer ownership first, or delete the group.', { code: 'OWNER_CANNOT_LEAVE' })
    if (targetId !== user.id) {
      this.guard.requireAdmin(c, group)
      const actorIsOwner = c.viewer.isAdmin || group.membership?.role === 'owner'
      if (target.role === 'admin' && !actorIsOwner) throw problems.forbidden('Only the owner removes administrators.', { code: 'NOT_GROUP_OWNER' })
    }
    await this.ctx.db.transaction(m => this.store.removeMembership(m, c.site, group.entity.id, targetId))
    await this.store.membershipsChanged([targetId])
    if (target.status === 'member') await this.hooks.memberLeft.call(c.site, this.event(c, group, targetId))
  }

  /**
   * Invites an account (by id, or by the e-mail address it signs in with) or, when no account has the address, e-mails
   * an invitation that waits until the person registers (group administrators).
   */
  async invite(c: RequestContext, groupId: string, who: { userId?: string; email?: string }): Promise<InviteResult> {
    const group = await this.guard.load(c, groupId)
    this.guard.requireAdmin(c, group)
    const inviter = c.viewer.user!
    let userId = who.userId
    const email = who.email?.trim().toLowerCase()
    if (!userId && email) {
      const rows: Array<{ id: string }> = await this.ctx.db.query('SELECT id FROM kernel_account WHERE lower(email) = $1', [email])
      userId = rows[0]?.id
    }
    if (userId) {
      const account = (await this.ctx.users.byIds([userId])).get(userId)
      if (!account) throw problems.notFound('No account with this id.', { code: 'USER_NOT_FOUND' })
      const current = await this.store.membership(c.site, group.entity.id, userId)
      if (current?.status === 'member') throw problems.conflict('Already a member.', { code: 'ALREADY_MEMBER' })
      // Someone who asked to join and is then invited is simply in.
      const status = current?.status === 'pending' ? 'member' : 'invited'
      await this.ctx.db.transaction(m => this.store.setMembership(m, c.site, group.entity.id, userId!, { role: 'member', status, invitedBy: inviter.id }))
      await this.store.membershipsChanged([userId])
      const event = { groupId: group.entity.id, accountId: userId, actorId: inviter.id, site: c.site }
      if (status === 'member') await this.hooks.memberJoined.call(c.site, event)
      else await this.hooks.invited.call(c.site, event)
      return { userId, status }
    }
    const origin = c.site.publicUrl?.replace(/\/$/, '') ?? `${c.protocol}://${c.host}`
    const link = `${origin}/auth/register`
    // The invitation and its mail job are stored together: the mail goes out in the background, retried while
    // the mail server is away, and the request never waits for it.
    await this.ctx.db.transaction(async m => {
      await m.query(
        `INSERT INTO groups_email_invite (group_id, site_id, email, invited_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id, email) DO UPDATE SET invited_by = EXCLUDED.invited_by, created_at = now()`,
        [group.entity.id, c.site.id, email, inviter.id],
      )
      await this.ctx.mail.queue(
        {
          to: email!,
          subject: `Uitnodiging voor de groep ${group.entity.title} / Invitation to ${group.entity.title}`,
          text:
            `${inviter.name} nodigt je uit voor de groep "${group.entity.title}" op ${c.site.name}. Maak een account aan met dit e-mailadres: ${link}\n\n` +
            `${inviter.name} invites you to the group "${group.entity.title}" on ${c.site.name}. Create an account with this e-mail address: ${link}\n`,
          html: `<p>${escapeHtml(inviter.name)} nodigt je uit voor de groep “${escapeHtml(group.entity.title)}” op ${escapeHtml(c.site.name)}.</p><p><a href="${escapeHtml(link)}">Account aanmaken / Create an account</a></p>`,
          link,
        },
        { site: c.site, manager: m },
      )
    })
    await this.hooks.invited.call(c.site, { groupId: group.entity.id, accountId: '', actorId: inviter.id, site: c.site, email })
    return { email: email!, status: 'invited' }
  }

  private async invitation(c: RequestContext, groupId: string): Promise<LoadedGroup> {
    signedIn(c)
    const group = await this.guard.load(c, groupId)
    if (group.membership?.status !== 'invited') throw problems.notFound('You have no invitation to this group.', { code: 'INVITATION_NOT_FOUND' })
    return group
  }

  /** Accepts the viewer's invitation. */
  async accept(c: RequestContext, groupId: string): Promise<void> {
    const group = await this.invitation(c, groupId)
    const me = c.viewer.user!.id
    await this.ctx.db.transaction(m => this.store.setMembership(m, c.site, group.entity.id, me, { role: 'member', status: 'member' }))
    await this.store.membershipsChanged([me])
    await this.hooks.memberJoined.call(c.site, { groupId: group.entity.id, accountId: me, actorId: me, site: c.site })
  }

  /** Declines the viewer's invitation. */
  async decline(c: RequestContext, groupId: string): Promise<void> {
    const group = await this.invitation(c, groupId)
    await this.ctx.db.transaction(m => this.store.removeMembership(m, c.site, group.entity.id, c.viewer.user!.id))
  }
}
