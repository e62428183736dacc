import type { MigrationInterface, QueryRunner } from 'typeorm'

/** Which key provider wrapped each file key (until now always the built-in one, derived from PLEIN_SECRET). */
export class FilesKeyProvider1765700000000 implements MigrationInterface {
  name = 'FilesKeyProvider1765700000000'
  async up(q: QueryRunner): Promise<void> {
    for (const table of ['files_version', 'files_upload']) await q.query(`ALTER TABLE ${table} ADD COLUMN key_provider text NOT NULL DEFAULT 'derived'`)
  }
  async down(q: QueryRunner): Promise<void> {
    for (const table of ['files_version', 'files_upload']) await q.query(`ALTER TABLE ${table} DROP COLUMN key_provider`)
  }
}
