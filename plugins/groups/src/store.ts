// SQL of the groups plugin: groups, memberships and e-mailed invitations.
import { cursorColumn, cursorTime, decodeCursor, SharedCache, toPage, type ChangeBus, type Database, type Page, type Site } from '@plein/core'
import type { EntityManager } from 'typeorm'
import type { GroupRole, MemberStatus, Membership } from './api.js'

export interface GroupFields {
  description: string
  icon: string | null
  membership: 'open' | 'closed'
  hidden: boolean
  membersOnly: boolean
  contentTypes: string[] | null
  memberCount: number
}

export interface MemberRow {
  account_id: string
  name: string
  email: string
  role: GroupRole
  status: MemberStatus
  created_at: Date
  cursor_us: string
  id: string
}

type Runner = Pick<Database, 'query'> | EntityManager

const fieldsOf = (r: any): GroupFields => ({
  description: r.description,
  icon: r.icon,
  membership: r.membership,
  hidden: r.hidden,
  membersOnly: r.members_only,
  contentTypes: r.content_kinds,
  memberCount: r.member_count,
})

const accountTag = (id: string) => `account:${id}`
const groupTag = (id: string) => `group:${id}`

export class GroupsStore {
  /**
   * The groups each account is a full member of, per site: read for every request of a signed-in person
   * (access.viewerTokens). Dropped in every process after a membership change (`membershipsChanged`, after
   * the commit), and read again every second anyway (a membership changed behind the plugin's back).
   */
  private readonly memberOf: SharedCache<readonly string[]>

  constructor(
    private readonly db: () => Database,
    changes: () => ChangeBus,
  ) {
    this.memberOf = new SharedCache({ topic: 'groups.memberships', changes, ttlMs: 1000 })
  }

  async fields(ids: string[], m: Runner = this.db()): Promise<Map<string, GroupFields>> {
    if (ids.length === 0) return new Map()
    const rows: any[] = await m.query(
      `SELECT entity_id, description, icon, membership, hidden, members_only, content_kinds, member_count
         FROM groups_group WHERE entity_id = ANY($1::uuid[])`,
      [ids],
    )
    return new Map(rows.map(r => [r.entity_id, fieldsOf(r)]))
  }

  /**
   * What a request already read of a group (GroupGuard.load), by its entity record (a new object for every
   * request): serializing that record reuses it instead of reading the same rows again.
   */
  readonly loadedWith = new WeakMap<object, { accountId: string | null; fields: GroupFields; membership: Membership | undefined }>()

  /**
   * Groups' fields and one account's memberships of them, in one query (a group page or list needs both).
   * Without an account, no memberships.
   */
  async fieldsAndMemberships(site: Site, ids: string[], accountId: string | null): Promise<Map<string, { fields: GroupFields; membership: Membership | undefined }>> {
    if (ids.length === 0) return new Map()
    const rows: any[] = await this.db().query(
      `SELECT g.entity_id, g.description, g.icon, g.membership, g.hidden, g.members_only, g.content_kinds, g.member_count,
              m.account_id AS m_account_id, m.role AS m_role, m.status AS m_status
         FROM groups_group g
         LEFT JOIN groups_member m ON m.group_id = g.entity_id AND m.site_id = $2 AND m.account_id = $3
        WHERE g.entity_id = ANY($1::uuid[])`,
      [ids, site.id, accountId],
    )
    return new Map(
      rows.map(r => [
        r.entity_id,
        {
          fields: fieldsOf(r),
          membership: r.m_account_id ? { groupId: r.entity_id, accountId: r.m_account_id, role: r.m_role, status: r.m_status } : undefined,
        },
      ]),
    )
  }

  async group(site: Site, id: string, m: Runner = this.db()): Promise<GroupFields | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined
    const rows: any[] = await m.query('SELECT entity_id FROM groups_group WHERE entity_id = $1 AND site_id = $2', [id, site.id])
    return rows[0] ? (await this.fields([id], m)).get(id) : undefined
  }

  async membership(site: Site, groupId: string, accountId: string, m: Runner = this.db()): Promise<Membership | undefined> {
    const rows: any[] = await m.query(
      'SELECT group_id, account_id, role, status FROM groups_member WHERE site_id = $1 AND group_id = $2 AND account_id = $3',
      [site.id, groupId, accountId],
    )
    const r = rows[0]
    return r ? { groupId: r.group_id, accountId: r.account_id, role: r.role, status: r.status } : undefined
  }

  /** The groups an account is a full member of on a site (a frozen list, from the cache when it holds it). */
  async groupsOf(site: Site, accountId: string): Promise<readonly string[]> {
    const groups = await this.memberOf.get(`${site.id}:${accountId}`, async () => {
      const rows: Array<{ group_id: string }> = await this.db().query(
        `SELECT group_id FROM groups_member WHERE site_id = $1 AND account_id = $2 AND status = 'member'`,
        [site.id, accountId],
      )
      const ids = Object.freeze(rows.map(r => r.group_id))
      return { value: ids, tags: [accountTag(accountId), ...ids.map(groupTag)] }
    })
    return groups!
  }

  /** Call after a committed change of these accounts' memberships: every process reads them again. */
  async membershipsChanged(accountIds: readonly string[]): Promise<void> {
    if (accountIds.length > 0) await this.memberOf.invalidate({ tags: accountIds.map(accountTag) })
  }

  /** Call after a group is deleted (committed): every process reads its former members' groups again. */
  async groupGone(groupId: string): Promise<void> {
    await this.memberOf.invalidate({ tags: [groupTag(groupId)] })
  }

  /** Insert or change a membership row, keeping member_count right. */
  async setMembership(
    m: EntityManager,
    site: Site,
    groupId: string,
    accountId: string,
    next: { role: GroupRole; status: MemberStatus; invitedBy?: string | null },
  ): Promise<void> {
    const before = await this.membership(site, groupId, accountId, m)
    await m.query(
      `INSERT INTO groups_member (site_id, group_id, account_id, role, status, invited_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (group_id, account_id) DO UPDATE SET role = EXCLUDED.role, status = EXCLUDED.status,
         created_at = CASE WHEN groups_member.status <> 'member' AND EXCLUDED.status = 'member' THEN now() ELSE groups_member.created_at END`,
      [site.id, groupId, accountId, next.role, next.status, next.invitedBy ?? null],
    )
    const delta = (next.status === 'member' ? 1 : 0) - (before?.status === 'member' ? 1 : 0)
    if (delta !== 0) await m.query('UPDATE groups_group SET member_count = member_count + $2 WHERE entity_id = $1', [groupId, delta])
  }

  async removeMembership(m: EntityManager, site: Site, groupId: string, accountId: string): Promise<Membership | undefined> {
    const before = await this.membership(site, groupId, accountId, m)
    if (!before) return undefined
    await m.query('DELETE FROM groups_member WHERE group_id = $1 AND account_id = $2', [groupId, accountId])
    if (before.status === 'member') await m.query('UPDATE groups_group SET member_count = member_count - 1 WHERE entity_id = $1', [groupId])
    return before
  }

  /** A page of a group's members (or pending requests, or invitations), newest first, optionally by name. */
  async members(groupId: string, status: MemberStatus, options: { limit: number; cursor?: string; q?: string }): Promise<Page<MemberRow>> {
    const cursor = decodeCursor(options.cursor)
    const params: unknown[] = [groupId, status]
    const clauses = ['m.group_id = $1', 'm.status = $2']
    if (options.q) {
      params.push(`%${options.q.replace(/[\\%_]/g, c => `\\${c}`)}%`)
      clauses.push(`a.name ILIKE $${params.length}`)
    }
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      clauses.push(`(m.created_at, m.account_id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
    }
    params.push(options.limit + 1)
    const rows: MemberRow[] = await this.db().query(
      `SELECT m.account_id, m.account_id AS id, a.name, a.email, m.role, m.status, m.created_at, ${cursorColumn('m')} AS cursor_us
         FROM groups_member m JOIN kernel_account a ON a.id = m.account_id
        WHERE ${clauses.join(' AND ')} ORDER BY m.created_at DESC, m.account_id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, options.limit, r => r)
  }

  async emailInvites(groupId: string): Promise<Array<{ email: string; createdAt: Date }>> {
    const rows: any[] = await this.db().query('SELECT email, created_at FROM groups_email_invite WHERE group_id = $1 ORDER BY created_at LIMIT 1000', [groupId])
    return rows.map(r => ({ email: r.email, createdAt: r.created_at }))
  }
}
