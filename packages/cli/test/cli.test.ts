import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createTestDatabase, type TestDatabase } from '@plein/testing'
import { fixture, listeningPort, plein, waitFor } from './support/processes.js'

function get(port: number, pathname: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers: { host: 'localhost' } }, res => {
      let text = ''
      res.on('data', d => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('plein command', function () {
  this.timeout(240_000)
  let dataDir: string
  let database: TestDatabase
  let env: Record<string, string>

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plein-cli-'))
    database = await createTestDatabase()
    env = { PLEIN_DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) }
  })
  afterEach(async () => {
    await database.drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('check names both plugins and the range when a dependency is missing, and exits 1', async () => {
    const run = await plein(['check', fixture('missing-dep')], env).done
    expect(run.code).to.equal(1)
    expect(run.stderr).to.contain('PLUGIN_DEPENDENCY_MISSING')
    expect(run.stderr).to.contain('"blog"')
    expect(run.stderr).to.contain('"comments"')
    expect(run.stderr).to.contain('^1.0.0')
  })

  it('check prints the boot plan of a valid site', async () => {
    const run = await plein(['check', fixture('slow')], env).done
    expect(run.stderr).to.equal('')
    expect(run.code).to.equal(0)
    expect(run.stdout).to.match(/1\. slow@1\.2\.3\s+kernel \^1\.0\.0/)
  })

  it('start refuses a broken site before opening a port', async () => {
    const run = await plein(['start', fixture('missing-dep')], { ...env, PORT: '0' }).done
    expect(run.code).to.equal(1)
    expect(run.stderr).to.contain('Plein cannot start: 1 problem found.')
    expect(run.stdout).not.to.contain('listening')
  })

  it('migrate runs pending migrations once; a second run has nothing to do', async () => {
    const first = await plein(['migrate', fixture('slow')], env).done
    expect(first.code, first.stderr).to.equal(0)
    expect(first.stdout).to.match(/Ran \d+ migrations\./)
    const second = await plein(['migrate', fixture('slow')], env).done
    expect(second.code, second.stderr).to.equal(0)
    expect(second.stdout).to.contain('Nothing to migrate')
  })

  it('SIGTERM during a slow request lets it finish, then exits 0', async () => {
    const server = plein(['start', fixture('slow')], { ...env, PORT: '0', HOST: '127.0.0.1' })
    const port = await waitFor(() => listeningPort(server.lines))
    expect((await get(port, '/healthz')).status).to.equal(200)
    const slow = get(port, '/api/v1/slow?ms=1500')
    await new Promise(r => setTimeout(r, 300))
    const t0 = Date.now()
    server.child.kill('SIGTERM')
    const answer = await slow
    expect(answer.status).to.equal(200)
    expect(answer.body).to.deep.equal({ done: true, greeting: 'hallo' })
    const run = await server.done
    expect(run.code).to.equal(0)
    expect(Date.now() - t0).to.be.below(30_000)
    // After the stop no new connection is accepted.
    let refused = false
    await get(port, '/healthz').catch(() => (refused = true))
    expect(refused).to.equal(true)
  })

  it('plugins lists installed plugin packages and marks the enabled ones', async () => {
    const run = await plein(['plugins', fixture('slow'), '--json'], env).done
    expect(run.code).to.equal(0)
    const out = JSON.parse(run.stdout)
    expect(out.enabledOther).to.deep.equal(['./plugins/slow'])
  })

})
