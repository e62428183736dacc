// Hooks: the three kinds and their error policies, order, stages, tap names, deprecations, per-site gating.
import { expect } from 'chai'
import {
  HookTapError,
  HttpProblem,
  Stage,
  decision,
  defineHooks,
  definePlugin,
  event,
  filter,
  problems,
  type LiveHooks,
  type PluginDefinition,
  type StageValue,
} from '@plein/core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { bootError, captureLog, prepare, problemOf, scopeOf, type LogLine } from './support/kit.js'

interface Post {
  title: string
}

const boardHooks = defineHooks(
  'board',
  () => ({
    published: event<[Post]>({ since: '1.0.0' }),
    serializePost: filter<string[], [Post]>(),
    beforePublish: decision<[Post], string>(),
  }),
  { deprecated: { posted: { use: 'published', since: '1.1.0', removeIn: '2.0.0' } } },
)
type BoardHooks = LiveHooks<(typeof boardHooks)['specs']>

/** The board plugin owns boardHooks and hands its live hooks to the test. */
function boardPlugin(): { plugin: PluginDefinition; hooks: () => BoardHooks } {
  let hooks: BoardHooks | undefined
  const plugin = definePlugin({
    id: 'board',
    hooks: boardHooks,
    register(ctx) {
      hooks = ctx.hooks.of(boardHooks)
    },
  })
  return { plugin, hooks: () => hooks! }
}

/** A plugin depending on board whose register taps its hooks. */
const tapper = (id: string, register: (hooks: BoardHooks, id: string) => void, dependencies: Record<string, string> = {}) =>
  definePlugin({ id, dependencies: { board: '*', ...dependencies }, register: ctx => register(ctx.hooks.of(boardHooks), ctx.id) })

const post: Post = { title: 'Hello' }

describe('hooks', () => {
  describe('event', () => {
    it('runs every tap, in plugin dependency order, whatever the config order', async () => {
      const board = boardPlugin()
      const calls: string[] = []
      const tap = (h: BoardHooks, id: string) => h.published.tap(id, p => void calls.push(`${id}:${p.title}`))
      // zulu depends on yankee: dependency order puts it after yankee although its id sorts last anyway;
      // alpha depends on zulu, so it runs last although its id sorts first.
      await prepare([
        tapper('alpha', tap, { zulu: '*' }),
        tapper('zulu', tap, { yankee: '*' }),
        tapper('yankee', tap),
        board.plugin,
      ])
      await board.hooks().published.call(null, post)
      expect(calls).to.deep.equal(['yankee:Hello', 'zulu:Hello', 'alpha:Hello'])
    })

    it('logs a throwing tap with plugin id and hook name, and still runs the other taps', async () => {
      const board = boardPlugin()
      const calls: string[] = []
      const { log, lines } = captureLog()
      await prepare(
        [
          board.plugin,
          tapper('first', (h, id) => h.published.tap(id, () => void calls.push(id))),
          tapper('second', (h, id) =>
            h.published.tap(id, () => {
              throw new Error('mail server down')
            }),
          ),
          tapper('third', (h, id) => h.published.tap(id, async () => void calls.push(id))),
        ],
        { log },
      )
      await board.hooks().published.call(null, post)
      expect(calls).to.deep.equal(['first', 'third'])
      const line = lines.find(l => l.level === 50)
      expect(line, 'an error line').to.exist
      expect(line).to.include({ plugin: 'second', hook: 'board.published' })
      expect(line!.msg).to.include('"second"').and.include('board.published')
      expect(line!.err.message).to.equal('mail server down')
    })
  })

  describe('filter', () => {
    it('passes the value through every tap in order (waterfall), with the arguments', async () => {
      const board = boardPlugin()
      await prepare([
        board.plugin,
        tapper('one', (h, id) => h.serializePost.tap(id, (v, p) => [...v, `one:${p.title}`])),
        tapper('two', (h, id) => h.serializePost.tap(id, async v => [...v, 'two']), { one: '*' }),
      ])
      expect(await board.hooks().serializePost.call(null, ['start'], post)).to.deep.equal(['start', 'one:Hello', 'two'])
    })

    it('returns the value unchanged when nobody taps it', async () => {
      const board = boardPlugin()
      await prepare([board.plugin])
      const value = ['as', 'is']
      expect(board.hooks().serializePost.isUsed).to.equal(false)
      expect(await board.hooks().serializePost.call(null, value, post)).to.equal(value)
    })

    it('fails the call with a HookTapError naming the plugin when a tap throws; later taps do not run', async () => {
      const board = boardPlugin()
      let laterRan = false
      await prepare([
        board.plugin,
        tapper('faulty', (h, id) =>
          h.serializePost.tap(id, () => {
            throw new TypeError('cannot read title')
          }),
        ),
        tapper('later', (h, id) => h.serializePost.tap(id, v => ((laterRan = true), v)), { faulty: '*' }),
      ])
      const error = await board
        .hooks()
        .serializePost.call(null, [], post)
        .then(
          () => expect.fail('the call should fail'),
          (e: unknown) => e,
        )
      expect(error).to.be.instanceOf(HookTapError)
      const tapError = error as HookTapError
      expect(tapError.plugin).to.equal('faulty')
      expect(tapError.hook).to.equal('board.serializePost')
      expect(tapError.cause).to.be.instanceOf(TypeError)
      expect(tapError.message).to.include('"faulty"').and.include('cannot read title')
      expect(laterRan).to.equal(false)
    })
  })

  describe('client answers', () => {
    it('lets a 4xx problem thrown by a filter or decision tap pass through unchanged', async () => {
      const board = boardPlugin()
      await prepare([
        board.plugin,
        tapper('strict', (h, id) => {
          h.serializePost.tap(id, () => {
            throw problems.forbidden('You may not see this post.')
          })
          h.beforePublish.tap(id, () => {
            throw problems.conflict('A post with this title exists.')
          })
        }),
      ])
      const filtered = await board.hooks().serializePost.call(null, [], post).catch((e: unknown) => e)
      expect(filtered).to.be.instanceOf(HttpProblem).and.include({ status: 403 })
      const decided = await board.hooks().beforePublish.call(null, post).catch((e: unknown) => e)
      expect(decided).to.be.instanceOf(HttpProblem).and.include({ status: 409 })
    })
  })

  describe('decision', () => {
    it('takes the first answer that is not undefined; later taps do not run', async () => {
      const board = boardPlugin()
      const asked: string[] = []
      await prepare([
        board.plugin,
        tapper('abstains', (h, id) => h.beforePublish.tap(id, () => void asked.push(id))),
        tapper('decides', (h, id) => h.beforePublish.tap(id, async () => (asked.push(id), 'no: spam')), { abstains: '*' }),
        tapper('never', (h, id) => h.beforePublish.tap(id, () => (asked.push(id), 'yes')), { decides: '*' }),
      ])
      expect(await board.hooks().beforePublish.call(null, post)).to.equal('no: spam')
      expect(asked).to.deep.equal(['abstains', 'decides'])
    })

    it('answers undefined when no tap decides', async () => {
      const board = boardPlugin()
      await prepare([board.plugin, tapper('quiet', (h, id) => h.beforePublish.tap(id, () => undefined))])
      expect(await board.hooks().beforePublish.call(null, post)).to.equal(undefined)
    })

    it('fails with a HookTapError naming the plugin when a tap throws', async () => {
      const board = boardPlugin()
      await prepare([
        board.plugin,
        tapper('crash', (h, id) =>
          h.beforePublish.tap(id, () => {
            throw new Error('boom')
          }),
        ),
      ])
      const error = await board.hooks().beforePublish.call(null, post).catch((e: unknown) => e)
      expect(error).to.be.instanceOf(HookTapError).and.include({ plugin: 'crash', hook: 'board.beforePublish' })
    })
  })

  describe('order and names', () => {
    it('runs every EARLY tap, then normal ones, then LATE ones; within a stage in dependency order', async () => {
      const board = boardPlugin()
      const calls: string[] = []
      const tapAt = (stage?: StageValue) => (h: BoardHooks, id: string) =>
        h.published.tap(id, () => void calls.push(id), stage === undefined ? undefined : { stage })
      await prepare([
        board.plugin,
        tapper('a-late', tapAt(Stage.LATE)),
        tapper('b-normal', tapAt()),
        tapper('c-early', tapAt(Stage.EARLY)),
        tapper('d-early', tapAt(Stage.EARLY), { 'e-normal': '*' }),
        tapper('e-normal', tapAt(Stage.NORMAL)),
        tapper('f-late', tapAt(Stage.LATE), { 'a-late': '*' }),
      ])
      await board.hooks().published.call(null, post)
      expect(calls).to.deep.equal(['c-early', 'd-early', 'b-normal', 'e-normal', 'a-late', 'f-late'])
    })

    it('refuses a stage that is not one of the named stages', async () => {
      const error = await bootError(prepare([boardPlugin().plugin, tapper('loose', (h, id) => h.published.tap(id, () => undefined, { stage: 5 as StageValue }))]))
      expect(problemOf(error, 'PLUGIN_REGISTER_FAILED').message).to.include('Stage.EARLY')
    })

    it('names every tap after the plugin that made it, and refuses another name', async () => {
      const board = boardPlugin()
      const kernel = await prepare([board.plugin, tapper('honest', (h, id) => h.published.tap(() => undefined)), tapper('named', (h, id) => h.published.tap(id, () => undefined))])
      expect(kernel.hooks.taps.filter(t => t.hook === 'board.published').map(t => t.plugin)).to.deep.equal(['honest', 'named'])

      const error = await bootError(prepare([boardPlugin().plugin, tapper('impostor', h => h.published.tap('board', () => undefined))]))
      const problem = problemOf(error, 'PLUGIN_REGISTER_FAILED')
      expect(problem.plugin).to.equal('impostor')
      expect(problem.message).to.include('tap name must be the plugin id "impostor"')
    })

    it('lets a dependant tap the hooks a plugin declares, and the kernel hooks without a dependency', async () => {
      const board = boardPlugin()
      const seen: string[] = []
      const kernel = await prepare([
        board.plugin,
        tapper('reader', (h, id) => h.published.tap(id, p => void seen.push(p.title))),
        definePlugin({ id: 'loner', register: ctx => ctx.hooks.kernel.stopping.tap(ctx.id, () => void seen.push('stopping')) }),
      ])
      await board.hooks().published.call(null, post)
      await kernel.hooks.live(boardHooks).published.call(null, { title: 'again' })
      expect(seen).to.deep.equal(['Hello', 'again'])
      expect(kernel.hooks.catalogue().map(h => h.name)).to.include.members(['board.published', 'board.serializePost', 'kernel.stopping'])
    })

    it('resolves a deprecated hook name to its replacement and records who still uses it', async () => {
      const board = boardPlugin()
      const seen: string[] = []
      const kernel = await prepare([
        board.plugin,
        tapper('old-school', (h, id) => {
          const legacy = h as unknown as Record<string, BoardHooks['published']>
          legacy.posted!.tap(id, p => void seen.push(`old:${p.title}`))
          legacy.posted!.tap(id, () => void seen.push('old again'))
        }),
        tapper('modern', (h, id) => h.published.tap(id, () => void seen.push('new'))),
      ])
      await board.hooks().published.call(null, post)
      expect(seen).to.deep.equal(['new', 'old:Hello', 'old again'])
      expect(kernel.plan.deprecated).to.deep.equal([{ plugin: 'old-school', hook: 'board.posted', use: 'board.published', since: '1.1.0', removeIn: '2.0.0' }])
    })
  })

  describe('per-site gating', () => {
    it('runs only the taps of plugins enabled in the scope the hook is called for', async () => {
      const board = boardPlugin()
      const calls: string[] = []
      await prepare([
        board.plugin,
        tapper('on-both', (h, id) => {
          h.published.tap(id, () => void calls.push(`event:${id}`))
          h.serializePost.tap(id, v => [...v, id])
        }),
        tapper('on-one', (h, id) => {
          h.published.tap(id, () => void calls.push(`event:${id}`))
          h.serializePost.tap(id, v => [...v, id])
          h.beforePublish.tap(id, () => 'refused by on-one')
        }),
      ])
      const hooks = board.hooks()
      const siteA = scopeOf('board', 'on-both', 'on-one')
      const siteB = scopeOf('board', 'on-both')

      await hooks.published.call(siteA, post)
      await hooks.published.call(siteB, post)
      expect(calls).to.deep.equal(['event:on-both', 'event:on-one', 'event:on-both'])
      expect(await hooks.serializePost.call(siteA, [], post)).to.deep.equal(['on-both', 'on-one'])
      expect(await hooks.serializePost.call(siteB, [], post)).to.deep.equal(['on-both'])
      expect(await hooks.beforePublish.call(siteA, post)).to.equal('refused by on-one')
      expect(await hooks.beforePublish.call(siteB, post)).to.equal(undefined)
    })

    it('runs every installed plugin’s taps for a call without a site', async () => {
      const board = boardPlugin()
      await prepare([board.plugin, tapper('x', (h, id) => h.serializePost.tap(id, v => [...v, id])), tapper('y', (h, id) => h.serializePost.tap(id, v => [...v, id]))])
      expect(await board.hooks().serializePost.call(null, [], post)).to.deep.equal(['x', 'y'])
    })
  })

  describe('in a running kernel', () => {
    let tk: TestKernel
    let lines: LogLine[]
    let failTokens = false
    const events: string[] = []

    before(async () => {
      const captured = captureLog()
      lines = captured.lines
      const board = boardPlugin()
      tk = await createTestKernel({
        log: captured.log,
        plugins: [
          board.plugin,
          definePlugin({
            id: 'noisy',
            register(ctx) {
              ctx.hooks.kernel.request.tap(ctx.id, () => {
                throw new Error('instrumentation broke')
              })
              ctx.hooks.kernel.started.tap(ctx.id, info => void events.push(`started:${info.port}:${info.plugins.map(p => p.id).join(',')}`))
              ctx.hooks.access.viewerTokens.tap(ctx.id, tokens => {
                if (failTokens) throw new Error('token source unreachable')
                return [...tokens, 'noisy:token']
              })
              ctx.routes(r => r.get('noisy.tokens', '/api/v1/tokens', c => ({ tokens: [...c.viewer.tokens] })))
            },
          }),
          tapper('legacy', (h, id) => (h as unknown as Record<string, BoardHooks['published']>).posted!.tap(id, () => undefined)),
        ],
      })
    })
    after(() => tk?.close())

    it('calls kernel.started once listening, with the port and the plugins', () => {
      expect(events).to.deep.equal([`started:${tk.port}:board,legacy,noisy`])
    })

    it('lets a request go on when an event tap throws, and logs plugin and hook', async () => {
      const res = await tk.http.get('/api/v1/tokens')
      expect(res.status).to.equal(200)
      expect(res.body.tokens).to.deep.equal(['public', 'noisy:token'])
      const line = lines.find(l => l.hook === 'kernel.request')
      expect(line).to.include({ plugin: 'noisy', level: 50 })
    })

    it('fails a request with 500 when a filter tap throws, and logs the plugin with the request id', async () => {
      failTokens = true
      try {
        const res = await tk.http.get('/api/v1/tokens')
        expect(res.status).to.equal(500)
        expect(res.text).not.to.include('token source unreachable')
        const line = lines.find(l => l.reqId === res.headers['x-request-id'] && l.msg === 'request failed')
        expect(line).to.include({ plugin: 'noisy' })
      } finally {
        failTokens = false
      }
    })

    it('warns at boot about every plugin that still taps a deprecated hook', () => {
      const warning = lines.find(l => l.level === 40 && l.hook === 'board.posted')
      expect(warning).to.include({ plugin: 'legacy', use: 'board.published' })
      expect(warning!.msg).to.include('"legacy"').and.include('board.posted').and.include('board.published')
    })
  })
})
