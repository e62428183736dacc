import type { MigrationInterface, QueryRunner } from 'typeorm'

/** Digests are found per site (each site has its own digest hour): the preferences due, by site first. */
export class NotificationsDigestBySite1765200000000 implements MigrationInterface {
  name = 'NotificationsDigestBySite1765200000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX notifications_preference_site_digest ON notifications_preference (site_id, email, last_digest_at)')
    await q.query('DROP INDEX notifications_preference_digest')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX notifications_preference_digest ON notifications_preference (email, last_digest_at)')
    await q.query('DROP INDEX notifications_preference_site_digest')
  }
}
