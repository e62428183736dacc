// The polls pages, in the site's layout through the kernel's views registry (each view can be overridden by a
// theme or another plugin): the list, a poll with its voting form, and the pages of a vote by e-mail.
// They work without JavaScript. Signed-in people vote with their session (the form carries its CSRF token);
// people without an account give an e-mail address and confirm with the mailed link, whose page only
// counts the vote when its button is pressed (so a mail scanner following links counts nothing).
import { HttpProblem, intlLocale, type EntityRecord, type ItemJson, type PluginContext, type RequestContext, type ServiceRef, type View } from '@plein/core'
import type { CommentsService } from '@plein/plugin-comments/api'
import type { PollResults } from '../api.js'
import type { Polls, VoteInput } from '../polls.js'
import { statusAt, type PollRow } from '../store.js'
import { originOf } from '../routes/votes.js'
import { idParams } from '../routes/schemas.js'

const messages = {
  nl: {
    'polls.nav': 'Peilingen',
    'polls.list.title': 'Peilingen',
    'polls.none': 'Nog geen peilingen.',
    'polls.more': 'Meer peilingen',
    'polls.status.upcoming': 'Opent {at}',
    'polls.status.open': 'Open',
    'polls.status.closed': 'Gesloten',
    'polls.closes': 'sluit {at}',
    'polls.choose.one': 'Kies één antwoord',
    'polls.choose.upTo': 'Kies hoogstens {n} antwoorden',
    'polls.choose.any': 'Kies een of meer antwoorden',
    'polls.answer': 'Je antwoord',
    'polls.email': 'Je e-mailadres',
    'polls.email.hint': 'Je krijgt een link om je stem te bevestigen. Elk adres telt één keer; we tonen het nergens.',
    'polls.vote': 'Stem',
    'polls.voted': 'Je hebt gestemd.',
    'polls.signIn': 'Log in om te stemmen.',
    'polls.results': 'Uitslag',
    'polls.results.votes': '{n} stemmen',
    'polls.results.answers': '{n} antwoorden',
    'polls.results.later': 'De uitslag volgt als de peiling sluit.',
    'polls.results.afterVote': 'De uitslag zie je zodra je gestemd hebt.',
    'polls.checkMail.title': 'Kijk in je mail',
    'polls.checkMail.text': 'We hebben een link gestuurd naar het adres dat je gaf. Je stem telt zodra je die link volgt.',
    'polls.back': 'Terug naar de peiling',
    'polls.confirm.title': 'Stem bevestigen',
    'polls.confirm.button': 'Bevestig mijn stem',
    'polls.counted.title': 'Je stem telt',
    'polls.counted.text': 'Dank je wel: je stem op “{title}” is geteld.',
    'polls.problem.title': 'Dat lukte niet',
  },
  en: {
    'polls.nav': 'Polls',
    'polls.list.title': 'Polls',
    'polls.none': 'No polls yet.',
    'polls.more': 'More polls',
    'polls.status.upcoming': 'Opens {at}',
    'polls.status.open': 'Open',
    'polls.status.closed': 'Closed',
    'polls.closes': 'closes {at}',
    'polls.choose.one': 'Choose one answer',
    'polls.choose.upTo': 'Choose at most {n} answers',
    'polls.choose.any': 'Choose one or more answers',
    'polls.answer': 'Your answer',
    'polls.email': 'Your e-mail address',
    'polls.email.hint': 'You get a link to confirm your vote. Every address counts once; we show it nowhere.',
    'polls.vote': 'Vote',
    'polls.voted': 'You have voted.',
    'polls.signIn': 'Sign in to vote.',
    'polls.results': 'Results',
    'polls.results.votes': '{n} votes',
    'polls.results.answers': '{n} answers',
    'polls.results.later': 'The results follow when the poll closes.',
    'polls.results.afterVote': 'You see the results once you have voted.',
    'polls.checkMail.title': 'Check your mail',
    'polls.checkMail.text': 'We sent a link to the address you gave. Your vote counts once you follow it.',
    'polls.back': 'Back to the poll',
    'polls.confirm.title': 'Confirm your vote',
    'polls.confirm.button': 'Confirm my vote',
    'polls.counted.title': 'Your vote counts',
    'polls.counted.text': 'Thank you: your vote on “{title}” is counted.',
    'polls.problem.title': 'That did not work',
  },
}

type PollJson = ItemJson & {
  description: string
  mode: 'single' | 'multiple' | 'open'
  maxChoices: number | null
  options: Array<{ id: string; label: string }>
  opensAt: string | Date
  closesAt: string | Date | null
  status: 'upcoming' | 'open' | 'closed'
  allowEmailVotes: boolean
  showResults: 'afterVote' | 'afterClose'
  viewerVote: { optionIds: string[]; answer: string | null } | null
  results: PollResults | null
}

const when = (locale: string, at: string | Date) =>
  new Date(at).toLocaleString(intlLocale(locale), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Amsterdam' })

const Results: View<{ results: PollResults | null; mode: PollJson['mode']; showResults?: 'afterVote' | 'afterClose' }> = ({ ui, results, mode, showResults }) => {
  if (!results) return <p class="utrecht-paragraph">{ui.t(showResults === 'afterVote' ? 'polls.results.afterVote' : 'polls.results.later')}</p>
  return (
    <section>
      <h2 class="utrecht-heading-2">{ui.t('polls.results')}</h2>
      <p class="utrecht-paragraph">{ui.t(mode === 'open' ? 'polls.results.answers' : 'polls.results.votes', { n: results.totalVotes })}</p>
      {mode === 'open' ? null : (
        <ul class="plein-items">
          {results.options.map(o => (
            <li>
              {o.label}: {o.votes} ({o.percentage}%){' '}
              <meter min={0} max={100} value={o.percentage}>
                {o.percentage}%
              </meter>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

const Status: View<{ poll: PollJson }> = ({ ui, poll }) => (
  <p class="plein-meta">
    {poll.status === 'upcoming' ? ui.t('polls.status.upcoming', { at: when(ui.locale, poll.opensAt) }) : ui.t(`polls.status.${poll.status}`)}
    {poll.status === 'open' && poll.closesAt ? ` · ${ui.t('polls.closes', { at: when(ui.locale, poll.closesAt) })}` : ''}
  </p>
)

interface PollProps {
  poll: PollJson
  /** Comments (when the comments plugin is enabled), for its `comments.thread` view. */
  thread: Record<string, unknown> | null
  message?: { kind: 'error' | 'ok'; text: string }
  values?: { email?: string; answer?: string }
}

const VoteForm: View<{ poll: PollJson; byEmail: boolean; values?: PollProps['values'] }> = ({ ui, poll, byEmail, values = {} }) => (
  <form class="plein-form" method="post" action={`/polls/${poll.id}/vote`}>
    <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
    {poll.mode === 'open' ? (
      ui.view('kernel.field', { name: 'answer', label: ui.t('polls.answer'), type: 'textarea', value: values.answer, required: true })
    ) : (
      <fieldset class="utrecht-form-fieldset">
        <legend class="utrecht-form-fieldset__legend">
          {poll.mode === 'single' ? ui.t('polls.choose.one') : poll.maxChoices && poll.maxChoices < poll.options.length ? ui.t('polls.choose.upTo', { n: poll.maxChoices }) : ui.t('polls.choose.any')}
        </legend>
        {poll.options.map(o => (
          <p class="utrecht-form-field">
            {poll.mode === 'single' ? (
              <input class="utrecht-radio-button" type="radio" id={`o-${o.id}`} name="option" value={o.id} required />
            ) : (
              <input class="utrecht-checkbox" type="checkbox" id={`o-${o.id}`} name={`option_${o.id}`} value="on" />
            )}{' '}
            <label class="utrecht-form-label" for={`o-${o.id}`}>
              {o.label}
            </label>
          </p>
        ))}
      </fieldset>
    )}
    {byEmail ? ui.view('kernel.field', { name: 'email', label: ui.t('polls.email'), type: 'email', value: values.email, hint: ui.t('polls.email.hint'), autocomplete: 'email', required: true }) : null}
    {ui.view('kernel.submit', { label: ui.t('polls.vote') })}
  </form>
)

const PollPage: View<PollProps> = ({ ui, poll, thread, message, values }) => {
  const signedIn = ui.viewer.user !== null
  const canVote = poll.status === 'open' && poll.viewerVote === null && (signedIn || poll.allowEmailVotes)
  return (
    <article class="utrecht-article">
      {message ? ui.view('kernel.alert', message) : null}
      {ui.view('polls.status', { poll })}
      {poll.description ? <p class="utrecht-paragraph">{poll.description}</p> : null}
      {poll.viewerVote ? <p class="utrecht-paragraph">{ui.t('polls.voted')}</p> : null}
      {canVote ? ui.view('polls.voteForm', { poll, byEmail: !signedIn, values }) : null}
      {poll.status === 'open' && !signedIn && !poll.allowEmailVotes ? (
        <p class="utrecht-paragraph">
          <a class="utrecht-link" href={`/auth/sign-in?next=${encodeURIComponent(`/polls/${poll.id}`)}`}>
            {ui.t('polls.signIn')}
          </a>
        </p>
      ) : null}
      {poll.mode !== 'open' && !poll.results && !canVote ? (
        <ul class="plein-items">
          {poll.options.map(o => (
            <li>{o.label}</li>
          ))}
        </ul>
      ) : null}
      {ui.view('polls.results', { results: poll.results, mode: poll.mode, showResults: poll.status === 'closed' ? 'afterClose' : poll.showResults })}
      {thread ? ui.view('comments.thread', thread) : null}
    </article>
  )
}

const List: View<{ items: PollJson[]; next: string | null }> = ({ ui, items, next }) => (
  <>
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('polls.none')}</p> : null}
    <ul class="plein-items">
      {items.map(p => (
        <li>
          <h2 class="utrecht-heading-3">
            <a class="utrecht-link" href={p.url}>
              {p.title}
            </a>
          </h2>
          {ui.view('polls.status', { poll: p })}
        </li>
      ))}
    </ul>
    {next ? (
      <a class="utrecht-link" href={`/polls?cursor=${encodeURIComponent(next)}`}>
        {ui.t('polls.more')}
      </a>
    ) : null}
  </>
)

/** A short page: a message, then (optionally) a form, results and a link back. */
const Message: View<{ text: string; kind?: 'info' | 'ok' | 'error'; pollId?: string; results?: PollResults | null; mode?: PollJson['mode']; confirm?: { token: string } }> = ({
  ui,
  text,
  kind = 'info',
  pollId,
  results,
  mode,
  confirm,
}) => (
  <>
    {ui.view('kernel.alert', { kind, text })}
    {confirm && pollId ? (
      <form class="plein-form" method="post" action={`/polls/${pollId}/confirm`}>
        <input type="hidden" name="token" value={confirm.token} />
        <button class="utrecht-button utrecht-button--primary-action" type="submit">
          {ui.t('polls.confirm.button')}
        </button>
      </form>
    ) : null}
    {results !== undefined && mode ? ui.view('polls.results', { results, mode }) : null}
    {pollId ? (
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href={`/polls/${pollId}`}>
          {ui.t('polls.back')}
        </a>
      </p>
    ) : null}
  </>
)

/** What a form sends: the chosen option (radio), `option_<id>` (checkboxes), an answer, an address. */
export function ballotFromForm(poll: PollRow, form: Record<string, string | undefined>): VoteInput {
  if (poll.mode === 'open') return { answer: form.answer ?? '' }
  const optionIds = [
    ...(form.option ? [form.option] : []),
    ...Object.keys(form)
      .filter(k => k.startsWith('option_'))
      .map(k => k.slice('option_'.length)),
  ]
  return { optionIds }
}

export function pageRoutes(ctx: PluginContext, polls: Polls, commentsRef: ServiceRef<CommentsService> | undefined): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('polls.list', List)
  ctx.views.define('polls.poll', PollPage)
  ctx.views.define('polls.voteForm', VoteForm)
  ctx.views.define('polls.status', Status)
  ctx.views.define('polls.results', Results)
  ctx.views.define('polls.message', Message)
  ctx.hooks.kernel.navigation.tap((items, _site, _viewer, locale) => [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['polls.nav'], href: '/polls' }])

  const thread = async (c: RequestContext, entity: EntityRecord): Promise<Record<string, unknown> | null> => {
    const service = commentsRef ? ctx.services.find(commentsRef) : undefined
    if (!service || !c.site.isEnabled('comments')) return null
    const page = await service.list(c.site, entity, 100)
    const authors = await ctx.users.byIds(page.items.map(x => x.authorId).filter((x): x is string => x !== null))
    return { entityId: entity.id, back: `/polls/${entity.id}`, comments: page.items.map(x => ({ ...x, authorName: x.authorId ? (authors.get(x.authorId)?.name ?? null) : null })) }
  }

  const pollPage = async (c: RequestContext, entity: EntityRecord, extra: Partial<PollProps> = {}, status = 200) => {
    const [poll] = await ctx.content.serialize([entity], c.viewer, c.site)
    await ctx.views.page(c, { title: entity.title, view: 'polls.poll', status, props: { poll, thread: await thread(c, entity), ...extra } })
  }

  const message = (c: RequestContext, title: string, props: Record<string, unknown>, status = 200) => ctx.views.page(c, { title, view: 'polls.message', status, props })

  /** A problem on a page a person reads: the message in the layout, with its status. */
  const orProblemPage = async (c: RequestContext, pollId: string, run: () => Promise<void>) => {
    try {
      await run()
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status >= 500) throw error
      const fields = (error.errors ?? []).map(e => e.detail).join('; ')
      await message(c, ctx.i18n.t(c, 'polls.problem.title'), { kind: 'error', text: fields ? `${error.detail} (${fields})` : error.detail, pollId }, error.status)
    }
  }

  ctx.routes(router => {
    router.get<unknown, { cursor?: string }>('polls.page.list', '/polls', { hidden: true, query: { type: 'object', properties: { cursor: { type: 'string', maxLength: 200 } } } }, async c => {
      const page = await polls.store.list(c.viewer, c.site, { limit: 20, cursor: c.input.query.cursor, now: polls.now() })
      const items = await ctx.content.serialize(page.items, c.viewer, c.site)
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'polls.list.title'), view: 'polls.list', props: { items, next: page.nextCursor } })
    })

    router.get<unknown, unknown, { id: string }>('polls.page', '/polls/:id', { hidden: true, params: idParams }, async c => {
      const { entity } = await polls.readable(c.viewer, c.site, c.input.params.id)
      await pollPage(c, entity)
    })

    router.post<Record<string, string>, unknown, { id: string }>(
      'polls.page.vote',
      '/polls/:id/vote',
      {
        hidden: true,
        params: idParams,
        // Signed in: a session's form, CSRF-checked by the kernel (`_csrf`). Without an account there is no
        // session to protect: the vote only counts once the address confirms it.
        form: {
          type: 'object',
          properties: { email: { type: 'string', maxLength: 254 }, answer: { type: 'string', maxLength: 5000 }, option: { type: 'string', maxLength: 36 } },
          patternProperties: { '^option_[0-9a-f-]{36}$': { const: 'on' } },
        },
      },
      async c => {
        const { entity, poll } = await polls.readable(c.viewer, c.site, c.input.params.id)
        const form = c.input.body
        const ballot = ballotFromForm(poll, form)
        try {
          if (c.viewer.user) {
            await polls.vote(c.viewer, c.site, entity, poll, ballot)
            return c.redirect(`/polls/${poll.entityId}`)
          }
          const email = (form.email ?? '').trim()
          if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
            throw new HttpProblem({ status: 400, detail: ctx.i18n.t(c, 'polls.email'), code: 'INVALID_INPUT', errors: [{ in: 'body', location: { pointer: '/email' }, detail: 'must be an e-mail address', code: 'format' }] })
          }
          await polls.requestEmailVote(c.site, entity, poll, { ...ballot, email }, originOf(c))
        } catch (error) {
          if (!(error instanceof HttpProblem) || error.status >= 500) throw error
          const fields = (error.errors ?? []).map(e => e.detail).join('; ')
          return pollPage(c, entity, { message: { kind: 'error', text: fields ? `${error.detail} (${fields})` : error.detail }, values: { email: form.email, answer: form.answer } }, error.status)
        }
        await message(c, ctx.i18n.t(c, 'polls.checkMail.title'), { kind: 'ok', text: ctx.i18n.t(c, 'polls.checkMail.text'), pollId: poll.entityId }, 202)
      },
    )

    router.get<unknown, { token: string }, { id: string }>(
      'polls.page.confirm',
      '/polls/:id/confirm',
      { hidden: true, params: idParams, query: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 4000 } } } },
      async c =>
        orProblemPage(c, c.input.params.id, async () => {
          const { entity, poll } = await polls.readable(c.viewer, c.site, c.input.params.id)
          await message(c, ctx.i18n.t(c, 'polls.confirm.title'), { text: entity.title, pollId: poll.entityId, confirm: { token: c.input.query.token } })
        }),
    )

    router.post<{ token: string }, unknown, { id: string }>(
      'polls.page.confirm.form',
      '/polls/:id/confirm',
      // The signed token is the authority here, not a session.
      { hidden: true, csrf: false, params: idParams, form: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 4000 } } } },
      async c =>
        orProblemPage(c, c.input.params.id, async () => {
          const { entity, poll } = await polls.confirm(c.site, c.input.params.id, c.input.body.token)
          const visible = poll.showResults === 'afterVote' || statusAt(poll, polls.now()) === 'closed'
          const results = visible ? polls.results(poll, (await polls.store.counts([poll.entityId])).get(poll.entityId)) : null
          await message(c, ctx.i18n.t(c, 'polls.counted.title'), { kind: 'ok', text: ctx.i18n.t(c, 'polls.counted.text', { title: entity.title }), pollId: poll.entityId, results, mode: poll.mode })
        }),
    )
  })
}
