// Events: their own fields, the upcoming list, and RSVP with capacity and a waiting list.
import { decodeKey, encodeKey, ENTITY_SQL, problems, sanitizeHtml, type EntityRecord, type PluginContext, type Site, type Viewer } from '@plein/core'
import type { EntityManager } from 'typeorm'

export interface EventFields {
  startsAt: Date
  endsAt: Date
  timeZone: string
  location: string | null
  onlineUrl: string | null
  capacity: number | null
  description: string
  going: number
  waitlist: number
  viewerRsvp: 'going' | 'waitlist' | null
}

export const validTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** What an event is made of (the API's body; the form's fields after conversion). */
export interface EventInput {
  title: string
  description?: string
  startsAt: string
  endsAt: string
  timeZone?: string
  location?: string | null
  onlineUrl?: string | null
  capacity?: number | null
  containerId?: string
  access?: { read?: string[]; write?: string[] }
}

const badTimes = (detail: string, pointer: string) => problems.badRequest(detail, { code: 'INVALID_TIMES', errors: [{ in: 'body', location: { pointer }, detail, code: 'range' }] })

export class EventsStore {
  constructor(private readonly ctx: PluginContext) {}

  clean(description: string): string {
    return sanitizeHtml(description)
  }

  async fields(entities: EntityRecord[], viewer: Viewer): Promise<Map<string, EventFields>> {
    const ids = entities.map(e => e.id)
    if (ids.length === 0) return new Map()
    const rows = await this.ctx.db.query(
      `SELECT ev.*, count(*) FILTER (WHERE r.status = 'going')::int AS going, count(*) FILTER (WHERE r.status = 'waitlist')::int AS waitlist,
              max(r.status) FILTER (WHERE r.account_id = $2) AS mine
         FROM events_event ev LEFT JOIN events_rsvp r ON r.entity_id = ev.entity_id
        WHERE ev.entity_id = ANY($1::uuid[]) GROUP BY ev.entity_id`,
      [ids, viewer.user?.id ?? null],
    )
    return new Map(
      rows.map((r: any) => [
        r.entity_id,
        {
          startsAt: r.starts_at,
          endsAt: r.ends_at,
          timeZone: r.time_zone,
          location: r.location,
          onlineUrl: r.online_url,
          capacity: r.capacity,
          description: r.description,
          going: r.going,
          waitlist: r.waitlist,
          viewerRsvp: r.mine ?? null,
        },
      ]),
    )
  }

  /** Events the viewer may read that end after `from` (default: now), soonest first. */
  async upcoming(viewer: Viewer, site: Site, f: { from?: Date; to?: Date; containerId?: string; limit: number; cursor?: string }): Promise<{ items: EntityRecord[]; nextCursor: string | null }> {
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params: unknown[] = [...where.params]
    const add = (v: unknown) => {
      params.push(v)
      return `$${params.length}`
    }
    const clauses = [where.sql, `ev.ends_at >= ${add(f.from ?? this.ctx.clock.now())}`]
    if (f.to) clauses.push(`ev.starts_at < ${add(f.to)}`)
    if (f.containerId) clauses.push(`e.container_id = ${add(f.containerId)}`)
    if (f.cursor) {
      const [t, i] = decodeKey(f.cursor, isEventKey)!
      clauses.push(`(ev.starts_at, ev.entity_id) > (${add(t)}::timestamptz, ${add(i)}::uuid)`)
    }
    const rows = await this.ctx.db.query(
      `SELECT ${ENTITY_SQL.columns('e')}, ev.starts_at FROM events_event ev JOIN entity e ON e.id = ev.entity_id
        WHERE ${clauses.join(' AND ')} ORDER BY ev.starts_at, ev.entity_id LIMIT ${add(f.limit + 1)}`,
      params,
    )
    const more = rows.length > f.limit
    const shown = more ? rows.slice(0, f.limit) : rows
    const last = shown[shown.length - 1]
    return {
      items: shown.map(ENTITY_SQL.fromRow),
      nextCursor: more && last ? encodeKey([(last.starts_at as Date).toISOString(), last.id]) : null,
    }
  }

  /** RSVP for a readable event: 409 when it is over. The API and the page's button both use it. */
  async answer(entity: EntityRecord, viewer: Viewer): Promise<'going' | 'waitlist'> {
    const f = (await this.fields([entity], viewer)).get(entity.id)!
    if (f.endsAt.getTime() < this.ctx.clock.now().getTime()) throw problems.conflict('This event is over.', { code: 'EVENT_OVER' })
    return this.rsvp(entity.id, viewer.user!.id)
  }

  /** Going when there is room, else on the waiting list; one transaction with the event row locked. */
  async rsvp(eventId: string, accountId: string): Promise<'going' | 'waitlist'> {
    return this.ctx.db.transaction(async m => {
      const [ev] = await m.query('SELECT capacity FROM events_event WHERE entity_id = $1 FOR UPDATE', [eventId])
      const mine = await m.query('SELECT status FROM events_rsvp WHERE entity_id = $1 AND account_id = $2', [eventId, accountId])
      if (mine[0]) return mine[0].status
      const going = (await m.query(`SELECT count(*)::int AS n FROM events_rsvp WHERE entity_id = $1 AND status = 'going'`, [eventId]))[0].n
      const status = ev.capacity === null || going < ev.capacity ? 'going' : 'waitlist'
      await m.query('INSERT INTO events_rsvp (entity_id, account_id, status) VALUES ($1, $2, $3)', [eventId, accountId, status])
      return status
    })
  }

  /** Cancels; when a place frees up, the first on the waiting list moves up. Returns who moved up. */
  async cancel(eventId: string, accountId: string): Promise<string | undefined> {
    return this.ctx.db.transaction(async (m: EntityManager) => {
      const [ev] = await m.query('SELECT capacity FROM events_event WHERE entity_id = $1 FOR UPDATE', [eventId])
      const [rows] = (await m.query('DELETE FROM events_rsvp WHERE entity_id = $1 AND account_id = $2 RETURNING status', [eventId, accountId])) as [Array<{ status: string }>, number]
      if (!rows[0]) throw problems.notFound('You had not answered this event.', { code: 'RSVP_NOT_FOUND' })
      if (rows[0].status !== 'going' || ev.capacity === null) return undefined
      const [next] = await m.query(`SELECT account_id FROM events_rsvp WHERE entity_id = $1 AND status = 'waitlist' ORDER BY created_at, account_id LIMIT 1 FOR UPDATE`, [eventId])
      if (!next) return undefined
      await m.query(`UPDATE events_rsvp SET status = 'going' WHERE entity_id = $1 AND account_id = $2`, [eventId, next.account_id])
      return next.account_id as string
    })
  }

  /** Throws a 400 naming the field when the end is before the start or the time zone is unknown. */
  checkTimes(input: Partial<EventInput>, current?: { startsAt: Date; endsAt: Date }): void {
    const start = input.startsAt ? new Date(input.startsAt) : current?.startsAt
    const end = input.endsAt ? new Date(input.endsAt) : current?.endsAt
    if (start && end && end < start) throw badTimes('endsAt is before startsAt', '/endsAt')
    if (input.timeZone && !validTimeZone(input.timeZone)) throw badTimes('timeZone is not an IANA time zone', '/timeZone')
  }

  /** Creates an event (in a group with containerId) with the content rules of the kernel: the API and the form both use it. */
  async create(site: Site, viewer: Viewer, input: EventInput): Promise<EntityRecord> {
    this.checkTimes(input)
    const { entity } = await this.ctx.content.create({ site, viewer, kind: 'event', title: input.title.trim(), containerId: input.containerId ?? null, access: input.access }, async (m, e) => {
      await m.query(
        `INSERT INTO events_event (entity_id, site_id, starts_at, ends_at, time_zone, location, online_url, capacity, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [e.id, site.id, input.startsAt, input.endsAt, input.timeZone ?? 'Europe/Amsterdam', input.location ?? null, input.onlineUrl ?? null, input.capacity ?? null, this.clean(input.description ?? '')],
      )
    })
    return entity
  }

  /** Changes an event (its writers); fields left out stay as they are. */
  async update(site: Site, viewer: Viewer, entity: EntityRecord, input: Partial<Omit<EventInput, 'containerId'>>): Promise<EntityRecord> {
    const current = (await this.fields([entity], viewer)).get(entity.id)!
    this.checkTimes(input, current)
    const { entity: updated } = await this.ctx.content.update({ site, viewer, entity, title: input.title?.trim(), access: input.access }, async (m, e) => {
      await m.query(
        `UPDATE events_event SET starts_at = $2, ends_at = $3, time_zone = $4, location = $5, online_url = $6, capacity = $7, description = $8 WHERE entity_id = $1`,
        [
          e.id,
          input.startsAt ?? current.startsAt,
          input.endsAt ?? current.endsAt,
          input.timeZone ?? current.timeZone,
          input.location === undefined ? current.location : input.location,
          input.onlineUrl === undefined ? current.onlineUrl : input.onlineUrl,
          input.capacity === undefined ? current.capacity : input.capacity,
          input.description === undefined ? current.description : this.clean(input.description),
        ],
      )
    })
    return updated
  }

  /** The viewer's place on the waiting list (1: next to move up), or null when they are not waiting. */
  async waitlistPosition(eventId: string, accountId: string): Promise<number | null> {
    const rows = await this.ctx.db.query(
      `SELECT count(*)::int AS n FROM events_rsvp r, events_rsvp me
        WHERE me.entity_id = $1 AND me.account_id = $2 AND me.status = 'waitlist' AND r.entity_id = $1 AND r.status = 'waitlist'
          AND (r.created_at, r.account_id) <= (me.created_at, me.account_id)`,
      [eventId, accountId],
    )
    const n = rows[0]?.n ?? 0
    return n > 0 ? n : null
  }

  async attendees(eventId: string): Promise<Array<{ account_id: string; status: string; created_at: Date }>> {
    return this.ctx.db.query('SELECT account_id, status, created_at FROM events_rsvp WHERE entity_id = $1 ORDER BY status, created_at LIMIT 10000', [eventId])
  }
}

/** An upcoming-events cursor: the last row's (starts_at as ISO time, id). */
const isEventKey = (v: unknown[]): v is [string, string] =>
  v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0])) && typeof v[1] === 'string' && /^[0-9a-f-]{36}$/.test(v[1])
