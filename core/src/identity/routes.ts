// The Accounts part of the API (API.md): register, login, logout, me, tokens, verification, reset,
// site roles, users, and the GDPR export/deletion.
import { PassThrough } from 'node:stream'
import type { Viewer } from '../access/viewer.js'
import { kernelSettings } from '../config/kernel-settings.js'
import type { RequestContext, RouteContext } from '../http/context.js'
import { cursorColumn, cursorTime, decodeCursor, pageQueryProperties, toPage } from '../http/paging.js'
import { problems } from '../http/problem.js'
import type { PluginRouter } from '../http/router.js'
import type { AuditLog } from '../services/audit.js'
import { SESSION_COOKIE } from './authenticate.js'
import type { Account } from './hooks.js'
import { MIN_PASSWORD, type IdentityService } from './service.js'
import type { AccountLifecycle } from './lifecycle.js'

const email = { type: 'string', format: 'email', maxLength: 254, description: 'E-mail address.' }
const password = { type: 'string', minLength: MIN_PASSWORD, maxLength: 1000, description: `At least ${MIN_PASSWORD} characters.` }
const name = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' }
const uuid = { type: 'string', format: 'uuid' }

export const userSchema = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string', description: 'Only for the user themself and administrators.' } },
}
const meSchema = { type: 'object', required: ['user', 'csrfToken'], properties: { user: userSchema, csrfToken: { type: 'string' } } }

/** `User` as API.md has it: e-mail only for the user themself and administrators. */
export function userJson(account: Pick<Account, 'id' | 'name' | 'email'>, viewer: Viewer): Record<string, string> {
  const own = viewer.user?.id === account.id
  return own || viewer.isAdmin ? { id: account.id, name: account.name, email: account.email } : { id: account.id, name: account.name }
}

/** Your own account as the profile endpoints answer it. */
export const profileJson = (a: Account) => ({ id: a.id, name: a.name, email: a.email, locale: a.locale === 'nl' || a.locale === 'en' ? a.locale : null })

const requireUser = (ctx: RequestContext) => {
  if (!ctx.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  return ctx.viewer.user
}

const requireAdmin = (ctx: RequestContext) => {
  requireUser(ctx)
  if (!ctx.viewer.isAdmin) throw problems.forbidden('Only administrators of this site may do this.', { code: 'NOT_ADMIN' })
}

export const origin = (ctx: RequestContext) => ctx.site.publicUrl?.replace(/\/$/, '') ?? `${ctx.protocol}://${ctx.host}`

export function identityRoutes(router: PluginRouter, identity: IdentityService, lifecycle: AccountLifecycle, audit?: AuditLog): void {
  router.post<{ email: string; password: string; name: string }>(
    'auth.register',
    '/api/v1/auth/register',
    {
      summary: 'Create an account.',
      body: { type: 'object', required: ['email', 'password', 'name'], properties: { email, password, name } },
      csrf: false,
      responses: {
        201: { description: 'The new account.', schema: { type: 'object', properties: { user: userSchema } } },
        409: { description: 'The e-mail address has an account already.' },
        429: { description: 'Too many registrations from this address.' },
      },
    },
    async ctx => {
      const account = await identity.register(ctx.site, ctx.input.body, ctx.ip)
      if (!account.emailVerified) await identity.sendVerification(ctx.site, account, origin(ctx))
      await lifecycle.registered(account, ctx.site)
      ctx.status = 201
      return { user: userJson(account, { ...ctx.viewer, user: account }) }
    },
  )

  router.post<{ email: string; password: string }>(
    'auth.login',
    '/api/v1/auth/login',
    {
      summary: 'Sign in: sets the session cookie and returns the CSRF token.',
      body: { type: 'object', required: ['email', 'password'], properties: { email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1000 } } },
      csrf: false,
      responses: {
        200: { description: 'Signed in.', schema: meSchema },
        401: { description: 'Wrong e-mail address or password (the same answer for both).' },
        403: { description: 'The e-mail address is not confirmed yet.' },
        429: { description: 'Too many failed sign-ins; see Retry-After.' },
      },
    },
    async ctx => {
      const { account, sessionId, csrfToken } = await identity.login(ctx.site, ctx.input.body, ctx.ip)
      // A new session id at every sign-in: an id planted before (fixation) is never promoted, and the old one ends.
      if (ctx.auth.kind === 'session') await identity.logout(ctx.auth.sessionHash)
      // Secure when the site's public URL is https, also when TLS ends at a proxy in front of us.
      const secure = ctx.secure || /^https:/i.test(ctx.site.publicUrl ?? '')
      if (secure) ctx.cookies.secure = true
      ctx.cookies.set(SESSION_COOKIE, sessionId, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
        overwrite: true,
        maxAge: kernelSettings(ctx.site).sessions.absoluteDays * 86_400_000,
      })
      await lifecycle.signedIn(account, ctx.site)
      return { user: userJson(account, { ...ctx.viewer, user: account }), csrfToken }
    },
  )

  router.post('auth.logout', '/api/v1/auth/logout', { summary: 'Sign out: the session ends on the server.', responses: { 204: { description: 'Signed out.' } } }, async ctx => {
    if (ctx.auth.kind === 'session') await identity.logout(ctx.auth.sessionHash)
    ctx.cookies.set(SESSION_COOKIE, null, { path: '/' })
    ctx.status = 204
  })

  router.get('auth.me', '/api/v1/auth/me', { summary: 'The signed-in user and the CSRF token.', auth: true, responses: { 200: { description: 'You.', schema: meSchema } } }, ctx => {
    const user = requireUser(ctx)
    return { user: userJson(user, ctx.viewer), csrfToken: ctx.auth.kind === 'session' ? ctx.auth.csrfToken : null }
  })

  // ---- personal API tokens ----

  router.post<{ name: string }>(
    'auth.tokens.create',
    '/api/v1/auth/tokens',
    {
      summary: 'Create a personal API token; the token is shown once.',
      auth: true,
      body: { type: 'object', required: ['name'], properties: { name } },
      responses: { 201: { description: 'The token (shown only now).', schema: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, token: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } } } } },
    },
    async ctx => {
      const user = requireUser(ctx)
      const created = await identity.createToken(user.id, ctx.input.body.name)
      ctx.status = 201
      return created
    },
  )

  router.get(
    'auth.tokens.list',
    '/api/v1/auth/tokens',
    {
      summary: 'Your personal API tokens (never the secret).',
      auth: true,
      responses: {
        200: {
          description: 'Your tokens.',
          schema: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' }, lastUsedAt: { type: ['string', 'null'], format: 'date-time' } } },
              },
            },
          },
        },
      },
    },
    async ctx => ({ items: await identity.listTokens(requireUser(ctx).id) }),
  )

  router.delete<unknown, unknown, { id: string }>(
    'auth.tokens.delete',
    '/api/v1/auth/tokens/:id',
    { summary: 'Delete a token; it stops working at once.', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 204: { description: 'Deleted.' } } },
    async ctx => {
      const user = requireUser(ctx)
      if (!(await identity.deleteToken(user.id, ctx.input.params.id))) throw problems.notFound('You have no token with this id.', { code: 'TOKEN_NOT_FOUND' })
      ctx.status = 204
    },
  )

  // ---- e-mail verification and password reset ----

  router.post<{ token: string }>(
    'auth.verifyEmail',
    '/api/v1/auth/verify-email',
    {
      summary: 'Confirm an e-mail address with the token from the mail.',
      body: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 2000 } } },
      csrf: false,
      responses: { 200: { description: 'Confirmed.', schema: { type: 'object', properties: { user: userSchema } } } },
    },
    async ctx => {
      const account = await identity.verifyEmail(ctx.input.body.token)
      return { user: userJson(account, { ...ctx.viewer, user: account }) }
    },
  )

  router.post<{ email: string }>(
    'auth.verifyEmail.resend',
    '/api/v1/auth/verify-email/resend',
    {
      summary: 'Send the confirmation mail again. Always 202: the answer never tells whether an account exists.',
      body: { type: 'object', required: ['email'], properties: { email } },
      csrf: false,
      responses: { 202: { description: 'If the address has an unconfirmed account, a mail is on its way.' }, 429: { description: 'Too many mail requests from this client address.' } },
    },
    async ctx => {
      await identity.resendVerification(ctx.site, ctx.input.body.email, origin(ctx), ctx.ip)
      ctx.status = 202
      return { status: 'accepted' }
    },
  )

  router.post<{ email: string }>(
    'auth.passwordReset.request',
    '/api/v1/auth/password-reset',
    {
      summary: 'Mail a password-reset link. Always 202: the answer never tells whether an account exists.',
      body: { type: 'object', required: ['email'], properties: { email } },
      csrf: false,
      responses: { 202: { description: 'If the address has an account, a mail is on its way.' }, 429: { description: 'Too many mail requests from this client address.' } },
    },
    async ctx => {
      await identity.requestPasswordReset(ctx.site, ctx.input.body.email, origin(ctx), ctx.ip)
      ctx.status = 202
      return { status: 'accepted' }
    },
  )

  router.post<{ token: string; password: string }>(
    'auth.passwordReset.confirm',
    '/api/v1/auth/password-reset/confirm',
    {
      summary: 'Set a new password with the token from the mail; every session of the account ends.',
      body: { type: 'object', required: ['token', 'password'], properties: { token: { type: 'string', maxLength: 2000 }, password } },
      csrf: false,
      responses: { 204: { description: 'The password is changed.' } },
    },
    async ctx => {
      await identity.resetPassword(ctx.input.body.token, ctx.input.body.password)
      ctx.status = 204
    },
  )

  // The links in the mails open pages in views/account.tsx (a form that POSTs, so a mail scanner changes nothing).

  // ---- your own account ----

  const profileSchema = { type: 'object', required: ['id', 'name', 'email', 'locale'], properties: { ...userSchema.properties, locale: { type: ['string', 'null'], enum: ['nl', 'en', null] } } }

  router.get('users.me.get', '/api/v1/users/me', { summary: 'Your profile: name, e-mail address and chosen language.', auth: true, responses: { 200: { description: 'You.', schema: profileSchema } } }, async ctx => {
    const user = requireUser(ctx)
    const account = (await identity.accountsByIds([user.id])).get(user.id)!
    return profileJson(account)
  })

  router.patch<{ name?: string; locale?: 'nl' | 'en' | null }>(
    'users.me.update',
    '/api/v1/users/me',
    {
      summary: 'Change your name or language (nl, en, or null for the browser\'s choice).',
      auth: true,
      body: { type: 'object', properties: { name, locale: { type: ['string', 'null'], enum: ['nl', 'en', null] } } },
      responses: { 200: { description: 'Your profile as it is now.', schema: profileSchema } },
    },
    async ctx => profileJson(await identity.updateProfile(requireUser(ctx).id, ctx.input.body)),
  )

  router.put<{ currentPassword: string; password: string }>(
    'auth.password.change',
    '/api/v1/auth/password',
    {
      summary: 'Choose a new password, confirming the current one (limited like sign-ins); your other sessions end.',
      auth: true,
      body: { type: 'object', required: ['currentPassword', 'password'], properties: { currentPassword: { type: 'string', maxLength: 1000 }, password } },
      responses: { 204: { description: 'The password is changed.' }, 429: { description: 'Too many wrong passwords; see Retry-After.' } },
    },
    async ctx => {
      const user = requireUser(ctx)
      await identity.changePassword(ctx.site, user, ctx.input.body, ctx.ip, ctx.auth.kind === 'session' ? ctx.auth.sessionHash : undefined)
      ctx.status = 204
    },
  )

  // ---- users and site roles ----

  router.get<unknown, unknown, { id: string }>(
    'users.get',
    '/api/v1/users/:id',
    { summary: 'A user (e-mail only for themself and administrators).', params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'The user.', schema: userSchema } } },
    async ctx => {
      const found = (await identity.accountsByIds([ctx.input.params.id])).get(ctx.input.params.id)
      if (!found) throw problems.notFound('No user with this id.', { code: 'USER_NOT_FOUND' })
      return userJson(found, ctx.viewer)
    },
  )

  router.post('site.join', '/api/v1/site/join', {
    summary: 'Become a member of this site: open sites at once (200), sites with approval after an administrator agrees (202).',
    auth: true,
    responses: {
      200: { description: 'You are a member.', schema: { type: 'object', properties: { status: { const: 'member' } } } },
      202: { description: 'Your request waits for an administrator.', schema: { type: 'object', properties: { status: { const: 'pending' } } } },
      403: { description: 'By invitation only, or your e-mail domain is not admitted.' },
    },
  }, async ctx => {
    const user = requireUser(ctx)
    const account = (await identity.accountsByIds([user.id])).get(user.id)!
    const status = await identity.join(ctx.site, account)
    ctx.status = status === 'member' ? 200 : 202
    return { status }
  })

  router.post<unknown, unknown, { userId: string }>(
    'site.members.approve',
    '/api/v1/site/members/:userId/approve',
    { summary: 'Admit someone who asked to join (administrators only).', auth: true, params: { type: 'object', properties: { userId: uuid } }, responses: { 200: { description: 'A member now.' }, 403: { description: 'Not an administrator.' } } },
    async ctx => {
      requireAdmin(ctx)
      await identity.approve(ctx.site, ctx.input.params.userId)
      await audit?.record(ctx.site, { actorId: ctx.viewer.user!.id, action: 'member.approved', target: ctx.input.params.userId })
      return { status: 'member' }
    },
  )

  router.delete<unknown, unknown, { userId: string }>(
    'site.members.remove',
    '/api/v1/site/members/:userId',
    {
      summary: 'Leave this site (yourself) or remove a member or request (administrators); never the last administrator.',
      auth: true,
      params: { type: 'object', properties: { userId: uuid } },
      responses: { 204: { description: 'Removed.' }, 403: { description: 'Not an administrator.' }, 409: { description: 'The last administrator.' } },
    },
    async ctx => {
      const user = requireUser(ctx)
      if (user.id !== ctx.input.params.userId) requireAdmin(ctx)
      await identity.removeMember(ctx.site, ctx.input.params.userId)
      await audit?.record(ctx.site, { actorId: user.id, action: user.id === ctx.input.params.userId ? 'member.left' : 'member.removed', target: ctx.input.params.userId })
      ctx.status = 204
    },
  )

  router.get<unknown, { limit: number; cursor?: string; role?: 'admin' | 'member'; status?: 'member' | 'pending' }>(
    'site.members.list',
    '/api/v1/site/members',
    {
      summary: 'Accounts with a role on this site, or (status=pending) asking to join (administrators only).',
      auth: true,
      query: { type: 'object', properties: { ...pageQueryProperties, role: { enum: ['admin', 'member'] }, status: { enum: ['member', 'pending'], default: 'member' } } },
      responses: { 200: { description: 'A page of members.' }, 403: { description: 'Not an administrator.' } },
    },
    async ctx => {
      requireAdmin(ctx)
      return membersPage(identity, ctx)
    },
  )

  router.patch<{ role: 'admin' | 'member' }, unknown, { userId: string }>(
    'site.members.update',
    '/api/v1/site/members/:userId',
    {
      summary: 'Make an account administrator or member of this site (administrators only; never the last administrator).',
      auth: true,
      params: { type: 'object', properties: { userId: uuid } },
      body: { type: 'object', required: ['role'], properties: { role: { enum: ['admin', 'member'] } } },
      responses: { 200: { description: 'The new role.' }, 403: { description: 'Not an administrator.' }, 409: { description: 'That would leave the site without an administrator.' } },
    },
    async ctx => {
      requireAdmin(ctx)
      const changed = await identity.setRole(ctx.site, ctx.input.params.userId, ctx.input.body.role)
      if (changed) await audit?.record(ctx.site, { actorId: ctx.viewer.user!.id, ...roleAudit(ctx.input.params.userId, changed) })
      return { userId: ctx.input.params.userId, role: ctx.input.body.role }
    },
  )

  // ---- privacy (AVG/GDPR) ----

  router.get('users.me.export', '/api/v1/users/me/export', { summary: 'All your personal data and content, as JSON (streamed).', auth: true, responses: { 200: { description: 'Your data.' } } }, async ctx => {
    const user = requireUser(ctx)
    const out = new PassThrough()
    ctx.type = 'application/json; charset=utf-8'
    ctx.set('Content-Disposition', 'attachment; filename="plein-export.json"')
    ctx.set('Cache-Control', 'no-store')
    ctx.body = out
    lifecycle.exportTo(user.id, out).catch(error => {
      ctx.log.error({ err: error }, 'export failed')
      out.destroy(error)
    })
  })

  router.delete('users.me.delete', '/api/v1/users/me', { summary: 'Delete your account and personal data.', auth: true, responses: { 204: { description: 'Deleted.' }, 409: { description: 'A plugin refused (e.g. you are the only owner of a group).' } } }, async ctx => {
    const user = requireUser(ctx)
    await lifecycle.delete(user.id, ctx.site)
    ctx.cookies.set(SESSION_COOKIE, null, { path: '/' })
    ctx.status = 204
  })
}

/** The audit entry of a role change: granting admin, or taking it back. */
export const roleAudit = (accountId: string, change: { from: string | null; to: string }) =>
  change.to === 'admin'
    ? { action: 'role.granted', target: accountId, detail: { role: 'admin', from: change.from } }
    : { action: 'role.revoked', target: accountId, detail: { role: change.from ?? 'none', to: change.to } }

async function membersPage(identity: IdentityService, ctx: RouteContext<unknown, { limit: number; cursor?: string; role?: string; status?: string }>) {
  const { limit, cursor: raw, role, status } = ctx.input.query
  const cursor = decodeCursor(raw)
  const params: unknown[] = [ctx.site.id, status ?? 'member']
  const clauses = ['m.site_id = $1', 'm.status = $2']
  if (role) {
    params.push(role)
    clauses.push(`m.role = $${params.length}`)
  }
  if (cursor) {
    params.push(cursor.micros, cursor.id)
    clauses.push(`(m.created_at, m.account_id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
  }
  params.push(limit + 1)
  const rows = await identity.db.query(
    `SELECT m.account_id AS id, m.role, m.status, m.created_at, ${cursorColumn('m')} AS cursor_us, a.name, a.email
       FROM kernel_site_member m JOIN kernel_account a ON a.id = m.account_id
      WHERE ${clauses.join(' AND ')} ORDER BY m.created_at DESC, m.account_id DESC LIMIT $${params.length}`,
    params,
  )
  return toPage(rows, limit, (r: any) => ({ user: { id: r.id, name: r.name, email: r.email }, role: r.role, status: r.status, since: r.created_at }))
}

