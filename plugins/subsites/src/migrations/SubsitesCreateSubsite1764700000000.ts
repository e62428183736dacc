import type { MigrationInterface, QueryRunner } from 'typeorm'

export class SubsitesCreateSubsite1764700000000 implements MigrationInterface {
  name = 'SubsitesCreateSubsite1764700000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE subsites_subsite (
      site_id uuid PRIMARY KEY REFERENCES kernel_site (id) ON DELETE CASCADE,
      host text NOT NULL UNIQUE,
      name text NOT NULL,
      plugins text[] NOT NULL,
      plugin_settings jsonb NOT NULL DEFAULT '{}',
      site_settings jsonb NOT NULL DEFAULT '{}',
      admins text[] NOT NULL DEFAULT '{}',
      disabled boolean NOT NULL DEFAULT false,
      created_by uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX subsites_subsite_created ON subsites_subsite (created_at DESC, site_id DESC)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE subsites_subsite')
  }
}
