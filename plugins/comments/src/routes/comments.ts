// GET/POST /api/v1/entities/:id/comments and PATCH/DELETE /api/v1/comments/:id.
import { pageOf, pageQueryProperties, problems, userSchema, type EntityRecord, type PluginContext, type RequestContext, type Viewer } from '@plein/core'
import { commentsHooks, type Comment } from '../api.js'
import type { CommentsService } from '../service.js'

const uuid = { type: 'string', format: 'uuid' }
const body = { type: 'string', minLength: 1, maxLength: 20000, pattern: '\\S' }

export const commentSchema = {
  type: 'object',
  required: ['id', 'entityId', 'parentId', 'body', 'author', 'removed', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    entityId: { type: 'string' },
    parentId: { type: ['string', 'null'] },
    body: { type: 'string', description: 'Sanitized HTML; empty when removed.' },
    author: { oneOf: [userSchema, { type: 'null' }] },
    removed: { type: 'boolean', description: 'A removed comment that still has replies.' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
}

export function commentRoutes(ctx: PluginContext, comments: CommentsService): void {
  const hooks = ctx.hooks.of(commentsHooks)

  /** The item, when the viewer may read it and its kind takes comments here; else 404 (never reveal it exists). */
  const commentableItem = async (c: RequestContext, id: string): Promise<EntityRecord> => {
    const entity = await ctx.access.get(c.viewer, c.site, id)
    const kinds = await hooks.commentable.call(c.site, [], c.site)
    if (!kinds.includes(entity.kind)) throw problems.notFound('This item takes no comments.', { code: 'NOT_COMMENTABLE' })
    return entity
  }

  const toJson = async (list: Comment[], viewer: Viewer) => {
    const authors = await ctx.users.byIds(list.map(x => x.authorId).filter((x): x is string => x !== null))
    return list.map(x => {
      const author = x.authorId ? authors.get(x.authorId) : undefined
      return {
        id: x.id,
        entityId: x.entityId,
        parentId: x.parentId,
        body: x.body,
        author: author ? ctx.users.json(author, viewer) : null,
        removed: x.removed,
        createdAt: x.createdAt,
        updatedAt: x.updatedAt,
      }
    })
  }

  /** The comment and its item, when the item is readable; 404 otherwise. */
  const readableComment = async (c: RequestContext, id: string) => {
    const comment = await comments.get(c.site, id)
    if (!comment) throw problems.notFound('No such comment.', { code: 'COMMENT_NOT_FOUND' })
    await commentableItem(c, comment.entityId).catch(() => {
      throw problems.notFound('No such comment.', { code: 'COMMENT_NOT_FOUND' })
    })
    return comment
  }

  const mayChange = (viewer: Viewer, comment: Comment) => viewer.isAdmin || (viewer.user !== null && viewer.user.id === comment.authorId)

  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string }, { id: string }>(
      'comments.list',
      '/api/v1/entities/:id/comments',
      {
        summary: 'Comments on an item, oldest first (replies carry parentId).',
        params: { type: 'object', properties: { id: uuid } },
        query: { type: 'object', properties: pageQueryProperties },
        responses: { 200: { description: 'A page of comments.', schema: pageOf(commentSchema) } },
      },
      async c => {
        const entity = await commentableItem(c, c.input.params.id)
        const page = await comments.list(c.site, entity, c.input.query.limit, c.input.query.cursor)
        return { items: await toJson(page.items, c.viewer), nextCursor: page.nextCursor }
      },
    )

    router.post<{ body: string; parentId?: string }, unknown, { id: string }>(
      'comments.create',
      '/api/v1/entities/:id/comments',
      {
        summary: 'Comment on an item (sign-in required), or reply to a comment with parentId.',
        params: { type: 'object', properties: { id: uuid } },
        body: { type: 'object', required: ['body'], properties: { body, parentId: uuid } },
        responses: { 201: { description: 'The comment.', schema: commentSchema }, 401: { description: 'You must be logged in to post a comment.' } },
      },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('You must be logged in to post a comment.', { code: 'NOT_SIGNED_IN' })
        const entity = await commentableItem(c, c.input.params.id)
        const comment = await comments.create(c.site, entity, c.viewer, c.input.body.body, c.input.body.parentId)
        await hooks.commented.call(c.site, comment, c.site)
        c.status = 201
        return (await toJson([comment], c.viewer))[0]
      },
    )

    router.patch<{ body: string }, unknown, { id: string }>(
      'comments.update',
      '/api/v1/comments/:id',
      {
        summary: "Change a comment (its author or a site administrator).",
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        body: { type: 'object', required: ['body'], properties: { body } },
        responses: { 200: { description: 'The comment.', schema: commentSchema }, 403: { description: 'Not yours.' } },
      },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        const comment = await readableComment(c, c.input.params.id)
        if (!mayChange(c.viewer, comment)) throw problems.forbidden('Only its author or an administrator may change a comment.', { code: 'NOT_ALLOWED' })
        return (await toJson([await comments.update(comment, c.input.body.body)], c.viewer))[0]
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'comments.delete',
      '/api/v1/comments/:id',
      {
        summary: 'Delete a comment (its author or a site administrator); one with replies leaves a "removed" placeholder.',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        responses: { 204: { description: 'Deleted.' }, 403: { description: 'Not yours.' } },
      },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        const comment = await readableComment(c, c.input.params.id)
        if (!mayChange(c.viewer, comment)) throw problems.forbidden('Only its author or an administrator may delete a comment.', { code: 'NOT_ALLOWED' })
        await comments.remove(comment)
        c.status = 204
      },
    )
  })
}

