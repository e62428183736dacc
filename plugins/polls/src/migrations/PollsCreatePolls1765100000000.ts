// The polls tables. Hand-written, never edited once released: a change is a new migration.
import type { MigrationInterface, QueryRunner } from '@plein/core'

export class PollsCreatePolls1765100000000 implements MigrationInterface {
  name = 'PollsCreatePolls1765100000000'

  async up(q: QueryRunner): Promise<void> {
    // A poll's own row next to its entity row (title = the question; site, owner, access live there).
    await q.query(`CREATE TABLE polls_poll (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      description text NOT NULL DEFAULT '',
      mode text NOT NULL CHECK (mode IN ('single', 'multiple', 'open')),
      max_choices integer CHECK (max_choices IS NULL OR max_choices >= 1),
      opens_at timestamptz NOT NULL,
      closes_at timestamptz,
      show_results text NOT NULL CHECK (show_results IN ('afterVote', 'afterClose')),
      allow_email_votes boolean NOT NULL DEFAULT false,
      CHECK (closes_at IS NULL OR closes_at >= opens_at)
    )`)
    await q.query('CREATE INDEX polls_poll_site_closes ON polls_poll (site_id, closes_at)')

    await q.query(`CREATE TABLE polls_option (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      poll_id uuid NOT NULL REFERENCES polls_poll (entity_id) ON DELETE CASCADE,
      position integer NOT NULL,
      label text NOT NULL,
      UNIQUE (poll_id, position)
    )`)

    // One row per counted vote. email is the address it counts for (the account's, or the confirmed one):
    // one vote per account and one per address, whichever way it came in.
    await q.query(`CREATE TABLE polls_vote (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      poll_id uuid NOT NULL REFERENCES polls_poll (entity_id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      account_id uuid,
      email text,
      by_email boolean NOT NULL DEFAULT false,
      confirmation_id uuid,
      answer text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE UNIQUE INDEX polls_vote_account ON polls_vote (poll_id, account_id) WHERE account_id IS NOT NULL')
    await q.query('CREATE UNIQUE INDEX polls_vote_email ON polls_vote (poll_id, email) WHERE email IS NOT NULL')
    await q.query('CREATE INDEX polls_vote_poll_created ON polls_vote (poll_id, created_at DESC, id DESC)')
    await q.query('CREATE INDEX polls_vote_account_id ON polls_vote (account_id) WHERE account_id IS NOT NULL')

    await q.query(`CREATE TABLE polls_choice (
      vote_id uuid NOT NULL REFERENCES polls_vote (id) ON DELETE CASCADE,
      option_id uuid NOT NULL REFERENCES polls_option (id) ON DELETE CASCADE,
      PRIMARY KEY (vote_id, option_id)
    )`)
    await q.query('CREATE INDEX polls_choice_option ON polls_choice (option_id)')

    // Votes by e-mail wait here until the address's owner follows the mailed link.
    await q.query(`CREATE TABLE polls_pending_vote (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      poll_id uuid NOT NULL REFERENCES polls_poll (entity_id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      email text NOT NULL,
      option_ids uuid[] NOT NULL DEFAULT '{}',
      answer text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`)
    await q.query('CREATE INDEX polls_pending_vote_poll_email ON polls_pending_vote (poll_id, email, created_at DESC)')
    await q.query('CREATE INDEX polls_pending_vote_expires ON polls_pending_vote (expires_at)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE polls_pending_vote')
    await q.query('DROP TABLE polls_choice')
    await q.query('DROP TABLE polls_vote')
    await q.query('DROP TABLE polls_option')
    await q.query('DROP TABLE polls_poll')
  }
}
