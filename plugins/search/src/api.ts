// What other plugins may use of the search plugin: the hook through which they give their searchable text,
// and the engine interface for installations that outgrow PostgreSQL search.
import { createServiceRef, defineHooks, filter, type EntityRecord, type Site, type Viewer } from '@plein/core'

export interface SearchDocument {
  /** Weighted above the body. */
  title: string
  /** Plain text (no HTML). */
  body: string
  /** True keeps the item out of search results altogether (e.g. a file in the trash), for everyone. */
  exclude?: boolean
}

export const searchHooks = defineHooks('search', () => ({
  document: filter<SearchDocument, [EntityRecord, Site]>({
    since: '1.0.0',
    description: "The searchable text of an item: add your kind's body text (plain text) to `body`. The title is filled in already.",
  }),
}))

export interface SearchQuery {
  q: string
  kinds: string[]
  containerId?: string
  from?: Date
  to?: Date
  limit: number
  cursor?: string
}

export interface SearchHit {
  id: string
  /** Plain text with the matched words between <mark> and </mark>; everything else HTML-escaped. */
  snippet: string
  /** The item as read in the same query (saves a lookup per hit); an engine that has no entity rows leaves it out. */
  entity?: EntityRecord
}

/**
 * A search engine. The plugin ships the PostgreSQL engine (full-text search in the same database, filtered
 * by the access model in the same query). Another engine (OpenSearch, Elasticsearch) implements the same
 * interface and is plugged in through `searchEngineRef`: index() on every change, remove() on delete, and
 * query() that applies the viewer's tokens as a terms filter on the indexed `readers` and `writers` fields
 * plus `siteId`. The plugin checks every hit against the access model once more before it answers.
 */
export interface SearchEngine {
  index(entity: EntityRecord, document: SearchDocument): Promise<void>
  remove(entityId: string): Promise<void>
  query(viewer: Viewer, site: Site, query: SearchQuery): Promise<{ hits: SearchHit[]; nextCursor: string | null }>
}

/**
 * The plug point for another engine: a plugin that depends on `search` provides it
 * (`ctx.provide(searchEngineRef, () => new MyEngine(…))`), and the search plugin then indexes into and
 * queries that engine instead of its PostgreSQL one, on every site where search is enabled. Without a
 * provider, the built-in engine. See docs/search-and-notifications.md, "Another engine".
 */
export const searchEngineRef = createServiceRef<SearchEngine>('search.engine', { pluggable: true })

/** What `plein seed` writes to the index: an item's searchable text, exactly as the `document` filter would give it. */
export interface SearchSeedDocument {
  id: string
  title: string
  /** Plain text. */
  body: string
}

/** Offered by the search plugin's seeder to the seeders after it: indexes many seeded items in one statement. */
export interface SearchSeeder {
  index(documents: SearchSeedDocument[]): Promise<void>
}

export const searchSeederRef = createServiceRef<SearchSeeder>('search.seeder')

/** Offered by the search plugin: index an item again now, when its searchable text changed outside the item (a file's extracted contents). */
export interface SearchIndexer {
  reindex(site: Site, entityId: string): Promise<void>
}

export const searchIndexerRef = createServiceRef<SearchIndexer>('search.indexer')
