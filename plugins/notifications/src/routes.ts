// /api/v1/notifications, following, e-mail preferences and the one-click unsubscribe page.
import { escapeHtml, pageQueryProperties, problems, type PluginContext, type RequestContext } from '@plein/core'
import type { EmailMode, Notifications } from './service.js'

const uuid = { type: 'string', format: 'uuid' }
const emailMode = { enum: ['immediate', 'daily', 'weekly', 'never'] }

const signedIn = (c: RequestContext) => {
  if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  return c.viewer.user
}

export function notificationRoutes(ctx: PluginContext, notifications: Notifications): void {
  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string }>(
      'notifications.list',
      '/api/v1/notifications',
      {
        summary: 'Your notifications on this site, newest first, with the unread count. Items you may no longer read are left out.',
        auth: true,
        query: { type: 'object', properties: pageQueryProperties },
        responses: {
          200: {
            description: 'A page of notifications.',
            schema: {
              type: 'object',
              required: ['items', 'nextCursor', 'unread'],
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['id', 'kind', 'createdAt', 'read'],
                    properties: { id: { type: 'string' }, kind: { type: 'string' }, item: { type: 'object' }, actor: { type: 'object' }, createdAt: { type: 'string', format: 'date-time' }, read: { type: 'boolean' } },
                  },
                },
                nextCursor: { type: ['string', 'null'] },
                unread: { type: 'integer' },
              },
            },
          },
        },
      },
      async c => notifications.list(c.viewer, c.site, { limit: c.input.query.limit, cursor: c.input.query.cursor }),
    )

    router.post<{ ids?: string[] }>(
      'notifications.read',
      '/api/v1/notifications/read',
      {
        summary: 'Mark notifications read: the given ids, or all.',
        auth: true,
        body: { type: 'object', properties: { ids: { type: 'array', maxItems: 500, items: uuid } } },
        responses: { 204: { description: 'Marked.' } },
      },
      async c => {
        await notifications.markRead(c.site, signedIn(c).id, c.input.body.ids)
        c.status = 204
      },
    )

    const target = async (c: RequestContext, id: string) => {
      // An item or group you can read, or a person.
      const entity = await ctx.access.find(c.site, id)
      if (entity && ctx.access.canRead(c.viewer, entity, c.site)) return id
      if (!entity && (await ctx.users.byIds([id])).has(id)) return id
      throw problems.notFound('Nothing to follow with this id.', { code: 'NOT_FOUND' })
    }

    router.post<unknown, unknown, { id: string }>(
      'notifications.follow',
      '/api/v1/entities/:id/follow',
      { summary: 'Follow an item, a group or a person.', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 204: { description: 'Following.' } } },
      async c => {
        const user = signedIn(c)
        await notifications.follow(c.site, user.id, await target(c, c.input.params.id))
        c.status = 204
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'notifications.unfollow',
      '/api/v1/entities/:id/follow',
      { summary: 'Stop following.', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 204: { description: 'Not following.' } } },
      async c => {
        const user = signedIn(c)
        await notifications.unfollow(c.site, user.id, c.input.params.id)
        c.status = 204
      },
    )

    router.get('notifications.preferences.get', '/api/v1/notifications/preferences', { summary: 'Your e-mail preference on this site.', auth: true, responses: { 200: { description: 'Preference.', schema: { type: 'object', properties: { email: emailMode } } } } }, async c => ({
      email: await notifications.emailMode(c.site, signedIn(c).id),
    }))

    router.put<{ email: EmailMode }>(
      'notifications.preferences.set',
      '/api/v1/notifications/preferences',
      { summary: 'Choose e-mail: immediate, a daily or weekly digest, or never.', auth: true, body: { type: 'object', required: ['email'], properties: { email: emailMode } }, responses: { 200: { description: 'Saved.' } } },
      async c => {
        await notifications.setEmailMode(c.site, signedIn(c).id, c.input.body.email)
        return { email: c.input.body.email }
      },
    )

    // One click from the e-mail: the page shows a button (mail scanners follow links); RFC 8058 clients POST directly.
    const unsubscribed = (c: RequestContext, ok: boolean) => {
      c.type = 'text/html; charset=utf-8'
      c.status = ok ? 200 : 400
      c.body = `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>E-mail</title></head><body><main><h1>${
        ok ? 'Je krijgt geen e-mail meer / No more e-mail' : 'Deze link werkt niet / This link does not work'
      }</h1></main></body></html>`
    }
    router.get<unknown, { token: string }>('notifications.unsubscribe.page', '/notifications/unsubscribe', { hidden: true, query: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 4000 } } } }, c => {
      c.type = 'text/html; charset=utf-8'
      c.body = `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>E-mail</title></head><body><main><h1>Geen e-mail meer? / Stop e-mail?</h1><form method="post" action="/notifications/unsubscribe?token=${escapeHtml(encodeURIComponent(c.input.query.token))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Afmelden / Unsubscribe</button></form></main></body></html>`
    })
    router.post<Record<string, string>, { token: string }>(
      'notifications.unsubscribe',
      '/notifications/unsubscribe',
      { hidden: true, csrf: false, query: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 4000 } } }, form: { type: 'object', additionalProperties: true, properties: {} } },
      async c => {
        const data = ctx.signing.verify<{ s: string; a: string }>('unsubscribe', c.input.query.token)
        if (!data || data.s !== c.site.id) return unsubscribed(c, false)
        await notifications.setEmailMode(c.site, data.a, 'never')
        unsubscribed(c, true)
      },
    )
  })
}
