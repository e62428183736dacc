// Real WebDAV clients against /dav/: rclone (an on-the-fly webdav remote, vendor "other") copies files up and
// down and lists them; cadaver puts and gets. Skipped, with a message, when a binary is not installed
// (Debian: apt-get install -y rclone cadaver).
import { execFile, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { searchPlugin } from '@plein/plugin-search'

const run = promisify(execFile)
const installed = (bin: string) => spawnSync('/bin/sh', ['-c', `command -v ${bin}`]).status === 0

describe('files: WebDAV with real clients', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let who: SignedUp
  let token: string
  let work: string

  before(async function () {
    if (!installed('rclone') && !installed('cadaver')) {
      console.log('      (skipped: neither rclone nor cadaver is installed — apt-get install -y rclone cadaver)')
      this.skip()
    }
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [filesPlugin, searchPlugin] })
    who = await tk.signUp({ name: 'Client Tester' })
    const made = await who.client.post('/api/v1/auth/tokens', { name: 'clients' })
    expect(made.status, made.text).to.equal(201)
    token = made.body.token
    expect((await who.client.post('/api/v1/folders', { name: 'Clients' })).status).to.equal(201)
    work = mkdtempSync(path.join(tmpdir(), 'plein-dav-clients-'))
  })
  after(async () => {
    if (work) rmSync(work, { recursive: true, force: true })
    await tk?.close()
  })

  describe('rclone', () => {
    let flags: string[]
    const rclone = (...args: string[]) => run('rclone', [...flags, ...args], { env: { ...process.env, RCLONE_CONFIG: '/dev/null' }, timeout: 30_000 })

    before(async function () {
      if (!installed('rclone')) {
        console.log('      (skipped: rclone is not installed — apt-get install -y rclone)')
        this.skip()
      }
      const obscured = (await run('rclone', ['obscure', token])).stdout.trim()
      flags = ['--webdav-url', `${tk.url}/dav/`, '--webdav-user', who.user.email, '--webdav-pass', obscured, '--webdav-vendor', 'other', '--retries', '1', '--low-level-retries', '1']
    })

    it('copies a folder of files up, lists it, and copies it back byte for byte', async () => {
      const up = path.join(work, 'rclone-up')
      mkdirSync(path.join(up, 'sub'), { recursive: true })
      const files = { 'a.txt': Buffer.from('Dag allemaal\n'), 'sub/b.bin': randomBytes(200_000), 'sub/c d é.txt': Buffer.from('spaces and accents') }
      for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(up, name), bytes)
      await rclone('copy', up, ':webdav:Clients/rclone')
      const listed = (await rclone('lsf', '-R', ':webdav:Clients/rclone')).stdout.split('\n').filter(Boolean).sort()
      expect(listed).to.deep.equal(['a.txt', 'sub/', 'sub/b.bin', 'sub/c d é.txt'])
      const sizes = (await rclone('lsl', ':webdav:Clients/rclone/sub')).stdout
      expect(sizes).to.match(/^\s*200000 .* b\.bin$/m)
      const down = path.join(work, 'rclone-down')
      await rclone('copy', ':webdav:Clients/rclone', down)
      for (const [name, bytes] of Object.entries(files)) expect(Buffer.compare(readFileSync(path.join(down, name)), bytes), name).to.equal(0)
      const check = await rclone('check', up, ':webdav:Clients/rclone', '--size-only')
      expect(check.stderr).to.match(/0 differences found/)
    })

    it('moves and deletes', async () => {
      await rclone('moveto', ':webdav:Clients/rclone/a.txt', ':webdav:Clients/rclone/renamed.txt')
      await rclone('delete', ':webdav:Clients/rclone/sub')
      const listed = (await rclone('lsf', '-R', ':webdav:Clients/rclone')).stdout.split('\n').filter(Boolean).sort()
      expect(listed).to.deep.equal(['renamed.txt', 'sub/'])
    })
  })

  describe('cadaver', () => {
    it('puts and gets a file', async function () {
      if (!installed('cadaver')) {
        console.log('      (skipped: cadaver is not installed — apt-get install -y cadaver)')
        this.skip()
      }
      // cadaver reads the credentials from ~/.netrc.
      const home = path.join(work, 'cadaver-home')
      mkdirSync(home)
      writeFileSync(path.join(home, '.netrc'), `machine 127.0.0.1\nlogin ${who.user.email}\npassword ${token}\n`)
      chmodSync(path.join(home, '.netrc'), 0o600)
      const local = path.join(work, 'cadaver-up.bin')
      const bytes = randomBytes(50_000)
      writeFileSync(local, bytes)
      const back = path.join(work, 'cadaver-down.bin')
      const script = `mkcol cadaver\ncd cadaver\nput ${local} up.bin\nls\nget up.bin ${back}\nquit\n`
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn('cadaver', [`${tk.url}/dav/Clients/`], { env: { ...process.env, HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] })
        let out = ''
        child.stdout.on('data', d => (out += d))
        child.stderr.on('data', d => (out += d))
        const timer = setTimeout(() => child.kill(), 30_000)
        child.on('error', reject)
        child.on('close', () => {
          clearTimeout(timer)
          resolve(out)
        })
        child.stdin.end(script)
      })
      expect(output).to.match(/Uploading .* succeeded/)
      expect(output).to.match(/up\.bin\s+50000/)
      expect(Buffer.compare(readFileSync(back), bytes), output).to.equal(0)
    })
  })
})
