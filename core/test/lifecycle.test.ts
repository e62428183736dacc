// Lifecycle: register → migrate → start → listen → stop, start failures (abort, disable, timeout), graceful stop.
import { request as httpRequest } from 'node:http'
import { expect } from 'chai'
import { definePlugin, type MigrationClass, type PluginContext, type PluginDefinition } from '@plein/core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { bootError, captureLog, problemOf, sleep, type LogLine } from './support/kit.js'

const recordingMigration = (log: string[], id: string): MigrationClass =>
  class {
    name = `${id}-migration`
    async up() {
      log.push(`migrate:${id}`)
    }
  }

/** A plugin that records each step of its life in `log`. */
function recorder(log: string[], id: string, more: Partial<Parameters<typeof definePlugin>[0]> = {}): PluginDefinition {
  return definePlugin({
    id,
    migrations: [recordingMigration(log, id)],
    register(ctx) {
      log.push(`register:${id}`)
      ctx.hooks.kernel.started.tap(ctx.id, () => void log.push(`started:${id}`))
      ctx.hooks.kernel.stopping.tap(ctx.id, () => void log.push(`stopping:${id}`))
    },
    async start() {
      log.push(`start:${id}`)
    },
    async stop() {
      log.push(`stop:${id}`)
    },
    ...more,
  })
}

describe('lifecycle', () => {
  it('runs register, migrate and start in dependency order, and stops in reverse order', async () => {
    const log: string[] = []
    const tk = await createTestKernel({ plugins: [recorder(log, 'second', { dependencies: { first: '*' } }), recorder(log, 'first')] })
    expect(log).to.deep.equal(['register:first', 'register:second', 'migrate:first', 'migrate:second', 'start:first', 'start:second', 'started:first', 'started:second'])
    log.length = 0
    await tk.close()
    expect(log).to.deep.equal(['stopping:first', 'stopping:second', 'stop:second', 'stop:first'])
  })

  it('awaits every stop() even when one fails, and logs the failure', async () => {
    const log: string[] = []
    const captured = captureLog()
    const tk = await createTestKernel({
      log: captured.log,
      plugins: [
        recorder(log, 'first'),
        recorder(log, 'second', {
          async stop() {
            throw new Error('cannot flush')
          },
        }),
        recorder(log, 'third', {
          async stop() {
            await sleep(20)
            log.push('stop:third')
          },
        }),
      ],
    })
    log.length = 0
    await tk.close()
    expect(log.filter(l => l.startsWith('stop:'))).to.deep.equal(['stop:third', 'stop:first'])
    expect(captured.lines.find(l => l.plugin === 'second' && l.level === 50)?.msg).to.include('stop() of plugin "second" failed')
  })

  it('keeps the database from register() and routes from start()', async () => {
    const problems: string[] = []
    let saved: PluginContext | undefined
    const tk = await createTestKernel({
      plugins: [
        definePlugin({
          id: 'eager',
          register(ctx) {
            saved = ctx
            try {
              void ctx.db
            } catch (error) {
              problems.push((error as Error).message)
            }
          },
          async start(ctx) {
            expect(await ctx.db.query('SELECT 1 AS one')).to.deep.equal([{ one: 1 }])
            expect(ctx.rootSite.isRoot).to.equal(true)
            try {
              ctx.routes(() => undefined)
            } catch (error) {
              problems.push((error as Error).message)
            }
          },
        }),
      ],
    })
    try {
      expect(problems).to.have.length(2)
      expect(problems[0]).to.include('from start() on')
      expect(problems[1]).to.include('only possible in register()')
      expect(saved!.kernel.dataDir).to.be.a('string')
    } finally {
      await tk.close()
    }
  })

  describe('a start() that fails', () => {
    it('stops the boot with PLUGIN_START_FAILED naming the plugin (abort, the default), and stops the plugins already started', async () => {
      const log: string[] = []
      const error = await bootError(
        createTestKernel({
          plugins: [
            recorder(log, 'early'),
            recorder(log, 'fragile', {
              async start() {
                throw new Error('license server unreachable')
              },
            }),
            recorder(log, 'zz-after'),
          ],
        }),
      )
      expect(error.problems).to.have.length(1)
      const problem = problemOf(error, 'PLUGIN_START_FAILED')
      expect(problem.plugin).to.equal('fragile')
      expect(problem.message).to.include('"fragile"').and.include('license server unreachable')
      expect(log.filter(l => /^(start|stop):/.test(l))).to.deep.equal(['start:early', 'stop:early'])
    })

    it('stops the boot with PLUGIN_START_TIMEOUT naming the plugin when start() hangs', async () => {
      const error = await bootError(
        createTestKernel({
          startTimeoutMs: 150,
          plugins: [definePlugin({ id: 'sleepy', start: () => new Promise<void>(() => undefined) })],
        }),
      )
      const problem = problemOf(error, 'PLUGIN_START_TIMEOUT')
      expect(problem.plugin).to.equal('sleepy')
      expect(problem.message).to.include('"sleepy"').and.include('150 ms')
    })
  })

  describe('onBootFailure: "disable"', () => {
    let tk: TestKernel
    let lines: LogLine[]
    const log: string[] = []

    before(async () => {
      const captured = captureLog()
      lines = captured.lines
      tk = await createTestKernel({
        log: captured.log,
        plugins: [
          recorder(log, 'flaky', {
            onBootFailure: 'disable',
            async start() {
              log.push('start:flaky')
              throw new Error('index is corrupt')
            },
            register(ctx) {
              ctx.routes(r => r.get('flaky.status', '/api/v1/flaky', () => ({ ok: true })))
            },
          }),
          recorder(log, 'needs-flaky', { dependencies: { flaky: '*' } }),
          recorder(log, 'likes-flaky', { optionalDependencies: { flaky: '*' } }),
          recorder(log, 'steady'),
        ],
      })
    })
    after(() => tk?.close())

    it('boots without the plugin and its dependants, starting the others', () => {
      expect(tk.kernel.pluginIds).to.deep.equal(['likes-flaky', 'steady'])
      const starts = log.filter(l => l.startsWith('start:'))
      expect(starts).to.deep.equal(['start:flaky', 'start:likes-flaky', 'start:steady'])
    })

    it('lists them in /api/v1/site under disabledPlugins, with the reason', async () => {
      const res = await tk.http.get('/api/v1/site')
      expect(res.body.plugins.map((p: { name: string }) => p.name)).to.deep.equal(['likes-flaky', 'steady'])
      expect(res.body.disabledPlugins).to.have.deep.members([
        { name: 'flaky', reason: 'start() of plugin "flaky" failed: index is corrupt' },
        { name: 'needs-flaky', reason: 'it needs plugin "flaky", which is disabled' },
      ])
    })

    it('says so in the log and the boot plan', () => {
      const line = lines.find(l => l.level === 50 && l.plugin === 'flaky')
      expect(line?.msg).to.include('"flaky"').and.include('disabled')
      expect(tk.kernel.plan.disabled.map(d => d.id)).to.deep.equal(['flaky', 'needs-flaky'])
    })

    it('answers 404 for the routes of a disabled plugin', async () => {
      expect((await tk.http.get('/api/v1/flaky')).status).to.equal(404)
    })

    it('runs no taps of disabled plugins', () => {
      expect(log.filter(l => l.startsWith('started:'))).to.deep.equal(['started:likes-flaky', 'started:steady'])
    })
  })

  describe('stop()', () => {
    it('lets a request in flight finish, then refuses new connections', async () => {
      let entered!: () => void
      const inside = new Promise<void>(resolve => (entered = resolve))
      const tk = await createTestKernel({
        plugins: [
          definePlugin({
            id: 'slow',
            register(ctx) {
              ctx.routes(r =>
                r.get('slow.wait', '/api/v1/slow', async () => {
                  entered()
                  await sleep(300)
                  return { done: true }
                }),
              )
            },
          }),
        ],
      })
      const pending = tk.http.get('/api/v1/slow')
      await inside
      const closing = tk.close()
      const res = await pending
      expect(res.status).to.equal(200)
      expect(res.body).to.deep.equal({ done: true })
      await closing
      const refused = await new Promise<string>(resolve => {
        const req = httpRequest({ host: '127.0.0.1', port: tk.port, path: '/healthz', agent: false }, () => resolve('answered'))
        req.on('error', error => resolve((error as NodeJS.ErrnoException).code ?? 'error'))
        req.end()
      })
      expect(refused).to.equal('ECONNREFUSED')
    })
  })
})
