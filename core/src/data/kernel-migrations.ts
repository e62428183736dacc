// The kernel's own tables. Released migrations are never edited; add a new one instead.
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class KernelCreateSite1764300000000 implements MigrationInterface {
  name = 'KernelCreateSite1764300000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE kernel_site (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`)
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kernel_site')
  }
}

/** Accounts are global; sessions, tokens and site roles hang off them. */
export class KernelCreateIdentity1764400000000 implements MigrationInterface {
  name = 'KernelCreateIdentity1764400000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE kernel_account (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text NOT NULL,
      password_hash text NOT NULL,
      email_verified_at timestamptz,
      locale text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE UNIQUE INDEX kernel_account_email ON kernel_account (lower(email))')
    await q.query('CREATE INDEX kernel_account_name ON kernel_account (lower(name), id)')
    await q.query(`CREATE TABLE kernel_session (
      id_hash text PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`)
    await q.query('CREATE INDEX kernel_session_account ON kernel_session (account_id)')
    await q.query('CREATE INDEX kernel_session_expires ON kernel_session (expires_at)')
    await q.query(`CREATE TABLE kernel_api_token (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      name text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz
    )`)
    await q.query('CREATE INDEX kernel_api_token_account ON kernel_api_token (account_id, created_at)')
    await q.query(`CREATE TABLE kernel_site_member (
      site_id uuid NOT NULL,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('admin', 'member')),
      -- pending: asked to join a site with membership "approval"
      status text NOT NULL DEFAULT 'member' CHECK (status IN ('member', 'pending')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, account_id)
    )`)
    await q.query('CREATE INDEX kernel_site_member_account ON kernel_site_member (account_id)')
    await q.query('CREATE INDEX kernel_site_member_list ON kernel_site_member (site_id, status, created_at DESC, account_id DESC)')
    await q.query(`CREATE TABLE kernel_rate_limit (
      key text PRIMARY KEY,
      hits integer NOT NULL,
      window_start timestamptz NOT NULL
    )`)
    await q.query(`CREATE TABLE kernel_one_time_token (
      nonce_hash text PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      purpose text NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )`)
    await q.query('CREATE INDEX kernel_one_time_token_account ON kernel_one_time_token (account_id)')
  }
  async down(q: QueryRunner): Promise<void> {
    for (const t of ['kernel_one_time_token', 'kernel_rate_limit', 'kernel_site_member', 'kernel_api_token', 'kernel_session', 'kernel_account']) {
      await q.query(`DROP TABLE ${t}`)
    }
  }
}

/** The shared content table (ARCHITECTURE §5): what every content item has, with its access lists. */
export class KernelCreateEntity1764400000001 implements MigrationInterface {
  name = 'KernelCreateEntity1764400000001'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE entity (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      site_id uuid NOT NULL,
      kind text NOT NULL,
      owner_id uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      container_id uuid,
      title text NOT NULL DEFAULT '',
      read_access text[] NOT NULL DEFAULT '{}',
      write_access text[] NOT NULL DEFAULT '{}',
      -- Writers can always read: one GIN-indexed array answers "may this viewer read it?".
      readers text[] GENERATED ALWAYS AS (read_access || write_access) STORED,
      -- NULL: a draft; a future time: scheduled. Until then only writers see it.
      published_at timestamptz DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      search_vector tsvector
    )`)
    // Every list is (site, newest first); access is one overlap test on GIN-indexed arrays.
    await q.query('CREATE INDEX entity_site_created ON entity (site_id, created_at DESC, id DESC)')
    await q.query('CREATE INDEX entity_site_kind_created ON entity (site_id, kind, created_at DESC, id DESC)')
    await q.query('CREATE INDEX entity_site_container_created ON entity (site_id, container_id, created_at DESC, id DESC) WHERE container_id IS NOT NULL')
    await q.query('CREATE INDEX entity_owner ON entity (owner_id, created_at DESC, id DESC)')
    await q.query('CREATE INDEX entity_readers ON entity USING gin (readers)')
    await q.query('CREATE INDEX entity_write_access ON entity USING gin (write_access)')
    await q.query('CREATE INDEX entity_search ON entity USING gin (search_vector)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE entity')
  }
}

/** Durable background jobs and recurring schedules, shared by every process on the database. */
export class KernelCreateJobs1764800000000 implements MigrationInterface {
  name = 'KernelCreateJobs1764800000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE kernel_job (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      site_id uuid,
      payload jsonb NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL DEFAULT 5,
      run_at timestamptz NOT NULL DEFAULT now(),
      singleton_key text,
      locked_by text,
      locked_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`)
    await q.query(`CREATE INDEX kernel_job_due ON kernel_job (run_at) WHERE status = 'queued'`)
    await q.query(`CREATE INDEX kernel_job_site_status ON kernel_job (site_id, status, created_at DESC, id DESC)`)
    await q.query(`CREATE UNIQUE INDEX kernel_job_singleton ON kernel_job (name, singleton_key) WHERE singleton_key IS NOT NULL AND status IN ('queued', 'running')`)
    await q.query(`CREATE TABLE kernel_job_schedule (
      name text PRIMARY KEY,
      every_seconds integer NOT NULL CHECK (every_seconds > 0),
      next_run_at timestamptz NOT NULL
    )`)
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kernel_job_schedule')
    await q.query('DROP TABLE kernel_job')
  }
}

/** The site-wide audit log: who changed what on a site, and when (admin actions). */
export class KernelCreateAudit1765200000000 implements MigrationInterface {
  name = 'KernelCreateAudit1765200000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE kernel_audit (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      site_id uuid NOT NULL REFERENCES kernel_site (id) ON DELETE CASCADE,
      actor_id uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      action text NOT NULL,
      target text,
      detail jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX kernel_audit_site ON kernel_audit (site_id, created_at DESC, id DESC)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kernel_audit')
  }
}

/** Run-time overrides of the root site (settings, theme, plugins on/off, plugin settings) over site.json. */
export class KernelSiteOverrides1765700000000 implements MigrationInterface {
  name = 'KernelSiteOverrides1765700000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE kernel_site ADD COLUMN overrides jsonb NOT NULL DEFAULT '{}', ADD COLUMN overrides_at timestamptz`)
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE kernel_site DROP COLUMN overrides, DROP COLUMN overrides_at')
  }
}

/** The jobs admin page lists every job (the root's administrators), also by status: an index for each. */
export class KernelJobListIndexes1765700000001 implements MigrationInterface {
  name = 'KernelJobListIndexes1765700000001'
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX kernel_job_created ON kernel_job (created_at DESC, id DESC)')
    await q.query('CREATE INDEX kernel_job_status_created ON kernel_job (status, created_at DESC, id DESC)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX kernel_job_status_created')
    await q.query('DROP INDEX kernel_job_created')
  }
}

/** Bounces: permanent SMTP rejections for administrators, and the account whose address bounced. */
export class KernelMailBounces1765800000000 implements MigrationInterface {
  name = 'KernelMailBounces1765800000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE kernel_account ADD COLUMN email_bounced_at timestamptz')
    await q.query(`CREATE TABLE kernel_mail_bounce (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      site_id uuid REFERENCES kernel_site (id) ON DELETE CASCADE,
      account_id uuid REFERENCES kernel_account (id) ON DELETE CASCADE,
      email text NOT NULL,
      code integer NOT NULL,
      command text NOT NULL,
      response text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`)
    await q.query('CREATE INDEX kernel_mail_bounce_created ON kernel_mail_bounce (created_at DESC, id DESC)')
    await q.query('CREATE INDEX kernel_mail_bounce_site ON kernel_mail_bounce (site_id, created_at DESC, id DESC)')
    await q.query('CREATE INDEX kernel_mail_bounce_account ON kernel_mail_bounce (account_id)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kernel_mail_bounce')
    await q.query('ALTER TABLE kernel_account DROP COLUMN email_bounced_at')
  }
}

export const kernelMigrations = [
  KernelCreateSite1764300000000,
  KernelCreateIdentity1764400000000,
  KernelCreateEntity1764400000001,
  KernelCreateJobs1764800000000,
  KernelCreateAudit1765200000000,
  KernelSiteOverrides1765700000000,
  KernelJobListIndexes1765700000001,
  KernelMailBounces1765800000000,
]
