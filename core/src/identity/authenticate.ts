// Who is asking: a bearer token, a session cookie, or nobody. Also the CSRF rule for cookie sessions.
import { kernelSettings } from '../config/kernel-settings.js'
import { ANONYMOUS, LOGGED_IN_TOKEN, PUBLIC_TOKEN, siteToken, userToken, type Viewer } from '../access/viewer.js'
import type { RequestContext } from '../http/context.js'
import { problems } from '../http/problem.js'
import type { Site } from '../tenancy/site.js'
import type { Account } from './hooks.js'
import { safeEqual } from './secrets.js'
import type { IdentityService } from './service.js'

export const SESSION_COOKIE = 'plein_session'

export type AuthInfo =
  | { kind: 'anonymous' }
  | { kind: 'session'; sessionHash: string; csrfToken: string }
  | { kind: 'token'; tokenId: string }

export const NO_AUTH: AuthInfo = Object.freeze({ kind: 'anonymous' })

/** The base token set of a signed-in account on a site (before plugins add theirs). */
export function baseViewer(site: Site, account: Account, role: 'admin' | 'member' | null): Viewer {
  const isAdmin = role === 'admin' || site.admins.includes(account.email.toLowerCase())
  const member = isAdmin || role !== null || openTo(site, account)
  const tokens = new Set([PUBLIC_TOKEN, LOGGED_IN_TOKEN, userToken(account.id)])
  if (member) tokens.add(siteToken(site.id))
  return { user: { id: account.id, name: account.name, email: account.email, locale: account.locale ?? null }, tokens, isAdmin }
}

/** Whether a site's open membership takes this account (its verified e-mail domain may be required). */
export function openTo(site: Site, account: Pick<Account, 'email' | 'emailVerified'>): boolean {
  const settings = kernelSettings(site)
  if (settings.membership !== 'open') return false
  const domains = settings.allowedEmailDomains ?? []
  if (domains.length === 0) return true
  const domain = account.email.slice(account.email.lastIndexOf('@') + 1).toLowerCase()
  return account.emailVerified && domains.includes(domain)
}

export async function authenticate(ctx: RequestContext, identity: IdentityService): Promise<{ viewer: Viewer; auth: AuthInfo }> {
  const site = ctx.site
  const authorization = ctx.get('authorization')
  if (authorization !== '') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    // Basic auth is for protocols mounted by plugins (WebDAV); they read the header themselves.
    if (!match) {
      if (/^Basic\s/i.test(authorization)) return { viewer: ANONYMOUS, auth: NO_AUTH }
      throw problems.unauthorized('Send a personal API token as "Authorization: Bearer <token>".', {
        code: 'INVALID_AUTHORIZATION',
        headers: { 'WWW-Authenticate': 'Bearer' },
      })
    }
    const found = await identity.token(site, match[1]!)
    if (!found) {
      throw problems.unauthorized('This API token is not valid (it may have been deleted).', {
        code: 'INVALID_TOKEN',
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      })
    }
    return { viewer: baseViewer(site, found.account, found.role), auth: { kind: 'token', tokenId: found.tokenId } }
  }
  const cookie = ctx.cookies.get(SESSION_COOKIE)
  if (cookie) {
    const session = await identity.session(site, cookie)
    if (session) {
      return {
        viewer: baseViewer(site, session.account, session.role),
        auth: { kind: 'session', sessionHash: session.sessionHash, csrfToken: session.csrfToken },
      }
    }
    // An expired or unknown session: forget the cookie, carry on as a visitor.
    ctx.cookies.set(SESSION_COOKIE, null, { path: '/' })
  }
  return { viewer: ANONYMOUS, auth: NO_AUTH }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Whether this request must prove it comes from our own pages (cookie session + changing method). */
export const needsCsrf = (ctx: RequestContext) => ctx.auth.kind === 'session' && !SAFE.has(ctx.method)

/** Checks `X-CSRF-Token` (or the `_csrf` form field) against the session's token; 403 otherwise. */
export function checkCsrf(ctx: RequestContext, formToken?: string): void {
  if (!needsCsrf(ctx) || ctx.auth.kind !== 'session') return
  const sent = ctx.get('x-csrf-token') || formToken || ''
  if (!sent || !safeEqual(sent, ctx.auth.csrfToken)) {
    throw problems.forbidden('Missing or wrong CSRF token: send the csrfToken from the sign-in or /api/v1/auth/me answer as X-CSRF-Token.', {
      code: 'CSRF_TOKEN_INVALID',
    })
  }
}
