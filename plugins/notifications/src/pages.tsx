// Notification pages: the bell in the main menu (unread count), the list with mark-read forms, and the e-mail
// preferences with what one follows. Forms work without JavaScript: POST with the CSRF token, redirect after post.
import { intlLocale } from '@plein/core'
import type { PluginContext, RequestContext, View } from '@plein/core'
import { sentence, type EmailMode, type FollowJson, type NotificationJson, type Notifications } from './service.js'

const messages = {
  nl: {
    'notifications.nav': 'Meldingen',
    'notifications.nav.unread': 'Meldingen ({n} ongelezen)',
    'notifications.title': 'Meldingen',
    'notifications.none': 'Je hebt nog geen meldingen.',
    'notifications.unread': '{n} ongelezen',
    'notifications.new': 'nieuw',
    'notifications.markRead': 'Markeer als gelezen',
    'notifications.markAllRead': 'Alles als gelezen markeren',
    'notifications.more': 'Oudere meldingen',
    'notifications.settings': 'E-mail en volgen',
    'notifications.prefs.title': 'E-mail en volgen',
    'notifications.prefs.email': 'E-mail over meldingen op deze site',
    'notifications.prefs.immediate': 'Meteen, bij elke melding',
    'notifications.prefs.daily': 'Eén keer per dag een overzicht',
    'notifications.prefs.weekly': 'Eén keer per week een overzicht',
    'notifications.prefs.never': 'Geen e-mail',
    'notifications.prefs.missing': 'Kies hoe vaak je e-mail wilt krijgen.',
    'notifications.prefs.saved': 'Je keuze is opgeslagen.',
    'notifications.prefs.digestHour': 'Overzichten gaan elke dag vanaf {hour}:00 uur (UTC) de deur uit.',
    'notifications.follows.title': 'Wat je volgt',
    'notifications.follows.intro': 'Je krijgt meldingen over wat je volgt. Wat je schrijft of waarop je reageert, volg je vanzelf.',
    'notifications.follows.none': 'Je volgt nog niets op deze site.',
    'notifications.follows.person': 'persoon',
    'notifications.follows.unavailable': 'Niet meer beschikbaar',
    'notifications.follows.unfollow': 'Ontvolgen',
    'notifications.follows.unfollowNamed': '“{name}” ontvolgen',
    'notifications.follows.unfollowed': 'Je volgt dit niet meer.',
    'notifications.follows.more': 'Meer',
    'notifications.save': 'Opslaan',
    'notifications.fix': 'Verbeter de gemarkeerde velden.',
  },
  en: {
    'notifications.nav': 'Notifications',
    'notifications.nav.unread': 'Notifications ({n} unread)',
    'notifications.title': 'Notifications',
    'notifications.none': 'You have no notifications yet.',
    'notifications.unread': '{n} unread',
    'notifications.new': 'new',
    'notifications.markRead': 'Mark as read',
    'notifications.markAllRead': 'Mark all as read',
    'notifications.more': 'Older notifications',
    'notifications.settings': 'E-mail and following',
    'notifications.prefs.title': 'E-mail and following',
    'notifications.prefs.email': 'E-mail about notifications on this site',
    'notifications.prefs.immediate': 'At once, for every notification',
    'notifications.prefs.daily': 'A summary once a day',
    'notifications.prefs.weekly': 'A summary once a week',
    'notifications.prefs.never': 'No e-mail',
    'notifications.prefs.missing': 'Choose how often you want e-mail.',
    'notifications.prefs.saved': 'Your choice is saved.',
    'notifications.prefs.digestHour': 'Summaries go out every day from {hour}:00 (UTC).',
    'notifications.follows.title': 'What you follow',
    'notifications.follows.intro': 'You get notifications about what you follow. You follow what you write or comment on automatically.',
    'notifications.follows.none': 'You follow nothing on this site yet.',
    'notifications.follows.person': 'person',
    'notifications.follows.unavailable': 'No longer available',
    'notifications.follows.unfollow': 'Unfollow',
    'notifications.follows.unfollowNamed': 'Unfollow “{name}”',
    'notifications.follows.unfollowed': 'You no longer follow this.',
    'notifications.follows.more': 'More',
    'notifications.save': 'Save',
    'notifications.fix': 'Correct the marked fields.',
  },
}

const MODES: readonly EmailMode[] = ['immediate', 'daily', 'weekly', 'never']
const PAGE = 20
const uuid = { type: 'string', format: 'uuid' }

const Csrf: View = ({ ui }) => <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />

const when = (locale: string, d: Date | string) => (
  <time dateTime={new Date(d).toISOString()}>
    {new Date(d).toLocaleString(intlLocale(locale), { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })} UTC
  </time>
)

/** The link a notification leads to: its item, or (an invitation to a hidden group) the group page. */
const hrefOf = (n: NotificationJson) => n.item?.url ?? (typeof n.data?.groupId === 'string' ? `/groups/${n.data.groupId}` : undefined)

const List: View<{ items: NotificationJson[]; next: string | null; unread: number }> = ({ ui, items, next, unread }) => (
  <>
    <p class="utrecht-paragraph">
      {ui.t('notifications.unread', { n: unread })} ·{' '}
      <a class="utrecht-link" href="/notifications/preferences">
        {ui.t('notifications.settings')}
      </a>
    </p>
    {unread > 0 ? (
      <form method="post" action="/notifications/read">
        <Csrf ui={ui} />
        <button class="utrecht-button utrecht-button--secondary-action" type="submit">
          {ui.t('notifications.markAllRead')}
        </button>
      </form>
    ) : null}
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('notifications.none')}</p> : null}
    <ul class="plein-items">
      {items.map(n => {
        const text = sentence(ui.locale, n.kind, n.actor?.name, n.item?.title ?? String(n.data?.title ?? ''))
        const href = hrefOf(n)
        return (
          <li>
            {n.read ? null : (
              <>
                <strong class="plein-badge">{ui.t('notifications.new')}</strong>{' '}
              </>
            )}
            {href ? (
              <a class="utrecht-link" href={href}>
                {text}
              </a>
            ) : (
              text
            )}
            <p class="plein-meta">{when(ui.locale, n.createdAt)}</p>
            {n.read ? null : (
              <form method="post" action="/notifications/read">
                <Csrf ui={ui} />
                <input type="hidden" name="id" value={n.id} />
                <button class="utrecht-button utrecht-button--subtle" type="submit" aria-label={`${ui.t('notifications.markRead')}: ${text}`}>
                  {ui.t('notifications.markRead')}
                </button>
              </form>
            )}
          </li>
        )
      })}
    </ul>
    {next ? (
      <p>
        <a class="utrecht-link" href={`/notifications?cursor=${encodeURIComponent(next)}`}>
          {ui.t('notifications.more')}
        </a>
      </p>
    ) : null}
  </>
)

const Preferences: View<{ email: string; hour: number; follows: FollowJson[]; next: string | null; error?: string; message?: { kind: 'ok' | 'error'; text: string } }> = ({
  ui,
  email,
  hour,
  follows,
  next,
  error,
  message,
}) => (
  <>
    {message ? ui.view('kernel.alert', message) : null}
    <form class="plein-form" method="post" action="/notifications/preferences">
      <Csrf ui={ui} />
      <fieldset class={`utrecht-form-fieldset${error ? ' utrecht-form-field--invalid' : ''}`} aria-describedby={error ? 'email-error' : 'email-hint'}>
        <legend class="utrecht-form-fieldset__legend">{ui.t('notifications.prefs.email')}</legend>
        <p class="utrecht-form-field-description" id="email-hint">
          {ui.t('notifications.prefs.digestHour', { hour: String(hour).padStart(2, '0') })}
        </p>
        {error ? (
          <p class="utrecht-form-field-error-message plein-field-error" id="email-error">
            {error}
          </p>
        ) : null}
        {MODES.map(mode => (
          <p>
            <input class="utrecht-radio-button utrecht-radio-button--html-input" type="radio" id={`email-${mode}`} name="email" value={mode} checked={email === mode} />{' '}
            <label class="utrecht-form-label" for={`email-${mode}`}>
              {ui.t(`notifications.prefs.${mode}`)}
            </label>
          </p>
        ))}
      </fieldset>
      {ui.view('kernel.submit', { label: ui.t('notifications.save') })}
    </form>
    <h2 class="utrecht-heading-2 plein-section">{ui.t('notifications.follows.title')}</h2>
    <p class="utrecht-paragraph">{ui.t('notifications.follows.intro')}</p>
    {follows.length === 0 ? <p class="utrecht-paragraph">{ui.t('notifications.follows.none')}</p> : null}
    <ul class="plein-items">
      {follows.map(f => {
        const name = f.title ?? ui.t('notifications.follows.unavailable')
        return (
          <li>
            {f.url ? (
              <a class="utrecht-link" href={f.url}>
                {name}
              </a>
            ) : (
              name
            )}
            {f.type !== 'unavailable' ? <span class="plein-meta"> · {f.type === 'person' ? ui.t('notifications.follows.person') : f.type}</span> : null}
            <form method="post" action={`/notifications/follows/${f.id}/unfollow`}>
              <Csrf ui={ui} />
              <button class="utrecht-button utrecht-button--subtle" type="submit" aria-label={ui.t('notifications.follows.unfollowNamed', { name })}>
                {ui.t('notifications.follows.unfollow')}
              </button>
            </form>
          </li>
        )
      })}
    </ul>
    {next ? (
      <p>
        <a class="utrecht-link" href={`/notifications/preferences?after=${encodeURIComponent(next)}`}>
          {ui.t('notifications.follows.more')}
        </a>
      </p>
    ) : null}
  </>
)

export function notificationPages(ctx: PluginContext, notifications: Notifications): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('notifications.list', List)
  ctx.views.define('notifications.preferences', Preferences)
  const t = ctx.i18n.t

  // The bell: one count on the partial index of unread notifications, stopped at 100.
  ctx.hooks.kernel.navigation.tap(async (items, site, viewer, locale) => {
    if (!viewer.user) return items
    const n = await notifications.unread(viewer, site, 100)
    const m = messages[locale === 'en' ? 'en' : 'nl']
    const label = n === 0 ? m['notifications.nav'] : m['notifications.nav.unread'].replace('{n}', n > 99 ? '99+' : String(n))
    return [...items, { label, href: '/notifications' }]
  })

  /** Signed-out visitors go to sign-in and come back. */
  const signedIn = (c: RequestContext) => {
    if (c.viewer.user) return c.viewer.user
    c.redirect(`/auth/sign-in?next=${encodeURIComponent(c.path)}`)
    return undefined
  }
  const hour = (c: RequestContext) => (ctx.settings(c.site) as { digestHourUtc?: number }).digestHourUtc ?? 6

  const preferencesPage = async (c: RequestContext, state: { after?: string; email?: string; error?: string; message?: { kind: 'ok' | 'error'; text: string }; status?: number } = {}) => {
    const me = c.viewer.user!
    const follows = await notifications.follows(c.viewer, c.site, { limit: 50, after: state.after })
    await ctx.views.page(c, {
      title: t(c, 'notifications.prefs.title'),
      view: 'notifications.preferences',
      status: state.status,
      props: { email: state.email ?? (await notifications.emailMode(c.site, me.id)), hour: hour(c), follows: follows.items, next: follows.next, error: state.error, message: state.message },
    })
  }

  ctx.routes(router => {
    router.get<unknown, { cursor?: string }>('notifications.page.list', '/notifications', { hidden: true, query: { type: 'object', properties: { cursor: { type: 'string', maxLength: 200 } } } }, async c => {
      if (!signedIn(c)) return
      const page = await notifications.list(c.viewer, c.site, { limit: PAGE, cursor: c.input.query.cursor })
      await ctx.views.page(c, { title: t(c, 'notifications.title'), view: 'notifications.list', props: { items: page.items, next: page.nextCursor, unread: page.unread } })
    })

    router.post<{ id?: string }>('notifications.page.read', '/notifications/read', { hidden: true, auth: true, form: { type: 'object', properties: { id: uuid } } }, async c => {
      await notifications.markRead(c.site, c.viewer.user!.id, c.input.body.id ? [c.input.body.id] : undefined)
      c.redirect('/notifications')
    })

    router.get<unknown, { after?: string; done?: string }>(
      'notifications.page.preferences',
      '/notifications/preferences',
      { hidden: true, query: { type: 'object', properties: { after: uuid, done: { enum: ['saved', 'unfollowed'] } } } },
      async c => {
        if (!signedIn(c)) return
        const done = c.input.query.done
        await preferencesPage(c, { after: c.input.query.after, message: done ? { kind: 'ok', text: t(c, done === 'saved' ? 'notifications.prefs.saved' : 'notifications.follows.unfollowed') } : undefined })
      },
    )

    router.post<{ email?: string }>('notifications.page.preferences.save', '/notifications/preferences', { hidden: true, auth: true, form: { type: 'object', properties: { email: { type: 'string', maxLength: 20 } } } }, async c => {
      const email = c.input.body.email
      if (!email || !(MODES as readonly string[]).includes(email)) {
        return preferencesPage(c, { status: 400, email: '', error: t(c, 'notifications.prefs.missing'), message: { kind: 'error', text: t(c, 'notifications.fix') } })
      }
      await notifications.setEmailMode(c.site, c.viewer.user!.id, email as EmailMode)
      c.redirect('/notifications/preferences?done=saved')
    })

    router.post<unknown, unknown, { id: string }>(
      'notifications.page.unfollow',
      '/notifications/follows/:id/unfollow',
      { hidden: true, auth: true, params: { type: 'object', properties: { id: uuid } }, form: { type: 'object', properties: {} } },
      async c => {
        await notifications.unfollow(c.site, c.viewer.user!.id, c.input.params.id)
        c.redirect('/notifications/preferences?done=unfollowed')
      },
    )
  })
}
