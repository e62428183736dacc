// The 20 fixture plugins the benchmark boots, made in code: settings with defaults, a dependency tree,
// owned hooks tapped by dependants, a few validated routes each, and taps on the per-request kernel hooks.
import { definePlugin, defineHooks, event, filter, decision, Stage, type PluginDefinition } from '@plein/core'

export const PLUGIN_COUNT = 20

/** Route paths the fixtures add, shared with the baseline server so both routers hold the same table. */
export function fixtureRoutePaths(count = PLUGIN_COUNT): Array<{ method: 'get' | 'post' | 'delete'; path: string }> {
  const out: Array<{ method: 'get' | 'post' | 'delete'; path: string }> = []
  for (let i = 0; i < count; i++) {
    const base = `/api/v1/${fixtureId(i)}/items`
    out.push({ method: 'get', path: base }, { method: 'get', path: `${base}/:id` })
    if (i % 2 === 0) out.push({ method: 'post', path: base })
  }
  return out
}

export const fixtureId = (i: number) => `fixture-${String(i).padStart(2, '0')}`

/** Hook sets owned by the first few plugins; their dependants tap them. */
const OWNERS = 5
const ownedHooks = Array.from({ length: OWNERS }, (_, i) =>
  defineHooks(fixtureId(i), () => ({
    itemSaved: event<[{ id: string; title: string }]>({ since: '1.0.0', description: 'An item was saved.' }),
    beforeSave: decision<[{ id: string; title: string }], { reason: string }>({ since: '1.0.0', description: 'Veto a save.' }),
    serializeItem: filter<Record<string, unknown>, []>({ since: '1.0.0', description: 'Add fields to an item.' }),
  })),
)

/** Counters the per-request taps bump, so the work they do is not optimised away. */
export const tapCounters = { request: 0, siteResolved: 0, viewerTokens: 0 }

const itemSchema = {
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    body: { type: 'string', maxLength: 10000 },
    tags: { type: 'array', items: { type: 'string', maxLength: 40 }, maxItems: 20 },
  },
}

export function makeFixturePlugins(count = PLUGIN_COUNT): PluginDefinition[] {
  const plugins: PluginDefinition[] = []
  for (let i = 0; i < count; i++) {
    const id = fixtureId(i)
    // A binary tree: fixture-01 and -02 need -00, -03 and -04 need -01, …
    const parent = i > 0 ? Math.floor((i - 1) / 2) : -1
    const dependencies: Record<string, string> = parent >= 0 ? { [fixtureId(parent)]: '^1.0.0' } : {}
    const optionalDependencies: Record<string, string> = i % 6 === 5 ? { 'not-installed': '^2.0.0' } : {}
    const parentHooks = parent >= 0 && parent < OWNERS ? ownedHooks[parent] : undefined
    const items = new Map<string, { id: string; title: string }>()

    plugins.push(
      definePlugin({
        id,
        version: '1.0.0',
        kernel: '^1.0.0',
        dependencies,
        optionalDependencies,
        hooks: i < OWNERS ? ownedHooks[i] : undefined,
        settings: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            title: { type: 'string', default: `Fixture ${i}` },
            features: {
              type: 'object',
              additionalProperties: false,
              default: {},
              properties: { comments: { type: 'boolean', default: true }, likes: { type: 'boolean', default: false } },
            },
          },
        },
        register(ctx) {
          // Installation-wide and per-request kernel hooks, as real plugins use them.
          ctx.hooks.kernel.started.tap(() => undefined)
          if (i % 5 === 1) {
            ctx.hooks.kernel.request.tap(() => {
              tapCounters.request++
            })
          }
          if (i % 7 === 2) {
            ctx.hooks.kernel.siteResolved.tap(() => {
              tapCounters.siteResolved++
            })
          }
          if (i === 3) {
            // Like a groups plugin: adds group tokens for signed-in viewers, nothing for anonymous ones.
            ctx.hooks.access.viewerTokens.tap((tokens, { viewer }) => {
              tapCounters.viewerTokens++
              return viewer.user ? [...tokens, `group:${id}`] : tokens
            })
          }
          if (i % 3 === 0) ctx.hooks.entity.created.tap(() => undefined)
          if (i % 4 === 0) ctx.hooks.entity.serialize.tap(json => ({ ...json, [id]: true }), { stage: Stage.LATE })
          if (parentHooks) {
            const hooks = ctx.hooks.of(parentHooks)
            hooks.itemSaved.tap(() => undefined)
            hooks.beforeSave.tap(item => (item.title === 'forbidden' ? { reason: 'no' } : undefined))
            hooks.serializeItem.tap(json => ({ ...json, by: id }))
          }

          ctx.routes(router => {
            const base = `/api/v1/${id}/items`
            router.get(
              `${id}.items.list`,
              base,
              {
                summary: `List ${id} items.`,
                query: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100 }, q: { type: 'string' } } },
                responses: { 200: { description: 'The items.', schema: { type: 'object' } } },
              },
              c => {
                const limit = (c.input.query as { limit?: number }).limit ?? (ctx.settings(c.site).pageSize as number)
                return { items: [...items.values()].slice(0, limit) }
              },
            )
            router.get(
              `${id}.items.get`,
              `${base}/:id`,
              { summary: `One ${id} item.`, params: { type: 'object', properties: { id: { type: 'string', pattern: '^[a-z0-9-]+$' } } } },
              c => items.get((c.input.params as { id: string }).id) ?? { missing: true },
            )
            if (i % 2 === 0) {
              router.post(`${id}.items.create`, base, { summary: `Add a ${id} item.`, body: itemSchema }, c => {
                const body = c.input.body as { title: string }
                const item = { id: String(items.size + 1), title: body.title }
                items.set(item.id, item)
                c.status = 201
                return item
              })
            }
            if (i === 0) {
              router.get(
                `${id}.ping`,
                '/api/v1/ping',
                { summary: 'The benchmark route.', responses: { 200: { description: 'ok', schema: { type: 'object' } } } },
                () => ({ ok: true }),
              )
            }
          })
        },
        start() {
          items.set('1', { id: '1', title: `first ${id} item` })
        },
        stop() {
          items.clear()
        },
      }),
    )
  }
  // Hand them over in reverse so the registry's topological sort has work to do.
  return plugins.reverse()
}
