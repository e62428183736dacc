import type { MigrationInterface, QueryRunner } from 'typeorm'

/** The text extracted from a file's current version for search (derived data: plaintext of encrypted files). */
export class FilesText1765600000000 implements MigrationInterface {
  name = 'FilesText1765600000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE files_text (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      version integer NOT NULL,
      status text NOT NULL,
      reason text,
      text text NOT NULL DEFAULT '',
      extracted_at timestamptz NOT NULL DEFAULT now()
    )`)
    // Sites that turned indexContents off are found by site (the hourly files.forgetText job).
    await q.query('CREATE INDEX files_text_site ON files_text (site_id)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE files_text')
  }
}
