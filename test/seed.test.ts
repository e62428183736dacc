// plein seed at a tiny scale: counts, the access mix, idempotency per seed value, and that the real API
// serves the seeded data by the access model (a group-only item stays hidden from non-members).
import { expect } from 'chai'
import { SEED_PASSWORD, seedUuid, type SeedReport } from '@plein/core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { newsPlugin } from '@plein/plugin-news'
import { searchPlugin } from '@plein/plugin-search'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { wikiPlugin } from '@plein/plugin-wiki'

// The search plugin's vector (PostgresSearchEngine): title weighted A, text B, Dutch, English and simple, and
// the marks of the item's site and creation month and year.
const vectorSql = (title: string, body: string, site: string, created: string) =>
  `setweight(to_tsvector('dutch', ${title}), 'A') || setweight(to_tsvector('english', ${title}), 'A') || setweight(to_tsvector('simple', ${title}), 'A') ||
   setweight(to_tsvector('dutch', ${body}), 'B') || setweight(to_tsvector('english', ${body}), 'B') || setweight(to_tsvector('simple', ${body}), 'B') ||
   array_to_tsvector(ARRAY['~s' || ${site}::text, '~y' || to_char(${created} AT TIME ZONE 'UTC', 'YYYY'), '~m' || to_char(${created} AT TIME ZONE 'UTC', 'YYYYMM')])`

const SCALE = { users: 200, groups: 20, subsites: 3, items: 2000, commentsPerItem: 1 }

describe('plein seed (tiny scale)', function () {
  this.timeout(180_000)
  let tk: TestKernel
  let first: SeedReport
  const count = async (sql: string, params: unknown[] = []) => Number((await tk.kernel.db.query(sql, params))[0].n)

  before(async () => {
    tk = await createTestKernel({ plugins: [searchPlugin, commentsPlugin, groupsPlugin, subsitesPlugin, blogPlugin, newsPlugin, wikiPlugin] })
    first = await tk.kernel.seed({ seed: 7, scale: SCALE })
  })
  after(() => tk?.close())

  it('writes the chosen numbers of accounts, groups, subsites, items and comments', async () => {
    expect(await count(`SELECT count(*) AS n FROM kernel_account WHERE email LIKE 'seed-%@example.org'`)).to.equal(200)
    expect(await count('SELECT count(*) AS n FROM groups_group')).to.equal(20)
    expect(await count('SELECT count(*) AS n FROM subsites_subsite')).to.equal(3)
    expect(await count(`SELECT count(*) AS n FROM entity WHERE kind IN ('blog', 'news', 'wiki')`)).to.equal(2000)
    // Each kind's own row exists for each of its entities.
    expect(await count(`SELECT count(*) AS n FROM entity e LEFT JOIN blog_post p ON p.entity_id = e.id WHERE e.kind = 'blog' AND p.entity_id IS NULL`)).to.equal(0)
    expect(await count(`SELECT count(*) AS n FROM entity e LEFT JOIN wiki_revision r ON r.entity_id = e.id AND r.rev = 1 WHERE e.kind = 'wiki' AND r.entity_id IS NULL`)).to.equal(0)
    expect(await count('SELECT count(*) AS n FROM comments_comment')).to.be.greaterThan(500)
    // Every group's member_count is its number of members, and each has one owner.
    expect(await count(`SELECT count(*) AS n FROM groups_group g WHERE member_count <> (SELECT count(*) FROM groups_member m WHERE m.group_id = g.entity_id AND m.status = 'member')`)).to.equal(0)
    expect(await count(`SELECT count(*) AS n FROM groups_member WHERE role = 'owner'`)).to.equal(20)
    // Group sizes are skewed: the biggest group is several times the median.
    const sizes: number[] = (await tk.kernel.db.query('SELECT member_count FROM groups_group ORDER BY member_count DESC')).map((r: any) => r.member_count)
    expect(sizes[0]!).to.be.greaterThan(3 * sizes[10]!)
    // Search has every item and group indexed, as its own index() would.
    expect(await count(`SELECT count(*) AS n FROM entity WHERE search_vector IS NULL AND kind IN ('blog', 'news', 'wiki', 'group')`)).to.equal(0)
    expect(await count('SELECT count(*) AS n FROM search_text')).to.equal(2020)
    // The vector written with the row is the one the search engine makes of the stored title and text.
    expect(await count(`SELECT count(*) AS n FROM entity e JOIN search_text t ON t.entity_id = e.id WHERE e.search_vector IS DISTINCT FROM (${vectorSql('e.title', 't.body', 'e.site_id', 'e.created_at')})`)).to.equal(0)
    expect(first.inserted.entity).to.equal(2020)
  })

  it('mixes access: public, signed-in, site members, group-only and private drafts', async () => {
    const mix = async (where: string) => count(`SELECT count(*) AS n FROM entity WHERE kind IN ('blog', 'news', 'wiki') AND ${where}`)
    const pub = await mix(`read_access = '{public}'`)
    const loggedIn = await mix(`read_access = '{logged_in}'`)
    const site = await mix(`read_access[1] LIKE 'site:%'`)
    const group = await mix(`read_access[1] LIKE 'group:%' AND container_id IS NOT NULL`)
    const drafts = await mix(`published_at IS NULL AND read_access[1] LIKE 'user:%'`)
    for (const n of [pub, loggedIn, site, group, drafts]) expect(n).to.be.greaterThan(20)
    expect(pub + loggedIn + site + group + drafts).to.equal(2000)
    // Items on subsites as well as the root.
    expect(await count(`SELECT count(DISTINCT site_id) AS n FROM entity WHERE kind = 'blog'`)).to.equal(4)
  })

  it('is idempotent: the same seed again writes nothing new', async () => {
    const before = await count('SELECT count(*) + (SELECT count(*) FROM comments_comment) + (SELECT count(*) FROM groups_member) AS n FROM entity')
    const again = await tk.kernel.seed({ seed: 7, scale: SCALE })
    expect(Object.values(again.inserted).every(n => n === 0), JSON.stringify(again.inserted)).to.equal(true)
    expect(await count('SELECT count(*) + (SELECT count(*) FROM comments_comment) + (SELECT count(*) FROM groups_member) AS n FROM entity')).to.equal(before)
    // The same seed names the same rows: the first blog post has a known id.
    expect(await count('SELECT count(*) AS n FROM entity WHERE id = $1', [seedUuid(7, 'blog:blog:0')])).to.equal(1)
  })

  it('is served by the real API: a group-only item is hidden from non-members and shown to members', async () => {
    const [item] = await tk.kernel.db.query(
      `SELECT e.id, e.container_id, e.site_id FROM entity e JOIN groups_group g ON g.entity_id = e.container_id
        WHERE e.kind = 'blog' AND e.site_id = $1 AND e.read_access[1] LIKE 'group:%' ORDER BY e.id LIMIT 1`,
      [tk.kernel.rootSite.id],
    )
    expect(item, 'a group-only blog post on the root site').to.not.equal(undefined)
    const [member] = await tk.kernel.db.query(
      `SELECT a.email FROM groups_member m JOIN kernel_account a ON a.id = m.account_id WHERE m.group_id = $1 AND m.status = 'member' ORDER BY a.email LIMIT 1`,
      [item.container_id],
    )
    const [outsider] = await tk.kernel.db.query(
      `SELECT a.email FROM kernel_account a WHERE a.email LIKE 'seed-%' AND a.email <> 'seed-0@example.org'
          AND NOT EXISTS (SELECT 1 FROM groups_member m WHERE m.group_id = $1 AND m.account_id = a.id) ORDER BY a.email LIMIT 1`,
      [item.container_id],
    )
    const signIn = async (email: string) => {
      const client = tk.client()
      const login = await client.post('/api/v1/auth/login', { email, password: SEED_PASSWORD })
      expect(login.status, email).to.equal(200)
      return client
    }
    const insider = await signIn(member.email)
    const stranger = await signIn(outsider.email)
    expect((await insider.get(`/api/v1/blogs/${item.id}`)).status).to.equal(200)
    expect((await stranger.get(`/api/v1/blogs/${item.id}`)).status).to.equal(404)
    expect((await tk.client().get(`/api/v1/blogs/${item.id}`)).status).to.equal(404)
    // A public post is readable anonymously, a signed-in-only one is not.
    const [pub] = await tk.kernel.db.query(`SELECT id FROM entity WHERE kind = 'blog' AND site_id = $1 AND read_access = '{public}' ORDER BY id LIMIT 1`, [tk.kernel.rootSite.id])
    const [li] = await tk.kernel.db.query(`SELECT id FROM entity WHERE kind = 'blog' AND site_id = $1 AND read_access = '{logged_in}' ORDER BY id LIMIT 1`, [tk.kernel.rootSite.id])
    expect((await tk.client().get(`/api/v1/blogs/${pub.id}`)).status).to.equal(200)
    expect((await tk.client().get(`/api/v1/blogs/${li.id}`)).status).to.equal(404)
    expect((await stranger.get(`/api/v1/blogs/${li.id}`)).status).to.equal(200)
    // Search finds seeded items, and never the group-only one for the stranger.
    const title = (await tk.kernel.db.query('SELECT title FROM entity WHERE id = $1', [item.id]))[0].title as string
    const found = await insider.get(`/api/v1/search?q=${encodeURIComponent(title)}&limit=100`)
    expect(found.status).to.equal(200)
    expect(found.body.items.map((i: any) => i.id)).to.include(item.id)
    const notFound = await stranger.get(`/api/v1/search?q=${encodeURIComponent(title)}&limit=100`)
    expect(notFound.body.items.map((i: any) => i.id)).to.not.include(item.id)
    // Comments on a seeded item come back through the comments API.
    const [commented] = await tk.kernel.db.query(
      `SELECT c.entity_id FROM comments_comment c JOIN entity e ON e.id = c.entity_id WHERE e.read_access = '{public}' AND e.site_id = $1 AND e.kind = 'blog' ORDER BY c.id LIMIT 1`,
      [tk.kernel.rootSite.id],
    )
    const comments = await tk.client().get(`/api/v1/entities/${commented.entity_id}/comments`)
    expect(comments.status).to.equal(200)
    expect(comments.body.items.length).to.be.greaterThan(0)
  })
})
