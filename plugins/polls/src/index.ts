// @plein/plugin-polls: polls and consultations, written only against @plein/core's public API, as any
// third-party plugin would be.
import { definePlugin } from '@plein/core'
import { POLL_KIND, pollsHooks, pollsServiceRef } from './api.js'
import { PollsCreatePolls1765100000000 } from './migrations/PollsCreatePolls1765100000000.js'
import { Polls } from './polls.js'
import { pollRoutes } from './routes/polls.js'
import { voteRoutes } from './routes/votes.js'
import { pollsSettings } from './settings.js'
import { PollStore } from './store.js'
import { pageRoutes } from './views/pages.js'

export { POLL_KIND, pollsHooks, pollsServiceRef, type Ballot, type PollVote, type PollResults, type PollsService } from './api.js'

// Comments and search are optional dependencies: a site without them has polls that take no comments or are
// not found by search, and an installation without their packages at all still loads this plugin (the
// imports fail quietly).
const comments = await import('@plein/plugin-comments/api').catch(() => undefined)
const search = await import('@plein/plugin-search/api').catch(() => undefined)

export const pollsPlugin = definePlugin({
  id: 'polls',
  url: import.meta.url,
  optionalDependencies: { comments: '^1.0.0', search: '^1.0.0' },
  settings: pollsSettings,
  migrations: [PollsCreatePolls1765100000000],
  hooks: pollsHooks,
  register(ctx) {
    const polls = new Polls(ctx, new PollStore(ctx))

    // Polls are content items: the activity stream, search and access treat them like every other kind.
    ctx.content.kind({
      kind: POLL_KIND,
      url: e => `/polls/${e.id}`,
      load: (entities, viewer, site) => polls.fields(entities, viewer, site),
    })

    // Allowed because comments is in optionalDependencies; on a site without comments the tap never runs.
    if (comments) ctx.hooks.of(comments.commentsHooks).commentable.tap(kinds => [...kinds, POLL_KIND])
    // Search finds a poll by its question (the title), its description and its options.
    if (search) {
      ctx.hooks.of(search.searchHooks).document.tap(async (document, entity) => {
        if (entity.kind !== POLL_KIND) return document
        const poll = await polls.store.poll(entity.id)
        if (!poll) return document
        return { ...document, body: [document.body, poll.description, ...poll.options.map(o => o.label)].filter(Boolean).join('\n') }
      })
    }

    // A deleted account's votes stay counted, without anything that points at the person.
    ctx.hooks.identity.beforeAccountDelete.tap(async (account, m) => {
      await polls.store.anonymise(m, account)
      return undefined
    })
    ctx.hooks.identity.exportAccount.tap(async (data, account) => ({ ...data, polls: { votes: await polls.store.votesForExport(account.id) } }))

    ctx.provide(pollsServiceRef, () => ({
      async results(viewer, site, pollId) {
        const { entity, poll } = await polls.readable(viewer, site, pollId)
        return polls.visibleResults(viewer, site, entity, poll)
      },
    }))

    pollRoutes(ctx, polls)
    voteRoutes(ctx, polls)
    pageRoutes(ctx, polls, comments?.commentsServiceRef)
  },
})

export default pollsPlugin
