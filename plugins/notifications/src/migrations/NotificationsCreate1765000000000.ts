import type { MigrationInterface, QueryRunner } from 'typeorm'

export class NotificationsCreate1765000000000 implements MigrationInterface {
  name = 'NotificationsCreate1765000000000'
  async up(q: QueryRunner): Promise<void> {
    // What someone follows: an item, a group (its id is an item id) or a person (an account id).
    await q.query(`CREATE TABLE notifications_follow (
      site_id uuid NOT NULL,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      target_id uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, account_id, target_id)
    )`)
    await q.query('CREATE INDEX notifications_follow_target ON notifications_follow (site_id, target_id)')
    await q.query(`CREATE TABLE notifications_notification (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      site_id uuid NOT NULL,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      kind text NOT NULL,
      entity_id uuid REFERENCES entity (id) ON DELETE CASCADE,
      actor_id uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      read_at timestamptz,
      emailed_at timestamptz
    )`)
    await q.query('CREATE INDEX notifications_list ON notifications_notification (account_id, site_id, created_at DESC, id DESC)')
    await q.query('CREATE INDEX notifications_unread ON notifications_notification (account_id, site_id) WHERE read_at IS NULL')
    await q.query('CREATE INDEX notifications_unmailed ON notifications_notification (site_id, account_id) WHERE emailed_at IS NULL AND read_at IS NULL')
    await q.query(`CREATE TABLE notifications_preference (
      site_id uuid NOT NULL,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      email text NOT NULL CHECK (email IN ('immediate', 'daily', 'weekly', 'never')),
      last_digest_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, account_id)
    )`)
    await q.query('CREATE INDEX notifications_preference_digest ON notifications_preference (email, last_digest_at)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE notifications_preference')
    await q.query('DROP TABLE notifications_notification')
    await q.query('DROP TABLE notifications_follow')
  }
}
