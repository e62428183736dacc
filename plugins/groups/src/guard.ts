// Who may see and do what in a group. Hidden groups are 404 to everyone but their members and invited people.
import { kernelSettings, problems, siteToken, type EntityRecord, type PluginContext, type RequestContext, type Site } from '@plein/core'
import type { Membership } from './api.js'
import type { GroupFields, GroupsStore } from './store.js'

export interface LoadedGroup {
  entity: EntityRecord
  fields: GroupFields
  membership: Membership | undefined
}

export const notFound = () => problems.notFound('No such group.', { code: 'GROUP_NOT_FOUND' })

export const isMember = (g: LoadedGroup) => g.membership?.status === 'member'
export const isGroupAdmin = (c: RequestContext, g: LoadedGroup) =>
  c.viewer.isAdmin || (isMember(g) && (g.membership!.role === 'owner' || g.membership!.role === 'admin'))
export const isOwner = (c: RequestContext, g: LoadedGroup) => c.viewer.isAdmin || (isMember(g) && g.membership!.role === 'owner')

/** Read access of the group item itself: a hidden group only for its members, else the site's default. */
export function groupReadAccess(site: Site, groupId: string, hidden: boolean): string[] {
  if (hidden) return [`group:${groupId}`]
  return kernelSettings(site).access.defaultRead.map(t => (t === 'site' ? siteToken(site.id) : t))
}

export class GroupGuard {
  constructor(private readonly ctx: PluginContext, private readonly store: GroupsStore) {}

  /** The group, when the viewer may know it exists; else 404. */
  async load(c: RequestContext, id: string): Promise<LoadedGroup> {
    // Side by side: the entity (kernel) and the group's fields with the viewer's membership (one query).
    const [entity, own] = await Promise.all([this.ctx.access.find(c.site, id), this.store.fieldsAndMemberships(c.site, [id], c.viewer.user?.id ?? null)])
    if (!entity || entity.kind !== 'group') throw notFound()
    const found = own.get(id)
    if (!found) throw notFound()
    const { fields, membership } = found
    this.store.loadedWith.set(entity, { accountId: c.viewer.user?.id ?? null, fields, membership })
    const group = { entity, fields, membership }
    // A hidden group shows itself to its members and to invited people (to accept); a pending request (made
    // before it was hidden) does not make it visible.
    const known = membership !== undefined && (!fields.hidden || membership.status !== 'pending')
    const visible = c.viewer.isAdmin || known || (!fields.hidden && this.ctx.access.canRead(c.viewer, entity, c.site))
    if (!visible) throw notFound()
    return group
  }

  /** Members, requests and content lists: members (and admins) always; others only in open, visible groups. */
  async loadInside(c: RequestContext, id: string): Promise<LoadedGroup> {
    const group = await this.load(c, id)
    if (c.viewer.isAdmin || isMember(group)) return group
    if (group.fields.hidden) throw notFound()
    if (group.fields.membership === 'closed') {
      throw problems.forbidden('Only members see inside a closed group.', { code: 'GROUP_MEMBERS_ONLY' })
    }
    return group
  }

  requireAdmin(c: RequestContext, group: LoadedGroup): void {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!isGroupAdmin(c, group)) throw problems.forbidden("Only the group's owner and administrators may do this.", { code: 'NOT_GROUP_ADMIN' })
  }

  requireOwner(c: RequestContext, group: LoadedGroup): void {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!isOwner(c, group)) throw problems.forbidden("Only the group's owner may do this.", { code: 'NOT_GROUP_OWNER' })
  }
}
