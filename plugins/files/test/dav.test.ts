// WebDAV at /dav/ through HTTP (issue 7, point 8): Basic auth with e-mail + personal token, what /dav/ lists,
// bytes in and out, COPY/MOVE, dead properties, locks (423 for others, expiry, administrators breaking them),
// group folders for members only, deletion to the trash.
import { randomBytes } from 'node:crypto'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'

interface DavAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  text: string
}

interface Person extends SignedUp {
  token: string
  /** WebDAV request as this person (Basic auth with e-mail and token). */
  dav(method: string, path: string, options?: { headers?: Record<string, string>; body?: string | Buffer }): Promise<DavAnswer>
}

const hrefs = (xml: string) => [...xml.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map(m => decodeURIComponent(m[1]!))

describe('files: WebDAV', () => {
  let tk: TestKernel
  let admin: Person
  let alice: Person
  let bob: Person
  let carol: Person

  function request(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<DavAnswer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body)
      const all: Record<string, string> = { host: '127.0.0.1', ...headers }
      if (payload) all['content-length'] = String(payload.length)
      const req = httpRequest(new URL(path, tk.url), { method, headers: all }, res => {
        const chunks: Buffer[] = []
        res.on('data', c => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const data = Buffer.concat(chunks)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, text: data.toString('utf8') })
        })
      })
      req.on('error', reject)
      req.end(payload)
    })
  }

  const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`

  async function person(name: string): Promise<Person> {
    const who = await tk.signUp({ name })
    const made = await who.client.post('/api/v1/auth/tokens', { name: 'webdav' })
    expect(made.status, made.text).to.equal(201)
    const token = made.body.token as string
    return {
      ...who,
      token,
      dav: (method, path, options = {}) => request(method, path, { authorization: basic(who.user.email, token), ...options.headers }, options.body),
    }
  }

  async function folder(who: Person, name: string, extra: Record<string, unknown> = {}): Promise<any> {
    const res = await who.client.post('/api/v1/folders', { name, ...extra })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }

  async function listing(who: Person, path: string): Promise<string[]> {
    const res = await who.dav('PROPFIND', path, { headers: { depth: '1' } })
    expect(res.status, res.text).to.equal(207)
    return hrefs(res.text)
  }

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [filesPlugin, groupsPlugin, searchPlugin] })
    admin = await person('Site Admin')
    alice = await person('Alice Archivist')
    bob = await person('Bob Beheer')
    carol = await person('Carol Clerk')
  })
  after(() => tk?.close())

  describe('authentication', () => {
    it('answers 401 with a Basic challenge without credentials, or with a wrong token or e-mail', async () => {
      const none = await request('PROPFIND', '/dav/', { depth: '0' })
      expect(none.status).to.equal(401)
      expect(String(none.headers['www-authenticate'])).to.match(/^Basic realm="/)
      const wrong = await request('PROPFIND', '/dav/', { depth: '0', authorization: basic(alice.user.email, 'plein_not-a-token') })
      expect(wrong.status).to.equal(401)
      // Bob's token with Alice's e-mail address: refused.
      const mixed = await request('PROPFIND', '/dav/', { depth: '0', authorization: basic(alice.user.email, bob.token) })
      expect(mixed.status).to.equal(401)
      const ok = await alice.dav('PROPFIND', '/dav/', { headers: { depth: '0' } })
      expect(ok.status, ok.text).to.equal(207)
    })

    it('takes the e-mail address in any case and stops at once when the token is deleted', async () => {
      const who = await person('Token Tester')
      const upper = await request('PROPFIND', '/dav/', { depth: '0', authorization: basic(who.user.email.toUpperCase(), who.token) })
      expect(upper.status).to.equal(207)
      const tokens = await who.client.get('/api/v1/auth/tokens')
      for (const t of tokens.body.items) expect((await who.client.delete(`/api/v1/auth/tokens/${t.id}`)).status).to.equal(204)
      expect((await who.dav('PROPFIND', '/dav/', { headers: { depth: '0' } })).status).to.equal(401)
    })

    it('announces classes 1 and 2 on OPTIONS', async () => {
      const res = await alice.dav('OPTIONS', '/dav/')
      expect(res.status).to.equal(200)
      expect(String(res.headers.dav)).to.match(/^1, 2/)
      expect(String(res.headers.allow)).to.include('PROPFIND').and.include('LOCK')
    })
  })

  describe('what /dav/ lists', () => {
    let shared: any

    before(async () => {
      await folder(alice, 'Alice private')
      const bobs = await folder(bob, 'Bob private')
      // A folder inside Bob's private one, shared with Alice: she sees it at her top level.
      shared = await (await bob.client.post('/api/v1/folders', { name: 'For Alice', parentId: bobs.id })).body
      const res = await bob.client.patch(`/api/v1/folders/${shared.id}`, { access: { read: [`user:${alice.user.id}`], write: [] } })
      expect(res.status, res.text).to.equal(200)
    })

    it('lists the top-level folders of the viewer and what was shared with them, nothing else (depth 1)', async () => {
      const mine = await listing(alice, '/dav/')
      expect(mine).to.include('/dav/').and.include('/dav/Alice private/').and.include('/dav/For Alice/')
      expect(mine).not.to.include('/dav/Bob private/')
      const bobs = await listing(bob, '/dav/')
      expect(bobs).to.include('/dav/Bob private/')
      expect(bobs).not.to.include('/dav/Alice private/')
      expect(bobs).not.to.include('/dav/For Alice/')
    })

    it('answers 404 for a folder the viewer may not read, and lists only readable children', async () => {
      expect((await alice.dav('PROPFIND', '/dav/Bob private/', { headers: { depth: '0' } })).status).to.equal(404)
      expect((await alice.dav('GET', '/dav/Bob private/')).status).to.equal(404)
      expect(await listing(bob, '/dav/Bob private/')).to.include('/dav/Bob private/For Alice/')
    })

    it('refuses Depth: infinity', async () => {
      const res = await alice.dav('PROPFIND', '/dav/', { headers: { depth: 'infinity' } })
      expect(res.status).to.equal(403)
      expect(res.text).to.include('propfind-finite-depth')
    })

    it('gives the properties of RFC 4918 for a file, and 404 propstat for unknown ones', async () => {
      await alice.dav('PUT', '/dav/Alice private/props.txt', { body: 'hello' })
      const res = await alice.dav('PROPFIND', '/dav/Alice private/props.txt', {
        headers: { depth: '0', 'content-type': 'application/xml' },
        body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getcontentlength/><D:getcontenttype/><D:getetag/><D:resourcetype/><D:supportedlock/><x:nope xmlns:x="urn:x"/></D:prop></D:propfind>',
      })
      expect(res.status).to.equal(207)
      expect(res.text).to.include('<D:getcontentlength>5</D:getcontentlength>')
      expect(res.text).to.match(/<D:getcontenttype>text\/plain/)
      expect(res.text).to.match(/<D:getetag>"[0-9a-f]{40}"<\/D:getetag>/)
      expect(res.text).to.include('<D:exclusive/>')
      expect(res.text).to.match(/<ns\d:nope xmlns:ns\d="urn:x"\/><\/D:prop><D:status>HTTP\/1.1 404/)
    })
  })

  describe('reading and writing', () => {
    let work: any
    before(async () => {
      work = await folder(alice, 'Work')
    })

    it('stores a PUT (encrypted, through the save path) and GETs the same bytes back, also in ranges', async () => {
      const bytes = randomBytes(300_000)
      const put = await alice.dav('PUT', '/dav/Work/data.bin', { body: bytes })
      expect(put.status, put.text).to.equal(201)
      expect(put.headers.etag).to.match(/^"[0-9a-f]{40}"$/)
      const get = await alice.dav('GET', '/dav/Work/data.bin')
      expect(get.status).to.equal(200)
      expect(Buffer.compare(get.body, bytes)).to.equal(0)
      expect(get.headers.etag).to.equal(put.headers.etag)
      const part = await alice.dav('GET', '/dav/Work/data.bin', { headers: { range: 'bytes=100000-100099' } })
      expect(part.status).to.equal(206)
      expect(Buffer.compare(part.body, bytes.subarray(100_000, 100_100))).to.equal(0)
      const head = await alice.dav('HEAD', '/dav/Work/data.bin')
      expect(head.status).to.equal(200)
      expect(head.headers['content-length']).to.equal(String(bytes.length))
    })

    it('keeps the earlier version when a PUT overwrites (204), and honours If-Match', async () => {
      await alice.dav('PUT', '/dav/Work/note.txt', { body: 'first' })
      const etag = String((await alice.dav('HEAD', '/dav/Work/note.txt')).headers.etag)
      expect((await alice.dav('PUT', '/dav/Work/note.txt', { body: 'nope', headers: { 'if-match': '"0000000000000000000000000000000000000000"' } })).status).to.equal(412)
      const second = await alice.dav('PUT', '/dav/Work/note.txt', { body: 'second', headers: { 'if-match': etag } })
      expect(second.status, second.text).to.equal(204)
      expect((await alice.dav('GET', '/dav/Work/note.txt')).text).to.equal('second')
      // The JSON API sees the same file with both versions.
      const note = (await childrenJson(alice, work.id)).find((i: any) => i.name === 'note.txt')
      const versions = await alice.client.get(`/api/v1/files/${note.id}/versions`)
      expect(versions.body.items.map((v: any) => v.version)).to.deep.equal([2, 1])
    })

    it('answers 409 for a PUT or MKCOL into a folder that does not exist, 405 for MKCOL over something', async () => {
      expect((await alice.dav('PUT', '/dav/Work/nowhere/x.txt', { body: 'x' })).status).to.equal(409)
      expect((await alice.dav('MKCOL', '/dav/Work/nowhere/sub/')).status).to.equal(409)
      expect((await alice.dav('MKCOL', '/dav/Work/')).status).to.equal(405)
      expect((await alice.dav('MKCOL', '/dav/Work/sub/')).status).to.equal(201)
      expect(await listing(alice, '/dav/Work/')).to.include('/dav/Work/sub/')
    })

    it('makes a private top-level folder with MKCOL at /dav/', async () => {
      expect((await alice.dav('MKCOL', '/dav/Top made by DAV/')).status).to.equal(201)
      expect(await listing(alice, '/dav/')).to.include('/dav/Top made by DAV/')
      expect(await listing(bob, '/dav/')).not.to.include('/dav/Top made by DAV/')
    })

    it('copies and moves files and folders, with Overwrite', async () => {
      await alice.dav('MKCOL', '/dav/Work/src/')
      await alice.dav('PUT', '/dav/Work/src/a.txt', { body: 'A' })
      await alice.dav('PUT', '/dav/Work/src/b.txt', { body: 'B' })
      const dest = (p: string) => ({ destination: `${tk.url}/dav/Work/${p}` })
      expect((await alice.dav('COPY', '/dav/Work/src/', { headers: dest('copy/') })).status).to.equal(201)
      expect((await alice.dav('GET', '/dav/Work/copy/b.txt')).text).to.equal('B')
      expect((await alice.dav('COPY', '/dav/Work/src/a.txt', { headers: { ...dest('copy/b.txt'), overwrite: 'F' } })).status).to.equal(412)
      expect((await alice.dav('COPY', '/dav/Work/src/a.txt', { headers: dest('copy/b.txt') })).status).to.equal(204)
      expect((await alice.dav('GET', '/dav/Work/copy/b.txt')).text).to.equal('A')
      expect((await alice.dav('MOVE', '/dav/Work/copy/b.txt', { headers: dest('moved.txt') })).status).to.equal(201)
      expect((await alice.dav('GET', '/dav/Work/copy/b.txt')).status).to.equal(404)
      expect((await alice.dav('GET', '/dav/Work/moved.txt')).text).to.equal('A')
      expect((await alice.dav('MOVE', '/dav/Work/copy/', { headers: dest('renamed/') })).status).to.equal(201)
      expect(await listing(alice, '/dav/Work/renamed/')).to.include('/dav/Work/renamed/a.txt')
      // Copying a folder into itself is refused.
      expect((await alice.dav('COPY', '/dav/Work/src/', { headers: dest('src/inner/') })).status).to.equal(403)
    })

    it('keeps dead properties (PROPPATCH), and moves them with the file', async () => {
      await alice.dav('PUT', '/dav/Work/p.txt', { body: 'p' })
      const patch = await alice.dav('PROPPATCH', '/dav/Work/p.txt', {
        body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><z:colour xmlns:z="urn:example">blue <b xmlns="urn:b">ish</b></z:colour></D:prop></D:set></D:propertyupdate>',
      })
      expect(patch.status).to.equal(207)
      expect(patch.text).to.include('HTTP/1.1 200')
      await alice.dav('MOVE', '/dav/Work/p.txt', { headers: { destination: '/dav/Work/q.txt' } })
      const res = await alice.dav('PROPFIND', '/dav/Work/q.txt', { headers: { depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:prop><z:colour xmlns:z="urn:example"/></D:prop></D:propfind>' })
      expect(res.text).to.match(/<ns0:colour xmlns:ns0="urn:example">blue <b xmlns="urn:b">ish<\/b><\/ns0:colour>/)
      // A live property cannot be set: 403 for it, 424 for the rest, nothing applied.
      const live = await alice.dav('PROPPATCH', '/dav/Work/q.txt', {
        body: '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>x</D:getetag><z:size xmlns:z="urn:example">1</z:size></D:prop></D:set></D:propertyupdate>',
      })
      expect(live.text).to.include('HTTP/1.1 403').and.include('HTTP/1.1 424')
    })

    it('refuses a body that is not well-formed XML, or declares an empty prefix', async () => {
      expect((await alice.dav('PROPFIND', '/dav/Work/', { headers: { depth: '0' }, body: '<foo>' })).status).to.equal(400)
      const bad = '<D:propfind xmlns:D="DAV:"><D:prop><bar:foo xmlns:bar=""/></D:prop></D:propfind>'
      expect((await alice.dav('PROPFIND', '/dav/Work/', { headers: { depth: '0' }, body: bad })).status).to.equal(400)
    })

    it('deletes to the trash, where the JSON API can restore it', async () => {
      await alice.dav('PUT', '/dav/Work/bin.txt', { body: 'rubbish' })
      expect((await alice.dav('DELETE', '/dav/Work/bin.txt')).status).to.equal(204)
      expect((await alice.dav('GET', '/dav/Work/bin.txt')).status).to.equal(404)
      const trash = await alice.client.get('/api/v1/trash')
      const item = trash.body.items.find((i: any) => i.name === 'bin.txt')
      expect(item, trash.text).to.exist
      expect((await alice.client.post(`/api/v1/files/${item.id}/restore`)).status).to.equal(200)
      expect((await alice.dav('GET', '/dav/Work/bin.txt')).text).to.equal('rubbish')
      expect((await alice.dav('DELETE', '/dav/Work/none.txt')).status).to.equal(404)
    })

    it('does not let a reader write', async () => {
      const f = await folder(alice, 'Read only for Bob')
      await alice.dav('PUT', '/dav/Read only for Bob/r.txt', { body: 'r' })
      await alice.client.patch(`/api/v1/folders/${f.id}`, { access: { read: [`user:${bob.user.id}`], write: [] } })
      expect((await bob.dav('GET', '/dav/Read only for Bob/r.txt')).text).to.equal('r')
      expect((await bob.dav('PUT', '/dav/Read only for Bob/r.txt', { body: 'w' })).status).to.equal(403)
      expect((await bob.dav('DELETE', '/dav/Read only for Bob/r.txt')).status).to.equal(403)
      expect((await bob.dav('MKCOL', '/dav/Read only for Bob/x/')).status).to.equal(403)
    })
  })

  /** A folder's children through the JSON API. */
  async function childrenJson(who: Person, folderId: string): Promise<any[]> {
    const res = await who.client.get(`/api/v1/folders/${folderId}?limit=100`)
    expect(res.status, res.text).to.equal(200)
    return res.body.children.items
  }

  describe('locks', () => {
    let fileId: string
    const lockBody = (scope: 'exclusive' | 'shared') =>
      `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>tests</D:owner></D:lockinfo>`

    before(async () => {
      const f = await folder(alice, 'Team')
      await alice.client.patch(`/api/v1/folders/${f.id}`, { access: { read: [`user:${bob.user.id}`], write: [`user:${bob.user.id}`] } })
      await alice.dav('PUT', '/dav/Team/plan.txt', { body: 'v1' })
      fileId = (await childrenJson(alice, f.id)).find((i: any) => i.name === 'plan.txt').id
    })

    it("stops another user's PUT with 423, and the holder's too without the token", async () => {
      const lock = await alice.dav('LOCK', '/dav/Team/plan.txt', { headers: { timeout: 'Second-60' }, body: lockBody('exclusive') })
      expect(lock.status, lock.text).to.equal(200)
      const token = /^<(.+)>$/.exec(String(lock.headers['lock-token']))![1]!
      expect(lock.text).to.include(token).and.include('<D:owner>tests</D:owner>')
      const other = await bob.dav('PUT', '/dav/Team/plan.txt', { body: 'bob was here' })
      expect(other.status).to.equal(423)
      expect(other.text).to.include('lock-token-submitted')
      // Bob's PUT with Alice's token is still refused: a token works only for who took the lock.
      expect((await bob.dav('PUT', '/dav/Team/plan.txt', { body: 'x', headers: { if: `(<${token}>)` } })).status).to.equal(423)
      expect((await bob.dav('DELETE', '/dav/Team/plan.txt')).status).to.equal(423)
      expect((await bob.dav('LOCK', '/dav/Team/plan.txt', { body: lockBody('shared') })).status).to.equal(423)
      expect((await alice.dav('PUT', '/dav/Team/plan.txt', { body: 'v2' })).status).to.equal(423)
      expect((await alice.dav('PUT', '/dav/Team/plan.txt', { body: 'v2', headers: { if: `(<${token}>)` } })).status).to.equal(204)
      // Lock discovery shows it.
      const found = await bob.dav('PROPFIND', '/dav/Team/plan.txt', { headers: { depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' })
      expect(found.text).to.include(token)
      // Bob cannot unlock it; Alice can.
      expect((await bob.dav('UNLOCK', '/dav/Team/plan.txt', { headers: { 'lock-token': `<${token}>` } })).status).to.equal(403)
      expect((await alice.dav('UNLOCK', '/dav/Team/plan.txt', { headers: { 'lock-token': `<${token}>` } })).status).to.equal(204)
      expect((await bob.dav('PUT', '/dav/Team/plan.txt', { body: 'v3' })).status).to.equal(204)
    })

    it('lets a lock expire: no stale 423', async function () {
      this.timeout(20_000)
      const lock = await alice.dav('LOCK', '/dav/Team/plan.txt', { headers: { timeout: 'Second-1' }, body: lockBody('exclusive') })
      expect(lock.status).to.equal(200)
      expect(lock.text).to.match(/<D:timeout>Second-1<\/D:timeout>/)
      expect((await bob.dav('PUT', '/dav/Team/plan.txt', { body: 'early' })).status).to.equal(423)
      await new Promise(r => setTimeout(r, 2100))
      expect((await bob.dav('PUT', '/dav/Team/plan.txt', { body: 'after expiry' })).status).to.equal(204)
      const found = await alice.dav('PROPFIND', '/dav/Team/plan.txt', { headers: { depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' })
      expect(found.text).not.to.include('opaquelocktoken')
    })

    it('caps a lock at an hour whatever the client asks', async () => {
      const lock = await alice.dav('LOCK', '/dav/Team/plan.txt', { headers: { timeout: 'Infinite, Second-4100000000' }, body: lockBody('exclusive') })
      expect(lock.status).to.equal(200)
      expect(lock.text).to.match(/<D:timeout>Second-(3600|359\d)<\/D:timeout>/)
      const token = /^<(.+)>$/.exec(String(lock.headers['lock-token']))![1]!
      await alice.dav('UNLOCK', '/dav/Team/plan.txt', { headers: { 'lock-token': `<${token}>` } })
    })

    it('lets a site administrator break a lock through the JSON API (others get 403)', async () => {
      const lock = await alice.dav('LOCK', '/dav/Team/plan.txt', { headers: { timeout: 'Second-600' }, body: lockBody('exclusive') })
      expect(lock.status).to.equal(200)
      expect((await bob.dav('PUT', '/dav/Team/plan.txt', { body: 'no' })).status).to.equal(423)
      expect((await bob.client.delete(`/api/v1/files/${fileId}/lock`)).status).to.equal(403)
      const broken = await admin.client.delete(`/api/v1/files/${fileId}/lock`)
      expect(broken.status, broken.text).to.equal(204)
      expect((await bob.dav('PUT', '/dav/Team/plan.txt', { body: 'yes' })).status).to.equal(204)
    })

    it('locks a whole folder with depth infinity: its files too', async () => {
      const lock = await alice.dav('LOCK', '/dav/Team/', { headers: { timeout: 'Second-60', depth: 'infinity' }, body: lockBody('exclusive') })
      expect(lock.status, lock.text).to.equal(200)
      const token = /^<(.+)>$/.exec(String(lock.headers['lock-token']))![1]!
      expect((await bob.dav('PUT', '/dav/Team/plan.txt', { body: 'no' })).status).to.equal(423)
      expect((await bob.dav('PUT', '/dav/Team/new.txt', { body: 'no' })).status).to.equal(423)
      expect((await alice.dav('PUT', '/dav/Team/new.txt', { body: 'yes', headers: { if: `</dav/Team/> (<${token}>)` } })).status).to.equal(201)
      expect((await alice.dav('UNLOCK', '/dav/Team/new.txt', { headers: { 'lock-token': `<${token}>` } })).status).to.equal(204)
    })

    it('makes an empty file when locking a name that does not exist (201)', async () => {
      const lock = await alice.dav('LOCK', '/dav/Team/reserved.txt', { body: lockBody('exclusive') })
      expect(lock.status).to.equal(201)
      const get = await alice.dav('GET', '/dav/Team/reserved.txt')
      expect(get.status).to.equal(200)
      expect(get.body.length).to.equal(0)
    })
  })

  describe('group folders', () => {
    it('shows a group folder to its members only', async () => {
      const group = await carol.client.post('/api/v1/groups', { name: 'Archief', membership: 'closed' })
      expect(group.status, group.text).to.equal(201)
      await folder(carol, 'Group papers', { containerId: group.body.id })
      await carol.dav('PUT', '/dav/Group papers/minutes.txt', { body: 'minutes' })
      // Bob asks to join and is approved: a member; Alice is not.
      expect((await bob.client.post(`/api/v1/groups/${group.body.id}/join`)).status).to.equal(202)
      expect((await carol.client.post(`/api/v1/groups/${group.body.id}/requests/${bob.user.id}/approve`)).status).to.be.oneOf([200, 204])
      expect(await listing(carol, '/dav/')).to.include('/dav/Group papers/')
      expect(await listing(bob, '/dav/')).to.include('/dav/Group papers/')
      expect((await bob.dav('GET', '/dav/Group papers/minutes.txt')).text).to.equal('minutes')
      expect(await listing(alice, '/dav/')).not.to.include('/dav/Group papers/')
      expect((await alice.dav('GET', '/dav/Group papers/minutes.txt')).status).to.equal(404)
      expect((await alice.dav('PUT', '/dav/Group papers/x.txt', { body: 'x' })).status).to.equal(409)
    })

    it('keeps two top-level folders of the same name apart (the other gets its owner added)', async () => {
      const f = await folder(bob, 'Alice private')
      await bob.client.patch(`/api/v1/folders/${f.id}`, { access: { read: [`user:${alice.user.id}`], write: [] } })
      const names = await listing(alice, '/dav/')
      expect(names).to.include('/dav/Alice private/').and.include('/dav/Alice private (Bob Beheer)/')
    })
  })
})
