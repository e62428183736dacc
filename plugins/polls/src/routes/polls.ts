// /api/v1/polls: list, create, read, change, close and delete polls.
import { accessSchema, pageOf, pageQueryProperties, problems, type PluginContext, type RouteContext } from '@plein/core'
import type { PollMode, PollStatus } from '../api.js'
import type { PollInput, Polls } from '../polls.js'
import { idParams, pollFields, pollSchema, uuid } from './schemas.js'

export function pollRoutes(ctx: PluginContext, polls: Polls): void {
  const signedIn = (c: RouteContext) => {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  }

  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string; status?: PollStatus; containerId?: string }>(
      'polls.list',
      '/api/v1/polls',
      {
        summary: 'Polls you may read, newest first.',
        query: {
          type: 'object',
          properties: {
            ...pageQueryProperties,
            status: { enum: ['upcoming', 'open', 'closed'], description: 'Only polls with this status now.' },
            containerId: { ...uuid, description: 'Only polls in this container (e.g. a group).' },
          },
        },
        responses: { 200: { description: 'A page of polls.', schema: pageOf(pollSchema) } },
      },
      async c => {
        const page = await polls.store.list(c.viewer, c.site, { ...c.input.query, now: polls.now() })
        return { items: await ctx.content.serialize(page.items, c.viewer, c.site), nextCursor: page.nextCursor }
      },
    )

    router.post<PollInput & { title: string; mode: PollMode }>(
      'polls.create',
      '/api/v1/polls',
      {
        summary: 'Start a poll or consultation.',
        auth: true,
        body: {
          type: 'object',
          required: ['title', 'mode'],
          properties: { ...pollFields, access: accessSchema, containerId: uuid },
        },
        responses: {
          201: { description: 'The new poll.', schema: pollSchema },
          403: { description: 'Not allowed here (a group you are not in; or only administrators start polls on this site).' },
        },
      },
      async c => {
        const entity = await polls.create(c.viewer, c.site, c.input.body)
        c.status = 201
        return polls.json(entity, c.viewer, c.site)
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'polls.get',
      '/api/v1/polls/:id',
      { summary: 'One poll.', params: idParams, responses: { 200: { description: 'The poll.', schema: pollSchema } } },
      async c => polls.json((await polls.readable(c.viewer, c.site, c.input.params.id)).entity, c.viewer, c.site),
    )

    router.patch<PollInput, unknown, { id: string }>(
      'polls.update',
      '/api/v1/polls/:id',
      {
        summary: 'Change a poll (its owner, a holder of a write token, or an administrator). Options, maximum and opening time only before the first vote.',
        auth: true,
        params: idParams,
        body: {
          type: 'object',
          minProperties: 1,
          properties: {
            title: pollFields.title,
            description: pollFields.description,
            options: pollFields.options,
            maxChoices: pollFields.maxChoices,
            opensAt: pollFields.opensAt,
            closesAt: pollFields.closesAt,
            showResults: pollFields.showResults,
            allowEmailVotes: pollFields.allowEmailVotes,
            access: accessSchema,
          },
        },
        responses: {
          200: { description: 'The poll.', schema: pollSchema },
          403: { description: 'You may read it but not change it.' },
          409: { description: 'People have voted: options, maximum and opening time are fixed.' },
        },
      },
      async c => {
        signedIn(c)
        const { entity, poll } = await polls.readable(c.viewer, c.site, c.input.params.id)
        return polls.json(await polls.update(c.viewer, c.site, entity, poll, c.input.body), c.viewer, c.site)
      },
    )

    router.post<unknown, unknown, { id: string }>(
      'polls.close',
      '/api/v1/polls/:id/close',
      {
        summary: 'Close an open poll now (its managers); the results become visible to everyone who may read it.',
        auth: true,
        params: idParams,
        responses: { 200: { description: 'The closed poll.', schema: pollSchema }, 409: { description: 'Not open (closed already, or not opened yet).' } },
      },
      async c => {
        signedIn(c)
        const { entity, poll } = await polls.readable(c.viewer, c.site, c.input.params.id)
        return polls.json(await polls.close(c.viewer, c.site, entity, poll), c.viewer, c.site)
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'polls.delete',
      '/api/v1/polls/:id',
      {
        summary: 'Delete a poll with its votes (its owner, a holder of a write token, or an administrator).',
        auth: true,
        params: idParams,
        responses: { 204: { description: 'Deleted.' }, 403: { description: 'You may read it but not delete it.' } },
      },
      async c => {
        signedIn(c)
        const { entity } = await polls.readable(c.viewer, c.site, c.input.params.id)
        await ctx.content.delete({ site: c.site, viewer: c.viewer, entity })
        c.status = 204
      },
    )
  })
}
