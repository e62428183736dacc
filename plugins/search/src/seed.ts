// `plein seed` for search: offers the seeders after it one bulk statement that indexes their items exactly as
// PostgresSearchEngine.index does one at a time (same vector, same stored text).
import type { Database, PluginSeeder } from '@plein/core'
import { searchSeederRef, type SearchSeedDocument } from './api.js'
import { documentSql, indexedText, MAX_BODY } from './postgres-engine.js'

async function indexChunk(db: Database, documents: SearchSeedDocument[]): Promise<void> {
  if (documents.length === 0) return
  const ids = documents.map(d => d.id)
  const texts = documents.map(indexedText)
  const titles = texts.map(t => t.title)
  const bodies = texts.map(t => t.body)
  await db.transaction(async m => {
    // Only items not indexed yet: a second run with the same seed changes nothing.
    await m.query(
      `UPDATE entity e SET search_vector = ${documentSql('d.title', 'd.body', 'e.site_id', 'e.created_at')}
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d (id, title, body)
        WHERE e.id = d.id AND e.search_vector IS NULL`,
      [ids, titles, bodies],
    )
    await m.query('INSERT INTO search_text (entity_id, body) SELECT id, body FROM unnest($1::uuid[], $2::text[]) AS d (id, body) ON CONFLICT DO NOTHING', [ids, bodies])
  })
}

export const searchSeeder: PluginSeeder = {
  stage: 'services',
  async run(seed) {
    // Items whose seeders give their text get their vector in the INSERT itself; index() then only stores the text.
    seed.computeEntityColumn('search_vector', (title, text, columns) => documentSql(title, `left(${text}, ${MAX_BODY})`, columns.site_id!, columns.created_at!))
    seed.provide(searchSeederRef, {
      async index(documents: SearchSeedDocument[]) {
        // Building the vectors is the most expensive part of seeding: two halves on two connections.
        const half = Math.ceil(documents.length / 2)
        await Promise.all([indexChunk(seed.db, documents.slice(0, half)), indexChunk(seed.db, documents.slice(half))])
      },
    })
  },
}
