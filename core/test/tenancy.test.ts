// One process, two sites with different plugin sets: routes, mounts and taps of a plugin only where it is enabled.
import { expect } from 'chai'
import { definePlugin, type Site } from '@plein/core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { makeSite } from './support/kit.js'

const SECOND_HOST = 'second.example.org'

describe('per-site plugins', () => {
  let tk: TestKernel
  let second: Site
  const seen: string[] = []

  before(async () => {
    second = makeSite({
      id: '0f6b7c1e-8a51-4d3c-9b0e-2f1f3c8a7d42',
      key: 'second',
      name: 'Second site',
      hosts: [SECOND_HOST],
      plugins: ['sites', 'shared'],
      settings: { shared: { greeting: 'hey' } },
    })
    tk = await createTestKernel({
      plugins: [
        // Plays the subsites plugin: answers for a host the root site does not own.
        definePlugin({
          id: 'sites',
          register(ctx) {
            ctx.hooks.kernel.resolveSite.tap(ctx.id, host => (host === SECOND_HOST ? second : undefined))
          },
        }),
        definePlugin({
          id: 'shared',
          settings: { type: 'object', properties: { greeting: { type: 'string', default: 'hallo' } } },
          register(ctx) {
            ctx.hooks.kernel.request.tap(ctx.id, c => void seen.push(`shared@${c.site.key}`))
            ctx.routes(r =>
              r.get('shared.hello', '/api/v1/hello', c => ({ site: c.site.key, greeting: ctx.settings(c.site).greeting, tokens: [...c.viewer.tokens] })),
            )
          },
        }),
        definePlugin({
          id: 'exclusive',
          register(ctx) {
            ctx.hooks.kernel.request.tap(ctx.id, c => void seen.push(`exclusive@${c.site.key}`))
            ctx.hooks.access.viewerTokens.tap(ctx.id, tokens => [...tokens, 'exclusive:token'])
            ctx.routes(r => {
              r.get('exclusive.only', '/api/v1/exclusive', c => ({ site: c.site.key }))
              r.mount('/exclusive-dav', async c => {
                c.body = 'dav here'
              })
            })
          },
        }),
      ],
    })
  })
  after(() => tk?.close())
  beforeEach(() => {
    seen.length = 0
  })

  it('serves a plugin’s routes on a site that enables it', async () => {
    const res = await tk.http.get('/api/v1/exclusive')
    expect(res.status).to.equal(200)
    expect(res.body).to.deep.equal({ site: 'root' })
  })

  it('answers 404 for the routes of a plugin a site does not enable', async () => {
    const res = await tk.http.get('/api/v1/exclusive', { host: SECOND_HOST })
    expect(res.status).to.equal(404)
    expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
    expect(res.body.code).to.equal('ROUTE_NOT_FOUND')
  })

  it('answers 404 under the mount of a plugin a site does not enable', async () => {
    expect((await tk.http.get('/exclusive-dav/file.txt')).text).to.equal('dav here')
    const res = await tk.http.get('/exclusive-dav/file.txt', { host: SECOND_HOST })
    expect(res.status).to.equal(404)
  })

  it('serves the plugins a site enables, with that site’s settings', async () => {
    const root = await tk.http.get('/api/v1/hello')
    const other = await tk.http.get('/api/v1/hello', { host: SECOND_HOST })
    expect(root.body).to.deep.include({ site: 'root', greeting: 'hallo' })
    expect(other.body).to.deep.include({ site: 'second', greeting: 'hey' })
  })

  it('runs taps only for the sites where their plugin is enabled', async () => {
    await tk.http.get('/api/v1/hello')
    await tk.http.get('/api/v1/hello', { host: SECOND_HOST })
    expect(seen).to.deep.equal(['exclusive@root', 'shared@root', 'shared@second'])
    expect((await tk.http.get('/api/v1/hello')).body.tokens).to.deep.equal(['public', 'exclusive:token'])
    expect((await tk.http.get('/api/v1/hello', { host: SECOND_HOST })).body.tokens).to.deep.equal(['public'])
  })

  it('lists each site’s own plugins in /api/v1/site', async () => {
    const root = await tk.http.get('/api/v1/site')
    const other = await tk.http.get('/api/v1/site', { host: SECOND_HOST })
    expect(root.body.plugins.map((p: any) => p.name)).to.deep.equal(['exclusive', 'shared', 'sites'])
    expect(other.body).to.deep.include({ id: second.id, name: 'Second site', host: SECOND_HOST })
    expect(other.body.plugins.map((p: any) => p.name)).to.deep.equal(['sites', 'shared'])
  })

  it('documents only a site’s own plugins in its OpenAPI document', async () => {
    const root = await tk.http.get('/api/v1/openapi.json')
    const other = await tk.http.get('/api/v1/openapi.json', { host: SECOND_HOST })
    expect(root.body.paths).to.have.property('/exclusive')
    expect(other.body.paths).not.to.have.property('/exclusive')
    expect(other.body.paths).to.have.property('/hello')
    expect(other.body.info.title).to.equal('Second site API')
  })
})
