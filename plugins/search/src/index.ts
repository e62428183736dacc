// @plein/plugin-search: full-text search across every kind on a site, filtered by the access model.
import { definePlugin, pageOf, itemSchema, problems, type EntityRecord, type PluginContext, type Site, type Viewer } from '@plein/core'
import { searchEngineRef, searchHooks, searchIndexerRef, type SearchEngine, type SearchQuery } from './api.js'
import { SearchCreateText1764900000000 } from './migrations/SearchCreateText1764900000000.js'
import { SearchMarkVectors1767000000000 } from './migrations/SearchMarkVectors1767000000000.js'
import { PostgresSearchEngine } from './postgres-engine.js'
import { searchPages } from './pages.js'
import { searchItems } from './results.js'
import { searchSeeder } from './seed.js'
import { searchSettings } from './settings.js'

export { PostgresSearchEngine, CANDIDATES as SEARCH_CANDIDATES, type SearchPath } from './postgres-engine.js'
export type { SearchSettings } from './settings.js'
export { searchEngineRef, searchHooks, searchIndexerRef, searchSeederRef, type SearchIndexer, type SearchSeeder, type SearchSeedDocument, type SearchDocument, type SearchEngine, type SearchHit, type SearchQuery } from './api.js'

const uuid = { type: 'string', format: 'uuid' }
const BACKFILL_BATCH = 200

export const searchPlugin = definePlugin({
  id: 'search',
  url: import.meta.url,
  migrations: [SearchCreateText1764900000000, SearchMarkVectors1767000000000],
  hooks: searchHooks,
  seed: searchSeeder,
  settings: searchSettings,
  register(ctx) {
    const builtIn = new PostgresSearchEngine(ctx)
    // The engine a plugin plugged in (searchEngineRef), else the built-in one: looked up when used, since
    // the plugins that depend on this one register after it.
    const engine = (): SearchEngine => ctx.services.find(searchEngineRef) ?? builtIn
    const hooks = ctx.hooks.of(searchHooks)

    const index = async (entity: EntityRecord, site: Site) => {
      const document = await hooks.document.call(site, { title: entity.title, body: '' }, entity, site)
      await engine().index(entity, document)
    }

    // Indexed as it changes; a recurring job catches up on anything missed (a failed tap, old content).
    ctx.hooks.entity.created.tap((entity, site) => index(entity, site))
    ctx.hooks.entity.updated.tap((entity, site) => index(entity, site))
    // The built-in engine's index goes with the row (ON DELETE CASCADE); another engine must be told.
    ctx.hooks.entity.deleted.tap(async entity => {
      const current = engine()
      if (current !== builtIn) await current.remove(entity.id)
    })
    ctx.provide(searchIndexerRef, () => ({
      async reindex(site, entityId) {
        if (!site.isEnabled(ctx.id)) return
        const entity = await ctx.access.find(site, entityId)
        if (entity) await index(entity, site)
      },
    }))
    // The backfill finds what the built-in engine has not indexed (entity.search_vector IS NULL); another
    // engine catches up by its own means (docs/search-and-notifications.md, "Another engine").
    ctx.jobs.define('search.backfill', async job => {
      if (engine() === builtIn) await backfill(ctx, index, job.log)
    })
    ctx.jobs.every('search.backfill', 60)

    const search = (viewer: Viewer, site: Site, query: SearchQuery) => searchItems(ctx, engine(), viewer, site, query)
    searchPages(ctx, search)
    ctx.routes(router => {
      router.get<unknown, { q: string; type?: string; containerId?: string; from?: string; to?: string; limit: number; cursor?: string }>(
        'search.query',
        '/api/v1/search',
        {
          summary: 'Search everything on this site you may read; best matches first, with highlighted snippets.',
          query: {
            type: 'object',
            required: ['q'],
            properties: {
              q: { type: 'string', minLength: 1, maxLength: 200, description: 'Words to find; the last one also matches as a prefix.' },
              type: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', description: 'Only items of this type.' },
              containerId: { ...uuid, description: 'Only items in this group (or other container).' },
              from: { type: 'string', format: 'date-time', description: 'Created at or after.' },
              to: { type: 'string', format: 'date-time', description: 'Created before.' },
              limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
              cursor: { type: 'string', maxLength: 200 },
            },
          },
          responses: {
            200: {
              description: 'A page of matching items, each with a snippet (HTML: escaped text with <mark>).',
              schema: pageOf({ ...itemSchema, properties: { ...itemSchema.properties, snippet: { type: 'string' } } }),
            },
          },
        },
        async c => {
          const { q, type, containerId, from, to, limit, cursor } = c.input.query
          if (from && to && new Date(from) >= new Date(to)) {
            throw problems.badRequest('from must be before to.', { code: 'INVALID_RANGE', errors: [{ in: 'query', location: { name: 'from' }, detail: 'must be before to', code: 'range' }] })
          }
          const enabled = ctx.content.enabledKinds(c.site)
          const kinds = type ? enabled.filter(k => k === type) : enabled
          return search(c.viewer, c.site, {
            q,
            kinds,
            containerId,
            from: from ? new Date(from) : undefined,
            to: to ? new Date(to) : undefined,
            limit,
            cursor,
          })
        },
      )
    })
  },
  start(ctx) {
    const plugged = ctx.services.find(searchEngineRef)
    if (plugged) ctx.log.info({ engine: plugged.constructor.name }, 'search: using the engine another plugin plugged in')
  },
})

async function backfill(ctx: PluginContext, index: (e: EntityRecord, s: Site) => Promise<void>, log: { info(o: object, m: string): void }): Promise<void> {
  // Items of sites without search stay unindexed: their sites are left out of the next query, else a few
  // hundred of them would fill every batch and the backfill would never reach anything else.
  const skipped: string[] = []
  let done = 0
  for (let round = 0; round < 10 && done < BACKFILL_BATCH; round++) {
    const rows: Array<{ id: string; site_id: string }> = await ctx.db.query(
      `SELECT id, site_id FROM entity WHERE search_vector IS NULL AND NOT (site_id = ANY($1::uuid[])) ORDER BY created_at LIMIT ${BACKFILL_BATCH}`,
      [skipped],
    )
    const before = { done, skipped: skipped.length }
    for (const row of rows) {
      if (skipped.includes(row.site_id)) continue
      const site = await ctx.siteById(row.site_id)
      if (!site || !site.isEnabled('search')) {
        skipped.push(row.site_id)
        continue
      }
      const entity = await ctx.access.find(site, row.id)
      if (!entity) continue
      await index(entity, site)
      done++
    }
    if (done === before.done && skipped.length === before.skipped) break
  }
  if (done > 0) log.info({ indexed: done }, 'search: indexed items that had no index yet')
}

export default searchPlugin
