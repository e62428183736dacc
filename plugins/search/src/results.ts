// One search for one viewer, as the API and the search page answer it: the engine's hits, each item loaded
// (unless the hit carries it) and checked once more against the access model, serialized as every list is.
import { ENTITY_SQL, type EntityRecord, type EntityRow, type ItemJson, type PluginContext, type Site, type Viewer } from '@plein/core'
import type { SearchEngine, SearchQuery } from './api.js'

export type SearchResultItem = ItemJson & { snippet: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function searchItems(
  ctx: PluginContext,
  engine: SearchEngine,
  viewer: Viewer,
  site: Site,
  query: SearchQuery,
): Promise<{ items: SearchResultItem[]; nextCursor: string | null }> {
  const result = await engine.query(viewer, site, query)
  // Hits without their item (an engine outside the database) are read in one query, already filtered by
  // the access model; ids that are no item's are dropped.
  const missing = [...new Set(result.hits.filter(h => !h.entity && UUID.test(h.id)).map(h => h.id))]
  const loaded = new Map<string, EntityRecord>()
  if (missing.length > 0) {
    const where = ctx.access.readableWhere(viewer, site, 'e', 2)
    const rows: EntityRow[] = await ctx.db.query(`SELECT ${ENTITY_SQL.columns('e')} FROM entity e WHERE e.id = ANY($1::uuid[]) AND ${where.sql}`, [missing, ...where.params])
    for (const row of rows) {
      const entity = ENTITY_SQL.fromRow(row)
      loaded.set(entity.id, entity)
    }
  }
  // The engine keeps the access guarantee itself (the built-in one in its query); this check is the second
  // wall, so that no engine, built in or plugged in, can hand a viewer an item they may not read.
  const entities: EntityRecord[] = []
  const seen = new Set<string>()
  for (const hit of result.hits) {
    const entity = hit.entity ?? loaded.get(hit.id)
    if (!entity || seen.has(entity.id) || !ctx.access.canRead(viewer, entity, site)) continue
    seen.add(entity.id)
    entities.push(entity)
  }
  const snippets = new Map(result.hits.map(h => [h.id, h.snippet]))
  const items = await ctx.content.serialize(entities, viewer, site)
  return { items: items.map(item => ({ ...item, snippet: snippets.get(item.id) ?? '' })), nextCursor: result.nextCursor }
}
