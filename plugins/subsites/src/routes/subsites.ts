// /api/v1/subsites: root-site administrators create, list, change and delete subsites.
import { pageQueryProperties, problems, type PluginContext, type RequestContext } from '@plein/core'
import type { SubsiteInput, SubsiteRecord } from '../api.js'
import type { SubsiteActions } from '../actions.js'
import type { SubsiteDirectory } from '../directory.js'

const uuid = { type: 'string', format: 'uuid' }
export const fields = {
  name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
  host: { type: 'string', minLength: 1, maxLength: 253, description: 'The host name the subsite answers on, e.g. intranet.voorbeeld.nl.' },
  plugins: { type: 'array', maxItems: 200, uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }, description: 'Plugin ids to enable.' },
  settings: { type: 'object', additionalProperties: { type: 'object' }, description: 'Settings per plugin id, checked against each plugin’s schema.' },
  membership: { enum: ['open', 'approval', 'invite'] },
  allowedEmailDomains: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', maxLength: 253 } },
  admins: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', format: 'email' }, description: 'E-mail addresses of its administrators.' },
  theme: { type: 'object', additionalProperties: true },
  siteSettings: { type: 'object', additionalProperties: true, description: 'Kernel settings of the site, as in site.json "settings".' },
  disabled: { type: 'boolean', description: 'A disabled subsite answers 404; its data stays.' },
}

export const subsiteSchema = {
  type: 'object',
  required: ['id', 'name', 'host', 'plugins', 'membership', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    ...fields,
    url: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
}

export function subsiteRoutes(ctx: PluginContext, directory: SubsiteDirectory, actions: SubsiteActions): void {

  /** Only on the root site, only for its administrators; on a subsite these routes do not exist. */
  const rootAdmin = (c: RequestContext) => {
    if (!c.site.isRoot) throw problems.notFound('Not found.', { code: 'ROUTE_NOT_FOUND' })
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!c.viewer.isAdmin) throw problems.forbidden('Only administrators of the root site manage subsites.', { code: 'NOT_ADMIN' })
  }
  const json = (c: RequestContext, r: SubsiteRecord) => ({ ...r, url: `${c.protocol}://${r.host}${c.host.includes(':') ? c.host.slice(c.host.indexOf(':')) : ''}` })

  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string }>(
      'subsites.list',
      '/api/v1/subsites',
      { summary: 'Subsites, newest first (root-site administrators).', auth: true, query: { type: 'object', properties: pageQueryProperties }, responses: { 200: { description: 'A page of subsites.' }, 403: { description: 'Not a root-site administrator.' } } },
      async c => {
        rootAdmin(c)
        const page = await directory.page(c.input.query.limit, c.input.query.cursor)
        return { items: page.items.map(r => json(c, r)), nextCursor: page.nextCursor }
      },
    )

    router.post<SubsiteInput>(
      'subsites.create',
      '/api/v1/subsites',
      {
        summary: 'Create a subsite (root-site administrators).',
        auth: true,
        body: { type: 'object', required: ['name', 'host', 'plugins'], properties: fields },
        responses: { 201: { description: 'The subsite; it answers on its host at once.', schema: subsiteSchema }, 403: { description: 'Not a root-site administrator.' }, 409: { description: 'The host name is taken.' } },
      },
      async c => {
        rootAdmin(c)
        const record = await actions.create(c.input.body, c.viewer.user!.id)
        c.status = 201
        return json(c, record)
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'subsites.get',
      '/api/v1/subsites/:id',
      { summary: 'One subsite (root-site administrators).', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'The subsite.', schema: subsiteSchema } } },
      async c => {
        rootAdmin(c)
        const record = await directory.get(c.input.params.id)
        if (!record) throw problems.notFound('No such subsite.', { code: 'SUBSITE_NOT_FOUND' })
        return json(c, record)
      },
    )

    router.patch<Partial<SubsiteInput>, unknown, { id: string }>(
      'subsites.update',
      '/api/v1/subsites/:id',
      {
        summary: 'Change a subsite: plugins, settings, host, membership, disabled. Takes effect at once, without a restart.',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        body: { type: 'object', minProperties: 1, properties: fields },
        responses: { 200: { description: 'The subsite.', schema: subsiteSchema }, 409: { description: 'The host name is taken.' } },
      },
      async c => {
        rootAdmin(c)
        const record = await actions.update(c.input.params.id, c.input.body, c.viewer.user!.id)
        return json(c, record)
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'subsites.delete',
      '/api/v1/subsites/:id',
      { summary: 'Delete a subsite and all its data (root-site administrators).', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 204: { description: 'Deleted.' } } },
      async c => {
        rootAdmin(c)
        await actions.remove(c.input.params.id, c.viewer.user!.id)
        c.status = 204
      },
    )
  })
}
