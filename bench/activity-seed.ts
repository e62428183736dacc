// The activity benchmarks' data, inserted in bulk with SQL (generate_series, then ANALYZE): accounts, then
// blog posts with mixed access. Shared by bench/activity.ts and bench/rls.ts so both measure the same rows.

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>
}

export interface ActivitySeed {
  items: number
  accounts: number
  /** Group-like read tokens (`group:<uuid>`); ~20 % of the items are readable through one of them. */
  groupTokens: readonly string[]
}

export async function seedActivity(db: Queryable, siteId: string, seed: ActivitySeed): Promise<void> {
  // Accounts first: the first account registered over HTTP becomes the administrator, and an
  // administrator's lists skip the access test; a benchmark user must be an ordinary member.
  await db.query(
    `INSERT INTO kernel_account (email, name, password_hash, email_verified_at, created_at)
     SELECT 'bench' || i || '@example.org', 'Member ' || i, 'not-a-hash', now(), now() - i * interval '1 minute'
       FROM generate_series(1, $1::int) AS i`,
    [seed.accounts],
  )
  // Items: ~40 % logged_in, ~30 % only their owner (user:<owner>), ~20 % one of the group-like tokens,
  // ~10 % public; the owner may write; created (and published) at random over the last year.
  await db.query(
    `WITH acc AS (SELECT array_agg(id) AS ids FROM kernel_account),
     src AS (
       SELECT i, acc.ids[1 + floor(random() * array_length(acc.ids, 1))::int] AS owner, random() AS r,
              ($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int] AS grp,
              now() - random() * interval '365 days' AS at
         FROM generate_series(1, $2::int) AS i, acc
     )
     INSERT INTO entity (site_id, kind, owner_id, title, read_access, write_access, published_at, created_at, updated_at)
     SELECT $1, 'blog', owner, 'Post ' || i,
            CASE WHEN r < 0.4 THEN ARRAY['logged_in'] WHEN r < 0.7 THEN ARRAY['user:' || owner] WHEN r < 0.9 THEN ARRAY[grp] ELSE ARRAY['public'] END,
            ARRAY['user:' || owner], at, at, at
       FROM src`,
    [siteId, seed.items, [...seed.groupTokens]],
  )
  await db.query(
    `INSERT INTO blog_post (entity_id, body, excerpt, tags, status)
     SELECT id, '<p>Text of ' || title || '.</p>', 'Text of ' || title || '.', ARRAY['bench'], 'published' FROM entity WHERE kind = 'blog'`,
  )
  for (const table of ['kernel_account', 'entity', 'blog_post']) await db.query(`ANALYZE ${table}`)
}
