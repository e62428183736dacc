// @plein/plugin-intranet: the intranet home — a dashboard of widgets administrators arrange (widgets come from
// other plugins through the intranet.widgets hook), a navigation menu builder, and an announcement banner.
import { definePlugin, HttpProblem, problems, type RequestContext } from '@plein/core'
import { intranetHooks } from './api.js'
import { IntranetCreate1765300000000 } from './migrations/IntranetCreate1765300000000.js'
import { intranetPages } from './pages.js'
import { IntranetStore, type MenuItem, type Placed } from './store.js'

export { intranetHooks, type WidgetType } from './api.js'

const requireAdmin = (c: RequestContext) => {
  if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  if (!c.viewer.isAdmin) throw problems.forbidden('Only site administrators arrange the intranet.', { code: 'NOT_ADMIN' })
}

const menuItem: Record<string, unknown> = {
  type: 'object',
  required: ['label', 'url'],
  properties: {
    label: { type: 'string', minLength: 1, maxLength: 100 },
    url: { type: 'string', maxLength: 2000, pattern: '^(https?://|/)' },
    children: { type: 'array', maxItems: 50, items: { type: 'object', required: ['label', 'url'], properties: { label: { type: 'string', minLength: 1, maxLength: 100 }, url: { type: 'string', maxLength: 2000, pattern: '^(https?://|/)' } } } },
  },
}

export const intranetPlugin = definePlugin({
  id: 'intranet',
  url: import.meta.url,
  migrations: [IntranetCreate1765300000000],
  hooks: intranetHooks,
  register(ctx) {
    const store = new IntranetStore(ctx)

    ctx.routes(router => {
      router.get('intranet.widgetTypes', '/api/v1/intranet/widget-types', { summary: 'The widget types this site offers (from its enabled plugins).', responses: { 200: { description: 'Widget types.' } } }, async c => ({
        items: [...(await store.types(c.site)).values()].map(w => ({ type: w.type, title: w.title, config: w.config ?? null })),
      }))

      router.get('intranet.dashboard', '/api/v1/intranet/dashboard', { summary: 'The intranet home: each placed widget with its data for you.', responses: { 200: { description: 'The dashboard.' } } }, async c => {
        const widgets = (await store.dashboard(c.site, c.viewer)).map(w => ({ id: w.id, type: w.type, column: w.column, title: w.title, data: w.data }))
        return { widgets, announcements: await store.current(c.site) }
      })

      router.put<{ widgets: Array<Omit<Placed, 'id'> & { id?: string }> }>(
        'intranet.dashboard.set',
        '/api/v1/intranet/dashboard',
        {
          summary: 'Arrange the dashboard (site administrators): widgets in order, per column, with their settings.',
          auth: true,
          body: {
            type: 'object',
            required: ['widgets'],
            properties: {
              widgets: {
                type: 'array',
                maxItems: 50,
                items: { type: 'object', required: ['type'], properties: { id: { type: 'string', maxLength: 64 }, type: { type: 'string', maxLength: 100 }, column: { enum: ['main', 'side'], default: 'main' }, config: { type: 'object', additionalProperties: true, default: {} } } },
              },
            },
          },
          responses: { 200: { description: 'The arrangement.' }, 403: { description: 'Not an administrator.' } },
        },
        async c => {
          requireAdmin(c)
          const result = await store.setLayout(c.site, c.input.body.widgets)
          if ('errors' in result) throw new HttpProblem({ status: 400, detail: 'The dashboard is not valid.', code: 'INVALID_INPUT', errors: result.errors })
          return { widgets: result.layout }
        },
      )

      router.get('intranet.menu', '/api/v1/intranet/menu', { summary: 'The navigation menu.', responses: { 200: { description: 'The menu.' } } }, async c => {
        return { items: await store.menu(c.site) }
      })

      router.put<{ items: MenuItem[] }>(
        'intranet.menu.set',
        '/api/v1/intranet/menu',
        { summary: 'Build the navigation menu (site administrators): items with optional sub-items.', auth: true, body: { type: 'object', required: ['items'], properties: { items: { type: 'array', maxItems: 50, items: menuItem } } }, responses: { 200: { description: 'The menu.' }, 403: { description: 'Not an administrator.' } } },
        async c => {
          requireAdmin(c)
          await store.setMenu(c.site, c.input.body.items)
          return { items: c.input.body.items }
        },
      )

      router.get('intranet.announcements.current', '/api/v1/intranet/announcements/current', { summary: 'The announcement banner: announcements whose time is now.', responses: { 200: { description: 'Current announcements.' } } }, async c => ({
        items: await store.current(c.site),
      }))

      router.get('intranet.announcements.list', '/api/v1/intranet/announcements', { summary: 'All announcements, also past and future (administrators).', auth: true, responses: { 200: { description: 'Announcements.' } } }, async c => {
        requireAdmin(c)
        return { items: await store.announcements(c.site) }
      })

      router.post<{ text: string; level?: 'info' | 'warning' | 'error'; startsAt: string; endsAt: string }>(
        'intranet.announcements.create',
        '/api/v1/intranet/announcements',
        {
          summary: 'Put up an announcement between two times (administrators).',
          auth: true,
          body: { type: 'object', required: ['text', 'startsAt', 'endsAt'], properties: { text: { type: 'string', minLength: 1, maxLength: 1000 }, level: { enum: ['info', 'warning', 'error'] }, startsAt: { type: 'string', format: 'date-time' }, endsAt: { type: 'string', format: 'date-time' } } },
          responses: { 201: { description: 'The announcement.' }, 403: { description: 'Not an administrator.' } },
        },
        async c => {
          requireAdmin(c)
          const { text, level, startsAt, endsAt } = c.input.body
          if (new Date(endsAt) <= new Date(startsAt)) {
            throw problems.badRequest('endsAt must be after startsAt.', { code: 'INVALID_RANGE', errors: [{ in: 'body', location: { pointer: '/endsAt' }, detail: 'must be after startsAt', code: 'range' }] })
          }
          const id = await store.announce(c.site, c.viewer.user!.id, { text, level: level ?? 'info', startsAt, endsAt })
          c.status = 201
          return { id, text, level: level ?? 'info', startsAt, endsAt }
        },
      )

      router.delete<unknown, unknown, { id: string }>(
        'intranet.announcements.delete',
        '/api/v1/intranet/announcements/:id',
        { summary: 'Take an announcement down (administrators).', auth: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, responses: { 204: { description: 'Gone.' } } },
        async c => {
          requireAdmin(c)
          if (!(await store.removeAnnouncement(c.site, c.input.params.id))) throw problems.notFound('No such announcement.', { code: 'NOT_FOUND' })
          c.status = 204
        },
      )
    })
    intranetPages(ctx, store)
  },
})

export default intranetPlugin
