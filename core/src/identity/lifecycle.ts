// An account's life beyond sign-in: hook events, the GDPR export (streamed) and deletion (one transaction).
import type { Writable } from 'node:stream'
import { kernelSettings } from '../config/kernel-settings.js'
import type { Database } from '../data/database.js'
import { cursorColumn, cursorTime } from '../http/paging.js'
import { problems } from '../http/problem.js'
import type { Site } from '../tenancy/site.js'
import { identityHooks, type Account } from './hooks.js'
import { toAccount, type AccountRow } from './service.js'

export interface LifecycleDeps {
  db: () => Database
  hooks: Record<keyof (typeof identityHooks)['specs'], any>
  /** A site by id (root or subsite), for its privacy setting. */
  siteById(id: string): Promise<Site | undefined>
  /** After a deletion is committed: its cached sessions end in every process. */
  deleted?(accountId: string): Promise<void>
}

const EXPORT_BATCH = 500

export class AccountLifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

  registered(account: Account, site: Site): Promise<void> {
    // Accounts are global: every plugin of the installation hears of a new one (e.g. the groups plugin turns
    // e-mailed invitations of any site into invitations), not only those enabled on the site it registered on.
    return this.deps.hooks.registered.call(null, account, site)
  }

  /** Accounts a plugin made in bulk (users.ensure): one event for all of them, to every plugin of the installation. */
  accountsCreated(accounts: Account[], site: Site): Promise<void> {
    return this.deps.hooks.accountsCreated.call(null, accounts, site)
  }

  signedIn(account: Account, site: Site): Promise<void> {
    return this.deps.hooks.signedIn.call(site, account, site)
  }

  /**
   * Deletes the account and its personal data in one transaction. Content is anonymised (kept without
   * its author) or deleted, by each site's `privacy.deletedUserContent` setting. Plugins remove their
   * own personal data in `identity.beforeAccountDelete`, inside the same transaction.
   */
  async delete(accountId: string, site: Site): Promise<void> {
    const db = this.deps.db()
    await db.transaction(async m => {
      const rows: AccountRow[] = await m.query('SELECT * FROM kernel_account WHERE id = $1 FOR UPDATE', [accountId])
      if (!rows[0]) throw problems.notFound('No such account.', { code: 'USER_NOT_FOUND' })
      const account = toAccount(rows[0])
      const denial = await this.deps.hooks.beforeAccountDelete.call(null, account, m)
      if (denial) throw problems.conflict(denial.reason, { code: 'ACCOUNT_DELETE_REFUSED' })
      const sites: Array<{ site_id: string }> = await m.query('SELECT DISTINCT site_id FROM entity WHERE owner_id = $1', [accountId])
      for (const { site_id } of sites) {
        const owner = site_id === site.id ? site : await this.deps.siteById(site_id)
        const mode = owner ? kernelSettings(owner).privacy.deletedUserContent : 'anonymise'
        if (mode === 'delete') await m.query('DELETE FROM entity WHERE owner_id = $1 AND site_id = $2', [accountId, site_id])
      }
      // Sessions, tokens, roles and one-time tokens go with the account (ON DELETE CASCADE);
      // remaining content keeps no author (owner_id ON DELETE SET NULL).
      await m.query('DELETE FROM kernel_account WHERE id = $1', [accountId])
    })
    await this.deps.deleted?.(accountId)
    await this.deps.hooks.accountDeleted.call(null, { id: accountId })
  }

  /** Writes the account's data as one JSON document to `out`, content in batches (memory stays flat). */
  async exportTo(accountId: string, out: Writable): Promise<void> {
    const db = this.deps.db()
    const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>(r => out.once('drain', () => r())))
    const [row] = (await db.query('SELECT * FROM kernel_account WHERE id = $1', [accountId])) as AccountRow[]
    if (!row) throw new Error('account vanished during export')
    const account = toAccount(row)
    const memberships = await db.query('SELECT site_id AS "siteId", role, created_at AS "since" FROM kernel_site_member WHERE account_id = $1', [accountId])
    const tokens = await db.query('SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt" FROM kernel_api_token WHERE account_id = $1', [accountId])
    const sessions = await db.query('SELECT site_id AS "siteId", created_at AS "createdAt", last_seen_at AS "lastSeenAt", expires_at AS "expiresAt" FROM kernel_session WHERE account_id = $1', [accountId])
    const bounces = await db.query('SELECT site_id AS "siteId", email, code, command, response, created_at AS "createdAt" FROM kernel_mail_bounce WHERE account_id = $1 ORDER BY created_at', [accountId])
    const plugins = await this.deps.hooks.exportAccount.call(null, {}, account)
    await write(
      `{"exportedAt":${JSON.stringify(new Date())},"account":${JSON.stringify({
        id: account.id,
        email: account.email,
        name: account.name,
        emailVerified: account.emailVerified,
        locale: account.locale ?? null,
        createdAt: account.createdAt,
        emailBouncedAt: account.emailBouncedAt ?? null,
      })},"siteRoles":${JSON.stringify(memberships)},"apiTokens":${JSON.stringify(tokens)},"sessions":${JSON.stringify(sessions)},"mailBounces":${JSON.stringify(bounces)},"plugins":${JSON.stringify(plugins)},"content":[`,
    )
    let after: { cursor_us: string; id: string } | undefined
    let first = true
    for (;;) {
      const batch: any[] = await db.query(
        `SELECT e.id, e.site_id, e.kind, e.container_id, e.title, e.read_access, e.write_access, e.created_at, e.updated_at,
                ${cursorColumn('e')} AS cursor_us
           FROM entity e WHERE e.owner_id = $1 ${after ? `AND (e.created_at, e.id) > (${cursorTime('$2')}, $3::uuid)` : ''}
          ORDER BY e.created_at, e.id LIMIT ${EXPORT_BATCH}`,
        after ? [accountId, after.cursor_us, after.id] : [accountId],
      )
      for (const e of batch) {
        await write(
          (first ? '' : ',') +
            JSON.stringify({
              id: e.id,
              siteId: e.site_id,
              type: e.kind,
              containerId: e.container_id,
              title: e.title,
              access: { read: e.read_access, write: e.write_access },
              createdAt: e.created_at,
              updatedAt: e.updated_at,
            }),
        )
        first = false
      }
      if (batch.length < EXPORT_BATCH) break
      after = batch[batch.length - 1]
    }
    await write(']}\n')
    out.end()
  }
}
