// @plein/plugin-events: events in a site or group, RSVP with capacity and waiting list, iCalendar.
import { definePlugin, htmlToText } from '@plein/core'
import { commentsHooks } from '@plein/plugin-comments/api'
import { intranetHooks } from '@plein/plugin-intranet/api'
import { searchHooks } from '@plein/plugin-search/api'
import { eventsHooks } from './api.js'
import { EventsCreate1765400000000 } from './migrations/EventsCreate1765400000000.js'
import { eventPages } from './pages.js'
import { eventRoutes } from './routes.js'
import { EventsStore } from './store.js'

export { eventsHooks } from './api.js'

export const eventsPlugin = definePlugin({
  id: 'events',
  url: import.meta.url,
  optionalDependencies: { comments: '^1.0.0', search: '^1.0.0', intranet: '^1.0.0' },
  migrations: [EventsCreate1765400000000],
  hooks: eventsHooks,
  register(ctx) {
    const store = new EventsStore(ctx)
    ctx.content.kind({ kind: 'event', url: e => `/events/${e.id}`, load: (entities, viewer) => store.fields(entities, viewer) })
    ctx.hooks.of(commentsHooks).commentable.tap(kinds => [...kinds, 'event'])
    ctx.hooks.of(searchHooks).document.tap(async (doc, entity) => {
      if (entity.kind !== 'event') return doc
      const rows = await ctx.db.query('SELECT description, location FROM events_event WHERE entity_id = $1', [entity.id])
      return rows[0] ? { ...doc, body: `${doc.body} ${htmlToText(rows[0].description)} ${rows[0].location ?? ''}`.trim() } : doc
    })
    ctx.hooks.of(intranetHooks).widgets.tap(widgets => [
      ...widgets,
      {
        type: 'events.upcoming',
        title: { nl: 'Agenda', en: 'Upcoming events' },
        view: 'events.widget.upcoming',
        config: { type: 'object', properties: { count: { type: 'integer', minimum: 1, maximum: 20, default: 5 } } },
        load: async (site, viewer, config) => {
          const page = await store.upcoming(viewer, site, { limit: Number(config.count ?? 5) })
          return { items: await ctx.content.serialize(page.items, viewer, site) }
        },
      },
    ])
    eventRoutes(ctx, store)
    eventPages(ctx, store)
  },
})

export default eventsPlugin
