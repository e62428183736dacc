// Voting and results: POST …/votes (account, or e-mail to confirm), POST …/votes/confirm, GET …/results,
// GET …/answers and GET …/export (CSV).
import { Readable } from 'node:stream'
import { pageOf, pageQueryProperties, problems, type PluginContext, type RequestContext } from '@plein/core'
import { CSV_BOM, csvRow } from '../csv.js'
import type { Polls, VoteInput } from '../polls.js'
import { statusAt } from '../store.js'
import { idParams, resultsSchema, voteBody } from './schemas.js'

/** Where links in mails point: the site's public URL, else the address this request came to. */
export const originOf = (c: RequestContext) => c.site.publicUrl?.replace(/\/$/, '') ?? `${c.protocol}://${c.host}`

export function voteRoutes(ctx: PluginContext, polls: Polls): void {
  ctx.routes(router => {
    router.post<VoteInput, unknown, { id: string }>(
      'polls.vote',
      '/api/v1/polls/:id/votes',
      {
        summary:
          'Vote. Signed in: counted at once (201), one vote per account. Without an account, on polls that allow it: give `email`; ' +
          'the vote counts once the link mailed there is followed (202). Every address counts once.',
        params: idParams,
        body: voteBody,
        // A vote by e-mail acts on no session's authority: it only asks for a mail to the address given.
        responses: {
          201: { description: 'Your vote is counted.', schema: { type: 'object', properties: { vote: { type: 'object' }, results: { type: ['object', 'null'] } } } },
          202: { description: 'A confirmation link is on its way to the address (the same answer whether or not it voted before).' },
          401: { description: 'Sign in (or give an e-mail address, if the poll takes votes by e-mail).' },
          403: { description: 'A plugin vetoed the vote.' },
          409: { description: 'You voted already, or the poll is not open.' },
        },
      },
      async c => {
        const { entity, poll } = await polls.readable(c.viewer, c.site, c.input.params.id)
        const input = c.input.body
        if (c.viewer.user) {
          if (input.email !== undefined) {
            throw problems.badRequest('You are signed in: your vote counts for your account. Leave out email.', {
              code: 'INVALID_INPUT',
              errors: [{ in: 'body', location: { pointer: '/email' }, detail: 'is only for voting without an account', code: 'signedIn' }],
            })
          }
          const vote = await polls.vote(c.viewer, c.site, entity, poll, input)
          c.status = 201
          const results = await polls.visibleResults(c.viewer, c.site, entity, poll)
          return { vote: { optionIds: vote.optionIds, answer: vote.answer, createdAt: vote.createdAt }, results: results ?? null }
        }
        if (input.email === undefined) {
          const byMail = poll.allowEmailVotes && polls.settings(c.site).allowEmailVotes
          throw problems.unauthorized(byMail ? 'Sign in to vote, or give your e-mail address to confirm your vote.' : 'Sign in to vote.', {
            code: 'NOT_SIGNED_IN',
          })
        }
        await polls.requestEmailVote(c.site, entity, poll, { ...input, email: input.email }, originOf(c))
        c.status = 202
        return { status: 'pending', detail: 'Follow the link mailed to this address to confirm your vote.' }
      },
    )

    router.post<{ token: string }, unknown, { id: string }>(
      'polls.vote.confirm',
      '/api/v1/polls/:id/votes/confirm',
      {
        summary: 'Confirm a vote by e-mail with the token from the mailed link. Confirming twice answers the same.',
        params: idParams,
        body: { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 4000 } } },
        // The token is the authority here, not a session.
        csrf: false,
        responses: {
          200: { description: 'The vote counts.', schema: { type: 'object', properties: { status: { const: 'counted' }, already: { type: 'boolean' }, results: { type: ['object', 'null'] } } } },
          409: { description: 'This address voted already (another way), or the poll closed or changed.' },
          410: { description: 'The link expired.' },
        },
      },
      async c => {
        const confirmed = await polls.confirm(c.site, c.input.params.id, c.input.body.token)
        const { poll } = confirmed
        // The voter has voted: results show now when the poll says so (or it is closed).
        const visible = poll.showResults === 'afterVote' || statusAt(poll, polls.now()) === 'closed'
        const counts = visible ? (await polls.store.counts([poll.entityId])).get(poll.entityId) : undefined
        return { status: 'counted', already: confirmed.already, results: visible ? polls.results(poll, counts) : null }
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'polls.results',
      '/api/v1/polls/:id/results',
      {
        summary: 'The results: for managers at any time; for others once they voted or once the poll closed, as the poll says.',
        params: idParams,
        responses: { 200: { description: 'The results.', schema: resultsSchema }, 403: { description: 'Not yet visible to you.' } },
      },
      async c => {
        const { entity, poll } = await polls.readable(c.viewer, c.site, c.input.params.id)
        const results = await polls.visibleResults(c.viewer, c.site, entity, poll)
        if (!results) throw problems.forbidden(polls.hiddenReason(poll), { code: 'RESULTS_HIDDEN' })
        return { pollId: poll.entityId, status: statusAt(poll, polls.now()), ...results }
      },
    )

    router.get<unknown, { limit: number; cursor?: string }, { id: string }>(
      'polls.answers',
      '/api/v1/polls/:id/answers',
      {
        summary: 'The answers to an open question, newest first (anonymous), when its results are visible to you.',
        params: idParams,
        query: { type: 'object', properties: pageQueryProperties },
        responses: {
          200: {
            description: 'A page of answers.',
            schema: pageOf({ type: 'object', required: ['id', 'answer', 'createdAt'], properties: { id: { type: 'string' }, answer: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } } }),
          },
          403: { description: 'Not yet visible to you.' },
        },
      },
      async c => {
        const { entity, poll } = await polls.readable(c.viewer, c.site, c.input.params.id)
        if (poll.mode !== 'open') throw problems.notFound('This poll has options, not open answers: see its results.', { code: 'POLL_NOT_OPEN_QUESTION' })
        if (!(await polls.visibleResults(c.viewer, c.site, entity, poll))) throw problems.forbidden(polls.hiddenReason(poll), { code: 'RESULTS_HIDDEN' })
        return polls.store.answers(poll.entityId, c.input.query.limit, c.input.query.cursor)
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'polls.export',
      '/api/v1/polls/:id/export',
      {
        summary: "The results as CSV (UTF-8): per option, or every open answer. For the poll's managers (owner, write tokens, administrators).",
        params: idParams,
        responses: {
          200: { description: 'A CSV file.', contentType: 'text/csv', schema: { type: 'string' } },
          403: { description: 'Only its managers export a poll.' },
        },
      },
      async c => {
        const { entity, poll } = await polls.readable(c.viewer, c.site, c.input.params.id)
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        if (!polls.isManager(c.viewer, entity, c.site)) throw problems.forbidden('Only the managers of this poll export its results.', { code: 'NOT_ALLOWED' })
        c.type = 'text/csv; charset=utf-8'
        c.set('Content-Disposition', `attachment; filename="poll-${poll.entityId}.csv"`)
        c.set('Cache-Control', 'no-store')
        if (poll.mode !== 'open') {
          const counts = (await polls.store.counts([poll.entityId])).get(poll.entityId)
          const results = polls.results(poll, counts)
          let text = CSV_BOM + csvRow(['option', 'votes', 'percentage'])
          for (const o of results.options) text += csvRow([o.label, o.votes, o.percentage])
          c.body = text
          return
        }
        // Open answers can be many: streamed in batches, never all in memory.
        const store = polls.store
        c.body = Readable.from(
          (async function* () {
            yield CSV_BOM + csvRow(['answer', 'submittedAt'])
            for await (const a of store.allAnswers(poll.entityId)) yield csvRow([a.answer, a.createdAt.toISOString()])
          })(),
        )
      },
    )
  })
}
