// What other plugins may use of the groups plugin: its hooks, service and types.
import { createServiceRef, defineHooks, event, type Site } from '@plein/core'

export type GroupRole = 'owner' | 'admin' | 'member'
export type MemberStatus = 'member' | 'pending' | 'invited'

export interface Membership {
  groupId: string
  accountId: string
  role: GroupRole
  status: MemberStatus
}

export interface GroupEvent {
  groupId: string
  accountId: string
  /** Who did it (the member themself, an approving admin, an inviting member). */
  actorId: string | null
  site: Site
}

export const groupsHooks = defineHooks('groups', () => ({
  memberJoined: event<[GroupEvent]>({ since: '1.0.0', description: 'Someone became a full member of a group (joined, was approved, accepted an invitation).' }),
  memberLeft: event<[GroupEvent]>({ since: '1.0.0', description: 'Someone left or was removed from a group.' }),
  requestCreated: event<[GroupEvent]>({ since: '1.0.0', description: 'Someone asked to join a closed group.' }),
  invited: event<[GroupEvent & { email?: string }]>({ since: '1.0.0', description: 'Someone was invited (by account, or by e-mail address before they have one).' }),
}))

export interface GroupsService {
  /** The viewer's membership of a group on a site, or undefined. */
  membership(site: Site, groupId: string, accountId: string): Promise<Membership | undefined>
  /** Ids of the groups an account is a full member of on a site. */
  groupsOf(site: Site, accountId: string): Promise<string[]>
  /** Account ids of a group's owner and administrators. */
  admins(site: Site, groupId: string): Promise<string[]>
}

export const groupsServiceRef = createServiceRef<GroupsService>('groups.memberships')
