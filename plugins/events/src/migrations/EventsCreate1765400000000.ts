import type { MigrationInterface, QueryRunner } from 'typeorm'

export class EventsCreate1765400000000 implements MigrationInterface {
  name = 'EventsCreate1765400000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE events_event (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      time_zone text NOT NULL DEFAULT 'Europe/Amsterdam',
      location text,
      online_url text,
      capacity integer CHECK (capacity IS NULL OR capacity > 0),
      description text NOT NULL DEFAULT '',
      CHECK (ends_at >= starts_at)
    )`)
    await q.query('CREATE INDEX events_event_starts ON events_event (site_id, starts_at, entity_id)')
    await q.query(`CREATE TABLE events_rsvp (
      entity_id uuid NOT NULL REFERENCES events_event (entity_id) ON DELETE CASCADE,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      status text NOT NULL CHECK (status IN ('going', 'waitlist')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (entity_id, account_id)
    )`)
    await q.query('CREATE INDEX events_rsvp_queue ON events_rsvp (entity_id, status, created_at)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE events_rsvp')
    await q.query('DROP TABLE events_event')
  }
}
