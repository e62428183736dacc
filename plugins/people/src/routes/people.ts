// /api/v1/people: the directory (search, filters), profile pages, and writing profiles (yourself, or administrators).
import { HttpProblem, pageOf, pageQueryProperties, problems, type ItemJson, type PluginContext, type ProblemFieldError, type RouteContext } from '@plein/core'
import type { FieldDefinition } from '../api.js'
import { mayUse, viewerLevel, type Fields } from '../fields.js'

export { profileFromBody } from '../fields.js'
import type { PeopleStore, ProfileRow } from '../service.js'

export const uuid = { type: 'string', format: 'uuid' }

const value = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }

export const personSchema = {
  type: 'object',
  required: ['id', 'name', 'fields', 'url', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string', description: 'The account’s e-mail address: only for the person themself and administrators.' },
    fields: { type: 'object', additionalProperties: value, description: 'The profile fields you may see, by name (see /people/fields).' },
    url: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
}

const profileSchema = {
  ...personSchema,
  required: [...personSchema.required, 'recent'],
  properties: {
    ...personSchema.properties,
    groups: {
      type: 'array',
      description: 'Groups the person is a member of that you may see (only when the site has groups).',
      items: { type: 'object', required: ['id', 'name', 'url'], properties: { id: { type: 'string' }, name: { type: 'string' }, url: { type: 'string' } } },
    },
    recent: { type: 'array', items: { type: 'object' }, description: 'Their latest content items you may read, newest first.' },
  },
}

const fieldListSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'type', 'label', 'visibility', 'searchable', 'editableBy'],
        properties: {
          name: { type: 'string' },
          type: { enum: ['string', 'string[]', 'email', 'phone'] },
          label: { type: 'object', properties: { nl: { type: 'string' }, en: { type: 'string' } } },
          visibility: { enum: ['public', 'logged_in', 'members', 'admins'] },
          searchable: { type: 'boolean' },
          editableBy: { enum: ['self', 'admins'] },
          maxLength: { type: 'integer' },
          maxItems: { type: 'integer' },
        },
      },
    },
  },
}

/** A PUT body: field names to values; each site decides its fields, so they are checked by the handler. */
const profileBody = {
  type: 'object',
  maxProperties: 60,
  additionalProperties: { anyOf: [{ type: 'string', maxLength: 5000 }, { type: 'array', maxItems: 500, items: { type: 'string', maxLength: 5000 } }, { type: 'null' }] },
  description: 'Every field of the profile (a field left out or null is cleared); names and rules in GET /people/fields.',
}

/** The directory's filters: the query parameter and the field it looks in. */
const FILTERS = { department: 'department', skill: 'skills' } as const

export const invalidProfile = (errors: ProblemFieldError[]) =>
  new HttpProblem({
    status: 400,
    detail: `The profile is not valid: ${errors.map(e => `${'pointer' in e.location ? e.location.pointer.slice(1) : ''} ${e.detail}`).join('; ')}.`,
    code: 'PEOPLE_PROFILE_INVALID',
    errors,
  })

export function fieldList(fields: Fields, level: number) {
  return Object.entries(fields)
    .filter(([, def]) => mayUse(level, def.visibility))
    .map(([name, def]: [string, FieldDefinition]) => ({
      name,
      type: def.type,
      label: def.label,
      visibility: def.visibility,
      searchable: def.searchable ?? false,
      editableBy: def.editableBy ?? 'self',
      ...(def.maxLength !== undefined ? { maxLength: def.maxLength } : {}),
      ...(def.maxItems !== undefined ? { maxItems: def.maxItems } : {}),
    }))
}

function helpers(ctx: PluginContext, store: PeopleStore) {
  /** The directory is for whom the site says: 401 to visitors who should sign in, 403 to others. */
  const gate = (c: RouteContext): number => {
    const level = viewerLevel(c.viewer, c.site)
    if (mayUse(level, store.settings(c.site).directory)) return level
    if (!c.viewer.user) throw problems.unauthorized('Sign in to see the directory.', { code: 'NOT_SIGNED_IN' })
    throw problems.forbidden('The directory of this site is for its members.', { code: 'PEOPLE_DIRECTORY_CLOSED' })
  }
  const requireAdmin = (c: RouteContext) => {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!c.viewer.isAdmin) throw problems.forbidden('Only administrators of this site may do this.', { code: 'NOT_ADMIN' })
  }
  const notFound = () => problems.notFound('This person has no profile on this site.', { code: 'PERSON_NOT_FOUND' })

  /** A profile page: the person, their groups and their latest content, all as this viewer may see them. */
  const profile = (c: RouteContext, row: ProfileRow) => store.profile(c.viewer, c.site, row)

  /** Writes one profile (replacing it); 201 when it is new. */
  const write = async (c: RouteContext<Record<string, unknown>>, account: { id: string; name: string }, asAdmin: boolean) => {
    const written = await store.writeProfile(c.site, account, c.input.body, asAdmin)
    if ('errors' in written) throw invalidProfile(written.errors)
    c.status = written.created ? 201 : 200
    return profile(c, written.row)
  }

  return { gate, requireAdmin, notFound, profile, write }
}

const listQuery = {
  type: 'object',
  properties: {
    ...pageQueryProperties,
    q: { type: 'string', maxLength: 200, description: 'Words in the name or the searchable fields you may see; the words match as prefixes.' },
    department: { type: 'string', minLength: 1, maxLength: 200, description: 'Only people of this department (exact, any case).' },
    skill: { type: 'string', minLength: 1, maxLength: 200, description: 'Only people with this skill (exact, any case).' },
  },
}

/** The directory and your own profile: /people, /people/fields, /people/me. */
export function directoryRoutes(ctx: PluginContext, store: PeopleStore): void {
  const { gate, profile, write, notFound } = helpers(ctx, store)
  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string; q?: string; department?: string; skill?: string }>(
      'people.list',
      '/api/v1/people',
      {
        summary: 'The directory: people with a profile on this site, by name; search and filters.',
        query: listQuery,
        responses: { 200: { description: 'A page of people.', schema: pageOf(personSchema) }, 403: { description: 'The directory is for members of this site.' } },
      },
      async c => {
        const level = gate(c)
        const fields = store.fields(c.site)
        const { q, limit, cursor } = c.input.query
        const facets: Record<string, string> = {}
        const errors: ProblemFieldError[] = []
        for (const [param, field] of Object.entries(FILTERS) as Array<[keyof typeof FILTERS, string]>) {
          const wanted = c.input.query[param]
          if (wanted === undefined) continue
          const def = fields[field]
          if (!def || !mayUse(level, def.visibility)) {
            errors.push({ in: 'query', location: { name: param }, detail: `this site has no "${field}" field you may filter on`, code: 'field' })
          } else facets[field] = wanted
        }
        if (errors.length > 0) throw new HttpProblem({ status: 400, detail: 'The request is not valid: ' + errors.map(e => `${'name' in e.location ? e.location.name : ''} ${e.detail}`).join('; ') + '.', code: 'INVALID_INPUT', errors })
        const page = await store.list(c.viewer, c.site, { q: q?.trim() || undefined, facets, limit, cursor })
        return { items: page.items.map(row => store.json(c.site, c.viewer, row)), nextCursor: page.nextCursor }
      },
    )

    router.get(
      'people.fields',
      '/api/v1/people/fields',
      {
        summary: 'The profile fields of this site that you may see, in order, with their labels and rules.',
        responses: { 200: { description: 'The fields.', schema: fieldListSchema }, 403: { description: 'The directory is for members of this site.' } },
      },
      async c => ({ items: fieldList(store.fields(c.site), gate(c)) }),
    )

    router.get(
      'people.me',
      '/api/v1/people/me',
      {
        summary: 'Your own profile on this site (every field).',
        auth: true,
        responses: { 200: { description: 'Your profile.', schema: profileSchema }, 404: { description: 'You have no profile here yet.' } },
      },
      async c => {
        const row = await store.get(c.site, c.viewer.user!.id)
        if (!row) throw notFound()
        return profile(c, row)
      },
    )

    router.put<Record<string, unknown>>(
      'people.putMe',
      '/api/v1/people/me',
      {
        summary: 'Write your own profile (members of this site); every field is replaced.',
        auth: true,
        body: profileBody,
        responses: {
          200: { description: 'Your profile.', schema: profileSchema },
          201: { description: 'Your new profile.', schema: profileSchema },
          403: { description: 'Only members of this site have a profile here.' },
        },
      },
      async c => {
        const user = c.viewer.user!
        if (viewerLevel(c.viewer, c.site) < 2) throw problems.forbidden('Only members of this site have a profile here.', { code: 'PEOPLE_MEMBERS_ONLY' })
        return write(c, user, c.viewer.isAdmin)
      },
    )

    router.delete(
      'people.deleteMe',
      '/api/v1/people/me',
      { summary: 'Remove your profile from this site’s directory.', auth: true, responses: { 204: { description: 'Removed.' }, 404: { description: 'You have no profile here.' } } },
      async c => {
        if (!(await store.remove(c.site, c.viewer.user!.id))) throw notFound()
        c.status = 204
      },
    )
  })

}

/**
 * One person's profile: /people/:userId. Registered after /people/me and the import and export routes, so
 * that those names never reach the :userId parameter.
 */
export function profileRoutes(ctx: PluginContext, store: PeopleStore): void {
  const { gate, requireAdmin, profile, write, notFound } = helpers(ctx, store)
  ctx.routes(router => {
    router.get<unknown, unknown, { userId: string }>(
      'people.get',
      '/api/v1/people/:userId',
      {
        summary: 'A profile page: the fields you may see, the person’s groups you may see, and their latest content you may read.',
        params: { type: 'object', properties: { userId: uuid } },
        responses: { 200: { description: 'The profile.', schema: profileSchema }, 403: { description: 'The directory is for members of this site.' } },
      },
      async c => {
        gate(c)
        const row = await store.get(c.site, c.input.params.userId)
        if (!row) throw notFound()
        return profile(c, row)
      },
    )

    router.put<Record<string, unknown>, unknown, { userId: string }>(
      'people.put',
      '/api/v1/people/:userId',
      {
        summary: 'Write someone’s profile (administrators of this site); every field is replaced.',
        auth: true,
        params: { type: 'object', properties: { userId: uuid } },
        body: profileBody,
        responses: {
          200: { description: 'The profile.', schema: profileSchema },
          201: { description: 'The new profile.', schema: profileSchema },
          403: { description: 'Not an administrator of this site.' },
        },
      },
      async c => {
        requireAdmin(c)
        const account = (await ctx.users.byIds([c.input.params.userId])).get(c.input.params.userId)
        if (!account) throw problems.notFound('No account with this id.', { code: 'USER_NOT_FOUND' })
        return write(c, account, true)
      },
    )

    router.delete<unknown, unknown, { userId: string }>(
      'people.delete',
      '/api/v1/people/:userId',
      {
        summary: 'Remove someone’s profile from this site’s directory (administrators).',
        auth: true,
        params: { type: 'object', properties: { userId: uuid } },
        responses: { 204: { description: 'Removed.' }, 403: { description: 'Not an administrator of this site.' } },
      },
      async c => {
        requireAdmin(c)
        if (!(await store.remove(c.site, c.input.params.userId))) throw notFound()
        c.status = 204
      },
    )
  })
}
