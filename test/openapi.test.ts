// The OpenAPI document of a site with every bundled plugin passes the NLGov API Design Rules (Spectral).
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { eventsPlugin } from '@plein/plugin-events'
import { filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { intranetPlugin } from '@plein/plugin-intranet'
import { newsPlugin } from '@plein/plugin-news'
import { notificationsPlugin } from '@plein/plugin-notifications'
import { searchPlugin } from '@plein/plugin-search'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { peoplePlugin } from '@plein/plugin-people'
import { wikiPlugin } from '@plein/plugin-wiki'
import { createTestKernel, type TestKernel } from '@plein/testing'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// The ruleset written for this project; the copy in the shared design folder wins when it is there.
const shared = path.resolve(root, '../shared/standards/nlgov-adr.spectral.yaml')
const ruleset = existsSync(shared) ? shared : path.join(root, 'test/standards/nlgov-adr.spectral.yaml')
const spectral = path.join(root, 'node_modules/.bin/spectral')

describe('the OpenAPI document', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let doc: any
  before(async () => {
    tk = await createTestKernel({
      plugins: [commentsPlugin, blogPlugin, groupsPlugin, searchPlugin, notificationsPlugin, filesPlugin, subsitesPlugin, intranetPlugin, newsPlugin, eventsPlugin, wikiPlugin, peoplePlugin],
    })
    doc = (await tk.http.get('/api/v1/openapi.json', { host: `127.0.0.1:${tk.port}` })).body
  })
  after(() => tk?.close())

  it('describes every JSON route of every enabled plugin', () => {
    const operations = Object.values(doc.paths).flatMap((p: any) => Object.keys(p))
    expect(operations.length).to.be.greaterThan(80)
    for (const p of ['/blogs', '/groups/{id}/members', '/subsites', '/files/{id}/content', '/search', '/notifications', '/events/{id}/rsvp']) {
      expect(doc.paths, p).to.have.property(p)
    }
  })

  it('passes the NLGov API Design Rules ruleset with no errors (Spectral)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plein-openapi-'))
    const file = path.join(dir, 'openapi.json')
    writeFileSync(file, JSON.stringify(doc, null, 2))
    const result = await new Promise<{ code: number; out: string }>(resolve =>
      execFile(spectral, ['lint', '-r', ruleset, '--fail-severity', 'error', '-f', 'text', file], { timeout: 90_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      ),
    )
    rmSync(dir, { recursive: true, force: true })
    const errors = result.out.split('\n').filter(l => /\serror\s/.test(l))
    expect(errors, result.out.slice(0, 4000)).to.deep.equal([])
    expect(result.code, result.out.slice(0, 4000)).to.equal(0)
  })
})
