// /api/v1/groups: list, create, read, update, delete, and a group's activity.
import { itemSchema, pageOf, pageQueryProperties, type PluginContext, type RouteContext } from '@plein/core'
import type { GroupGuard } from '../guard.js'
import type { GroupInput, GroupService } from '../service.js'

const uuid = { type: 'string', format: 'uuid' }
const name = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' }
const description = { type: 'string', maxLength: 20000 }
const icon = { type: ['string', 'null'], maxLength: 2000, pattern: '^(https://|/)', description: 'URL of the group icon.' }
const membership = { enum: ['open', 'closed'] }
const contentTypes = {
  type: ['array', 'null'],
  maxItems: 50,
  uniqueItems: true,
  items: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
  description: 'Content types switched on in this group (null: all).',
}

export const groupSchema = {
  ...itemSchema,
  properties: {
    ...itemSchema.properties,
    name: { type: 'string' },
    description: { type: 'string' },
    icon: { type: ['string', 'null'] },
    membership,
    hidden: { type: 'boolean' },
    membersOnly: { type: 'boolean', description: 'Content may not be made public or readable for every signed-in account.' },
    contentTypes,
    memberCount: { type: 'integer' },
    viewerStatus: { enum: ['member', 'pending', 'invited', null] },
    viewerRole: { enum: ['owner', 'admin', 'member', null] },
  },
}


export function groupRoutes(ctx: PluginContext, guard: GroupGuard, service: GroupService): void {
  const serialize = async (c: RouteContext, ids: string[]) => {
    const entities = await Promise.all(ids.map(id => ctx.access.find(c.site, id)))
    return ctx.content.serialize(entities.filter(e => e !== undefined), c.viewer, c.site)
  }

  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string }>(
      'groups.list',
      '/api/v1/groups',
      {
        summary: 'Groups you can see, newest first (hidden groups only for their members).',
        query: { type: 'object', properties: pageQueryProperties },
        responses: { 200: { description: 'A page of groups.', schema: pageOf(groupSchema) } },
      },
      async c => ctx.content.page(c.viewer, c.site, { kinds: ['group'], limit: c.input.query.limit, cursor: c.input.query.cursor }),
    )

    router.post<GroupInput>(
      'groups.create',
      '/api/v1/groups',
      {
        summary: 'Create a group; you become its owner.',
        auth: true,
        body: { type: 'object', required: ['name'], properties: { name, description, icon, membership, hidden: { type: 'boolean' }, membersOnly: { type: 'boolean' }, contentTypes } },
        responses: { 201: { description: 'The group.', schema: groupSchema }, 403: { description: 'Only administrators may create groups here.' } },
      },
      async c => {
        const id = await service.create(c, c.input.body)
        c.status = 201
        return (await serialize(c, [id]))[0]
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'groups.get',
      '/api/v1/groups/:id',
      { summary: 'One group.', params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'The group.', schema: groupSchema } } },
      async c => {
        const group = await guard.load(c, c.input.params.id)
        // Invited people see a hidden group's card (to accept); the kernel's serializer needs no readable check.
        return (await ctx.content.serialize([group.entity], c.viewer, c.site))[0]
      },
    )

    router.patch<Partial<GroupInput>, unknown, { id: string }>(
      'groups.update',
      '/api/v1/groups/:id',
      {
        summary: "Change a group (its owner and administrators).",
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        body: { type: 'object', minProperties: 1, properties: { name, description, icon, membership, hidden: { type: 'boolean' }, membersOnly: { type: 'boolean' }, contentTypes } },
        responses: { 200: { description: 'The group.', schema: groupSchema }, 403: { description: 'Not a group administrator.' } },
      },
      async c => {
        const group = await service.update(c, c.input.params.id, c.input.body)
        return (await serialize(c, [group.entity.id]))[0]
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'groups.delete',
      '/api/v1/groups/:id',
      {
        summary: "Delete a group (its owner and administrators, API.md); its content is archived or deleted, by site setting, in the same transaction.",
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        responses: { 204: { description: 'Deleted.' }, 403: { description: 'Not a group administrator.' } },
      },
      async c => {
        await service.remove(c, c.input.params.id)
        c.status = 204
      },
    )

    router.get<unknown, { limit: number; cursor?: string; type?: string }, { id: string }>(
      'groups.activity',
      '/api/v1/groups/:id/activity',
      {
        summary: "The group's items you may read, newest first.",
        params: { type: 'object', properties: { id: uuid } },
        query: { type: 'object', properties: { ...pageQueryProperties, type: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' } } },
        responses: { 200: { description: 'A page of items.', schema: pageOf(itemSchema) } },
      },
      async c => {
        const group = await guard.loadInside(c, c.input.params.id)
        const enabled = group.fields.contentTypes ?? null
        const { limit, cursor, type } = c.input.query
        let kinds = ctx.content.enabledKinds(c.site).filter(k => k !== 'group')
        if (enabled) kinds = kinds.filter(k => enabled.includes(k))
        if (type) kinds = kinds.filter(k => k === type)
        return ctx.content.page(c.viewer, c.site, { kinds, containerId: group.entity.id, limit, cursor })
      },
    )
  })
}
