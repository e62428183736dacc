// plein backup / restore on a real `plein start` (issue 12, point 5): back up, change data, restore, and
// compare — through the HTTP API of a server started on the restored data. On PostgreSQL the backup is
// taken while the server runs and takes writes; the embedded database refuses a backup until it stops.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createTestDatabase, signUp, TestClient, type TestDatabase } from '@plein/testing'
import { fixture, plein, startPlein } from './support/processes.js'

const site = fixture('files')

/** `plein start` on a free port; resolves when it listens. */
async function start(env: Record<string, string>) {
  const server = startPlein(['start', site], env)
  const port = await server.port()
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      expect(await server.stop()).to.equal(0)
    },
  }
}

describe('plein backup and restore', function () {
  this.timeout(300_000)
  let dataDir: string
  let outDir: string
  let database: TestDatabase
  let env: Record<string, string>

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plein-cli-backup-'))
    outDir = mkdtempSync(path.join(tmpdir(), 'plein-cli-backup-out-'))
    database = await createTestDatabase()
    env = {
      PLEIN_DATA_DIR: dataDir,
      PLEIN_SECRET: 'cli-backup-test-secret-that-is-long-enough-7',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    }
  })
  after(async () => {
    await database?.drop()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(outDir, { recursive: true, force: true })
  })

  it('backs up the database and the encrypted files; restore brings back exactly that state', async () => {
    const a1 = randomBytes(200_000)
    const a2 = randomBytes(120_000)
    const b = randomBytes(50_000)
    const archive = path.join(outDir, 'site.tar')

    let server = await start(env)
    const { client } = await signUp(new TestClient(server.url))
    const token = (await client.post('/api/v1/auth/tokens', { name: 'backup test' })).body.token as string
    let api = new TestClient(server.url)
    const auth = { headers: { authorization: `Bearer ${token}` } }
    const folder = await api.post('/api/v1/folders', { name: 'Archief' }, auth)
    expect(folder.status, folder.text).to.equal(201)
    const put = (name: string, body: Buffer) =>
      api.put(`/api/v1/folders/${folder.body.id}/files/${name}`, undefined, { raw: body, headers: { ...auth.headers, 'content-type': 'application/octet-stream' } })
    const first = await put('rapport.pdf', a1)
    expect(first.status, first.text).to.equal(201)
    const fileA = first.body.id as string

    const during = new Map<string, Buffer>()
    if (database.url) {
      // PostgreSQL: the backup runs while the server takes writes, one after another.
      let writing = true
      const writes = (async () => {
        for (let n = 0; writing; n++) {
          const body = randomBytes(1000)
          const res = await put(`during-${String(n).padStart(4, '0')}.txt`, body)
          expect(res.status, res.text).to.equal(201)
          during.set(`during-${String(n).padStart(4, '0')}.txt`, body)
        }
      })()
      const run = await plein(['backup', site, '--out', archive], env).done
      writing = false
      await writes
      expect(during.size).to.be.greaterThan(0)
      expect(run.code, run.stderr).to.equal(0)
    } else {
      const busy = await plein(['backup', site, '--out', archive], env).done
      expect(busy.code).to.equal(1)
      expect(busy.stderr).to.match(/in use by process \d+/)
      expect(existsSync(archive)).to.equal(false)
      await server.stop()
      const run = await plein(['backup', site, '--out', archive], env).done
      expect(run.code, run.stderr).to.equal(0)
      server = await start(env)
      api = new TestClient(server.url)
    }
    expect(existsSync(archive)).to.equal(true)
    expect(readdirSync(outDir)).to.deep.equal(['site.tar']) // no .partial left behind

    const listing = async () => {
      const res = await api.get(`/api/v1/folders/${folder.body.id}?limit=100`, auth)
      expect(res.status, res.text).to.equal(200)
      return (res.body.children.items as Array<{ name: string }>).map(x => x.name).sort()
    }
    const before = await listing()
    expect(before).to.include('rapport.pdf')

    // Changes after the backup: a new version of A, a new file B, a deleted file.
    expect((await put('rapport.pdf', a2)).status).to.equal(200)
    const second = await put('bijlage.bin', b)
    expect(second.status, second.text).to.equal(201)
    await server.stop()

    const unconfirmed = await plein(['restore', site, archive], env).done
    expect(unconfirmed.code).to.equal(2)
    expect(unconfirmed.stderr).to.contain('--yes')
    const wrongSecret = await plein(['restore', site, archive, '--yes'], { ...env, PLEIN_SECRET: 'another-secret-that-is-long-enough-00000000' }).done
    expect(wrongSecret.code).to.equal(1)
    expect(wrongSecret.stderr).to.contain('another PLEIN_SECRET')
    const restored = await plein(['restore', site, archive, '--yes'], env).done
    expect(restored.code, restored.stderr + restored.stdout).to.equal(0)
    expect(readdirSync(path.join(dataDir, 'backups')).filter(f => f.startsWith('before-restore-'))).to.have.length(1)

    server = await start(env)
    api = new TestClient(server.url)
    try {
      // The snapshot: everything written before the backup, and of the writes during it an unbroken
      // first part (a consistent snapshot never holds write n without write n-1), each file readable.
      const now = await listing()
      const kept = now.filter(n => n.startsWith('during-'))
      expect(now.filter(n => !n.startsWith('during-'))).to.deep.equal(['rapport.pdf'])
      expect(kept).to.deep.equal([...during.keys()].slice(0, kept.length))
      expect(before).to.include.members(now)
      const last = kept.at(-1)
      if (last) {
        const id = (await api.get(`/api/v1/folders/${folder.body.id}?limit=100`, auth)).body.children.items.find((x: { name: string }) => x.name === last).id
        const body = await fetch(`${server.url}/api/v1/files/${id}/content`, auth)
        expect(Buffer.from(await body.arrayBuffer()).equals(during.get(last)!)).to.equal(true)
      }
      const content = await fetch(`${server.url}/api/v1/files/${fileA}/content`, auth)
      expect(content.status).to.equal(200)
      expect(Buffer.from(await content.arrayBuffer()).equals(a1)).to.equal(true)
      const versions = await api.get(`/api/v1/files/${fileA}/versions`, auth)
      expect(versions.status, versions.text).to.equal(200)
      expect(versions.body.items).to.have.length(1)
      expect((await api.get(`/api/v1/files/${second.body.id}`, auth)).status).to.equal(404)
    } finally {
      await server.stop()
    }
  })

  it('refuses an archive that is not a Plein backup, and changes nothing', async () => {
    const junk = path.join(outDir, 'junk.tar')
    writeFileSync(junk, Buffer.alloc(1024))
    const run = await plein(['restore', site, junk, '--yes'], env).done
    expect(run.code).to.equal(1)
    expect(run.stderr).to.match(/not a Plein backup|TAR|tar/)
  })
})
