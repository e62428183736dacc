import type { MigrationInterface, QueryRunner } from 'typeorm'

export class CommentsCreateComment1764500000000 implements MigrationInterface {
  name = 'CommentsCreateComment1764500000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE comments_comment (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      site_id uuid NOT NULL,
      entity_id uuid NOT NULL REFERENCES entity (id) ON DELETE CASCADE,
      parent_id uuid REFERENCES comments_comment (id) ON DELETE CASCADE,
      author_id uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      body text NOT NULL,
      removed boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX comments_comment_entity ON comments_comment (site_id, entity_id, created_at, id)')
    await q.query('CREATE INDEX comments_comment_author ON comments_comment (author_id, created_at)')
    await q.query('CREATE INDEX comments_comment_parent ON comments_comment (parent_id) WHERE parent_id IS NOT NULL')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE comments_comment')
  }
}
