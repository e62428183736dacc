import type { MigrationInterface, QueryRunner } from 'typeorm'

export class GroupsCreateGroups1764600000000 implements MigrationInterface {
  name = 'GroupsCreateGroups1764600000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE groups_group (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      description text NOT NULL DEFAULT '',
      icon text,
      membership text NOT NULL CHECK (membership IN ('open', 'closed')),
      hidden boolean NOT NULL DEFAULT false,
      members_only boolean NOT NULL DEFAULT false,
      content_kinds text[],
      member_count integer NOT NULL DEFAULT 0
    )`)
    await q.query(`CREATE TABLE groups_member (
      site_id uuid NOT NULL,
      group_id uuid NOT NULL REFERENCES groups_group (entity_id) ON DELETE CASCADE,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      status text NOT NULL CHECK (status IN ('member', 'pending', 'invited')),
      invited_by uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, account_id)
    )`)
    // The viewer-token lookup on every signed-in request, and paged member lists of any size.
    await q.query('CREATE INDEX groups_member_account ON groups_member (site_id, account_id, status)')
    await q.query('CREATE INDEX groups_member_list ON groups_member (group_id, status, created_at DESC, account_id DESC)')
    await q.query(`CREATE UNIQUE INDEX groups_member_one_owner ON groups_member (group_id) WHERE role = 'owner'`)
    await q.query(`CREATE TABLE groups_email_invite (
      group_id uuid NOT NULL REFERENCES groups_group (entity_id) ON DELETE CASCADE,
      site_id uuid NOT NULL,
      email text NOT NULL,
      invited_by uuid REFERENCES kernel_account (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, email)
    )`)
    await q.query('CREATE INDEX groups_email_invite_email ON groups_email_invite (email)')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE groups_email_invite')
    await q.query('DROP TABLE groups_member')
    await q.query('DROP TABLE groups_group')
  }
}
