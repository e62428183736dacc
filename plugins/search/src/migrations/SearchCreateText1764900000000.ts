import type { MigrationInterface, QueryRunner } from 'typeorm'

export class SearchCreateText1764900000000 implements MigrationInterface {
  name = 'SearchCreateText1764900000000'
  async up(q: QueryRunner): Promise<void> {
    // The plain text behind entity.search_vector, for highlighted snippets.
    await q.query(`CREATE TABLE search_text (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      body text NOT NULL,
      indexed_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX search_unindexed ON entity (created_at) WHERE search_vector IS NULL')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX search_unindexed')
    await q.query('DROP TABLE search_text')
  }
}
