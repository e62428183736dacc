import type { MigrationInterface, QueryRunner } from 'typeorm'

/** Profiles per site and account, indexed for the directory's search and filters. */
export class PeopleCreateProfile1765300000100 implements MigrationInterface {
  name = 'PeopleCreateProfile1765300000100'
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE people_profile (
      site_id uuid NOT NULL REFERENCES kernel_site (id) ON DELETE CASCADE,
      account_id uuid NOT NULL REFERENCES kernel_account (id) ON DELETE CASCADE,
      data jsonb NOT NULL DEFAULT '{}',
      -- The account's name when the profile was last written: the directory sorts and searches by it.
      name text NOT NULL,
      -- "<field>:<value>" (lower case) of every value: exact filters such as department and skill.
      facets text[] NOT NULL DEFAULT '{}',
      -- Name and searchable fields, weighted by visibility (A public and the name, B signed in, C members,
      -- D administrators): a query only matches the weights its viewer may see.
      search tsvector NOT NULL DEFAULT ''::tsvector,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, account_id)
    )`)
    await q.query('CREATE INDEX people_profile_name ON people_profile (site_id, lower(name), account_id)')
    await q.query('CREATE INDEX people_profile_search ON people_profile USING gin (search)')
    await q.query('CREATE INDEX people_profile_facets ON people_profile USING gin (facets)')
    await q.query('CREATE INDEX people_profile_account ON people_profile (account_id)')
    // Which field definitions the search vectors of a site were built with (rebuilt when they change).
    await q.query(`CREATE TABLE people_site (
      site_id uuid PRIMARY KEY REFERENCES kernel_site (id) ON DELETE CASCADE,
      fields_hash text NOT NULL
    )`)
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE people_site')
    await q.query('DROP TABLE people_profile')
  }
}
