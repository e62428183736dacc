// What other plugins may use of the polls plugin (import '@plein/plugin-polls/api'): its hooks, its
// service and the shapes they carry.
import { createServiceRef, decision, defineHooks, event, type Denial, type EntityRecord, type Site, type Viewer } from '@plein/core'

/** The `type` of polls in API answers and the activity stream. */
export const POLL_KIND = 'poll'

export type PollMode = 'single' | 'multiple' | 'open'
export type ShowResults = 'afterVote' | 'afterClose'
export type PollStatus = 'upcoming' | 'open' | 'closed'

/** What someone wants to vote, before it is counted. */
export interface Ballot {
  /** The chosen options (single and multiple choice). */
  optionIds: string[]
  /** The answer (open questions), else null. */
  answer: string | null
  /** The address of a vote by e-mail (not yet confirmed), else null (a vote by a signed-in account). */
  email: string | null
}

/** A counted vote. */
export interface PollVote {
  id: string
  pollId: string
  siteId: string
  /** The account that voted; null for a vote by e-mail (or once the account is deleted). */
  accountId: string | null
  /** Counted through a confirmed e-mail address rather than an account. */
  byEmail: boolean
  optionIds: string[]
  answer: string | null
  createdAt: Date
}

export interface PollResults {
  totalVotes: number
  /** Per option, in the poll's order (empty for open questions). */
  options: Array<{ id: string; label: string; votes: number; percentage: number }>
}

export const pollsHooks = defineHooks('polls', () => ({
  beforeVote: decision<[poll: EntityRecord, ballot: Ballot, viewer: Viewer, site: Site], Denial>({
    since: '1.0.0',
    description:
      'Veto a vote before it is counted or, for a vote by e-mail, before the confirmation mail goes out (e.g. only residents may take part).',
  }),
  voted: event<[PollVote, Site]>({
    since: '1.0.0',
    description: 'A vote was counted (after commit): by a signed-in account, or by an e-mail address whose owner confirmed it.',
  }),
}))

/** Read-only access to polls for other plugins (a dashboard, a report), with the same visibility rules as the API. */
export interface PollsService {
  /** The results of a poll the viewer may read, or undefined when the viewer may not see them (yet). 404 when not readable. */
  results(viewer: Viewer, site: Site, pollId: string): Promise<PollResults | undefined>
}

export const pollsServiceRef = createServiceRef<PollsService>('polls.polls')
