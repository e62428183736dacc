import type { MigrationInterface, QueryRunner } from 'typeorm'

export class NewsCreate1765200000000 implements MigrationInterface {
  name = 'NewsCreate1765200000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE news_article (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      lead text NOT NULL DEFAULT '',
      body text NOT NULL,
      image_url text,
      featured boolean NOT NULL DEFAULT false,
      categories text[] NOT NULL DEFAULT '{}'
    )`)
    await q.query('CREATE INDEX news_article_categories ON news_article USING gin (categories)')
    // The news list is ordered by publication: an index on the shared table, for news items only.
    await q.query(`CREATE INDEX news_published ON entity (site_id, published_at DESC, id DESC) WHERE kind = 'news'`)
    await q.query(`CREATE TABLE news_editor (
      site_id uuid NOT NULL,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, account_id)
    )`)
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE news_editor')
    await q.query('DROP INDEX news_published')
    await q.query('DROP TABLE news_article')
  }
}
