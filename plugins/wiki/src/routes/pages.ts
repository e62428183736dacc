// /api/v1/wiki: list, create, read, update (a new revision), delete.
import {
  accessSchema,
  HttpProblem,
  itemSchema,
  pageOf,
  pageQueryProperties,
  problems,
  type EntityRecord,
  type PluginContext,
  type RouteContext,
} from '@plein/core'
import type { CreateInput, WikiService } from '../service.js'
import type { WikiSettings } from '../settings.js'

export const uuid = { type: 'string', format: 'uuid' }
const title = { type: 'string', minLength: 1, maxLength: 300, pattern: '\\S' }
const body = { type: 'string', maxLength: 500000, description: 'HTML; sanitized. Link to another page as <a href="/wiki/<its id>">.' }
const summary = { type: 'string', maxLength: 500, description: 'What changed, for the revision history.' }
const brief = { type: 'object', required: ['id', 'title', 'url'], properties: { id: { type: 'string' }, title: { type: 'string' }, url: { type: 'string' } } }

export const pageSchema = {
  ...itemSchema,
  required: [...itemSchema.required, 'body', 'parentId', 'revision'],
  properties: {
    ...itemSchema.properties,
    body: { type: 'string', description: 'Sanitized HTML.' },
    parentId: { type: ['string', 'null'], description: 'The parent page; null at the top, and when you may not read the parent.' },
    revision: { type: 'integer', description: 'The current revision number; also the ETag.' },
    commentCount: { type: 'integer' },
  },
}

export const fullPageSchema = {
  ...pageSchema,
  required: [...pageSchema.required, 'ancestors', 'backlinks', 'links'],
  properties: {
    ...pageSchema.properties,
    ancestors: { type: 'array', items: brief, description: 'The readable pages above this one, from the top down (a hidden page cuts the chain).' },
    backlinks: { type: 'array', items: brief, description: 'Pages you may read that link to this one (at most 100).' },
    links: {
      type: 'array',
      description: 'Pages this one links to, with their current titles; title and url are null for a page you cannot read or that is gone.',
      items: { type: 'object', required: ['id', 'title', 'url'], properties: { id: { type: 'string' }, title: { type: ['string', 'null'] }, url: { type: ['string', 'null'] } } },
    },
  },
}

const etagHeader = { ETag: { description: 'The revision number, quoted; send it back as If-Match to change the page safely.', schema: { type: 'string' } } }


interface UpdateBody {
  title?: string
  body?: string
  parentId?: string | null
  access?: { read?: string[]; write?: string[] }
  summary?: string
}

/** Shared by the page and revision routes. */
export function pageHelpers(ctx: PluginContext, wiki: WikiService) {
  const settings = (c: RouteContext) => ctx.settings<WikiSettings>(c.site)
  const load = (c: RouteContext, id: string) => ctx.access.get(c.viewer, c.site, id, 'wiki')
  const signedIn = (c: RouteContext) => {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  }
  /** The page a body names as parent: readable, else a 400 (whether it is hidden, gone or on another site). */
  const parentPage = (c: RouteContext, id: string): Promise<EntityRecord> => wiki.readableParent(c.viewer, c.site, id)
  const link = (e: EntityRecord) => ({ id: e.id, title: e.title, url: ctx.content.urlOf(e) })
  /** One page with its place in the tree and its links, as this viewer may see them; sets the ETag. */
  const full = async (c: RouteContext, entity: EntityRecord) => {
    const [item] = await ctx.content.serialize([entity], c.viewer, c.site)
    const ancestors = await wiki.ancestors(c.viewer, c.site, entity.id)
    const backlinks = await wiki.backlinks(c.viewer, c.site, entity.id)
    const links = await wiki.links(c.viewer, c.site, entity.id)
    c.set('ETag', `"${item!.revision}"`)
    return { ...item, ancestors: ancestors.map(link), backlinks: backlinks.map(link), links }
  }
  return { settings, load, signedIn, parentPage, full }
}

export function pageRoutes(ctx: PluginContext, wiki: WikiService): void {
  const { settings, load, signedIn, parentPage, full } = pageHelpers(ctx, wiki)

  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string; parentId?: string; containerId?: string; topLevel?: boolean }>(
      'wiki.list',
      '/api/v1/wiki',
      {
        summary: 'Wiki pages you may read, by title.',
        query: {
          type: 'object',
          properties: {
            ...pageQueryProperties,
            parentId: { ...uuid, description: 'Only the subpages of this page (none when you may not read it).' },
            containerId: { ...uuid, description: 'Only pages in this group (or other container).' },
            topLevel: { type: 'boolean', description: 'Only pages at the top of the tree as you see it: without a parent, or whose parent you may not read.' },
          },
        },
        responses: { 200: { description: 'A page of wiki pages.', schema: pageOf(pageSchema) } },
      },
      async c => {
        const page = await wiki.list(c.viewer, c.site, c.input.query)
        return { items: await ctx.content.serialize(page.items, c.viewer, c.site), nextCursor: page.nextCursor }
      },
    )

    router.post<CreateInput>(
      'wiki.create',
      '/api/v1/wiki',
      {
        summary: 'Write a wiki page (revision 1).',
        description:
          'Under a parent page, the page joins the parent’s group and, when `access` is not given, takes the parent’s access lists. ' +
          'At the top, the group’s (containerId) or the site’s default access applies.',
        auth: true,
        body: {
          type: 'object',
          required: ['title', 'body'],
          properties: { title, body, parentId: { ...uuid, description: 'The parent page.' }, containerId: uuid, access: accessSchema, summary },
        },
        responses: {
          201: { description: 'The new page.', schema: fullPageSchema, headers: etagHeader },
          403: { description: 'Not allowed here (e.g. not a member of the group).' },
          409: { description: 'The tree would grow deeper than the site allows.' },
        },
      },
      async c => {
        signedIn(c)
        const entity = await wiki.create(c.site, c.viewer, c.input.body, settings(c).maxDepth)
        c.status = 201
        return full(c, entity)
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'wiki.get',
      '/api/v1/wiki/:id',
      {
        summary: 'One wiki page, with its ancestors, backlinks and links.',
        params: { type: 'object', properties: { id: uuid } },
        responses: { 200: { description: 'The page.', schema: fullPageSchema, headers: etagHeader } },
      },
      async c => full(c, await load(c, c.input.params.id)),
    )

    router.patch<UpdateBody, unknown, { id: string }>(
      'wiki.update',
      '/api/v1/wiki/:id',
      {
        summary: 'Change a page: a new revision (its owner, a holder of a write token, or an administrator).',
        description:
          'Send `If-Match: "<revision>"` (the ETag) to change only the revision you read: 412 when someone saved in between. ' +
          '`parentId` moves the page (null: to the top); a page never moves under itself or its subpages (409).',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        body: {
          type: 'object',
          minProperties: 1,
          properties: { title, body, parentId: { type: ['string', 'null'], format: 'uuid' }, access: accessSchema, summary },
        },
        responses: {
          200: { description: 'The page, at its new revision.', schema: fullPageSchema, headers: etagHeader },
          403: { description: 'You may read it but not change it.' },
          409: { description: 'The move would put the page under itself, or make the tree too deep.' },
          412: { description: 'If-Match does not name the current revision.' },
        },
      },
      async c => {
        signedIn(c)
        const input = c.input.body
        const entity = await load(c, c.input.params.id)
        ctx.access.assertWritable(c.viewer, entity, c.site)
        if (input.parentId) {
          const parent = await parentPage(c, input.parentId)
          if (parent.containerId !== entity.containerId) {
            throw new HttpProblem({
              status: 400,
              detail: 'A page moves only within its own group (or the site).',
              code: 'WIKI_PARENT_ELSEWHERE',
              errors: [{ in: 'body', location: { pointer: '/parentId' }, detail: 'is in another container than this page', code: 'container' }],
            })
          }
        }
        const updated = await wiki.edit({
          site: c.site,
          viewer: c.viewer,
          entity,
          title: input.title?.trim(),
          body: input.body === undefined ? undefined : wiki.prepare(input.body),
          access: input.access,
          parentId: input.parentId,
          summary: input.summary ?? '',
          ifMatch: c.get('if-match') || undefined,
          maxDepth: settings(c).maxDepth,
        })
        return full(c, updated)
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'wiki.delete',
      '/api/v1/wiki/:id',
      {
        summary: 'Delete a page with its revisions (its owner, a holder of a write token, or an administrator); its subpages move up to its parent.',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        responses: { 204: { description: 'Deleted.' }, 403: { description: 'You may read it but not delete it.' } },
      },
      async c => {
        signedIn(c)
        const entity = await load(c, c.input.params.id)
        await ctx.content.delete({ site: c.site, viewer: c.viewer, entity }, async m => {
          await m.query('UPDATE wiki_page SET parent_id = (SELECT parent_id FROM wiki_page WHERE entity_id = $1) WHERE parent_id = $1', [entity.id])
        })
        c.status = 204
      },
    )
  })
}
