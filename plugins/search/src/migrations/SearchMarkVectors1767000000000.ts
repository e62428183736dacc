import type { MigrationInterface, QueryRunner } from 'typeorm'
import { marksSql } from '../postgres-engine.js'

export class SearchMarkVectors1767000000000 implements MigrationInterface {
  name = 'SearchMarkVectors1767000000000'
  async up(q: QueryRunner): Promise<void> {
    // Every indexed item's vector gets its site and creation month and year as marks (postgres-engine.ts,
    // marksSql), so that the GIN index finds a word's matches on one site and in a recent span only.
    // Excluded items (an empty vector) stay empty; unindexed ones (NULL) get their marks from the backfill.
    await q.query(`UPDATE entity SET search_vector = search_vector || ${marksSql('site_id', 'created_at')} WHERE length(search_vector) > 0`)
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE entity SET search_vector = ts_delete(search_vector, ARRAY(SELECT l FROM unnest(tsvector_to_array(search_vector)) AS l WHERE l LIKE '~%')) WHERE length(search_vector) > 0`)
  }
}
