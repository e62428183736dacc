import type { MigrationInterface, QueryRunner } from 'typeorm'

export class FilesCreate1765100000000 implements MigrationInterface {
  name = 'FilesCreate1765100000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE files_node (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      parent_id uuid REFERENCES files_node (entity_id) ON DELETE CASCADE,
      name text NOT NULL,
      is_folder boolean NOT NULL,
      size bigint NOT NULL DEFAULT 0,
      mime text,
      version integer NOT NULL DEFAULT 0,
      sha256 text,
      deleted_at timestamptz,
      published_before_trash timestamptz,
      -- Tokens that may change who has access (share further): the "manage" permission level.
      manage text[] NOT NULL DEFAULT '{}'
    )`)
    await q.query('CREATE UNIQUE INDEX files_node_name ON files_node (parent_id, lower(name)) WHERE deleted_at IS NULL AND parent_id IS NOT NULL')
    // A folder's first page comes from this index alone, however many files it holds.
    await q.query('CREATE INDEX files_node_children ON files_node (parent_id, is_folder DESC, lower(name), entity_id) WHERE deleted_at IS NULL')
    await q.query('CREATE INDEX files_node_trash ON files_node (site_id, deleted_at) WHERE deleted_at IS NOT NULL')
    await q.query(`CREATE TABLE files_version (
      entity_id uuid NOT NULL REFERENCES files_node (entity_id) ON DELETE CASCADE,
      version integer NOT NULL,
      size bigint NOT NULL,
      stored_size bigint NOT NULL,
      sha256 text NOT NULL,
      mime text NOT NULL,
      blob_key text NOT NULL,
      wrapped_key bytea NOT NULL,
      key_version integer NOT NULL,
      format integer NOT NULL,
      created_by uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (entity_id, version)
    )`)
    await q.query(`CREATE TABLE files_site_key (site_id uuid PRIMARY KEY, version integer NOT NULL DEFAULT 1, rotated_at timestamptz)`)
    await q.query(`CREATE TABLE files_link (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      site_id uuid NOT NULL,
      entity_id uuid NOT NULL REFERENCES files_node (entity_id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      mode text NOT NULL CHECK (mode IN ('read', 'upload')),
      created_by uuid REFERENCES kernel_account (id) ON DELETE CASCADE,
      expires_at timestamptz,
      password_hash text,
      max_downloads integer,
      downloads integer NOT NULL DEFAULT 0,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX files_link_entity ON files_link (entity_id, created_at)')
    // Append-only: rows are inserted, never changed.
    await q.query(`CREATE TABLE files_audit (
      id bigserial PRIMARY KEY,
      site_id uuid NOT NULL,
      entity_id uuid,
      account_id uuid,
      link_id uuid,
      action text NOT NULL,
      detail jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX files_audit_site ON files_audit (site_id, created_at DESC, id DESC)')
  }
  async down(q: QueryRunner): Promise<void> {
    for (const t of ['files_audit', 'files_link', 'files_site_key', 'files_version', 'files_node']) await q.query(`DROP TABLE ${t}`)
  }
}
