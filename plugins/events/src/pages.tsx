// Event pages: the upcoming list (site or group), an event with RSVP and cancel buttons, the attendee list for
// organisers, links to the .ics and the calendar feed, and the form to create or change an event.
import { HttpProblem, intlLocale, localInput, problems, zonedTime, type EntityRecord, type ItemJson, type PluginContext, type RouteContext, type View } from '@plein/core'
import { eventsHooks } from './api.js'
import { validTimeZone, type EventInput, type EventsStore } from './store.js'

const messages = {
  nl: {
    'events.nav': 'Agenda', 'events.title': 'Agenda', 'events.inGroup': 'Agenda van {name}', 'events.none': 'Geen komende activiteiten.', 'events.new': 'Nieuwe activiteit', 'events.edit': 'Activiteit wijzigen', 'events.more': 'Volgende activiteiten',
    'events.ics': 'Deze activiteit in je agenda (.ics)', 'events.feed': 'Agenda-abonnement (.ics)', 'events.when': 'Wanneer', 'events.where': 'Waar', 'events.online': 'Online deelnemen', 'events.capacity': 'Plaatsen',
    'events.capacity.of': '{going} van {capacity} plaatsen bezet', 'events.capacity.open': '{going} aanmeldingen, geen maximum', 'events.waitlist.count': '{n} op de wachtlijst',
    'events.you.going': 'Je bent aangemeld.', 'events.you.waitlist': 'Je staat op de wachtlijst, plaats {n}.', 'events.you.none': 'Je bent niet aangemeld.', 'events.rsvp': 'Aanmelden', 'events.rsvp.full': 'Op de wachtlijst zetten', 'events.cancel': 'Afmelden',
    'events.over': 'Deze activiteit is voorbij.', 'events.signIn': 'Log in om je aan te melden.', 'events.attendees': 'Deelnemers', 'events.attendees.going': 'Aangemeld ({n})', 'events.attendees.waitlist': 'Wachtlijst ({n})', 'events.attendees.none': 'Nog niemand.',
    'events.f.title': 'Titel', 'events.f.description': 'Beschrijving', 'events.f.startsAt': 'Begint', 'events.f.endsAt': 'Eindigt', 'events.f.timeZone': 'Tijdzone', 'events.f.timeZone.hint': 'Een IANA-tijdzone, zoals Europe/Amsterdam. Begin en einde gelden in deze tijdzone.',
    'events.f.location': 'Locatie', 'events.f.onlineUrl': 'Link voor online deelname', 'events.f.onlineUrl.hint': 'Begint met https://', 'events.f.capacity': 'Maximum aantal deelnemers', 'events.f.capacity.hint': 'Leeg: geen maximum.', 'events.save': 'Opslaan', 'events.create': 'Activiteit maken',
    'events.e.title': 'Geef de activiteit een titel.', 'events.e.time': 'Vul een datum en tijd in.', 'events.e.order': 'Het einde ligt vóór het begin.', 'events.e.timeZone': 'Dit is geen bekende tijdzone.', 'events.e.onlineUrl': 'Een link die begint met https://', 'events.e.capacity': 'Een heel getal van 1 tot 100000.',
    'events.group': 'In de groep “{name}”: alleen leden van de groep zien deze activiteit.', 'events.organiser': 'Organisator',
  },
  en: {
    'events.nav': 'Events', 'events.title': 'Events', 'events.inGroup': 'Events of {name}', 'events.none': 'No upcoming events.', 'events.new': 'New event', 'events.edit': 'Change event', 'events.more': 'Later events',
    'events.ics': 'Add this event to your calendar (.ics)', 'events.feed': 'Calendar subscription (.ics)', 'events.when': 'When', 'events.where': 'Where', 'events.online': 'Join online', 'events.capacity': 'Places',
    'events.capacity.of': '{going} of {capacity} places taken', 'events.capacity.open': '{going} going, no limit', 'events.waitlist.count': '{n} on the waiting list',
    'events.you.going': 'You are going.', 'events.you.waitlist': 'You are on the waiting list, place {n}.', 'events.you.none': 'You have not signed up.', 'events.rsvp': 'Sign up', 'events.rsvp.full': 'Join the waiting list', 'events.cancel': 'Cancel',
    'events.over': 'This event is over.', 'events.signIn': 'Sign in to sign up.', 'events.attendees': 'Attendees', 'events.attendees.going': 'Going ({n})', 'events.attendees.waitlist': 'Waiting list ({n})', 'events.attendees.none': 'Nobody yet.',
    'events.f.title': 'Title', 'events.f.description': 'Description', 'events.f.startsAt': 'Starts', 'events.f.endsAt': 'Ends', 'events.f.timeZone': 'Time zone', 'events.f.timeZone.hint': 'An IANA time zone, like Europe/Amsterdam. Start and end are in this time zone.',
    'events.f.location': 'Location', 'events.f.onlineUrl': 'Link to join online', 'events.f.onlineUrl.hint': 'Starts with https://', 'events.f.capacity': 'Most attendees', 'events.f.capacity.hint': 'Empty: no limit.', 'events.save': 'Save', 'events.create': 'Create event',
    'events.e.title': 'Give the event a title.', 'events.e.time': 'Enter a date and time.', 'events.e.order': 'The end is before the start.', 'events.e.timeZone': 'This is not a known time zone.', 'events.e.onlineUrl': 'A link that starts with https://', 'events.e.capacity': 'A whole number from 1 to 100000.',
    'events.group': 'In the group “{name}”: only members of the group see this event.', 'events.organiser': 'Organiser',
  },
}


/** "vrijdag 5 december 2025 14:00 – 16:00 (Europe/Amsterdam)": start and end in the event's own time zone. */
export function formatRange(locale: string, start: Date, end: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'full', timeZone })
  const time = new Intl.DateTimeFormat(intlLocale(locale), { timeStyle: 'short', timeZone })
  const sameDay = day.format(start) === day.format(end)
  return sameDay
    ? `${day.format(start)} ${time.format(start)} – ${time.format(end)} (${timeZone})`
    : `${day.format(start)} ${time.format(start)} – ${day.format(end)} ${time.format(end)} (${timeZone})`
}

const Time: View<{ item: ItemJson }> = ({ ui, item }) => {
  const tz = String(item.timeZone ?? 'Europe/Amsterdam')
  return <time dateTime={new Date(item.startsAt as string).toISOString()}>{formatRange(ui.locale, new Date(item.startsAt as string), new Date(item.endsAt as string), tz)}</time>
}

const List: View<{ items: ItemJson[]; next: string | null; group?: { id: string; title: string } }> = ({ ui, items, next, group }) => (
  <>
    <p>
      {ui.viewer.user ? (
        <a class="utrecht-button-link utrecht-button-link--primary-action" href={group ? `/events/new?group=${group.id}` : '/events/new'}>
          {ui.t('events.new')}
        </a>
      ) : null}{' '}
      <a class="utrecht-link" href={group ? `/events/calendar.ics?containerId=${group.id}` : '/events/calendar.ics'}>
        {ui.t('events.feed')}
      </a>
    </p>
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('events.none')}</p> : null}
    <ul class="plein-items">
      {items.map(e => (
        <li>
          <h2 class="utrecht-heading-3">
            <a class="utrecht-link" href={e.url}>
              {e.title}
            </a>
          </h2>
          <p class="plein-meta">
            <Time ui={ui} item={e} />
            {e.location ? ` · ${String(e.location)}` : e.onlineUrl ? ` · ${ui.t('events.online')}` : ''}
          </p>
        </li>
      ))}
    </ul>
    {next ? (
      <p>
        <a class="utrecht-link" href={`/events?${new URLSearchParams({ ...(group ? { group: group.id } : {}), cursor: next }).toString()}`}>
          {ui.t('events.more')}
        </a>
      </p>
    ) : null}
  </>
)

interface Attendees {
  going: Array<{ name: string }>
  waitlist: Array<{ name: string }>
}

const Event: View<{ event: ItemJson; position: number | null; over: boolean; organiser: boolean; attendees: Attendees | null; group: { id: string; title: string } | null }> = ({
  ui,
  event,
  position,
  over,
  organiser,
  attendees,
  group,
}) => {
  const going = Number(event.going ?? 0)
  const capacity = event.capacity === null || event.capacity === undefined ? null : Number(event.capacity)
  const full = capacity !== null && going >= capacity
  return (
    <article class="utrecht-article">
      {group ? <p class="utrecht-paragraph">{ui.t('events.group', { name: group.title })}</p> : null}
      <dl class="plein-profile">
        <dt>{ui.t('events.when')}</dt>
        <dd>
          <Time ui={ui} item={event} />
        </dd>
        {event.location ? (
          <>
            <dt>{ui.t('events.where')}</dt>
            <dd>{String(event.location)}</dd>
          </>
        ) : null}
        {event.onlineUrl ? (
          <>
            <dt>{ui.t('events.online')}</dt>
            <dd>
              <a class="utrecht-link" href={String(event.onlineUrl)} rel="noopener noreferrer">
                {String(event.onlineUrl)}
              </a>
            </dd>
          </>
        ) : null}
        <dt>{ui.t('events.capacity')}</dt>
        <dd>
          {capacity === null ? ui.t('events.capacity.open', { going }) : ui.t('events.capacity.of', { going, capacity })}
          {Number(event.waitlist ?? 0) > 0 ? ` · ${ui.t('events.waitlist.count', { n: Number(event.waitlist) })}` : ''}
        </dd>
        {event.owner ? (
          <>
            <dt>{ui.t('events.organiser')}</dt>
            <dd>{String(event.owner.name ?? '')}</dd>
          </>
        ) : null}
      </dl>
      {/* Sanitized with the allowlist when it was written. */}
      <div dangerouslySetInnerHTML={{ __html: String(event.description ?? '') }} />
      {over ? (
        ui.view('kernel.alert', { kind: 'info', text: ui.t('events.over') })
      ) : !ui.viewer.user ? (
        <p class="utrecht-paragraph">
          <a class="utrecht-link" href={`/auth/sign-in?next=/events/${event.id}`}>
            {ui.t('events.signIn')}
          </a>
        </p>
      ) : (
        <>
          {ui.view('kernel.alert', {
            kind: event.viewerRsvp === 'going' ? 'ok' : 'info',
            text: event.viewerRsvp === 'going' ? ui.t('events.you.going') : event.viewerRsvp === 'waitlist' ? ui.t('events.you.waitlist', { n: position ?? 0 }) : ui.t('events.you.none'),
          })}
          <form method="post" action={`/events/${event.id}/${event.viewerRsvp ? 'cancel' : 'rsvp'}`}>
            <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
            <button class={`utrecht-button utrecht-button--${event.viewerRsvp ? 'secondary' : 'primary'}-action`} type="submit">
              {event.viewerRsvp ? ui.t('events.cancel') : full ? ui.t('events.rsvp.full') : ui.t('events.rsvp')}
            </button>
          </form>
        </>
      )}
      <p>
        <a class="utrecht-link" href={`/api/v1/events/${event.id}/ical`}>
          {ui.t('events.ics')}
        </a>{' '}
        ·{' '}
        <a class="utrecht-link" href="/events/calendar.ics">
          {ui.t('events.feed')}
        </a>
        {organiser ? (
          <>
            {' '}
            ·{' '}
            <a class="utrecht-link" href={`/events/${event.id}/edit`}>
              {ui.t('events.edit')}
            </a>
          </>
        ) : null}
      </p>
      {attendees ? (
        <section aria-labelledby="attendees-heading">
          <h2 class="utrecht-heading-2" id="attendees-heading">
            {ui.t('events.attendees')}
          </h2>
          <h3 class="utrecht-heading-3">{ui.t('events.attendees.going', { n: attendees.going.length })}</h3>
          {attendees.going.length === 0 ? <p class="utrecht-paragraph">{ui.t('events.attendees.none')}</p> : null}
          <ul>
            {attendees.going.map(a => (
              <li>{a.name}</li>
            ))}
          </ul>
          {attendees.waitlist.length > 0 ? (
            <>
              <h3 class="utrecht-heading-3">{ui.t('events.attendees.waitlist', { n: attendees.waitlist.length })}</h3>
              <ol>
                {attendees.waitlist.map(a => (
                  <li>{a.name}</li>
                ))}
              </ol>
            </>
          ) : null}
        </section>
      ) : null}
    </article>
  )
}

interface FormProps {
  action: string
  values?: Record<string, string>
  errors?: Record<string, string>
  group?: { id: string; title: string }
  message?: { kind: 'error'; text: string }
  editing?: boolean
}

const Form: View<FormProps> = ({ ui, action, values = {}, errors = {}, group, message, editing }) => (
  <form class="plein-form" method="post" action={action} novalidate>
    {ui.view('kernel.formErrors', { errors, message })}
    <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
    {group ? (
      <>
        <input type="hidden" name="containerId" value={group.id} />
        <p class="utrecht-paragraph">{ui.t('events.group', { name: group.title })}</p>
      </>
    ) : null}
    {ui.view('kernel.field', { name: 'title', label: ui.t('events.f.title'), value: values.title, error: errors.title, required: true })}
    {ui.view('kernel.field', { name: 'startsAt', label: ui.t('events.f.startsAt'), type: 'datetime-local', value: values.startsAt, error: errors.startsAt, required: true })}
    {ui.view('kernel.field', { name: 'endsAt', label: ui.t('events.f.endsAt'), type: 'datetime-local', value: values.endsAt, error: errors.endsAt, required: true })}
    {ui.view('kernel.field', { name: 'timeZone', label: ui.t('events.f.timeZone'), value: values.timeZone ?? 'Europe/Amsterdam', error: errors.timeZone, hint: ui.t('events.f.timeZone.hint') })}
    {ui.view('kernel.field', { name: 'location', label: ui.t('events.f.location'), value: values.location, error: errors.location })}
    {ui.view('kernel.field', { name: 'onlineUrl', label: ui.t('events.f.onlineUrl'), type: 'url', value: values.onlineUrl, error: errors.onlineUrl, hint: ui.t('events.f.onlineUrl.hint') })}
    {ui.view('kernel.field', { name: 'capacity', label: ui.t('events.f.capacity'), type: 'number', value: values.capacity, error: errors.capacity, hint: ui.t('events.f.capacity.hint') })}
    {ui.view('kernel.field', { name: 'description', label: ui.t('events.f.description'), type: 'textarea', value: values.description, error: errors.description })}
    {ui.view('kernel.submit', { label: editing ? ui.t('events.save') : ui.t('events.create') })}
  </form>
)

/** The intranet dashboard's "upcoming events" widget as HTML. */
export const UpcomingWidget: View<{ data: { items?: ItemJson[] } }> = ({ ui, data }) => (
  <>
    {(data.items ?? []).length === 0 ? <p class="utrecht-paragraph">{ui.t('events.none')}</p> : null}
    <ul class="plein-items">
      {(data.items ?? []).map(e => (
        <li>
          <a class="utrecht-link" href={e.url}>
            {e.title}
          </a>
          <p class="plein-meta">
            <Time ui={ui} item={e} />
          </p>
        </li>
      ))}
    </ul>
    <p>
      <a class="utrecht-link" href="/events">
        {ui.t('events.title')}
      </a>
    </p>
  </>
)

const esc = (s: string) => s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
const paragraphs = (text: string) =>
  text
    .trim()
    .split(/\n{2,}/)
    .filter(Boolean)
    .map(p => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`)
    .join('')

type FormBody = { title?: string; startsAt?: string; endsAt?: string; timeZone?: string; location?: string; onlineUrl?: string; capacity?: string; description?: string; containerId?: string }

export function eventPages(ctx: PluginContext, store: EventsStore): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('events.list', List)
  ctx.views.define('events.event', Event)
  ctx.views.define('events.form', Form)
  ctx.views.define('events.widget.upcoming', UpcomingWidget)
  ctx.hooks.kernel.navigation.tap((items, _s, _v, locale) => [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['events.nav'], href: '/events' }])
  const hooks = ctx.hooks.of(eventsHooks)
  const uuid = { type: 'string', format: 'uuid' }
  const idParams = { type: 'object', properties: { id: uuid } }
  /** The group an event list or form is for: one the viewer can read (else 404). */
  const groupOf = async (c: RouteContext, id: string | null | undefined) => {
    if (!id) return undefined
    const entity = await ctx.access.get(c.viewer, c.site, id)
    return { id: entity.id, title: entity.title }
  }
  const text = { type: 'string', maxLength: 2000 }
  const formSchema = {
    type: 'object',
    properties: { title: { type: 'string', maxLength: 300 }, startsAt: { type: 'string', maxLength: 40 }, endsAt: { type: 'string', maxLength: 40 }, timeZone: { type: 'string', maxLength: 64 }, location: { type: 'string', maxLength: 500 }, onlineUrl: text, capacity: { type: 'string', maxLength: 10 }, description: { type: 'string', maxLength: 100000 }, containerId: uuid },
  }

  /** The form's fields as an event, or every problem by field (in the viewer's language). */
  const fromForm = (c: RouteContext, v: FormBody): { input?: Omit<EventInput, 'containerId'>; errors: Record<string, string> } => {
    const errors: Record<string, string> = {}
    const timeZone = v.timeZone?.trim() || 'Europe/Amsterdam'
    if (!validTimeZone(timeZone)) errors.timeZone = ctx.i18n.t(c, 'events.e.timeZone')
    const zone = errors.timeZone ? 'Europe/Amsterdam' : timeZone
    const start = zonedTime(v.startsAt ?? '', zone)
    const end = zonedTime(v.endsAt ?? '', zone)
    if (!v.title?.trim()) errors.title = ctx.i18n.t(c, 'events.e.title')
    if (!start) errors.startsAt = ctx.i18n.t(c, 'events.e.time')
    if (!end) errors.endsAt = ctx.i18n.t(c, 'events.e.time')
    else if (start && end < start) errors.endsAt = ctx.i18n.t(c, 'events.e.order')
    const onlineUrl = v.onlineUrl?.trim() || null
    if (onlineUrl && !/^https:\/\/\S+$/.test(onlineUrl)) errors.onlineUrl = ctx.i18n.t(c, 'events.e.onlineUrl')
    const capacityText = v.capacity?.trim() ?? ''
    const capacity = capacityText === '' ? null : Number(capacityText)
    if (capacity !== null && !(Number.isInteger(capacity) && capacity >= 1 && capacity <= 100000)) errors.capacity = ctx.i18n.t(c, 'events.e.capacity')
    if (Object.keys(errors).length > 0) return { errors }
    return {
      errors,
      input: { title: v.title!.trim(), startsAt: start!.toISOString(), endsAt: end!.toISOString(), timeZone, location: v.location?.trim() || null, onlineUrl, capacity, description: paragraphs(v.description ?? '') },
    }
  }

  ctx.routes(router => {
    router.get<unknown, { group?: string; cursor?: string }>('events.page.list', '/events', { hidden: true, query: { type: 'object', properties: { group: uuid, cursor: { type: 'string', maxLength: 300 } } } }, async c => {
      const group = await groupOf(c, c.input.query.group)
      const page = await store.upcoming(c.viewer, c.site, { containerId: group?.id, limit: 20, cursor: c.input.query.cursor })
      await ctx.views.page(c, {
        title: group ? ctx.i18n.t(c, 'events.inGroup', { name: group.title }) : ctx.i18n.t(c, 'events.title'),
        view: 'events.list',
        props: { items: await ctx.content.serialize(page.items, c.viewer, c.site), next: page.nextCursor, group },
        alternates: [{ type: 'text/calendar', href: group ? `/events/calendar.ics?containerId=${group.id}` : '/events/calendar.ics', title: ctx.i18n.t(c, 'events.feed') }],
      })
    })

    router.get<unknown, { group?: string }>('events.page.new', '/events/new', { hidden: true, query: { type: 'object', properties: { group: uuid } } }, async c => {
      const group = c.input.query.group
      if (!c.viewer.user) return c.redirect(`/auth/sign-in?next=${encodeURIComponent(group ? `/events/new?group=${group}` : '/events/new')}`)
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'events.new'), view: 'events.form', props: { action: '/events/new', group: await groupOf(c, group) } })
    })

    router.post<FormBody>('events.page.create', '/events/new', { hidden: true, form: formSchema }, async c => {
      if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
      const group = await groupOf(c, c.input.body.containerId)
      const form = (status: number, props: Partial<FormProps>) => ctx.views.page(c, { title: ctx.i18n.t(c, 'events.new'), view: 'events.form', status, props: { action: '/events/new', values: c.input.body, group, ...props } })
      const { input, errors } = fromForm(c, c.input.body)
      if (!input) return form(400, { errors })
      let entity: EntityRecord
      try {
        // The same rules as POST /api/v1/events: the group decides who may create and who reads.
        entity = await store.create(c.site, c.viewer, { ...input, containerId: group?.id })
      } catch (error) {
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error
        return form(error.status, { message: { kind: 'error', text: error.detail } })
      }
      c.redirect(`/events/${entity.id}`)
    })

    router.get<unknown, unknown, { id: string }>('events.page.event', '/events/:id', { hidden: true, params: idParams }, async c => {
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
      const [event] = await ctx.content.serialize([entity], c.viewer, c.site)
      const organiser = Boolean(c.viewer.user) && ctx.access.canWrite(c.viewer, entity, c.site)
      let attendees: Attendees | null = null
      if (organiser) {
        const rows = await store.attendees(entity.id)
        const people = await ctx.users.byIds(rows.map(r => r.account_id))
        const of = (status: string) => rows.filter(r => r.status === status && people.has(r.account_id)).map(r => ({ name: people.get(r.account_id)!.name }))
        attendees = { going: of('going'), waitlist: of('waitlist') }
      }
      const position = event!.viewerRsvp === 'waitlist' ? await store.waitlistPosition(entity.id, c.viewer.user!.id) : null
      const over = new Date(event!.endsAt as string).getTime() < ctx.clock.now().getTime()
      const group = entity.containerId ? ((await groupOf(c, entity.containerId).catch(() => undefined)) ?? null) : null
      await ctx.views.page(c, { title: entity.title, view: 'events.event', props: { event, position, over, organiser, attendees, group } })
    })

    router.post<unknown, unknown, { id: string }>('events.page.rsvp', '/events/:id/rsvp', { hidden: true, params: idParams, form: { type: 'object', properties: {} } }, async c => {
      if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
      await store.answer(entity, c.viewer)
      c.redirect(`/events/${entity.id}`)
    })

    router.post<unknown, unknown, { id: string }>('events.page.cancel', '/events/:id/cancel', { hidden: true, params: idParams, form: { type: 'object', properties: {} } }, async c => {
      if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
      const promoted = await store.cancel(entity.id, c.viewer.user.id).catch(error => {
        // Already cancelled (a second click): nothing to do.
        if (error instanceof HttpProblem && error.status === 404) return undefined
        throw error
      })
      if (promoted) await hooks.promoted.call(c.site, { eventId: entity.id, accountId: promoted }, c.site)
      c.redirect(`/events/${entity.id}`)
    })

    /** The event for its organisers (writers): 404 when unreadable, 403 when not theirs. */
    const organised = async (c: RouteContext<any, any, { id: string }>) => {
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'event')
      if (!ctx.access.canWrite(c.viewer, entity, c.site)) throw problems.forbidden('Only organisers change this event.', { code: 'NOT_ORGANISER' })
      return entity
    }

    router.get<unknown, unknown, { id: string }>('events.page.edit', '/events/:id/edit', { hidden: true, params: idParams }, async c => {
      if (!c.viewer.user) return c.redirect(`/auth/sign-in?next=${encodeURIComponent(c.path)}`)
      const entity = await organised(c)
      const f = (await store.fields([entity], c.viewer)).get(entity.id)!
      const values = {
        title: entity.title,
        startsAt: localInput(f.startsAt, f.timeZone),
        endsAt: localInput(f.endsAt, f.timeZone),
        timeZone: f.timeZone,
        location: f.location ?? '',
        onlineUrl: f.onlineUrl ?? '',
        capacity: f.capacity === null ? '' : String(f.capacity),
        description: f.description.replace(/<br\s*\/?>/g, '\n').replace(/<\/p>\s*<p>/g, '\n\n').replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'),
      }
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'events.edit'), view: 'events.form', props: { action: `/events/${entity.id}/edit`, values, editing: true } })
    })

    router.post<FormBody, unknown, { id: string }>('events.page.update', '/events/:id/edit', { hidden: true, params: idParams, form: formSchema }, async c => {
      if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
      const entity = await organised(c)
      const form = (status: number, props: Partial<FormProps>) =>
        ctx.views.page(c, { title: ctx.i18n.t(c, 'events.edit'), view: 'events.form', status, props: { action: `/events/${entity.id}/edit`, values: c.input.body, editing: true, ...props } })
      const { input, errors } = fromForm(c, c.input.body)
      if (!input) return form(400, { errors })
      try {
        await store.update(c.site, c.viewer, entity, input)
      } catch (error) {
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error
        return form(error.status, { message: { kind: 'error', text: error.detail } })
      }
      c.redirect(`/events/${entity.id}`)
    })
  })
}
