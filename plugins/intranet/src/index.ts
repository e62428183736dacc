// @plein/plugin-intranet: the intranet home — a dashboard of widgets administrators arrange (widgets come from
// other plugins through the intranet.widgets hook), a navigation menu builder, and an announcement banner.
import { createAjv, definePlugin, HttpProblem, problems, type PluginContext, type RequestContext, type Site } from '@plein/core'
import { intranetHooks, type WidgetType } from './api.js'
import { IntranetCreate1765300000000 } from './migrations/IntranetCreate1765300000000.js'

export { intranetHooks, type WidgetType } from './api.js'

interface Placed {
  id: string
  type: string
  column: 'main' | 'side'
  config: Record<string, unknown>
}

interface MenuItem {
  label: string
  url: string
  children?: MenuItem[]
}

const requireAdmin = (c: RequestContext) => {
  if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  if (!c.viewer.isAdmin) throw problems.forbidden('Only site administrators arrange the intranet.', { code: 'NOT_ADMIN' })
}

const ajv = createAjv({ useDefaults: true })

/** The intranet's own widgets: quick links (from the settings of the widget) and the announcement of now. */
const builtIn = (ctx: PluginContext): WidgetType[] => [
  {
    type: 'intranet.quickLinks',
    title: { nl: 'Snelkoppelingen', en: 'Quick links' },
    config: {
      type: 'object',
      properties: { links: { type: 'array', maxItems: 50, default: [], items: { type: 'object', required: ['label', 'url'], properties: { label: { type: 'string', maxLength: 100 }, url: { type: 'string', maxLength: 2000, pattern: '^(https?://|/)' } } } } },
    },
    load: async (_s, _v, config) => ({ links: config.links }),
  },
  {
    type: 'intranet.announcements',
    title: { nl: 'Mededelingen', en: 'Announcements' },
    load: async site => ({ items: await current(ctx, site) }),
  },
]

async function current(ctx: PluginContext, site: Site) {
  const now = ctx.clock.now()
  const rows = await ctx.db.query(
    'SELECT id, text, level, starts_at, ends_at FROM intranet_announcement WHERE site_id = $1 AND starts_at <= $2 AND ends_at > $2 ORDER BY starts_at DESC LIMIT 10',
    [site.id, now],
  )
  return rows.map((r: any) => ({ id: r.id, text: r.text, level: r.level, startsAt: r.starts_at, endsAt: r.ends_at }))
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
    const hooks = ctx.hooks.of(intranetHooks)
    const types = async (site: Site) => new Map((await hooks.widgets.call(site, builtIn(ctx), site)).map(w => [w.type, w]))

    ctx.routes(router => {
      router.get('intranet.widgetTypes', '/api/v1/intranet/widget-types', { summary: 'The widget types this site offers (from its enabled plugins).', responses: { 200: { description: 'Widget types.' } } }, async c => ({
        items: [...(await types(c.site)).values()].map(w => ({ type: w.type, title: w.title, config: w.config ?? null })),
      }))

      router.get('intranet.dashboard', '/api/v1/intranet/dashboard', { summary: 'The intranet home: each placed widget with its data for you.', responses: { 200: { description: 'The dashboard.' } } }, async c => {
        const rows = await ctx.db.query('SELECT layout FROM intranet_dashboard WHERE site_id = $1', [c.site.id])
        const layout: Placed[] = rows[0]?.layout ?? []
        const available = await types(c.site)
        const widgets = []
        for (const w of layout) {
          const type = available.get(w.type)
          // A widget whose plugin is switched off on this site is left out, not an error.
          if (!type) continue
          widgets.push({ id: w.id, type: w.type, column: w.column, title: type.title, data: await type.load(c.site, c.viewer, w.config) })
        }
        return { widgets, announcements: await current(ctx, c.site) }
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
          const available = await types(c.site)
          const errors: Array<{ in: 'body'; location: { pointer: string }; detail: string; code: string }> = []
          const layout: Placed[] = c.input.body.widgets.map((w, i) => {
            const type = available.get(w.type)
            if (!type) {
              errors.push({ in: 'body', location: { pointer: `/widgets/${i}/type` }, detail: `"${w.type}" is not a widget type on this site`, code: 'widget' })
              return { ...w, id: w.id ?? crypto.randomUUID(), column: w.column ?? 'main', config: w.config ?? {} }
            }
            const config = structuredClone(w.config ?? {})
            if (type.config) {
              const validate = ajv.compile(type.config as object)
              if (!validate(config)) for (const e of validate.errors ?? []) errors.push({ in: 'body', location: { pointer: `/widgets/${i}/config${e.instancePath}` }, detail: e.message ?? 'is invalid', code: e.keyword })
            }
            return { id: w.id ?? crypto.randomUUID(), type: w.type, column: w.column ?? 'main', config }
          })
          if (errors.length > 0) throw new HttpProblem({ status: 400, detail: 'The dashboard is not valid.', code: 'INVALID_INPUT', errors })
          await ctx.db.query(
            'INSERT INTO intranet_dashboard (site_id, layout) VALUES ($1, $2) ON CONFLICT (site_id) DO UPDATE SET layout = EXCLUDED.layout, updated_at = now()',
            [c.site.id, JSON.stringify(layout)],
          )
          return { widgets: layout }
        },
      )

      router.get('intranet.menu', '/api/v1/intranet/menu', { summary: 'The navigation menu.', responses: { 200: { description: 'The menu.' } } }, async c => {
        const rows = await ctx.db.query('SELECT items FROM intranet_menu WHERE site_id = $1', [c.site.id])
        return { items: (rows[0]?.items ?? []) as MenuItem[] }
      })

      router.put<{ items: MenuItem[] }>(
        'intranet.menu.set',
        '/api/v1/intranet/menu',
        { summary: 'Build the navigation menu (site administrators): items with optional sub-items.', auth: true, body: { type: 'object', required: ['items'], properties: { items: { type: 'array', maxItems: 50, items: menuItem } } }, responses: { 200: { description: 'The menu.' }, 403: { description: 'Not an administrator.' } } },
        async c => {
          requireAdmin(c)
          await ctx.db.query('INSERT INTO intranet_menu (site_id, items) VALUES ($1, $2) ON CONFLICT (site_id) DO UPDATE SET items = EXCLUDED.items, updated_at = now()', [c.site.id, JSON.stringify(c.input.body.items)])
          return { items: c.input.body.items }
        },
      )

      router.get('intranet.announcements.current', '/api/v1/intranet/announcements/current', { summary: 'The announcement banner: announcements whose time is now.', responses: { 200: { description: 'Current announcements.' } } }, async c => ({
        items: await current(ctx, c.site),
      }))

      router.get('intranet.announcements.list', '/api/v1/intranet/announcements', { summary: 'All announcements, also past and future (administrators).', auth: true, responses: { 200: { description: 'Announcements.' } } }, async c => {
        requireAdmin(c)
        const rows = await ctx.db.query('SELECT id, text, level, starts_at, ends_at FROM intranet_announcement WHERE site_id = $1 ORDER BY starts_at DESC LIMIT 200', [c.site.id])
        return { items: rows.map((r: any) => ({ id: r.id, text: r.text, level: r.level, startsAt: r.starts_at, endsAt: r.ends_at })) }
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
          const rows = await ctx.db.query(
            'INSERT INTO intranet_announcement (site_id, text, level, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
            [c.site.id, text, level ?? 'info', startsAt, endsAt, c.viewer.user!.id],
          )
          c.status = 201
          return { id: rows[0].id, text, level: level ?? 'info', startsAt, endsAt }
        },
      )

      router.delete<unknown, unknown, { id: string }>(
        'intranet.announcements.delete',
        '/api/v1/intranet/announcements/:id',
        { summary: 'Take an announcement down (administrators).', auth: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, responses: { 204: { description: 'Gone.' } } },
        async c => {
          requireAdmin(c)
          const [, n] = (await ctx.db.query('DELETE FROM intranet_announcement WHERE id = $1 AND site_id = $2', [c.input.params.id, c.site.id])) as unknown as [unknown, number]
          if (!n) throw problems.notFound('No such announcement.', { code: 'NOT_FOUND' })
          c.status = 204
        },
      )
    })
  },
})

export default intranetPlugin
