import type { MigrationInterface, QueryRunner } from 'typeorm'

/** WebDAV: dead properties per file or folder, and write locks shared by every process of the installation. */
export class FilesDav1765200000000 implements MigrationInterface {
  name = 'FilesDav1765200000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE files_dav_prop (
      entity_id uuid NOT NULL REFERENCES files_node (entity_id) ON DELETE CASCADE,
      ns text NOT NULL,
      name text NOT NULL,
      -- The property element's content as XML that declares its own namespaces.
      value text NOT NULL,
      PRIMARY KEY (entity_id, ns, name)
    )`)
    await q.query(`CREATE TABLE files_dav_lock (
      token text PRIMARY KEY,
      site_id uuid NOT NULL,
      entity_id uuid NOT NULL REFERENCES files_node (entity_id) ON DELETE CASCADE,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      exclusive boolean NOT NULL,
      infinite boolean NOT NULL,
      -- The client's DAV:owner content (XML), shown in lock discovery.
      owner text NOT NULL DEFAULT '',
      root_href text NOT NULL,
      timeout_seconds integer NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX files_dav_lock_entity ON files_dav_lock (entity_id, expires_at)')
    await q.query('CREATE INDEX files_dav_lock_site ON files_dav_lock (site_id, expires_at)')
    await q.query('CREATE INDEX files_dav_lock_expires ON files_dav_lock (expires_at)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE files_dav_lock')
    await q.query('DROP TABLE files_dav_prop')
  }
}
