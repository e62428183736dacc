// /api/v1/blogs: list, create, read, update, delete.
import {
  accessSchema,
  itemSchema,
  pageOf,
  pageQueryProperties,
  problems,
  type EntityRecord,
  type PluginContext,
  type RouteContext,
} from '@plein/core'
import { blogHooks } from '../api.js'
import type { BlogService } from '../service.js'
import { normalizeTags } from '../service.js'
import type { BlogSettings } from '../settings.js'

const uuid = { type: 'string', format: 'uuid' }
const title = { type: 'string', minLength: 1, maxLength: 300, pattern: '\\S' }
const body = { type: 'string', maxLength: 500000 }
const tags = { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 50 } }
const status = { enum: ['draft', 'published'], description: 'Drafts are visible to their writers only.' }
const excerptField = { type: 'string', maxLength: 2000 }

export const postSchema = {
  ...itemSchema,
  required: [...itemSchema.required, 'body', 'excerpt', 'tags', 'status'],
  properties: {
    ...itemSchema.properties,
    body: { type: 'string', description: 'Sanitized HTML.' },
    excerpt: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    status,
    commentCount: { type: 'integer' },
  },
}

interface CreateBody {
  title: string
  body: string
  access?: { read?: string[]; write?: string[] }
  containerId?: string
  status?: 'draft' | 'published'
  tags?: string[]
  excerpt?: string
}

type UpdateBody = Partial<Omit<CreateBody, 'containerId'>>

export function postRoutes(ctx: PluginContext, blog: BlogService): void {
  const hooks = ctx.hooks.of(blogHooks)
  const settings = (c: RouteContext) => ctx.settings<BlogSettings>(c.site)

  const load = async (c: RouteContext, id: string) => ctx.access.get(c.viewer, c.site, id, 'blog')
  const one = async (c: RouteContext, entity: EntityRecord) => (await ctx.content.serialize([entity], c.viewer, c.site))[0]

  // Changing needs an account: 401 before anything else, so a signed-out client learns to sign in (and nothing about the post).
  const signedIn = (c: RouteContext) => {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  }

  const mayPublish = async (c: RouteContext, entity: EntityRecord) => {
    const veto = await hooks.beforePublish.call(c.site, entity, c.viewer, c.site)
    if (veto) throw problems.forbidden(veto.reason, { code: 'PUBLISH_VETOED' })
  }

  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string; tag?: string; containerId?: string; ownerId?: string }>(
      'blog.list',
      '/api/v1/blogs',
      {
        summary: 'Blog posts you may read, newest first (drafts only for their writers).',
        query: {
          type: 'object',
          properties: { ...pageQueryProperties, tag: { type: 'string', maxLength: 50 }, containerId: uuid, ownerId: uuid },
        },
        responses: { 200: { description: 'A page of posts.', schema: pageOf(postSchema) } },
      },
      async c => {
        const page = await blog.list(c.viewer, c.site, c.input.query)
        return { items: await ctx.content.serialize(page.items, c.viewer, c.site), nextCursor: page.nextCursor }
      },
    )

    router.post<CreateBody>(
      'blog.create',
      '/api/v1/blogs',
      {
        summary: 'Write a blog post.',
        auth: true,
        body: {
          type: 'object',
          required: ['title', 'body'],
          properties: { title, body, access: accessSchema, containerId: uuid, status, tags, excerpt: excerptField },
        },
        responses: { 201: { description: 'The new post.', schema: postSchema }, 403: { description: 'Not allowed here (e.g. not a member of the group).' } },
      },
      async c => {
        const input = c.input.body
        const status = input.status ?? 'published'
        const prepared = blog.prepare(input, settings(c).excerptLength)
        const { entity } = await ctx.content.create(
          {
            site: c.site,
            viewer: c.viewer,
            kind: 'blog',
            title: input.title.trim(),
            containerId: input.containerId ?? null,
            access: input.access,
            publishedAt: status === 'published' ? new Date() : null,
          },
          async (m, e) => {
            if (status === 'published') await mayPublish(c, e)
            await m.query('INSERT INTO blog_post (entity_id, body, excerpt, tags, status) VALUES ($1, $2, $3, $4, $5)', [
              e.id,
              prepared.body,
              prepared.excerpt,
              normalizeTags(input.tags ?? []),
              status,
            ])
          },
        )
        if (status === 'published') await hooks.published.call(c.site, entity, c.site)
        c.status = 201
        return one(c, entity)
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'blog.get',
      '/api/v1/blogs/:id',
      { summary: 'One blog post.', params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'The post.', schema: postSchema } } },
      async c => one(c, await load(c, c.input.params.id)),
    )

    router.patch<UpdateBody, unknown, { id: string }>(
      'blog.update',
      '/api/v1/blogs/:id',
      {
        summary: 'Change a post (its owner, a holder of a write token, or an administrator).',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        body: { type: 'object', minProperties: 1, properties: { title, body, access: accessSchema, status, tags, excerpt: excerptField } },
        responses: { 200: { description: 'The post.', schema: postSchema }, 403: { description: 'You may read it but not change it.' } },
      },
      async c => {
        signedIn(c)
        const input = c.input.body
        const entity = await load(c, c.input.params.id)
        const current = (await blog.fields([entity.id])).get(entity.id)!
        const status = input.status ?? current.status
        const publishing = current.status === 'draft' && status === 'published'
        const bodyChanged = input.body !== undefined || input.excerpt !== undefined
        const prepared = bodyChanged ? blog.prepare({ body: input.body ?? current.body, excerpt: input.excerpt }, settings(c).excerptLength) : current
        const { entity: updated } = await ctx.content.update(
          {
            site: c.site,
            viewer: c.viewer,
            entity,
            title: input.title?.trim(),
            access: input.access,
            publishedAt: status === 'draft' ? null : publishing ? new Date() : entity.publishedAt,
          },
          async (m, e) => {
            if (publishing) await mayPublish(c, e)
            await m.query('UPDATE blog_post SET body = $2, excerpt = $3, tags = $4, status = $5 WHERE entity_id = $1', [
              e.id,
              prepared.body,
              prepared.excerpt,
              input.tags ? normalizeTags(input.tags) : current.tags,
              status,
            ])
          },
        )
        if (publishing) await hooks.published.call(c.site, updated, c.site)
        return one(c, updated)
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'blog.delete',
      '/api/v1/blogs/:id',
      {
        summary: 'Delete a post (its owner, a holder of a write token, or an administrator).',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        responses: { 204: { description: 'Deleted.' }, 403: { description: 'You may read it but not delete it.' } },
      },
      async c => {
        signedIn(c)
        await ctx.content.delete({ site: c.site, viewer: c.viewer, entity: await load(c, c.input.params.id) })
        c.status = 204
      },
    )
  })
}
