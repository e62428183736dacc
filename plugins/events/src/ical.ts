// iCalendar (RFC 5545) for one event or a whole calendar, with ical-generator. Times are written in UTC:
// unambiguous for every client; the event's own time zone is kept as X-WR-TIMEZONE for display.
import ical, { ICalCalendarMethod } from 'ical-generator'
import { htmlToText, type EntityRecord } from '@plein/core'
import type { EventFields } from './store.js'

export function calendar(name: string, origin: string, events: Array<{ entity: EntityRecord; fields: EventFields; url: string }>): string {
  const cal = ical({ name, prodId: { company: 'Plein', product: 'plein-events', language: 'NL' }, method: ICalCalendarMethod.PUBLISH, timezone: events[0]?.fields.timeZone ?? 'Europe/Amsterdam' })
  cal.timezone(null)
  for (const { entity, fields, url } of events) {
    cal.createEvent({
      id: `${entity.id}@${new URL(origin).hostname}`,
      start: fields.startsAt,
      end: fields.endsAt,
      summary: entity.title,
      description: htmlToText(fields.description),
      location: fields.location ?? fields.onlineUrl ?? undefined,
      url: `${origin}${url}`,
      stamp: entity.updatedAt,
      lastModified: entity.updatedAt,
      created: entity.createdAt,
    })
  }
  // RFC 5545 ends every content line with CRLF, the last one (END:VCALENDAR) too; ical-generator leaves it off.
  const text = cal.toString()
  return text.endsWith('\r\n') ? text : `${text}\r\n`
}
