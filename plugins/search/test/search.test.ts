// GET /api/v1/search (API.md "Search and notifications", issue 10): weighting, Dutch and English stemming,
// prefix matching, filters, highlighted and escaped snippets, cursor paging, validation, access, re-indexing
// and the backfill job.
import { expect } from 'chai'
import fc from 'fast-check'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { ANONYMOUS } from '@plein/core'
import { PostgresSearchEngine, documentSql, type SearchPath } from '../src/postgres-engine.js'
import { expectProblem, ids, search, searchAll, searchPath, sleep, uniqueWord } from './helpers.js'

describe('search', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let anonymous: TestClient

  const post = async (author: SignedUp, input: { title: string; body?: string; access?: { read?: string[]; write?: string[] }; containerId?: string; status?: string; tags?: string[] }) => {
    const res = await author.client.post('/api/v1/blogs', { body: '<p></p>', access: { read: ['public'] }, ...input })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }
  const group = async (owner: SignedUp, input: { name: string; description?: string; membership?: 'open' | 'closed'; hidden?: boolean }) => {
    const res = await owner.client.post('/api/v1/groups', { membership: 'open', ...input })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [searchPlugin, blogPlugin, commentsPlugin, groupsPlugin] })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  describe('matching and ranking', () => {
    it('finds an item by a word of its body and answers the item with a snippet', async () => {
      const w = uniqueWord()
      const p = await post(alice, { title: 'Nieuws uit de raad', body: `<p>De raad besprak ${w} gisteren.</p>`, tags: ['raad'] })
      const body = await search(anonymous, { q: w })
      expect(ids(body.items)).to.deep.equal([p.id])
      expect(body.nextCursor).to.equal(null)
      const item = body.items[0]
      expect(item).to.include({ id: p.id, type: 'blog', title: 'Nieuws uit de raad', containerId: null, url: `/blogs/${p.id}` })
      expect(item.owner).to.include({ id: alice.user.id, name: 'Alice' })
      expect(item.access).to.deep.equal(p.access)
      expect(item).to.have.property('createdAt').that.is.a('string')
      expect(item.snippet).to.be.a('string').and.include(`<mark>${w}</mark>`)
    })

    it('finds an item by its tags', async () => {
      const w = uniqueWord()
      const p = await post(alice, { title: 'Getagd', body: '<p>Tekst</p>', tags: [w] })
      expect(ids((await search(anonymous, { q: w })).items)).to.deep.equal([p.id])
    })

    it('ranks a match in the title above a match in the body', async () => {
      const w = uniqueWord()
      // The body match is older and says the word more often; the title still wins.
      const inBody = await post(alice, { title: 'Iets heel anders', body: `<p>Over ${w} en nog eens ${w}.</p>` })
      const inTitle = await post(alice, { title: `Over ${w}`, body: '<p>Een tekst zonder het woord.</p>' })
      expect(ids((await search(anonymous, { q: w })).items)).to.deep.equal([inTitle.id, inBody.id])
    })

    it('stems Dutch: "fietsen" finds "fiets", "gemeenten" finds "gemeente"', async () => {
      const w = uniqueWord()
      const fiets = await post(alice, { title: `${w}: de fiets van de burgemeester`, body: '<p>Een verhaal.</p>' })
      const gemeente = await post(alice, { title: `${w}: nieuws`, body: '<p>Een nieuwe gemeente in het noorden.</p>' })
      // The unique word goes last: only the last word is also matched as a prefix.
      expect(ids((await search(anonymous, { q: `fietsen ${w}` })).items)).to.deep.equal([fiets.id])
      expect(ids((await search(anonymous, { q: `gemeenten ${w}` })).items)).to.deep.equal([gemeente.id])
      expect((await search(anonymous, { q: `auto ${w}` })).items, 'a word in neither').to.deep.equal([])
    })

    it('stems English: "running" finds "runs", "policies" finds "policy"', async () => {
      const w = uniqueWord()
      const runs = await post(alice, { title: `${w}: the council runs a programme`, body: '<p>Text.</p>' })
      const policy = await post(alice, { title: `${w}: update`, body: '<p>A new policy for the city.</p>' })
      expect(ids((await search(anonymous, { q: `running ${w}` })).items)).to.deep.equal([runs.id])
      expect(ids((await search(anonymous, { q: `policies ${w}` })).items)).to.deep.equal([policy.id])
    })

    it('matches the last word as a prefix (as you type), and only the last word', async () => {
      const w = uniqueWord()
      const p = await post(alice, { title: `${w}: het gemeentehuis gaat open`, body: '<p>Vanaf maandag.</p>' })
      expect(ids((await search(anonymous, { q: `${w} gemeen` })).items)).to.deep.equal([p.id])
      expect(ids((await search(anonymous, { q: `${w} GEMEENTEH` })).items), 'case does not matter').to.deep.equal([p.id])
      expect((await search(anonymous, { q: `gemeen ${w}` })).items).to.deep.equal([])
      expect(ids((await search(anonymous, { q: w.slice(0, 6) })).items)).to.include(p.id)
    })

    it('orders title above body, and exact matches above prefix matches, whatever the counts', async () => {
      const w = uniqueWord()
      // Oldest first, and the weaker matches say the word more often: the order comes from where and how it matches.
      const bodyPrefix = await post(alice, { title: 'Vier', body: `<p>${w}huis, ${w}huis en ${w}huis.</p>` })
      const bodyExact = await post(alice, { title: 'Drie', body: `<p>Over ${w}.</p>` })
      const titlePrefix = await post(alice, { title: `Over het ${w}huis`, body: '<p>Twee.</p>' })
      const titleExact = await post(alice, { title: `Over ${w}`, body: '<p>Een.</p>' })
      expect(ids((await search(anonymous, { q: w })).items)).to.deep.equal([titleExact.id, titlePrefix.id, bodyExact.id, bodyPrefix.id])
      // A longer prefix: none of them matches it exactly any more, the title still comes first.
      expect(ids((await search(anonymous, { q: `${w}hu` })).items)).to.deep.equal([titlePrefix.id, bodyPrefix.id])
    })

    it('within a tier, ranks an item that says the words more often first', async () => {
      const w = uniqueWord()
      // Oldest first: the order comes from how often the word occurs (ts_rank), not from age or id.
      const thrice = await post(alice, { title: 'Drie keer', body: `<p>${w} hier, ${w} daar en ${w} overal.</p>` })
      const once = await post(alice, { title: 'Een keer', body: `<p>Alleen ${w}.</p>` })
      const twice = await post(alice, { title: 'Twee keer', body: `<p>${w} en ${w}.</p>` })
      expect(ids((await search(anonymous, { q: w })).items)).to.deep.equal([thrice.id, twice.id, once.id])
      // Two words: an item with both in the title comes first whatever the body says.
      const x = uniqueWord('x')
      const body = await post(alice, { title: 'Tekst', body: `<p>${w} ${x} ${w} ${x} ${w} ${x}.</p>` })
      const title = await post(alice, { title: `${x} en ${w}`, body: '<p>Niets.</p>' })
      expect(ids((await search(anonymous, { q: `${w} ${x}` })).items)).to.deep.equal([title.id, body.id])
    })

    it('matches the last word as a prefix only from three characters on', async () => {
      const w = uniqueWord()
      const x = uniqueWord('x')
      const p = await post(alice, { title: `${w} en ${x}`, body: '<p>Tekst.</p>' })
      expect((await search(anonymous, { q: `${w} ${x.slice(0, 2)}` })).items, 'two characters: no prefix').to.deep.equal([])
      expect(ids((await search(anonymous, { q: `${w} ${x.slice(0, 3)}` })).items)).to.deep.equal([p.id])
    })

    it('needs every word of the query', async () => {
      const w = uniqueWord()
      const both = await post(alice, { title: `${w} begroting`, body: '<p>De begroting voor parkeren.</p>' })
      await post(alice, { title: `${w} begroting`, body: '<p>Alleen de begroting.</p>' })
      expect(ids((await search(anonymous, { q: `${w} parkeren` })).items)).to.deep.equal([both.id])
    })

    it('finds a group by words of its description', async () => {
      const w = uniqueWord()
      const g = await group(alice, { name: 'Werkgroep', description: `Wij praten over ${w}.` })
      const body = await search(bob.client, { q: w })
      expect(ids(body.items)).to.deep.equal([g.id])
      expect(body.items[0]).to.include({ type: 'group' })
    })
  })

  describe('filters', () => {
    let w: string
    let g: any
    let loose: any
    let inGroup: any
    let theGroup: any

    before(async () => {
      w = uniqueWord()
      g = await group(alice, { name: `Groep ${w}`, membership: 'open' })
      theGroup = g
      loose = await post(alice, { title: `Los ${w}` })
      await sleep(30)
      inGroup = await post(alice, { title: `In de groep ${w}`, containerId: g.id, access: undefined })
    })

    it('type: only items of that kind', async () => {
      expect(ids(await searchAll(alice.client, { q: w })).sort()).to.deep.equal([theGroup.id, loose.id, inGroup.id].sort())
      expect(ids(await searchAll(alice.client, { q: w, type: 'blog' })).sort()).to.deep.equal([loose.id, inGroup.id].sort())
      expect(ids(await searchAll(alice.client, { q: w, type: 'group' }))).to.deep.equal([g.id])
      expect(await searchAll(alice.client, { q: w, type: 'wiki' }), 'a kind that is not enabled').to.deep.equal([])
    })

    it('containerId: only items in that group', async () => {
      expect(ids(await searchAll(alice.client, { q: w, containerId: g.id }))).to.deep.equal([inGroup.id])
    })

    it('from and to: created at or after from, and before to', async () => {
      expect(ids(await searchAll(alice.client, { q: w, type: 'blog', from: inGroup.createdAt }))).to.deep.equal([inGroup.id])
      expect(ids(await searchAll(alice.client, { q: w, type: 'blog', to: inGroup.createdAt }))).to.deep.equal([loose.id])
      expect(ids(await searchAll(alice.client, { q: w, type: 'blog', from: loose.createdAt, to: new Date(Date.now() + 60_000).toISOString() })).sort()).to.deep.equal(
        [loose.id, inGroup.id].sort(),
      )
      expect(await searchAll(alice.client, { q: w, from: new Date(Date.now() + 60_000).toISOString() })).to.deep.equal([])
    })

    it('answers 400 when from is not before to, or a filter is malformed', async () => {
      const now = new Date().toISOString()
      expectProblem(await alice.client.get(searchPath({ q: w, from: now, to: now })), 400)
      expectProblem(await alice.client.get(searchPath({ q: w, from: 'yesterday' })), 400)
      expectProblem(await alice.client.get(searchPath({ q: w, containerId: 'not-a-uuid' })), 400)
      expectProblem(await alice.client.get(searchPath({ q: w, type: 'Blog!' })), 400)
    })
  })

  describe('snippets', () => {
    it('highlights the matched words with <mark>, also stemmed matches', async () => {
      const w = uniqueWord()
      await post(alice, { title: `Stalling ${w}`, body: '<p>Bij het station staat sinds maandag een nieuwe fietsenstalling met plek voor vijfhonderd fietsen en een bewaakte ingang.</p>' })
      const [item] = (await search(anonymous, { q: `fietsenstalling ${w}` })).items
      expect(item.snippet, item.snippet).to.include('<mark>fietsenstalling</mark>')
      expect(item.snippet).to.not.match(/<(?!\/?mark>)/)
    })

    it('escapes HTML in the text: a body about <script> comes back as text, never as markup', async () => {
      const w = uniqueWord()
      await post(alice, {
        title: `Veiligheid ${w} <b>vet</b>`,
        body: `<p>Zet nooit &lt;script&gt;alert("x")&lt;/script&gt; of &lt;img src=x onerror=alert(1)&gt; in ${w} &amp; meer.</p><script>alert(2)</script>`,
      })
      const [item] = (await search(anonymous, { q: w })).items
      const snippet: string = item.snippet
      expect(snippet, snippet).to.include(`<mark>${w}</mark>`)
      // Every < in the snippet opens or closes a <mark>; the rest is escaped text.
      expect(snippet, snippet).to.not.match(/<(?!\/?mark>)/)
      expect(snippet, snippet).to.include('&lt;img src=x onerror=alert(1)&gt;')
      expect(snippet, snippet).to.include('&quot;x&quot;')
      expect(snippet, snippet).to.include(' &amp; ')
      // The sanitizer removed the real <script> element before indexing.
      expect(snippet, snippet).to.not.include('alert(2)')
    })

    it('uses the title when an item has no body text', async () => {
      const w = uniqueWord()
      const g = await group(alice, { name: `Alleen een naam ${w}` })
      const [item] = (await search(alice.client, { q: w })).items
      expect(item.id).to.equal(g.id)
      expect(item.snippet).to.include(`<mark>${w}</mark>`)
    })
  })

  describe('paging', () => {
    /** Follows nextCursor to the end (30 pages at most), expects no item twice, and answers the numbers in the titles. */
    const walk = async (what: string, run: (cursor: string | undefined) => Promise<{ items: any[]; nextCursor: string | null }>) => {
      const seen: any[] = []
      let cursor: string | undefined
      for (let page = 0; page < 30; page++) {
        const body = await run(cursor)
        seen.push(...body.items)
        if (!body.nextCursor) break
        cursor = body.nextCursor
      }
      expect(new Set(ids(seen)).size, `${what}: no item twice`).to.equal(seen.length)
      return seen.map(i => Number(i.title.replace(/^\D+/, '')))
    }

    it('walks every match with nextCursor, best first, without repeats, also when ranks tie', async () => {
      const w = uniqueWord()
      const made: string[] = []
      // Seven identical posts (equal rank) and two with the word in the title (higher rank).
      for (let i = 0; i < 7; i++) made.push((await post(alice, { title: 'Hetzelfde', body: `<p>Precies ${w} hetzelfde.</p>` })).id)
      const top = [(await post(alice, { title: `${w} boven`, body: '<p>x</p>' })).id, (await post(alice, { title: `${w} ook boven`, body: '<p>y</p>' })).id]
      made.push(...top)
      const pages: string[][] = []
      let cursor: string | undefined
      for (;;) {
        const body = await search(anonymous, { q: w, limit: 2, cursor })
        pages.push(ids(body.items))
        if (!body.nextCursor) break
        cursor = body.nextCursor
      }
      expect(pages.map(p => p.length)).to.deep.equal([2, 2, 2, 2, 1])
      const all = pages.flat()
      expect(new Set(all).size).to.equal(all.length)
      expect(all.sort()).to.deep.equal([...made].sort())
      expect(pages[0]!.sort()).to.deep.equal([...top].sort())
    })

    it('ranks only the newest 1,000 readable matches: pages never repeat or skip, unreadable items take no place', async function () {
      this.timeout(120_000)
      const w = uniqueWord()
      const [{ site_id: siteId }] = await tk.kernel.db.query('SELECT site_id FROM entity WHERE id = $1', [(await post(alice, { title: 'Anker', body: '<p>x</p>' })).id])
      // Written straight into the tables (as plein seed does): 1,010 public posts, one a minute, the oldest with
      // the word in its title; 30 newer private ones. Each public post has a distinct count of the word.
      const insert = (n: number, minutesAgo: string, title: string, body: string, access: string) =>
        tk.kernel.db.query(
          `WITH e AS (
             INSERT INTO entity (site_id, kind, title, read_access, created_at, search_vector)
             SELECT $1, 'blog', ${title}, ${access}, now() - (${minutesAgo}) * interval '1 minute', ${documentSql(title, body, '$1::uuid', `now() - (${minutesAgo}) * interval '1 minute'`)}
               FROM generate_series(1, $3::int) AS i
             RETURNING id, title
           )
           INSERT INTO blog_post (entity_id, body, excerpt, status) SELECT id, '<p>' || title || '</p>', title, 'published' FROM e`,
          [siteId, w, n],
        )
      await insert(1010, '2000 - i', `CASE WHEN i = 1 THEN $2 ELSE 'Bericht ' || i END`, `repeat($2 || ' ', 1 + i % 7)`, `'{public}'`)
      await insert(30, '-i', `'Geheim ' || i`, `$2`, `'{nobody}'`)
      try {
        const seen: any[] = []
        let cursor: string | undefined
        for (let page = 0; page < 20; page++) {
          const body = await search(anonymous, { q: w, limit: 100, cursor })
          seen.push(...body.items)
          if (!body.nextCursor) break
          cursor = body.nextCursor
        }
        const titles = seen.map(i => i.title)
        expect(new Set(ids(seen)).size, 'no item twice').to.equal(seen.length)
        expect(seen.length, 'exactly the newest 1,000 readable matches').to.equal(1000)
        expect(titles.some(t => t.startsWith('Geheim')), 'never an unreadable item').to.equal(false)
        const numbers = titles.map(t => Number(t.replace('Bericht ', ''))).sort((a, b) => a - b)
        expect(numbers[0], 'the oldest ten (with the title match among them) are outside the candidates').to.equal(11)
        expect(numbers[numbers.length - 1]).to.equal(1010)
        // Best first: the word's count (1 + i % 7) never rises from one item to the next.
        const counts = titles.map(t => 1 + (Number(t.replace('Bericht ', '')) % 7))
        for (let i = 1; i < counts.length; i++) expect(counts[i]!, `item ${i}`).to.be.at.most(counts[i - 1]!)
      } finally {
        await tk.kernel.db.query(`DELETE FROM entity WHERE site_id = $1 AND search_vector @@ to_tsquery('simple', $2)`, [siteId, w])
      }
    })

    it('a middling and a common word give the same complete, access-filtered pages on either path (GIN or newest first)', async function () {
      this.timeout(120_000)
      const common = uniqueWord()
      const middling = uniqueWord()
      const [{ site_id: siteId }] = await tk.kernel.db.query('SELECT site_id FROM entity WHERE id = $1', [(await post(alice, { title: 'Anker', body: '<p>x</p>' })).id])
      const site = (await tk.kernel.siteById(siteId))!
      // 1,100 public posts with the common word, one a minute; every tenth also has the middling word and every
      // fifteenth is private (nobody may read it), so both words have unreadable matches among the readable ones.
      await tk.kernel.db.query(
        `WITH e AS (
           INSERT INTO entity (site_id, kind, title, read_access, created_at, search_vector)
           SELECT $1, 'blog', CASE WHEN i % 15 = 0 THEN 'Geheim ' ELSE 'Bericht ' END || i,
                  CASE WHEN i % 15 = 0 THEN '{nobody}'::text[] ELSE '{public}'::text[] END, now() - (2000 - i) * interval '1 minute',
                  ${documentSql(`CASE WHEN i % 50 = 0 THEN $2 ELSE 'Bericht' END`, `repeat($2 || ' ', 1 + i % 5) || CASE WHEN i % 10 = 0 THEN $3 ELSE '' END`, '$1::uuid', `now() - (2000 - i) * interval '1 minute'`)}
             FROM generate_series(1, 1100) AS i
           RETURNING id, title
         )
         INSERT INTO blog_post (entity_id, body, excerpt, status) SELECT id, '<p>' || title || '</p>', title, 'published' FROM e`,
        [siteId, common, middling],
      )
      const engines = (['index', 'newest'] as SearchPath[]).map(path => new PostgresSearchEngine({ db: tk.kernel.db, access: tk.kernel.access } as never, { path }))
      try {
        for (const [q, expected] of [
          // The middling word: every readable match (110 match, 7 of them private).
          [middling, Array.from({ length: 110 }, (_, k) => 10 * (k + 1)).filter(i => i % 15 !== 0)],
          // The common word: the newest 1,000 readable matches (of 1,027 readable).
          [common, Array.from({ length: 1100 }, (_, k) => k + 1).filter(i => i % 15 !== 0).slice(-1000)],
        ] as const) {
          const api = await walk(`"${q}"`, cursor => search(anonymous, { q, limit: 100, cursor }))
          expect([...api].sort((a, b) => a - b), `"${q}": exactly the readable candidates`).to.deep.equal(expected)
          for (const engine of engines) {
            const direct = await walk(`"${q}"`, async cursor => {
              const r = await engine.query(ANONYMOUS, site, { q, kinds: ['blog'], limit: 100, cursor })
              return { items: r.hits.map(h => h.entity), nextCursor: r.nextCursor }
            })
            expect(direct, `"${q}": the same pages in the same order on both paths`).to.deep.equal(api)
          }
          // Best first, for the common word: title matches (every 50th) before the rest, then the word's count
          // (1 + i % 5) never rises. The middling word is once in each body: equal ranks, paged by id.
          const key = (i: number) => (q === common ? (i % 50 === 0 ? 10 : 0) + 1 + (i % 5) : 0)
          for (let k = 1; k < api.length; k++) expect(key(api[k]!), `"${q}" item ${k}`).to.be.at.most(key(api[k - 1]!))
        }
      } finally {
        await tk.kernel.db.query(`DELETE FROM entity WHERE site_id = $1 AND search_vector @@ to_tsquery('simple', $2)`, [siteId, common])
      }
    })

    it('the GIN path over a recent span finds the same newest readable matches, and widens to the whole site when the span has too few', async function () {
      this.timeout(120_000)
      const common = uniqueWord()
      const middling = uniqueWord()
      const [{ site_id: siteId }] = await tk.kernel.db.query('SELECT site_id FROM entity WHERE id = $1', [(await post(alice, { title: 'Anker', body: '<p>x</p>' })).id])
      const site = (await tk.kernel.siteById(siteId))!
      // 900 public posts over the last ~30 months (one a day), all with the common word, every fifth with the
      // middling one; of the newest 100, five in six are private, so a recent span estimated to hold enough
      // matches of the common word holds too few readable ones.
      const created = `now() - (900 - i) * interval '1 day'`
      await tk.kernel.db.query(
        `WITH e AS (
           INSERT INTO entity (site_id, kind, title, read_access, created_at, search_vector)
           SELECT $1, 'blog', 'Bericht ' || i, CASE WHEN i > 800 AND i % 6 <> 0 THEN '{nobody}'::text[] ELSE '{public}'::text[] END, ${created},
                  ${documentSql(`'Bericht'`, `$2 || CASE WHEN i % 5 = 0 THEN ' ' || $3 ELSE '' END`, '$1::uuid', created)}
             FROM generate_series(1, 900) AS i
           RETURNING id, title
         )
         INSERT INTO blog_post (entity_id, body, excerpt, status) SELECT id, '<p>' || title || '</p>', title, 'published' FROM e`,
        [siteId, common, middling],
      )
      await tk.kernel.db.query('ANALYZE entity')
      const readable = (i: number) => !(i > 800 && i % 6 !== 0)
      const candidates = 20
      // The engine's own choice, each path, and the GIN path over a span of 2 and of 8 months.
      const engines = { auto: {}, index: { path: 'index' }, newest: { path: 'newest' }, 'index 2': { path: 'index', span: 2 }, 'index 8': { path: 'index', span: 8 } } as const
      const plans: Record<string, string[]> = {}
      try {
        for (const [q, matches] of [
          [common, (i: number) => readable(i)],
          [middling, (i: number) => i % 5 === 0 && readable(i)],
        ] as const) {
          // The newest `candidates` readable matches, whatever the path and span.
          const expected = Array.from({ length: 900 }, (_, k) => 900 - k).filter(matches).slice(0, candidates).sort((a, b) => a - b)
          for (const [name, options] of Object.entries(engines)) {
            const engine = new PostgresSearchEngine({ db: tk.kernel.db, access: tk.kernel.access, clock: tk.kernel.clock } as never, { candidates, ...options })
            const seen = await walk(`${name} "${q}"`, async cursor => {
              const r = await engine.query(ANONYMOUS, site, { q, kinds: ['blog'], limit: 7, cursor })
              // The plan the first page chose, as its cursor carries it.
              if (!cursor && r.nextCursor) (plans[`${q === common ? 'common' : 'middling'} ${name}`] ??= []).push(Buffer.from(r.nextCursor, 'base64url').toString('utf8').split('|')[2]!)
              return { items: r.hits.map(h => h.entity), nextCursor: r.nextCursor }
            })
            expect([...seen].sort((a, b) => a - b), `${name} "${q}": exactly the newest readable matches`).to.deep.equal(expected)
          }
        }
        // The last 2 months hold too few readable matches of the common word (10 of 20): the whole site's plan
        // ('i') went into the cursor; the last 8 months hold enough of the middling word: its span did.
        expect(plans['common index 2'], JSON.stringify(plans)).to.deep.equal(['i'])
        expect(plans['middling index 8']![0], JSON.stringify(plans)).to.match(/^i\d{6}$/)
      } finally {
        await tk.kernel.db.query(`DELETE FROM entity WHERE site_id = $1 AND search_vector @@ to_tsquery('simple', $2)`, [siteId, common])
      }
    })

    it('runs at most its concurrency of searches at once; the rest wait their turn, or answer 503 SEARCH_BUSY after the queue time', async function () {
      this.timeout(60_000)
      const w = uniqueWord()
      await post(alice, { title: `Wachtrij ${w}`, body: `<p>${w}</p>` })
      const site = (await tk.kernel.siteById((await tk.kernel.db.query('SELECT site_id FROM entity WHERE title = $1', [`Wachtrij ${w}`]))[0].site_id))!
      // The real database, counted: how many search transactions are open at once; while `gate` is set, a
      // search waits for it before its transaction (so that it holds its place as long as the test wants).
      let open = 0
      let most = 0
      let gate: Promise<void> | undefined
      const db = {
        query: (sql: string, params?: unknown[]) => tk.kernel.db.query(sql, params),
        transaction: async <T>(work: (m: unknown) => Promise<T>) => {
          most = Math.max(most, ++open)
          try {
            await gate
            return await tk.kernel.db.transaction(work as never)
          } finally {
            open--
          }
        },
      }
      const patient = new PostgresSearchEngine({ db, access: tk.kernel.access, clock: tk.kernel.clock } as never, { concurrency: 2, queueTimeoutMs: 30_000 })
      const answers = await Promise.all(Array.from({ length: 8 }, () => patient.query(ANONYMOUS, site, { q: w, kinds: ['blog'], limit: 5 })))
      expect(answers.map(a => a.hits.length)).to.deep.equal(Array(8).fill(1))
      expect(most, 'never more than two at once').to.be.at.most(2)
      const hasty = new PostgresSearchEngine({ db, access: tk.kernel.access, clock: tk.kernel.clock } as never, { concurrency: 1, queueTimeoutMs: 50 })
      let letGo = () => {}
      gate = new Promise<void>(resolve => (letGo = resolve))
      const first = hasty.query(ANONYMOUS, site, { q: w, kinds: ['blog'], limit: 5 })
      const rest = Array.from({ length: 3 }, () => hasty.query(ANONYMOUS, site, { q: w, kinds: ['blog'], limit: 5 }))
      const late = await Promise.allSettled(rest)
      gate = undefined
      letGo()
      const settled = [await Promise.allSettled([first]).then(r => r[0]!), ...late]
      const busy = settled.filter(r => r.status === 'rejected').map(r => (r as PromiseRejectedResult).reason)
      expect(settled[0]!.status, 'the first search runs').to.equal('fulfilled')
      expect(busy.length, 'the others found no place in time').to.equal(3)
      for (const problem of busy) expect(problem).to.include({ status: 503, code: 'SEARCH_BUSY' })
      // Places are given back: the next search runs.
      expect((await hasty.query(ANONYMOUS, site, { q: w, kinds: ['blog'], limit: 5 })).hits).to.have.length(1)
    })

    it('answers 400 for a cursor it did not give out, and for a limit out of range', async () => {
      const w = uniqueWord()
      expectProblem(await anonymous.get(searchPath({ q: w, cursor: 'bm90IGEgY3Vyc29y' })), 400)
      expectProblem(await anonymous.get(searchPath({ q: w, limit: 0 })), 400)
      expectProblem(await anonymous.get(searchPath({ q: w, limit: 101 })), 400)
    })
  })

  describe('the query', () => {
    it('answers 400 without q, naming the parameter', async () => {
      const body = expectProblem(await anonymous.get('/api/v1/search'), 400)
      expect(body.errors.map((e: any) => [e.in, e.location.name])).to.deep.include(['query', 'q'])
      expectProblem(await anonymous.get('/api/v1/search?q='), 400)
      expectProblem(await anonymous.get(searchPath({ q: 'x'.repeat(201) })), 400)
    })

    it('answers an empty page for a query without words', async () => {
      expect(await search(anonymous, { q: '!!! ?? ---' })).to.deep.equal({ items: [], nextCursor: null })
    })

    it('never fails on odd input: operators, quotes, accents, emoji, stop words (property)', async function () {
      this.timeout(60_000)
      const piece = fc.oneof(
        fc.constantFrom('&', '|', '!', '(', ')', ':', '*', '<->', "'", '"', '\\', ' ', ':*', 'de', 'the', 'of', 'ß', 'ĳ', '½', '²', '𝔘', 'é', 'fiets', '\u0002', '\u0003', '%'),
        fc.string({ unit: 'grapheme', maxLength: 6 }),
      )
      await fc.assert(
        fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 8 }).map(parts => parts.join('')).filter(q => q.length > 0 && [...q].length <= 200), async q => {
          const res = await anonymous.get(searchPath({ q }))
          expect(res.status, `q=${JSON.stringify(q)}: ${res.text}`).to.equal(200)
          expect(res.body.items).to.be.an('array')
        }),
        { numRuns: 40 },
      )
    })
  })

  describe('access', () => {
    it('shows each viewer only what they may read: private items, drafts, group content', async () => {
      const w = uniqueWord()
      const g = await group(alice, { name: 'Besloten kring', membership: 'closed' })
      const pub = await post(alice, { title: `Openbaar ${w}` })
      const signedIn = await post(alice, { title: `Ingelogd ${w}`, access: { read: ['logged_in'] } })
      const mine = await post(alice, { title: `Privé ${w}`, access: { read: [`user:${alice.user.id}`] } })
      const forBob = await post(alice, { title: `Voor Bob ${w}`, access: { read: [`user:${bob.user.id}`] } })
      const draft = await post(alice, { title: `Concept ${w}`, status: 'draft', access: { read: ['public'] } })
      const inside = await post(alice, { title: `Binnen ${w}`, containerId: g.id, access: undefined })
      const seen = async (c: TestClient) => ids(await searchAll(c, { q: w, type: 'blog' })).sort()
      expect(await seen(anonymous)).to.deep.equal([pub.id].sort())
      expect(await seen(bob.client)).to.deep.equal([pub.id, signedIn.id, forBob.id].sort())
      // The owner is always a writer: Alice also reads the post she wrote for Bob.
      expect(await seen(alice.client)).to.deep.equal([pub.id, signedIn.id, mine.id, forBob.id, draft.id, inside.id].sort())
      expect(await seen(admin.client)).to.deep.equal([pub.id, signedIn.id, mine.id, forBob.id, draft.id, inside.id].sort())
    })

    it('never shows a hidden group to non-members, by its name or its description', async () => {
      const w = uniqueWord()
      const hidden = await group(alice, { name: `Geheim ${w}`, description: `Over ${w}`, hidden: true })
      const content = await post(alice, { title: `Geheim stuk ${w}`, containerId: hidden.id, access: undefined })
      expect(await searchAll(bob.client, { q: w })).to.deep.equal([])
      expect(await searchAll(anonymous, { q: w })).to.deep.equal([])
      expect(await searchAll(bob.client, { q: w, containerId: hidden.id })).to.deep.equal([])
      expect(ids(await searchAll(alice.client, { q: w })).sort()).to.deep.equal([hidden.id, content.id].sort())
      // Invited is not a member yet.
      const invite = await alice.client.post(`/api/v1/groups/${hidden.id}/invitations`, { userId: bob.user.id })
      expect(invite.status, invite.text).to.equal(201)
      expect(await searchAll(bob.client, { q: w })).to.deep.equal([])
      const join = await bob.client.post(`/api/v1/groups/${hidden.id}/join`)
      expect(join.status, join.text).to.equal(200)
      expect(ids(await searchAll(bob.client, { q: w })).sort()).to.deep.equal([hidden.id, content.id].sort())
      const leave = await bob.client.delete(`/api/v1/groups/${hidden.id}/members/${bob.user.id}`)
      expect(leave.status, leave.text).to.equal(204)
      expect(await searchAll(bob.client, { q: w }), 'access ends when membership does').to.deep.equal([])
    })
  })

  describe('keeping the index current', () => {
    it('re-indexes an item when it changes: new words found, old ones gone, access applied at once', async () => {
      const w = uniqueWord()
      const old = uniqueWord('zo')
      const fresh = uniqueWord('zn')
      const p = await post(alice, { title: `${w} ${old}`, body: '<p>Eerst.</p>' })
      const patched = await alice.client.patch(`/api/v1/blogs/${p.id}`, { title: `${w} ${fresh}`, body: `<p>Daarna over waterschappen.</p>` })
      expect(patched.status, patched.text).to.equal(200)
      expect(await searchAll(anonymous, { q: old })).to.deep.equal([])
      expect(ids(await searchAll(anonymous, { q: fresh }))).to.deep.equal([p.id])
      expect(ids(await searchAll(anonymous, { q: `waterschappen ${w}` }))).to.deep.equal([p.id])
      const hidden = await alice.client.patch(`/api/v1/blogs/${p.id}`, { access: { read: [`user:${alice.user.id}`] } })
      expect(hidden.status, hidden.text).to.equal(200)
      expect(await searchAll(anonymous, { q: w })).to.deep.equal([])
      expect(ids(await searchAll(alice.client, { q: w }))).to.deep.equal([p.id])
    })

    it('forgets a deleted item', async () => {
      const w = uniqueWord()
      const p = await post(alice, { title: `Weg ${w}` })
      expect(ids(await searchAll(anonymous, { q: w }))).to.deep.equal([p.id])
      const res = await alice.client.delete(`/api/v1/blogs/${p.id}`)
      expect(res.status, res.text).to.equal(204)
      expect(await searchAll(alice.client, { q: w })).to.deep.equal([])
    })

    it('the search.backfill job indexes items that have no index yet', async () => {
      const w = uniqueWord()
      const p = await post(alice, { title: 'Vergeten', body: `<p>Tekst over ${w}.</p>` })
      // As if the item was written before search was enabled (or its indexing failed).
      await tk.kernel.db.query('UPDATE entity SET search_vector = NULL WHERE id = $1', [p.id])
      await tk.kernel.db.query('DELETE FROM search_text WHERE entity_id = $1', [p.id])
      expect(await searchAll(anonymous, { q: w })).to.deep.equal([])
      await tk.kernel.jobs.enqueue('search.backfill')
      await tk.kernel.jobs.drain()
      const [item] = await searchAll(anonymous, { q: w })
      expect(item?.id).to.equal(p.id)
      expect(item.snippet).to.include(`<mark>${w}</mark>`)
    })

    it('search.backfill gets past many unindexed items of sites without search', async () => {
      const w = uniqueWord()
      const p = await post(alice, { title: 'Ook vergeten', body: `<p>Tekst over ${w}.</p>` })
      await tk.kernel.db.query('UPDATE entity SET search_vector = NULL WHERE id = $1', [p.id])
      // Older items of a site that does not use search (here: one that no longer exists): never indexed.
      const elsewhere = '00000000-0000-4000-8000-00000000beef'
      await tk.kernel.db.query(
        `INSERT INTO entity (site_id, kind, title, read_access, created_at) SELECT $1, 'blog', 'elders', '{public}', now() - interval '1 day' FROM generate_series(1, 250)`,
        [elsewhere],
      )
      try {
        await tk.kernel.jobs.enqueue('search.backfill')
        await tk.kernel.jobs.drain()
        expect(ids(await searchAll(anonymous, { q: w }))).to.deep.equal([p.id])
      } finally {
        await tk.kernel.db.query('DELETE FROM entity WHERE site_id = $1', [elsewhere])
      }
    })

    it('schedules search.backfill every minute', async () => {
      const [s] = await tk.kernel.db.query(`SELECT every_seconds FROM kernel_job_schedule WHERE name = 'search.backfill'`)
      expect(s.every_seconds).to.equal(60)
    })
  })
})
