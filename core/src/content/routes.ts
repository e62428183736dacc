// GET /api/v1/activity: every kind of item on this site the viewer may read, newest first.
import type { PluginRouter } from '../http/router.js'
import { pageQueryProperties } from '../http/paging.js'
import type { ContentService } from './service.js'

export const itemSchema = {
  type: 'object',
  required: ['id', 'type', 'title', 'owner', 'containerId', 'access', 'createdAt', 'updatedAt', 'url'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    title: { type: 'string' },
    owner: { type: ['object', 'null'] },
    containerId: { type: ['string', 'null'] },
    access: { type: 'object', properties: { read: { type: 'array', items: { type: 'string' } }, write: { type: 'array', items: { type: 'string' } } } },
    publishedAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    url: { type: 'string' },
  },
} as const

export const pageOf = (item: object) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } },
})

export function contentRoutes(router: PluginRouter, content: ContentService): void {
  router.get<unknown, { limit: number; cursor?: string; type?: string }>(
    'content.activity',
    '/api/v1/activity',
    {
      summary: 'Everything on this site you may read, newest first.',
      query: { type: 'object', properties: { ...pageQueryProperties, type: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', description: 'Only items of this type.' } } },
      responses: { 200: { description: 'A page of items.', schema: pageOf(itemSchema) } },
    },
    async ctx => {
      const { limit, cursor, type } = ctx.input.query
      const enabled = content.enabledKinds(ctx.site)
      const kinds = type ? enabled.filter(k => k === type) : enabled
      return content.page(ctx.viewer, ctx.site, { kinds, limit, cursor })
    },
  )
}
