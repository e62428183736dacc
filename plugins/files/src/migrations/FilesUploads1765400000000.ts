import type { MigrationInterface, QueryRunner } from 'typeorm'

/** Resumable (tus) uploads under way: where they go, what arrived, the encryption state between pieces. */
export class FilesUploads1765400000000 implements MigrationInterface {
  name = 'FilesUploads1765400000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE files_upload (
      id uuid PRIMARY KEY,
      site_id uuid NOT NULL,
      -- Who started it: the only one who sees it (and the owner of the file it becomes, for the quota).
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      owner_id uuid NOT NULL,
      container_id uuid,
      folder_id uuid NOT NULL,
      name text NOT NULL,
      -- The file and version it becomes (both are bound into the encryption of its segments).
      file_id uuid NOT NULL,
      version integer NOT NULL,
      length bigint NOT NULL,
      received bigint NOT NULL DEFAULT 0,
      stored bigint NOT NULL DEFAULT 0,
      blob_key text NOT NULL,
      wrapped_key bytea NOT NULL,
      key_version integer NOT NULL,
      -- The plaintext not yet sealed (less than a segment) and the metadata stripper's state, encrypted.
      pending bytea,
      mime text,
      busy_until timestamptz,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX files_upload_expires ON files_upload (expires_at)')
    await q.query('CREATE INDEX files_upload_owner ON files_upload (site_id, owner_id)')
    await q.query('CREATE INDEX files_upload_container ON files_upload (site_id, container_id)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE files_upload')
  }
}
