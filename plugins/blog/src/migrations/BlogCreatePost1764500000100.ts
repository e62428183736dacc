import type { MigrationInterface, QueryRunner } from 'typeorm'

export class BlogCreatePost1764500000100 implements MigrationInterface {
  name = 'BlogCreatePost1764500000100'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE blog_post (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      body text NOT NULL,
      excerpt text NOT NULL,
      tags text[] NOT NULL DEFAULT '{}',
      status text NOT NULL CHECK (status IN ('draft', 'published'))
    )`)
    await q.query('CREATE INDEX blog_post_tags ON blog_post USING gin (tags)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE blog_post')
  }
}
