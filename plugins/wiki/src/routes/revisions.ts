// /api/v1/wiki/:id/revisions, …/revisions/:rev, …/diff and …/revisions/:rev/restore.
import { pageOf, pageQueryProperties, problems, type PluginContext, type RouteContext } from '@plein/core'
import type { WikiRevisionJson } from '../api.js'
import type { RevisionRow, WikiService } from '../service.js'
import { fullPageSchema, pageHelpers, uuid } from './pages.js'

const rev = { type: 'integer', minimum: 1, maximum: 1000000000 }

const revisionSchema = {
  type: 'object',
  required: ['rev', 'title', 'summary', 'author', 'createdAt', 'restoredFrom'],
  properties: {
    rev: { type: 'integer' },
    title: { type: 'string' },
    summary: { type: 'string' },
    author: { type: ['object', 'null'], description: 'Who saved it (null when the account is gone).' },
    createdAt: { type: 'string', format: 'date-time' },
    restoredFrom: { type: ['integer', 'null'], description: 'The revision this one restored.' },
    body: { type: 'string', description: 'Sanitized HTML (only when one revision is asked for).' },
  },
}

const diffSchema = {
  type: 'object',
  required: ['from', 'to', 'title', 'diff', 'inserted', 'deleted'],
  properties: {
    from: revisionSchema,
    to: revisionSchema,
    title: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' } } },
    diff: {
      type: 'array',
      description: 'The body as lines of text (one per paragraph, heading, list item, table row), in order: equal, inserted and deleted runs.',
      items: {
        type: 'object',
        required: ['op', 'lines'],
        properties: { op: { enum: ['equal', 'insert', 'delete'] }, lines: { type: 'array', items: { type: 'string' } } },
      },
    },
    inserted: { type: 'integer', description: 'Lines inserted.' },
    deleted: { type: 'integer', description: 'Lines deleted.' },
  },
}

const revisionNotFound = () => problems.notFound('This page has no such revision.', { code: 'WIKI_REVISION_NOT_FOUND' })

export function revisionRoutes(ctx: PluginContext, wiki: WikiService): void {
  const { settings, load, signedIn, full } = pageHelpers(ctx, wiki)

  const json = async (c: RouteContext, rows: RevisionRow[]): Promise<WikiRevisionJson[]> => {
    const authors = await ctx.users.byIds(rows.map(r => r.authorId).filter((x): x is string => x !== null))
    return rows.map(r => {
      const author = r.authorId ? authors.get(r.authorId) : undefined
      return {
        rev: r.rev,
        title: r.title,
        summary: r.summary,
        author: author ? ctx.users.json(author, c.viewer) : null,
        createdAt: r.createdAt,
        restoredFrom: r.restoredFrom,
        ...(r.body !== undefined ? { body: r.body } : {}),
      }
    })
  }

  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string }, { id: string }>(
      'wiki.revisions',
      '/api/v1/wiki/:id/revisions',
      {
        summary: "A page's revisions, newest first (who, when, title, summary).",
        params: { type: 'object', properties: { id: uuid } },
        query: { type: 'object', properties: pageQueryProperties },
        responses: { 200: { description: 'A page of revisions.', schema: pageOf(revisionSchema) } },
      },
      async c => {
        const entity = await load(c, c.input.params.id)
        const page = await wiki.revisions(entity.id, c.input.query)
        return { items: await json(c, page.items), nextCursor: page.nextCursor }
      },
    )

    router.get<unknown, unknown, { id: string; rev: number }>(
      'wiki.revision',
      '/api/v1/wiki/:id/revisions/:rev',
      {
        summary: 'One revision of a page, with its body.',
        params: { type: 'object', properties: { id: uuid, rev } },
        responses: { 200: { description: 'The revision.', schema: revisionSchema } },
      },
      async c => {
        const entity = await load(c, c.input.params.id)
        const row = await wiki.revision(entity.id, c.input.params.rev)
        if (!row) throw revisionNotFound()
        return (await json(c, [row]))[0]
      },
    )

    router.get<unknown, { from?: number; to?: number }, { id: string }>(
      'wiki.diff',
      '/api/v1/wiki/:id/diff',
      {
        summary: 'What changed between two revisions, line by line.',
        description: 'Without `to`: the current revision; without `from`: the one before `to`.',
        params: { type: 'object', properties: { id: uuid } },
        query: { type: 'object', properties: { from: { ...rev, description: 'The older revision.' }, to: { ...rev, description: 'The newer revision.' } } },
        responses: { 200: { description: 'The diff.', schema: diffSchema } },
      },
      async c => {
        const entity = await load(c, c.input.params.id)
        const d = await wiki.diff(entity.id, c.input.query)
        const [fromJson, toJson] = await json(c, [{ ...d.from, body: undefined }, { ...d.to, body: undefined }])
        return { from: fromJson, to: toJson, title: { from: d.from.title, to: d.to.title }, diff: d.hunks, inserted: d.inserted, deleted: d.deleted }
      },
    )

    router.post<{ summary?: string }, unknown, { id: string; rev: number }>(
      'wiki.restore',
      '/api/v1/wiki/:id/revisions/:rev/restore',
      {
        summary: 'Bring back an earlier revision: a new revision with its title and body.',
        description: 'Send `If-Match: "<revision>"` to restore only over the revision you saw (412 otherwise).',
        auth: true,
        params: { type: 'object', properties: { id: uuid, rev } },
        body: { type: 'object', properties: { summary: { type: 'string', maxLength: 500 } } },
        responses: {
          200: { description: 'The page, at its new revision.', schema: fullPageSchema },
          403: { description: 'You may read it but not change it.' },
          412: { description: 'If-Match does not name the current revision.' },
        },
      },
      async c => {
        signedIn(c)
        const entity = await load(c, c.input.params.id)
        ctx.access.assertWritable(c.viewer, entity, c.site)
        const updated = await wiki.restore({
          site: c.site,
          viewer: c.viewer,
          entity,
          rev: c.input.params.rev,
          summary: c.input.body.summary,
          ifMatch: c.get('if-match') || undefined,
          maxDepth: settings(c).maxDepth,
        })
        return full(c, updated)
      },
    )
  })
}
