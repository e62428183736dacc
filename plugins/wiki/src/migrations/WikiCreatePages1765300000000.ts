import type { MigrationInterface, QueryRunner } from 'typeorm'

/** Pages (a tree), their revisions, and the links between pages. */
export class WikiCreatePages1765300000000 implements MigrationInterface {
  name = 'WikiCreatePages1765300000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE wiki_page (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      parent_id uuid REFERENCES wiki_page (entity_id) ON DELETE SET NULL,
      body text NOT NULL,
      revision integer NOT NULL DEFAULT 1
    )`)
    await q.query('CREATE INDEX wiki_page_parent ON wiki_page (parent_id)')
    await q.query(`CREATE TABLE wiki_revision (
      entity_id uuid NOT NULL REFERENCES entity (id) ON DELETE CASCADE,
      rev integer NOT NULL,
      author_id uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      title text NOT NULL,
      body text NOT NULL,
      summary text NOT NULL DEFAULT '',
      restored_from integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (entity_id, rev)
    )`)
    await q.query('CREATE INDEX wiki_revision_author ON wiki_revision (author_id)')
    // to_id has no foreign key: a link may point at a page that was deleted (or is on no site the viewer sees).
    await q.query(`CREATE TABLE wiki_link (
      from_id uuid NOT NULL REFERENCES wiki_page (entity_id) ON DELETE CASCADE,
      to_id uuid NOT NULL,
      PRIMARY KEY (from_id, to_id)
    )`)
    await q.query('CREATE INDEX wiki_link_to ON wiki_link (to_id)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wiki_link')
    await q.query('DROP TABLE wiki_revision')
    await q.query('DROP TABLE wiki_page')
  }
}
