// /api/v1/events: upcoming list, CRUD by writers, RSVP with waiting list, attendees, iCalendar.
import { accessSchema, itemSchema, pageOf, problems, type EntityRecord, type PluginContext, type RouteContext } from '@plein/core'
import { eventsHooks } from './api.js'
import { calendar } from './ical.js'
import type { EventInput, EventsStore } from './store.js'

const uuid = { type: 'string', format: 'uuid' }
const fields = {
  title: { type: 'string', minLength: 1, maxLength: 300, pattern: '\\S' },
  description: { type: 'string', maxLength: 100000 },
  startsAt: { type: 'string', format: 'date-time' },
  endsAt: { type: 'string', format: 'date-time' },
  timeZone: { type: 'string', maxLength: 64, description: 'IANA time zone, default Europe/Amsterdam.' },
  location: { type: ['string', 'null'], maxLength: 500 },
  onlineUrl: { type: ['string', 'null'], maxLength: 2000, pattern: '^https://' },
  capacity: { type: ['integer', 'null'], minimum: 1, maximum: 100000 },
  containerId: uuid,
  access: accessSchema,
}

export const eventSchema = {
  ...itemSchema,
  properties: {
    ...itemSchema.properties,
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    timeZone: { type: 'string' },
    location: { type: ['string', 'null'] },
    onlineUrl: { type: ['string', 'null'] },
    capacity: { type: ['integer', 'null'] },
    going: { type: 'integer' },
    waitlist: { type: 'integer' },
    viewerRsvp: { enum: ['going', 'waitlist', null] },
  },
}

export function eventRoutes(ctx: PluginContext, store: EventsStore): void {
  const hooks = ctx.hooks.of(eventsHooks)
  const one = async (c: RouteContext, e: EntityRecord) => (await ctx.content.serialize([e], c.viewer, c.site))[0]
  const origin = (c: RouteContext) => c.site.publicUrl?.replace(/\/$/, '') ?? `${c.protocol}://${c.host}`
  const ics = async (c: RouteContext, entities: EntityRecord[], name: string) => {
    const f = await store.fields(entities, c.viewer)
    c.type = 'text/calendar; charset=utf-8'
    c.set('Content-Disposition', 'inline; filename="calendar.ics"')
    c.body = calendar(name, origin(c), entities.map(e => ({ entity: e, fields: f.get(e.id)!, url: `/events/${e.id}` })))
  }

  ctx.routes(router => {
    router.get<unknown, { from?: string; to?: string; containerId?: string; limit: number; cursor?: string }>(
      'events.list',
      '/api/v1/events',
      {
        summary: 'Events you may read that have not ended (or from/to), soonest first.',
        query: { type: 'object', properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, containerId: uuid, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, cursor: { type: 'string', maxLength: 300 } } },
        responses: { 200: { description: 'A page of events.', schema: pageOf(eventSchema) } },
      },
      async c => {
        const q = c.input.query
        const page = await store.upcoming(c.viewer, c.site, { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined })
        return { items: await ctx.content.serialize(page.items, c.viewer, c.site), nextCursor: page.nextCursor }
      },
    )

    router.post<EventInput>(
      'events.create',
      '/api/v1/events',
      { summary: 'Create an event (in a group with containerId).', auth: true, body: { type: 'object', required: ['title', 'startsAt', 'endsAt'], properties: fields }, responses: { 201: { description: 'The event.', schema: eventSchema } } },
      async c => {
        const entity = await store.create(c.site, c.viewer, c.input.body)
        c.status = 201
        return one(c, entity)
      },
    )

    router.get<unknown, unknown, { id: string }>('events.get', '/api/v1/events/:id', { summary: 'One event.', params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'The event.', schema: eventSchema } } }, async c =>
      one(c, await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')),
    )

    router.patch<Partial<EventInput>, unknown, { id: string }>(
      'events.update',
      '/api/v1/events/:id',
      { summary: 'Change an event (its organisers: writers).', auth: true, params: { type: 'object', properties: { id: uuid } }, body: { type: 'object', minProperties: 1, properties: (({ containerId: _omit, ...rest }) => rest)(fields) }, responses: { 200: { description: 'The event.', schema: eventSchema } } },
      async c => {
        const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
        const updated = await store.update(c.site, c.viewer, entity, c.input.body)
        return one(c, updated)
      },
    )

    router.delete<unknown, unknown, { id: string }>('events.delete', '/api/v1/events/:id', { summary: 'Delete an event (its organisers).', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 204: { description: 'Deleted.' } } }, async c => {
      await ctx.content.delete({ site: c.site, viewer: c.viewer, entity: await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event') })
      c.status = 204
    })

    router.post<unknown, unknown, { id: string }>(
      'events.rsvp',
      '/api/v1/events/:id/rsvp',
      { summary: 'Say you come: going while there is room, else on the waiting list.', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'Your answer.', schema: { type: 'object', properties: { status: { enum: ['going', 'waitlist'] } } } } } },
      async c => {
        const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
        return { status: await store.answer(entity, c.viewer) }
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'events.rsvp.cancel',
      '/api/v1/events/:id/rsvp',
      { summary: 'Cancel; the first on the waiting list moves up.', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 204: { description: 'Cancelled.' } } },
      async c => {
        const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
        const promoted = await store.cancel(entity.id, c.viewer.user!.id)
        if (promoted) await hooks.promoted.call(c.site, { eventId: entity.id, accountId: promoted }, c.site)
        c.status = 204
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'events.attendees',
      '/api/v1/events/:id/attendees',
      { summary: 'Who comes and who waits (organisers: writers of the event).', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'Attendees.' }, 403: { description: 'Not an organiser.' } } },
      async c => {
        const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
        if (!ctx.access.canWrite(c.viewer, entity, c.site)) throw problems.forbidden('Only organisers see the attendee list.', { code: 'NOT_ORGANISER' })
        const rows = await store.attendees(entity.id)
        const people = await ctx.users.byIds(rows.map(r => r.account_id))
        const json = (status: string) => rows.filter(r => r.status === status && people.has(r.account_id)).map(r => ({ user: ctx.users.json(people.get(r.account_id)!, c.viewer), since: r.created_at }))
        return { going: json('going'), waitlist: json('waitlist') }
      },
    )

    router.get<unknown, unknown, { id: string }>('events.ical', '/api/v1/events/:id/ical', { summary: 'The event as iCalendar (RFC 5545).', params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'text/calendar', contentType: 'text/calendar', schema: { type: 'string' } } } }, async c => {
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
      await ics(c, [entity], entity.title)
    })

    router.get<unknown, { containerId?: string }>('events.calendar', '/events/calendar.ics', { hidden: true, query: { type: 'object', properties: { containerId: uuid } } }, async c => {
      const page = await store.upcoming(c.viewer, c.site, { containerId: c.input.query.containerId, limit: 100, from: new Date(ctx.clock.now().getTime() - 90 * 86400_000) })
      await ics(c, page.items, c.site.name)
    })
  })
}
