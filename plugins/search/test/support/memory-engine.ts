// A small search engine for the tests, plugged in through searchEngineRef the way an OpenSearch engine would
// be: it keeps its own index (in memory), is told of every change, matches every word (the last also as a
// prefix), filters by site, kind, container, dates and — unless `leaky` — the viewer's tokens, and pages by
// offset. Its hits carry no entity rows, so the plugin reads and checks the items itself.
import { definePlugin, escapeHtml, type EntityRecord, type PluginDefinition, type Site, type Viewer } from '@plein/core'
import { searchEngineRef, type SearchDocument, type SearchEngine, type SearchHit, type SearchQuery } from '@plein/plugin-search'

interface Indexed {
  entity: EntityRecord
  title: string[]
  words: string[]
  text: string
}

const wordsOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []

export class MemorySearchEngine implements SearchEngine {
  readonly documents = new Map<string, Indexed>()
  readonly removed: string[] = []
  /** Extra hits answered first, whatever the query (ids of items the viewer may not read, ids of nothing). */
  extraHits: string[] = []

  constructor(private readonly options: { leaky?: boolean } = {}) {}

  async index(entity: EntityRecord, document: SearchDocument): Promise<void> {
    if (document.exclude) {
      this.documents.delete(entity.id)
      return
    }
    const text = `${document.title} ${document.body}`
    this.documents.set(entity.id, { entity, title: wordsOf(document.title), words: wordsOf(text), text })
  }

  async remove(entityId: string): Promise<void> {
    this.removed.push(entityId)
    this.documents.delete(entityId)
  }

  async query(viewer: Viewer, site: Site, query: SearchQuery): Promise<{ hits: SearchHit[]; nextCursor: string | null }> {
    const words = wordsOf(query.q)
    const has = (list: string[], w: string, i: number) => list.some(x => x === w || (i === words.length - 1 && x.startsWith(w)))
    const readable = (e: EntityRecord) =>
      this.options.leaky ||
      viewer.isAdmin ||
      e.writeAccess.some(t => viewer.tokens.has(t)) ||
      (e.publishedAt !== null && e.publishedAt.getTime() <= Date.now() && e.readAccess.some(t => viewer.tokens.has(t)))
    const matches = [...this.documents.values()]
      .filter(d => d.entity.siteId === site.id && query.kinds.includes(d.entity.kind) && readable(d.entity))
      .filter(d => (!query.containerId || d.entity.containerId === query.containerId) && (!query.from || d.entity.createdAt >= query.from) && (!query.to || d.entity.createdAt < query.to))
      .filter(d => words.length > 0 && words.every((w, i) => has(d.words, w, i)))
      .map(d => ({ d, inTitle: words.every((w, i) => has(d.title, w, i)) }))
      .sort((a, b) => Number(b.inTitle) - Number(a.inTitle) || b.d.entity.createdAt.getTime() - a.d.entity.createdAt.getTime() || (a.d.entity.id < b.d.entity.id ? 1 : -1))
    const ids = [...this.extraHits, ...matches.map(m => m.d.entity.id)]
    const offset = query.cursor ? Number(Buffer.from(query.cursor, 'base64url').toString()) : 0
    const page = ids.slice(offset, offset + query.limit)
    const hits = page.map(id => {
      const text = escapeHtml(this.documents.get(id)?.text ?? '')
      return { id, snippet: words.reduce((s, w) => s.replace(new RegExp(`(${w}[\\p{L}\\p{N}]*)`, 'iu'), '<mark>$1</mark>'), text) }
    })
    const next = offset + query.limit < ids.length ? Buffer.from(String(offset + query.limit)).toString('base64url') : null
    return { hits, nextCursor: next }
  }
}

/** The plugin that plugs `engine` into the search plugin. */
export function memorySearchPlugin(engine: MemorySearchEngine): PluginDefinition {
  return definePlugin({
    id: 'test-search-engine',
    version: '1.0.0',
    kernel: '*',
    dependencies: { search: '^1.0.0' },
    register(ctx) {
      ctx.provide(searchEngineRef, () => engine)
    },
  })
}
