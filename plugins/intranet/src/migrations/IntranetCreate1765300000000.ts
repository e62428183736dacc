import type { MigrationInterface, QueryRunner } from 'typeorm'

export class IntranetCreate1765300000000 implements MigrationInterface {
  name = 'IntranetCreate1765300000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE intranet_dashboard (
      site_id uuid PRIMARY KEY,
      layout jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query(`CREATE TABLE intranet_menu (
      site_id uuid PRIMARY KEY,
      items jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query(`CREATE TABLE intranet_announcement (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      site_id uuid NOT NULL,
      text text NOT NULL,
      level text NOT NULL CHECK (level IN ('info', 'warning', 'error')),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      created_by uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (ends_at > starts_at)
    )`)
    await q.query('CREATE INDEX intranet_announcement_active ON intranet_announcement (site_id, starts_at, ends_at)')
  }
  async down(q: QueryRunner): Promise<void> {
    for (const t of ['intranet_announcement', 'intranet_menu', 'intranet_dashboard']) await q.query(`DROP TABLE ${t}`)
  }
}
