// Accounts, sessions, personal API tokens, one-time tokens and site roles: the kernel's identity service.
import type { Logger } from 'pino'
import type { EntityManager } from 'typeorm'
import { kernelSettings } from '../config/kernel-settings.js'
import type { Database } from '../data/database.js'
import { HttpProblem, problems } from '../http/problem.js'
import type { ChangeBus } from '../services/changes.js'
import type { MailService } from '../services/mail.js'
import { SharedCache } from '../services/shared-cache.js'
import type { Limit, RateLimiter } from '../services/rate-limit.js'
import type { Site } from '../tenancy/site.js'
import type { Account } from './hooks.js'
import { dummyHash, hasPassword, hashPassword, NO_PASSWORD, verifyPassword, type HashingProfile } from './passwords.js'
import { deriveKey, randomSecret, readSignedToken, sha256, signToken } from './secrets.js'
import { openTo as openToAccount } from './authenticate.js'

export interface AccountRow {
  id: string
  email: string
  name: string
  password_hash: string
  email_verified_at: Date | null
  /** Set by a bounce, cleared when the address is verified again. */
  email_bounced_at?: Date | null
  locale: string | null
  created_at: Date
}

export const toAccount = (r: Pick<AccountRow, 'id' | 'email' | 'name' | 'email_verified_at' | 'created_at'> & { locale?: string | null; email_bounced_at?: Date | null }): Account => ({
  id: r.id,
  email: r.email,
  name: r.name,
  emailVerified: r.email_verified_at !== null,
  createdAt: r.created_at,
  locale: r.locale ?? null,
  emailBouncedAt: r.email_bounced_at ?? null,
})

export interface SessionAuth {
  account: Account
  sessionHash: string
  csrfToken: string
  role: 'admin' | 'member' | null
}

export interface TokenAuth {
  account: Account
  tokenId: string
  role: 'admin' | 'member' | null
}

export interface IdentityDeps {
  db: () => Database
  secret: string
  hashing: HashingProfile
  limiter: RateLimiter
  mail: () => MailService
  /** Stores a kernel job (JobRunner.enqueue). */
  enqueue: (name: string, payload: unknown, options: { site?: Site; singletonKey?: string }) => Promise<unknown>
  log: Logger
  /** Change notices between processes: cached sessions are dropped everywhere when they end or change. */
  changes: () => ChangeBus
  /**
   * How long a session read from the database is used before it is read again (default 1000 ms): the bound for
   * a session ended behind the kernel's back (a row deleted by hand); the kernel's own changes reach every
   * process at once through the change bus.
   */
  sessionCacheMs?: number
}

/** The `kernel.accountMail` job: which address asked for which mail, looked up only when the job runs. */
export interface AccountMailJob {
  purpose: 'reset-password' | 'verify-email'
  email: string
  origin: string
}

const ONE_DAY = 24 * 3600
export const MIN_PASSWORD = 10

/** Cache tags of sessions: all of an account's, all on a site. */
const accountTag = (id: string) => `account:${id}`
const siteTag = (id: string) => `site:${id}`
const sessionTag = (hash: string) => `session:${hash}`

export class IdentityService {
  private readonly oneTimeKey: Buffer
  /**
   * Live sessions by hash, as read from the database: every request of a signed-in person needs one. Dropped in
   * every process (change bus) on sign-out, password change or reset, account change or deletion, role change and
   * site deletion; read again at least every second anyway (which also keeps last_seen_at fresh).
   */
  private readonly sessions: SharedCache<SessionAuth>
  /** Accounts by id (owners and authors of every list), dropped in every process when one changes. */
  private readonly accounts: SharedCache<Account>

  constructor(private readonly deps: IdentityDeps) {
    this.oneTimeKey = deriveKey(deps.secret, 'one-time-token')
    this.sessions = new SharedCache<SessionAuth>({ topic: 'kernel.sessions', changes: deps.changes, ttlMs: deps.sessionCacheMs ?? 1000 })
    // Names and addresses (no access depends on them): a few seconds.
    this.accounts = new SharedCache<Account>({ topic: 'kernel.accounts', changes: deps.changes, ttlMs: 5000 })
  }

  /** Cached sessions and records of these accounts are read again, in every process (after a change is committed). */
  async accountsChanged(accountIds: readonly string[]): Promise<void> {
    if (accountIds.length === 0) return
    const tags = accountIds.map(accountTag)
    await this.sessions.invalidate({ tags })
    await this.accounts.invalidate({ keys: accountIds })
  }

  /** Cached sessions on this site are read again, in every process (after the site is deleted). */
  async siteSessionsChanged(siteId: string): Promise<void> {
    await this.sessions.invalidate({ tags: [siteTag(siteId)] })
  }

  get db(): Database {
    return this.deps.db()
  }

  /**
   * Counts an attempt and refuses it when it is over the limit. Counting first, in one atomic statement,
   * means parallel attempts cannot all pass a check made before any of them was counted.
   */
  private async limited(key: string, limit: Limit, what: string): Promise<void> {
    const state = await this.deps.limiter.hit(key, limit)
    if (state.hits > limit.max) {
      throw problems.tooManyRequests(`Too many ${what}. Try again in ${state.retryAfter} seconds.`, {
        code: 'RATE_LIMITED',
        headers: { 'Retry-After': String(state.retryAfter) },
      })
    }
  }

  // ---- accounts ----

  async register(site: Site, input: { email: string; password: string; name: string }, ip: string): Promise<Account> {
    const settings = kernelSettings(site)
    if (!settings.auth.allowRegistration) throw problems.forbidden('This site does not take new accounts.', { code: 'REGISTRATION_CLOSED' })
    await this.limited(`register:ip:${ip}`, settings.rateLimits.registerPerIp, 'registrations from your address')
    const email = input.email.trim()
    const hash = await hashPassword(input.password, this.deps.hashing)
    const verified = !settings.auth.requireEmailVerification
    const account = await this.db.transaction(async m => {
      // One registration at a time decides who is first (and so the root site's administrator).
      await m.query('SELECT pg_advisory_xact_lock(7165432102)')
      const taken = await m.query('SELECT 1 FROM kernel_account WHERE lower(email) = lower($1)', [email])
      if (taken.length > 0) {
        throw problems.conflict('An account with this e-mail address exists already. Sign in, or reset your password.', { code: 'EMAIL_TAKEN' })
      }
      const first = (await m.query('SELECT NOT EXISTS (SELECT 1 FROM kernel_account) AS first'))[0].first as boolean
      const rows: AccountRow[] = await m.query(
        `INSERT INTO kernel_account (email, name, password_hash, email_verified_at)
         VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN now() END) RETURNING *`,
        [email, input.name.trim(), hash, verified],
      )
      const row = rows[0]!
      if (first && site.isRoot && site.admins.length === 0) {
        await m.query(`INSERT INTO kernel_site_member (site_id, account_id, role) VALUES ($1, $2, 'admin')`, [site.id, row.id])
        this.deps.log.info({ account: row.id }, 'the first account is the root site administrator')
      }
      return toAccount(row)
    })
    return account
  }

  /**
   * Accounts for these e-mail addresses, inside the caller's transaction: the existing ones as they are, the
   * others made now, unverified and without a password (they choose one through password reset). A fixed
   * number of queries for any number of people. Keyed by lower-cased e-mail address; the first name given
   * for an address is used.
   */
  async ensureAccounts(m: EntityManager, people: ReadonlyArray<{ email: string; name: string }>): Promise<Map<string, Account & { created: boolean }>> {
    const wanted = new Map<string, { email: string; name: string }>()
    for (const p of people) {
      const email = p.email.trim()
      if (!wanted.has(email.toLowerCase())) wanted.set(email.toLowerCase(), { email, name: p.name.trim() })
    }
    const out = new Map<string, Account & { created: boolean }>()
    if (wanted.size === 0) return out
    // Serialised with registration, which decides who is the very first account.
    await m.query('SELECT pg_advisory_xact_lock(7165432102)')
    const list = [...wanted.values()]
    const created: AccountRow[] = await m.query(
      `INSERT INTO kernel_account (email, name, password_hash)
       SELECT e, n, $3 FROM unnest($1::text[], $2::text[]) AS t (e, n)
       ON CONFLICT ((lower(email))) DO NOTHING
       RETURNING id, email, name, email_verified_at, created_at, locale`,
      [list.map(p => p.email), list.map(p => p.name), NO_PASSWORD],
    )
    for (const row of created) out.set(row.email.toLowerCase(), { ...toAccount(row), created: true })
    const rest = [...wanted.keys()].filter(e => !out.has(e))
    if (rest.length > 0) {
      const existing: AccountRow[] = await m.query(
        'SELECT id, email, name, email_verified_at, created_at, locale FROM kernel_account WHERE lower(email) = ANY($1::text[])',
        [rest],
      )
      for (const row of existing) out.set(row.email.toLowerCase(), { ...toAccount(row), created: false })
    }
    return out
  }

  async findAccountByEmail(email: string): Promise<AccountRow | undefined> {
    const rows: AccountRow[] = await this.db.query('SELECT * FROM kernel_account WHERE lower(email) = lower($1)', [email.trim()])
    return rows[0]
  }

  /** Accounts by id (the cached ones from the cache, the others in one query); unknown ids are left out. */
  async accountsByIds(ids: readonly string[]): Promise<Map<string, Account>> {
    const found = new Map<string, Account>()
    if (ids.length === 0) return found
    const missing: string[] = []
    for (const id of new Set(ids)) {
      const hit = this.accounts.peek(id)
      if (hit) found.set(id, hit)
      else missing.push(id)
    }
    if (missing.length === 0) return found
    const loaded = await this.accounts.getMany(missing, async wanted => {
      const rows: AccountRow[] = await this.db.query(
        'SELECT id, email, name, email_verified_at, email_bounced_at, locale, created_at FROM kernel_account WHERE id = ANY($1::uuid[])',
        [wanted],
      )
      return rows.map(r => ({ key: r.id, value: Object.freeze(toAccount(r)) }))
    })
    for (const [id, account] of loaded) found.set(id, account)
    return found
  }

  /** What a person may change of their own account: the name others see, and the language of pages and mail (null: the browser's). */
  async updateProfile(accountId: string, input: { name?: string; locale?: 'nl' | 'en' | null }): Promise<Account> {
    // UPDATE … RETURNING answers [rows, count].
    const [rows] = (await this.db.query(
      `UPDATE kernel_account SET name = coalesce($2, name), locale = CASE WHEN $3::boolean THEN $4 ELSE locale END, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [accountId, input.name?.trim() ?? null, input.locale !== undefined, input.locale ?? null],
    )) as unknown as [AccountRow[], number]
    if (!rows[0]) throw problems.notFound('No such account.', { code: 'USER_NOT_FOUND' })
    await this.accountsChanged([accountId])
    return toAccount(rows[0])
  }

  /**
   * Checks a signed-in person's password before something that cannot be undone (a new password, deleting the
   * account), counted against the same limits as signing in. A wrong password is a 400 naming `field`.
   */
  async confirmPassword(site: Site, account: Pick<Account, 'id' | 'email'>, password: string, ip: string, field = 'password'): Promise<void> {
    const settings = kernelSettings(site)
    const accountKey = `login:account:${account.email.trim().toLowerCase()}`
    const ipKey = `login:ip:${ip}`
    await this.limited(accountKey, settings.rateLimits.loginPerAccount, 'failed sign-ins for this account')
    await this.limited(ipKey, settings.rateLimits.loginPerIp, 'failed sign-ins from your address')
    const rows: Array<Pick<AccountRow, 'password_hash'>> = await this.db.query('SELECT password_hash FROM kernel_account WHERE id = $1', [account.id])
    const stored = rows[0]?.password_hash
    const usable = stored !== undefined && hasPassword(stored)
    const ok = (await verifyPassword(password, usable ? stored : await dummyHash(this.deps.hashing))) && usable
    if (!ok) {
      throw new HttpProblem({
        status: 400,
        detail: 'The password is wrong.',
        code: 'PASSWORD_WRONG',
        errors: [{ in: 'body', location: { pointer: `/${field}` }, detail: 'is not your current password', code: 'password' }],
      })
    }
    await this.deps.limiter.reset(accountKey)
    await this.deps.limiter.undo(ipKey)
  }

  /** A new password after the current one is confirmed; every other session of the account ends. */
  async changePassword(site: Site, account: Pick<Account, 'id' | 'email'>, input: { currentPassword: string; password: string }, ip: string, keepSessionHash?: string): Promise<void> {
    await this.confirmPassword(site, account, input.currentPassword, ip, 'currentPassword')
    const hash = await hashPassword(input.password, this.deps.hashing)
    await this.db.transaction(async m => {
      await m.query('UPDATE kernel_account SET password_hash = $2, updated_at = now() WHERE id = $1', [account.id, hash])
      await m.query('DELETE FROM kernel_session WHERE account_id = $1 AND id_hash IS DISTINCT FROM $2', [account.id, keepSessionHash ?? null])
    })
    await this.accountsChanged([account.id])
  }

  // ---- sessions ----

  /** Checks the password (rate-limited per account and per address) and makes a new session. */
  async login(site: Site, input: { email: string; password: string }, ip: string): Promise<{ account: Account; sessionId: string; csrfToken: string }> {
    const settings = kernelSettings(site)
    const accountKey = `login:account:${input.email.trim().toLowerCase()}`
    const ipKey = `login:ip:${ip}`
    await this.limited(accountKey, settings.rateLimits.loginPerAccount, 'failed sign-ins for this account')
    await this.limited(ipKey, settings.rateLimits.loginPerIp, 'failed sign-ins from your address')
    const row = await this.findAccountByEmail(input.email)
    // The same work whether or not the account exists: no answer or timing tells which e-mails have accounts.
    // An account without a password yet (made by a plugin, e.g. an import) takes the same time to refuse.
    const usable = row !== undefined && hasPassword(row.password_hash)
    const ok = (await verifyPassword(input.password, usable ? row.password_hash : await dummyHash(this.deps.hashing))) && usable
    // The attempt was counted above; it stays counted only when it failed.
    if (!row || !ok) throw problems.unauthorized('The e-mail address or password is wrong.', { code: 'INVALID_CREDENTIALS' })
    await this.deps.limiter.reset(accountKey)
    await this.deps.limiter.undo(ipKey)
    if (settings.auth.requireEmailVerification && row.email_verified_at === null) {
      throw problems.forbidden('Confirm your e-mail address first: follow the link in the message we sent you.', { code: 'EMAIL_NOT_VERIFIED' })
    }
    const sessionId = randomSecret()
    const csrfToken = randomSecret()
    await this.db.query(
      `INSERT INTO kernel_session (id_hash, account_id, site_id, csrf_token, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))`,
      [sha256(sessionId), row.id, site.id, csrfToken, settings.sessions.absoluteDays],
    )
    return { account: toAccount(row), sessionId, csrfToken }
  }

  /**
   * The session behind a cookie value, if it is alive; touches it at most once a minute. Answered from the
   * session cache when it holds it (see `sessions`), never past the session's absolute or idle expiry.
   */
  async session(site: Site, sessionId: string): Promise<SessionAuth | undefined> {
    if (sessionId.length < 20 || sessionId.length > 100) return undefined
    const hash = sha256(sessionId)
    // Sessions belong to one site: the key says which, so a cookie never answers for another site.
    return this.sessions.get(`${site.id}:${hash}`, () => this.readSession(site, hash))
  }

  private async readSession(site: Site, hash: string) {
    const idleMinutes = kernelSettings(site).sessions.idleMinutes
    const rows = await this.db.query(
      `SELECT a.id, a.email, a.name, a.email_verified_at, a.created_at, a.locale, s.csrf_token, CASE WHEN m.status = 'member' THEN m.role END AS role,
              s.last_seen_at < now() - interval '1 minute' AS stale,
              extract(epoch FROM least(s.expires_at, s.last_seen_at + make_interval(mins => $3)) - now()) * 1000 AS ms_left
         FROM kernel_session s
         JOIN kernel_account a ON a.id = s.account_id
         LEFT JOIN kernel_site_member m ON m.site_id = $2 AND m.account_id = a.id
        WHERE s.id_hash = $1 AND s.site_id = $2 AND s.expires_at > now()
          AND s.last_seen_at > now() - make_interval(mins => $3)`,
      [hash, site.id, idleMinutes],
    )
    const row = rows[0]
    if (!row) return undefined
    if (row.stale) await this.db.query('UPDATE kernel_session SET last_seen_at = now() WHERE id_hash = $1', [hash])
    // Frozen: one cached object answers many requests.
    const auth: SessionAuth = Object.freeze({ account: Object.freeze(toAccount(row)), sessionHash: hash, csrfToken: row.csrf_token, role: row.role })
    // Touched now or within the minute: it stays alive at least as long as the cache may keep it.
    return { value: auth, tags: [sessionTag(hash), accountTag(row.id), siteTag(site.id)], ttlMs: row.stale ? Infinity : Number(row.ms_left) }
  }

  async logout(sessionHash: string): Promise<void> {
    await this.db.query('DELETE FROM kernel_session WHERE id_hash = $1', [sessionHash])
    await this.sessions.invalidate({ tags: [sessionTag(sessionHash)] })
  }

  // ---- personal API tokens ----

  async createToken(accountId: string, name: string): Promise<{ id: string; name: string; token: string; createdAt: Date }> {
    const token = `plein_${randomSecret()}`
    const rows = await this.db.query(
      'INSERT INTO kernel_api_token (account_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id, name, created_at',
      [accountId, name.trim(), sha256(token)],
    )
    return { id: rows[0].id, name: rows[0].name, token, createdAt: rows[0].created_at }
  }

  async listTokens(accountId: string): Promise<Array<{ id: string; name: string; createdAt: Date; lastUsedAt: Date | null }>> {
    const rows = await this.db.query(
      'SELECT id, name, created_at, last_used_at FROM kernel_api_token WHERE account_id = $1 ORDER BY created_at, id LIMIT 1000',
      [accountId],
    )
    return rows.map((r: any) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }))
  }

  async deleteToken(accountId: string, id: string): Promise<boolean> {
    const [, count] = await this.db.query('DELETE FROM kernel_api_token WHERE id = $1 AND account_id = $2', [id, accountId])
    return count > 0
  }

  /** The account behind a bearer token; undefined for a forged or deleted token. */
  async token(site: Site, token: string): Promise<TokenAuth | undefined> {
    if (!token.startsWith('plein_') || token.length > 100) return undefined
    const hash = sha256(token)
    const rows = await this.db.query(
      `SELECT a.id, a.email, a.name, a.email_verified_at, a.created_at, a.locale, t.id AS token_id, CASE WHEN m.status = 'member' THEN m.role END AS role,
              (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
         FROM kernel_api_token t
         JOIN kernel_account a ON a.id = t.account_id
         LEFT JOIN kernel_site_member m ON m.site_id = $2 AND m.account_id = a.id
        WHERE t.token_hash = $1`,
      [hash, site.id],
    )
    const row = rows[0]
    if (!row) return undefined
    if (row.stale) await this.db.query('UPDATE kernel_api_token SET last_used_at = now() WHERE id = $1', [row.token_id])
    return { account: toAccount(row), tokenId: row.token_id, role: row.role }
  }

  // ---- e-mail verification and password reset ----

  private async oneTimeToken(accountId: string, purpose: string, ttlSeconds: number): Promise<string> {
    const nonce = randomSecret(16)
    const exp = Math.floor(Date.now() / 1000) + ttlSeconds
    await this.db.query('INSERT INTO kernel_one_time_token (nonce_hash, account_id, purpose, expires_at) VALUES ($1, $2, $3, to_timestamp($4))', [
      sha256(nonce),
      accountId,
      purpose,
      exp,
    ])
    return signToken({ purpose, accountId, exp, nonce }, this.oneTimeKey)
  }

  /** Uses a token once: the account id when it is genuine, unexpired and unused; else a 400. */
  private async spendToken(token: string, purpose: string, m: EntityManager): Promise<string> {
    const payload = readSignedToken(token, this.oneTimeKey, purpose)
    const invalid = () =>
      new HttpProblem({
        status: 400,
        detail: 'This link is invalid, expired or already used. Ask for a new one.',
        code: 'TOKEN_INVALID',
        errors: [{ in: 'body', location: { pointer: '/token' }, detail: 'is invalid, expired or already used', code: 'token' }],
      })
    if (!payload) throw invalid()
    const [rows] = await m.query(
      `UPDATE kernel_one_time_token SET used_at = now()
        WHERE nonce_hash = $1 AND account_id = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > now()
        RETURNING account_id`,
      [sha256(payload.nonce), payload.accountId, purpose],
    )
    if (!rows || rows.length === 0) throw invalid()
    return payload.accountId
  }

  async sendVerification(site: Site, account: Pick<Account, 'id' | 'email' | 'name'>, origin: string): Promise<void> {
    const limit = kernelSettings(site).rateLimits.mailPerAccount
    const state = await this.deps.limiter.hit(`mail:${account.id}`, limit)
    if (state.hits > limit.max) return // quietly: the answer never tells whether mail went out
    const token = await this.oneTimeToken(account.id, 'verify-email', 2 * ONE_DAY)
    const link = `${origin}/auth/verify-email?token=${encodeURIComponent(token)}`
    await this.deps.mail().queue(
      {
        to: account.email,
        subject: `Bevestig je e-mailadres voor ${site.name} / Confirm your e-mail address`,
        text:
          `Hallo ${account.name},\n\nBevestig je e-mailadres voor ${site.name} met deze link (48 uur geldig):\n${link}\n\n` +
          `Hello ${account.name},\n\nConfirm your e-mail address for ${site.name} with this link (valid for 48 hours):\n${link}\n`,
        link,
      },
      { site },
    )
  }

  /**
   * Both requests that name an address (resend the confirmation, reset the password) only store a job, the same
   * for every address: neither the answer nor its time tells whether the address has an account. The job looks
   * it up. One queued job per site, purpose and address, so repeating a request adds nothing.
   */
  private async queueAccountMail(site: Site, job: AccountMailJob): Promise<void> {
    // Hashed: the key stays with the job row after its payload is emptied.
    await this.deps.enqueue('kernel.accountMail', job, { site, singletonKey: sha256(`${site.id}:${job.purpose}:${job.email.trim().toLowerCase()}`) })
  }

  async resendVerification(site: Site, email: string, origin: string, ip: string): Promise<void> {
    await this.limited(`account-mail:ip:${ip}`, kernelSettings(site).rateLimits.mailRequestsPerIp, 'mail requests from your address')
    await this.queueAccountMail(site, { purpose: 'verify-email', email, origin })
  }

  /** The `kernel.accountMail` job: queues the mail when the address has an account that should get it. */
  async accountMail(site: Site, job: AccountMailJob): Promise<void> {
    const row = await this.findAccountByEmail(job.email)
    if (!row) return
    // A bounced address is verified again the same way: following the link clears the bounce.
    if (job.purpose === 'verify-email') {
      if (row.email_verified_at === null || row.email_bounced_at) await this.sendVerification(site, toAccount(row), job.origin)
      return
    }
    const limit = kernelSettings(site).rateLimits.mailPerAccount
    const state = await this.deps.limiter.hit(`mail:${row.id}`, limit)
    if (state.hits > limit.max) return
    const token = await this.oneTimeToken(row.id, 'reset-password', 3600)
    const link = `${job.origin}/auth/reset-password?token=${encodeURIComponent(token)}`
    await this.deps.mail().queue(
      {
        to: row.email,
        subject: `Nieuw wachtwoord voor ${site.name} / Reset your password`,
        text:
          `Hallo ${row.name},\n\nKies een nieuw wachtwoord met deze link (1 uur geldig):\n${link}\nHeb je dit niet gevraagd? Dan hoef je niets te doen.\n\n` +
          `Hello ${row.name},\n\nChoose a new password with this link (valid for 1 hour):\n${link}\nDid not ask for this? Then do nothing.\n`,
        link,
      },
      { site },
    )
  }

  async verifyEmail(token: string): Promise<Account> {
    const account = await this.db.transaction(async m => {
      const id = await this.spendToken(token, 'verify-email', m)
      // UPDATE … RETURNING answers [rows, count].
      const [rows]: [AccountRow[], number] = await m.query(
        'UPDATE kernel_account SET email_verified_at = coalesce(email_verified_at, now()), email_bounced_at = NULL, updated_at = now() WHERE id = $1 RETURNING *',
        [id],
      )
      return toAccount(rows[0]!)
    })
    await this.accountsChanged([account.id])
    return account
  }

  async requestPasswordReset(site: Site, email: string, origin: string, ip: string): Promise<void> {
    // Per client address: every request stores a job, whatever the address asked about.
    await this.limited(`account-mail:ip:${ip}`, kernelSettings(site).rateLimits.mailRequestsPerIp, 'mail requests from your address')
    await this.queueAccountMail(site, { purpose: 'reset-password', email, origin })
  }

  /** Sets the new password and ends every session of the account. */
  async resetPassword(token: string, password: string): Promise<void> {
    const hash = await hashPassword(password, this.deps.hashing)
    const id = await this.db.transaction(async m => {
      const id = await this.spendToken(token, 'reset-password', m)
      // Following the link proves the address, too.
      await m.query(
        'UPDATE kernel_account SET password_hash = $2, email_verified_at = coalesce(email_verified_at, now()), email_bounced_at = NULL, updated_at = now() WHERE id = $1',
        [id, hash],
      )
      await m.query('DELETE FROM kernel_session WHERE account_id = $1', [id])
      return id
    })
    await this.accountsChanged([id])
  }

  // ---- site membership and roles ----

  /**
   * Joining a site: open (and the e-mail domain fits) → member; approval → a pending request for the
   * administrators; invite → 403.
   */
  async join(site: Site, account: Account): Promise<'member' | 'pending'> {
    const settings = kernelSettings(site)
    const existing = await this.db.query('SELECT status FROM kernel_site_member WHERE site_id = $1 AND account_id = $2', [site.id, account.id])
    if (existing[0]?.status === 'member') return 'member'
    if (settings.membership === 'open') {
      if (!openToAccount(site, account)) {
        throw problems.forbidden(`This site is for e-mail addresses in ${settings.allowedEmailDomains.join(', ')} (verified).`, { code: 'EMAIL_DOMAIN_NOT_ALLOWED' })
      }
      await this.db.query(
        `INSERT INTO kernel_site_member (site_id, account_id, role, status) VALUES ($1, $2, 'member', 'member')
         ON CONFLICT (site_id, account_id) DO UPDATE SET status = 'member'`,
        [site.id, account.id],
      )
      await this.accountsChanged([account.id])
      return 'member'
    }
    if (settings.membership === 'invite') throw problems.forbidden('This site is by invitation only: ask an administrator.', { code: 'SITE_INVITE_ONLY' })
    await this.db.query(
      `INSERT INTO kernel_site_member (site_id, account_id, role, status) VALUES ($1, $2, 'member', 'pending') ON CONFLICT (site_id, account_id) DO NOTHING`,
      [site.id, account.id],
    )
    return 'pending'
  }

  async approve(site: Site, accountId: string): Promise<void> {
    const [, count] = await this.db.query(`UPDATE kernel_site_member SET status = 'member', created_at = now() WHERE site_id = $1 AND account_id = $2 AND status = 'pending'`, [
      site.id,
      accountId,
    ])
    if (!count) throw problems.notFound('No pending request of this user.', { code: 'REQUEST_NOT_FOUND' })
    await this.accountsChanged([accountId])
  }

  /** Ends a membership (leaving, or removal by an administrator); never the last administrator. */
  async removeMember(site: Site, accountId: string): Promise<void> {
    await this.db.transaction(async m => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`site-roles:${site.id}`])
      const row = (await m.query('SELECT role, status FROM kernel_site_member WHERE site_id = $1 AND account_id = $2', [site.id, accountId]))[0]
      if (!row) throw problems.notFound('This account has no membership here.', { code: 'MEMBER_NOT_FOUND' })
      if (row.role === 'admin' && row.status === 'member') {
        const others = await m.query(`SELECT count(*)::int AS n FROM kernel_site_member WHERE site_id = $1 AND role = 'admin' AND status = 'member' AND account_id <> $2`, [site.id, accountId])
        if (others[0].n === 0 && site.admins.length === 0) throw problems.conflict('A site always keeps an administrator.', { code: 'LAST_ADMIN' })
      }
      await m.query('DELETE FROM kernel_site_member WHERE site_id = $1 AND account_id = $2', [site.id, accountId])
    })
    await this.accountsChanged([accountId])
  }

  /** Sets an account's role; answers the change (undefined when the role was already this one). */
  async setRole(site: Site, accountId: string, role: 'admin' | 'member'): Promise<{ from: 'admin' | 'member' | null; to: 'admin' | 'member' } | undefined> {
    const change = await this.db.transaction(async m => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`site-roles:${site.id}`])
      const account = (await m.query('SELECT id, email FROM kernel_account WHERE id = $1', [accountId]))[0]
      if (!account) throw problems.notFound('No account with this id.', { code: 'USER_NOT_FOUND' })
      if (role === 'member' && site.admins.includes(account.email.toLowerCase())) {
        throw problems.conflict('This administrator is named in site.json; change it there.', { code: 'ADMIN_IN_CONFIG' })
      }
      if (role === 'member') {
        const admins = await m.query(
          `SELECT count(*)::int AS n FROM kernel_site_member WHERE site_id = $1 AND role = 'admin' AND status = 'member' AND account_id <> $2`,
          [site.id, accountId],
        )
        if (admins[0].n === 0 && site.admins.length === 0) {
          throw problems.conflict('A site always keeps an administrator: make someone else administrator first.', { code: 'LAST_ADMIN' })
        }
      }
      const before = (await m.query('SELECT role, status FROM kernel_site_member WHERE site_id = $1 AND account_id = $2', [site.id, accountId]))[0]
      await m.query(
        `INSERT INTO kernel_site_member (site_id, account_id, role, status) VALUES ($1, $2, $3, 'member')
         ON CONFLICT (site_id, account_id) DO UPDATE SET role = EXCLUDED.role, status = 'member'`,
        [site.id, accountId, role],
      )
      const from: 'admin' | 'member' | null = before && before.status === 'member' ? before.role : null
      return from === role ? undefined : { from, to: role }
    })
    // Also when nothing changed: a pending request became a membership.
    await this.accountsChanged([accountId])
    return change
  }
}
