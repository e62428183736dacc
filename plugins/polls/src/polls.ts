// The rules of polls: who may create and change them, what a valid ballot is, when a vote counts, who sees results.
// Routes and pages call this; SQL lives in the store.
import {
  ANONYMOUS,
  HttpProblem,
  problems,
  type EntityRecord,
  type ItemJson,
  type LiveHooks,
  type PluginContext,
  type ProblemFieldError,
  type Site,
  type Viewer,
} from '@plein/core'
import { POLL_KIND, pollsHooks, type Ballot, type PollMode, type PollResults, type PollStatus, type PollVote, type ShowResults } from './api.js'
import type { PollsSettings } from './settings.js'
import { statusAt, type NewPoll, type PollRow, type PollStore } from './store.js'

export interface PollInput {
  title?: string
  description?: string
  mode?: PollMode
  options?: string[]
  maxChoices?: number | null
  opensAt?: string
  closesAt?: string | null
  showResults?: ShowResults
  allowEmailVotes?: boolean
  access?: { read?: string[]; write?: string[] }
  containerId?: string
}

export interface VoteInput {
  optionIds?: string[]
  answer?: string
  email?: string
}

/** One 400 answer naming every bad field of the body. */
export function invalid(detail: string, errors: Array<[pointer: string, detail: string, code: string]>): HttpProblem {
  return new HttpProblem({
    status: 400,
    detail,
    code: 'INVALID_INPUT',
    errors: errors.map(([pointer, d, code]): ProblemFieldError => ({ in: 'body', location: { pointer }, detail: d, code })),
  })
}

const normalizeEmail = (email: string) => email.trim().toLowerCase()

/** At most one confirmation mail per address and poll in this time; requests in between change nothing. */
export const MAIL_INTERVAL_MS = 10 * 60_000

export class Polls {
  private readonly hooks: LiveHooks<(typeof pollsHooks)['specs']>

  constructor(
    private readonly ctx: PluginContext,
    readonly store: PollStore,
  ) {
    this.hooks = ctx.hooks.of(pollsHooks)
  }

  now(): Date {
    return this.ctx.clock.now()
  }

  settings(site: Site): PollsSettings {
    return this.ctx.settings<PollsSettings>(site)
  }

  // ---- reading ----

  /** The poll the viewer may read (404 otherwise, whether it is missing, elsewhere or hidden), with its own row. */
  async readable(viewer: Viewer, site: Site, id: string): Promise<{ entity: EntityRecord; poll: PollRow }> {
    const entity = await this.ctx.access.get(viewer, site, id, POLL_KIND)
    const poll = await this.store.poll(entity.id)
    if (!poll) throw problems.notFound('Not found.', { code: 'NOT_FOUND' })
    return { entity, poll }
  }

  /** Owner, holders of a write token and site administrators: they see results at any time and export them. */
  isManager(viewer: Viewer, entity: EntityRecord, site: Site): boolean {
    return this.ctx.access.canWrite(viewer, entity, site)
  }

  resultsVisible(viewer: Viewer, entity: EntityRecord, poll: PollRow, site: Site, hasVoted: boolean): boolean {
    if (this.isManager(viewer, entity, site)) return true
    if (statusAt(poll, this.now()) === 'closed') return true
    return poll.showResults === 'afterVote' && hasVoted
  }

  results(poll: PollRow, counts: { total: number; perOption: Map<string, number> } | undefined): PollResults {
    const total = counts?.total ?? 0
    return {
      totalVotes: total,
      options: poll.options.map(o => {
        const votes = counts?.perOption.get(o.id) ?? 0
        return { id: o.id, label: o.label, votes, percentage: total === 0 ? 0 : Math.round((votes / total) * 1000) / 10 }
      }),
    }
  }

  /** Results as this viewer may see them, or undefined while they are hidden from them. */
  async visibleResults(viewer: Viewer, site: Site, entity: EntityRecord, poll: PollRow): Promise<PollResults | undefined> {
    const voted = viewer.user ? (await this.store.votesOf(viewer.user.id, [poll.entityId])).has(poll.entityId) : false
    if (!this.resultsVisible(viewer, entity, poll, site, voted)) return undefined
    return this.results(poll, (await this.store.counts([poll.entityId])).get(poll.entityId))
  }

  /** Why results are hidden, in words for the 403 answer. */
  hiddenReason(poll: PollRow): string {
    return poll.showResults === 'afterVote'
      ? 'The results of this poll are shown once you have voted (or once it closes).'
      : `The results of this poll are shown once it closes${poll.closesAt ? ` (${poll.closesAt.toISOString()})` : ''}.`
  }

  /** The poll fields of many items in a bounded number of queries (the content kind's load). */
  async fields(entities: EntityRecord[], viewer: Viewer, site: Site): Promise<Map<string, object>> {
    const ids = entities.map(e => e.id)
    const polls = await this.store.polls(ids)
    const counts = await this.store.counts(ids)
    const mine = viewer.user ? await this.store.votesOf(viewer.user.id, ids) : new Map()
    const now = this.now()
    const out = new Map<string, object>()
    for (const entity of entities) {
      const poll = polls.get(entity.id)
      if (!poll) continue
      const own = mine.get(entity.id)
      const visible = this.resultsVisible(viewer, entity, poll, site, own !== undefined)
      out.set(entity.id, {
        description: poll.description,
        mode: poll.mode,
        maxChoices: poll.mode === 'multiple' ? (poll.maxChoices ?? poll.options.length) : poll.mode === 'single' ? 1 : null,
        options: poll.options.map(o => ({ id: o.id, label: o.label })),
        opensAt: poll.opensAt,
        closesAt: poll.closesAt,
        status: statusAt(poll, now),
        showResults: poll.showResults,
        allowEmailVotes: poll.allowEmailVotes && this.settings(site).allowEmailVotes,
        viewerVote: own ?? null,
        results: visible ? this.results(poll, counts.get(entity.id)) : null,
      })
    }
    return out
  }

  async json(entity: EntityRecord, viewer: Viewer, site: Site): Promise<ItemJson> {
    return (await this.ctx.content.serialize([entity], viewer, site))[0]!
  }

  // ---- creating and changing ----

  /** The checked definition of a new poll, or one 400 listing every problem. */
  definition(input: PollInput, site: Site): NewPoll {
    const settings = this.settings(site)
    const now = this.now()
    const errors: Array<[string, string, string]> = []
    const mode = input.mode!
    const options = (input.options ?? []).map(o => o.trim())
    if (mode === 'open') {
      if (input.options !== undefined) errors.push(['/options', 'is for single and multiple choice; an open question takes answers', 'mode'])
    } else {
      if (input.options === undefined) errors.push(['/options', 'is required for single and multiple choice (at least 2)', 'required'])
      else if (options.length < 2) errors.push(['/options', 'must have at least 2 items', 'minItems'])
      if (options.length > settings.maxOptions) errors.push(['/options', `must have at most ${settings.maxOptions} items on this site`, 'maxItems'])
      const seen = new Set<string>()
      options.forEach((label, i) => {
        const key = label.toLowerCase()
        if (seen.has(key)) errors.push([`/options/${i}`, 'repeats an earlier option', 'uniqueItems'])
        seen.add(key)
      })
    }
    if (input.maxChoices !== undefined && input.maxChoices !== null) {
      if (mode !== 'multiple') errors.push(['/maxChoices', 'is only for multiple choice', 'mode'])
      else if (input.maxChoices > options.length) errors.push(['/maxChoices', `must be at most the number of options (${options.length})`, 'maximum'])
    }
    const opensAt = input.opensAt ? new Date(input.opensAt) : now
    const closesAt = input.closesAt ? new Date(input.closesAt) : null
    errors.push(...this.timeErrors(opensAt, closesAt, now))
    if (input.allowEmailVotes && !settings.allowEmailVotes) errors.push(['/allowEmailVotes', 'is not possible: this site takes no votes by e-mail', 'setting'])
    if (errors.length > 0) throw invalid('The poll is not valid.', errors)
    return {
      description: (input.description ?? '').trim(),
      mode,
      maxChoices: mode === 'multiple' ? (input.maxChoices ?? null) : null,
      opensAt,
      closesAt,
      showResults: input.showResults ?? settings.defaultShowResults,
      allowEmailVotes: input.allowEmailVotes ?? false,
      options: mode === 'open' ? [] : options,
    }
  }

  private timeErrors(opensAt: Date, closesAt: Date | null, now: Date, closesChanged = true): Array<[string, string, string]> {
    const errors: Array<[string, string, string]> = []
    if (closesAt && closesChanged && closesAt.getTime() <= now.getTime()) errors.push(['/closesAt', 'must be in the future (to close a poll now, POST …/close)', 'future'])
    if (closesAt && closesAt.getTime() <= opensAt.getTime()) errors.push(['/closesAt', 'must be after opensAt', 'order'])
    return errors
  }

  /** Votes by e-mail come from people without an account: they can only read public polls. */
  private checkEmailVotesNeedPublic(allow: boolean, entity: EntityRecord): void {
    if (allow && !entity.readAccess.includes('public')) {
      throw invalid('Votes by e-mail need a public poll.', [
        ['/allowEmailVotes', 'needs a poll everyone may read (access.read with "public"): people voting by e-mail have no account', 'public'],
      ])
    }
  }

  async create(viewer: Viewer, site: Site, input: PollInput & { title: string; mode: PollMode }): Promise<EntityRecord> {
    if (!viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (this.settings(site).whoMayCreate === 'admins' && !viewer.isAdmin) {
      throw problems.forbidden('On this site only administrators start polls.', { code: 'POLLS_ADMINS_ONLY' })
    }
    const definition = this.definition(input, site)
    const { entity } = await this.ctx.content.create(
      // Published by the kernel's clock, the clock the readable predicate reads.
      { site, viewer, kind: POLL_KIND, title: input.title.trim(), containerId: input.containerId ?? null, access: input.access, publishedAt: this.now() },
      async (m, e) => {
        this.checkEmailVotesNeedPublic(definition.allowEmailVotes, e)
        await this.store.insert(m, e, definition)
      },
    )
    return entity
  }

  async update(viewer: Viewer, site: Site, entity: EntityRecord, poll: PollRow, input: PollInput): Promise<EntityRecord> {
    this.ctx.access.assertWritable(viewer, entity, site)
    const now = this.now()
    const settings = this.settings(site)
    const errors: Array<[string, string, string]> = []
    const structural = input.options !== undefined || input.maxChoices !== undefined || input.opensAt !== undefined
    if (structural && (await this.store.hasVotes(poll.entityId))) {
      throw problems.conflict('People have voted: its options, maximum and opening time can no longer change.', { code: 'POLL_HAS_VOTES' })
    }
    let options: string[] | undefined
    if (input.options !== undefined) {
      if (poll.mode === 'open') errors.push(['/options', 'is for single and multiple choice; an open question takes answers', 'mode'])
      options = input.options.map(o => o.trim())
      if (options.length < 2) errors.push(['/options', 'must have at least 2 items', 'minItems'])
      if (options.length > settings.maxOptions) errors.push(['/options', `must have at most ${settings.maxOptions} items on this site`, 'maxItems'])
      const seen = new Set<string>()
      options.forEach((label, i) => {
        if (seen.has(label.toLowerCase())) errors.push([`/options/${i}`, 'repeats an earlier option', 'uniqueItems'])
        seen.add(label.toLowerCase())
      })
    }
    const optionCount = options?.length ?? poll.options.length
    if (input.maxChoices !== undefined && input.maxChoices !== null) {
      if (poll.mode !== 'multiple') errors.push(['/maxChoices', 'is only for multiple choice', 'mode'])
      else if (input.maxChoices > optionCount) errors.push(['/maxChoices', `must be at most the number of options (${optionCount})`, 'maximum'])
    }
    const opensAt = input.opensAt !== undefined ? new Date(input.opensAt) : poll.opensAt
    const closesAt = input.closesAt !== undefined ? (input.closesAt === null ? null : new Date(input.closesAt)) : poll.closesAt
    errors.push(...this.timeErrors(opensAt, closesAt, now, input.closesAt !== undefined))
    if (input.allowEmailVotes && !settings.allowEmailVotes) errors.push(['/allowEmailVotes', 'is not possible: this site takes no votes by e-mail', 'setting'])
    if (errors.length > 0) throw invalid('The change is not valid.', errors)
    const { entity: updated } = await this.ctx.content.update(
      { site, viewer, entity, title: input.title?.trim(), access: input.access },
      async (m, e) => {
        this.checkEmailVotesNeedPublic(input.allowEmailVotes ?? poll.allowEmailVotes, e)
        await this.store.update(
          m,
          poll.entityId,
          {
            description: input.description?.trim(),
            maxChoices: input.maxChoices,
            opensAt: input.opensAt !== undefined ? opensAt : undefined,
            closesAt: input.closesAt !== undefined ? closesAt : undefined,
            showResults: input.showResults,
            allowEmailVotes: input.allowEmailVotes,
          },
          options,
        )
      },
    )
    return updated
  }

  /** Closes an open poll now (its managers). */
  async close(viewer: Viewer, site: Site, entity: EntityRecord, poll: PollRow): Promise<EntityRecord> {
    this.ctx.access.assertWritable(viewer, entity, site)
    const now = this.now()
    const status = statusAt(poll, now)
    if (status === 'closed') throw problems.conflict('This poll is closed already.', { code: 'POLL_CLOSED' })
    if (status === 'upcoming') throw problems.conflict('This poll has not opened yet: change its times or delete it.', { code: 'POLL_NOT_OPEN' })
    // Never before its opening (the table checks), even when asked within the millisecond it opened.
    const closesAt = new Date(Math.max(now.getTime(), poll.opensAt.getTime()))
    const { entity: updated } = await this.ctx.content.update({ site, viewer, entity }, m => this.store.update(m, poll.entityId, { closesAt }))
    return updated
  }

  // ---- voting ----

  /** 409 unless the poll takes votes now. */
  assertOpen(poll: PollRow): void {
    const status: PollStatus = statusAt(poll, this.now())
    if (status === 'upcoming') throw problems.conflict(`This poll opens at ${poll.opensAt.toISOString()}.`, { code: 'POLL_NOT_OPEN' })
    if (status === 'closed') throw problems.conflict('This poll is closed.', { code: 'POLL_CLOSED' })
  }

  /** The ballot a vote asks for, checked against the poll's mode and options; one 400 listing every problem. */
  ballot(poll: PollRow, input: VoteInput, email: string | null): Ballot {
    const errors: Array<[string, string, string]> = []
    const optionIds = [...new Set(input.optionIds ?? [])]
    let answer: string | null = null
    if (poll.mode === 'open') {
      if (input.optionIds !== undefined) errors.push(['/optionIds', 'is for choice polls; this one takes an answer', 'mode'])
      if (input.answer === undefined || input.answer.trim() === '') errors.push(['/answer', 'is required: this poll takes an open answer', 'required'])
      else answer = input.answer.trim()
    } else {
      if (input.answer !== undefined) errors.push(['/answer', 'is for open questions; this poll takes optionIds', 'mode'])
      const known = new Set(poll.options.map(o => o.id))
      if (input.optionIds === undefined || optionIds.length === 0) errors.push(['/optionIds', 'is required: choose an option', 'required'])
      optionIds.forEach((id, i) => {
        if (!known.has(id)) errors.push([`/optionIds/${i}`, 'is not an option of this poll', 'option'])
      })
      const max = poll.mode === 'single' ? 1 : (poll.maxChoices ?? poll.options.length)
      if (optionIds.length > max) errors.push(['/optionIds', poll.mode === 'single' ? 'must have 1 item: this poll is single choice' : `must have at most ${max} items`, 'maxItems'])
    }
    if (errors.length > 0) throw invalid('The vote is not valid.', errors)
    // In the poll's order, whatever order they came in.
    const order = new Map(poll.options.map((o, i) => [o.id, i]))
    return { optionIds: optionIds.sort((a, b) => order.get(a)! - order.get(b)!), answer, email }
  }

  private async mayVote(entity: EntityRecord, ballot: Ballot, viewer: Viewer, site: Site): Promise<void> {
    const veto = await this.hooks.beforeVote.call(site, entity, ballot, viewer, site)
    if (veto) throw new HttpProblem({ status: veto.status ?? 403, detail: veto.reason, code: 'VOTE_VETOED' })
  }

  /** A signed-in account votes: counted at once, once per account (and per its e-mail address). */
  async vote(viewer: Viewer, site: Site, entity: EntityRecord, poll: PollRow, input: VoteInput): Promise<PollVote> {
    const user = viewer.user!
    this.assertOpen(poll)
    const ballot = this.ballot(poll, input, null)
    await this.mayVote(entity, ballot, viewer, site)
    const vote = await this.ctx.db.transaction(m =>
      this.store.insertVote(m, {
        pollId: poll.entityId,
        siteId: site.id,
        accountId: user.id,
        email: normalizeEmail(user.email),
        byEmail: false,
        confirmationId: null,
        optionIds: ballot.optionIds,
        answer: ballot.answer,
      }),
    )
    if (!vote) {
      throw problems.conflict('You have voted on this poll already (with your account or its e-mail address); a vote cannot be changed.', {
        code: 'ALREADY_VOTED',
      })
    }
    await this.hooks.voted.call(site, vote, site)
    return vote
  }

  /**
   * Someone without an account votes with an e-mail address: the vote waits until they follow the signed link
   * mailed to that address. Always answers the same (202), whether the address has voted before or not.
   */
  async requestEmailVote(site: Site, entity: EntityRecord, poll: PollRow, input: VoteInput & { email: string }, origin: string): Promise<void> {
    if (!poll.allowEmailVotes || !this.settings(site).allowEmailVotes) {
      throw problems.unauthorized('Sign in to vote: this poll takes votes from accounts only.', { code: 'NOT_SIGNED_IN' })
    }
    this.assertOpen(poll)
    const email = normalizeEmail(input.email)
    const ballot = this.ballot(poll, input, email)
    await this.mayVote(entity, ballot, ANONYMOUS, site)
    const now = this.now()
    await this.store.sweepExpired(now)
    const last = await this.store.lastPending(poll.entityId, email)
    if (last && now.getTime() - last.createdAt.getTime() < MAIL_INTERVAL_MS) return
    const settings = this.settings(site)
    const counted = await this.store.voteByEmail(poll.entityId, email)
    if (counted) {
      // Nothing to confirm; the owner of the address learns why no link came (nobody else does).
      // A pending row without a link: it only keeps this address from being mailed again for a while.
      await this.store.addPending({ pollId: poll.entityId, siteId: site.id, email, optionIds: [], answer: null, createdAt: now, expiresAt: new Date(now.getTime() + MAIL_INTERVAL_MS) })
      await this.ctx.mail.queue(
        {
          to: email,
          subject: `Je stem telt al: ${entity.title}`,
          text: `Met dit e-mailadres is al gestemd op "${entity.title}" (${site.name}). Elk adres telt één keer; er is niets veranderd.\n\nThis address has voted on this poll already; every address counts once. Nothing changed.\n`,
        },
        { site },
      )
      return
    }
    const expiresAt = new Date(now.getTime() + settings.confirmationHours * 3600_000)
    const pendingId = await this.store.addPending({ pollId: poll.entityId, siteId: site.id, email, optionIds: ballot.optionIds, answer: ballot.answer, createdAt: now, expiresAt })
    const token = this.ctx.signing.sign('vote', { v: pendingId, p: poll.entityId, e: email }, settings.confirmationHours * 3600)
    const link = `${origin}/polls/${poll.entityId}/confirm?token=${encodeURIComponent(token)}`
    await this.ctx.mail.queue(
      {
        to: email,
        subject: `Bevestig je stem: ${entity.title}`,
        text:
          `Je hebt gestemd op "${entity.title}" (${site.name}). Je stem telt zodra je hem bevestigt via deze link ` +
          `(${settings.confirmationHours} uur geldig):\n\n${link}\n\nHeb je niet gestemd? Dan hoef je niets te doen.\n\n` +
          `You voted on "${entity.title}". Your vote counts once you confirm it with the link above (valid for ${settings.confirmationHours} hours). ` +
          `If you did not vote, ignore this mail.\n`,
        link,
      },
      { site },
    )
  }

  /**
   * Counts a vote by e-mail whose link was followed. Following the same link again answers the same
   * (`already: true`); any other vote of that address on the poll is a 409.
   */
  async confirm(site: Site, pollId: string, token: string): Promise<{ entity: EntityRecord; poll: PollRow; vote?: PollVote; already: boolean }> {
    const data = this.ctx.signing.verify<{ v: string; p: string; e: string }>('vote', token)
    if (!data || data.p !== pollId) {
      throw new HttpProblem({
        status: 400,
        detail: 'This confirmation link is not valid (or has expired). Vote again to get a new one.',
        code: 'VOTE_LINK_INVALID',
        errors: [{ in: 'body', location: { pointer: '/token' }, detail: 'is not a valid confirmation for this poll', code: 'token' }],
      })
    }
    // The poll must still be public and on this site.
    const { entity, poll } = await this.readable(ANONYMOUS, site, pollId)
    const pending = await this.store.pending(data.v)
    if (!pending) {
      const counted = await this.store.voteByEmail(pollId, data.e)
      if (counted?.confirmationId === data.v) return { entity, poll, already: true }
      if (counted) throw problems.conflict('This address has voted on this poll already; every address counts once.', { code: 'ALREADY_VOTED' })
      throw problems.gone('This confirmation link has expired. Vote again to get a new one.', { code: 'VOTE_LINK_EXPIRED' })
    }
    if (pending.expiresAt.getTime() < this.now().getTime()) {
      throw problems.gone('This confirmation link has expired. Vote again to get a new one.', { code: 'VOTE_LINK_EXPIRED' })
    }
    this.assertOpen(poll)
    const known = new Set(poll.options.map(o => o.id))
    if (pending.optionIds.some(id => !known.has(id))) {
      throw problems.conflict('The poll changed after you voted: vote again.', { code: 'POLL_CHANGED' })
    }
    const vote = await this.ctx.db.transaction(async m => {
      const counted = await this.store.insertVote(m, {
        pollId,
        siteId: site.id,
        accountId: null,
        email: pending.email,
        byEmail: true,
        confirmationId: pending.id,
        optionIds: pending.optionIds,
        answer: pending.answer,
      })
      if (counted) await this.store.dropPending(m, pollId, pending.email)
      return counted
    })
    if (!vote) throw problems.conflict('This address has voted on this poll already; every address counts once.', { code: 'ALREADY_VOTED' })
    await this.hooks.voted.call(site, vote, site)
    return { entity, poll, vote, already: false }
  }
}
