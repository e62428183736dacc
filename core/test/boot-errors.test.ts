// Boot errors found before the database opens: each is collected into one KernelBootError.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { KERNEL_VERSION, Kernel, KernelBootError, defineHooks, definePlugin, event, type SiteConfig } from '@plein/core'
import { bootError, prepare, problemOf, repoRoot, silentLog, testConfig } from './support/kit.js'

const fromConfig = (plugins: SiteConfig['plugins'], more: Partial<SiteConfig> = {}) =>
  Kernel.prepare({ siteDir: repoRoot, config: testConfig({ ...more, plugins }), log: silentLog() })

describe('boot errors', () => {
  describe('PLUGIN_NOT_FOUND', () => {
    it('names a package that is not installed and how to install it', async () => {
      const error = await bootError(fromConfig({ 'plein-plugin-that-is-not-installed': {} }))
      const problem = problemOf(error, 'PLUGIN_NOT_FOUND')
      expect(problem.plugin).to.equal('plein-plugin-that-is-not-installed')
      expect(problem.message).to.include('"plein-plugin-that-is-not-installed" is not installed')
      expect(problem.message).to.include('npm install plein-plugin-that-is-not-installed')
    })

    it('names the full path of a local plugin folder that does not exist', async () => {
      const error = await bootError(fromConfig({ './core/test/fixtures/not-there': {} }))
      const problem = problemOf(error, 'PLUGIN_NOT_FOUND')
      expect(problem.plugin).to.equal('./core/test/fixtures/not-there')
      expect(problem.message).to.include(path.join(repoRoot, 'core/test/fixtures/not-there'))
    })

    it('loads a plugin package by path relative to the site folder', async () => {
      const kernel = await fromConfig({ './core/test/fixtures/widget': {} })
      expect(kernel.pluginIds).to.deep.equal(['widget'])
      expect(kernel.pluginVersion('widget')).to.equal('1.2.3')
      expect(kernel.plan.plugins[0]).to.include({ id: 'widget', version: '1.2.3', kernelRange: '^1.0.0', source: './core/test/fixtures/widget' })
    })

    it('still installs (and so needs) a plugin the config lists with enabled: false', async () => {
      const kernel = await fromConfig({ './core/test/fixtures/widget': { enabled: false } })
      expect(kernel.pluginIds).to.deep.equal(['widget'])
      const error = await bootError(fromConfig({ './core/test/fixtures/not-there': { enabled: false } }))
      expect(problemOf(error, 'PLUGIN_NOT_FOUND').plugin).to.equal('./core/test/fixtures/not-there')
    })
  })

  describe('PLUGIN_DEPENDENCY_MISSING', () => {
    it('names both plugins and the range when the dependency is not enabled', async () => {
      const blog = definePlugin({ id: 'blog', dependencies: { comments: '^2.1.0' } })
      const error = await bootError(prepare([blog]))
      const problem = problemOf(error, 'PLUGIN_DEPENDENCY_MISSING')
      expect(problem.plugin).to.equal('blog')
      expect(problem.message).to.include('"blog"').and.include('"comments"').and.include('^2.1.0')
    })

    it('names both plugins, the range and the installed version when the dependency has the wrong version', async () => {
      const comments = definePlugin({ id: 'comments', version: '1.4.0' })
      const blog = definePlugin({ id: 'blog', dependencies: { comments: '^2.0.0' } })
      const error = await bootError(prepare([blog, comments]))
      const problem = problemOf(error, 'PLUGIN_DEPENDENCY_MISSING')
      expect(problem.plugin).to.equal('blog')
      expect(problem.message).to.include('"blog"').and.include('"comments"').and.include('^2.0.0').and.include('1.4.0')
    })

    it('accepts a dependency whose version is in range', async () => {
      const comments = definePlugin({ id: 'comments', version: '2.3.0' })
      const blog = definePlugin({ id: 'blog', dependencies: { comments: '^2.1.0' } })
      const kernel = await prepare([blog, comments])
      expect(kernel.pluginIds).to.deep.equal(['comments', 'blog'])
    })

    it('boots without an optional dependency, but refuses one in a wrong version', async () => {
      const blog = definePlugin({ id: 'blog', optionalDependencies: { search: '^3.0.0' } })
      expect((await prepare([blog])).pluginIds).to.deep.equal(['blog'])
      const error = await bootError(prepare([blog, definePlugin({ id: 'search', version: '2.0.0' })]))
      const problem = problemOf(error, 'PLUGIN_DEPENDENCY_MISSING')
      expect(problem.message).to.include('"blog"').and.include('"search"').and.include('^3.0.0').and.include('2.0.0')
    })

    it('does not call a dependency "not enabled" when it is enabled but rejected for another reason', async () => {
      const mailer = definePlugin({ id: 'mailer', kernel: '^99.0.0' })
      const digest = definePlugin({ id: 'digest', dependencies: { mailer: '*' } })
      const error = await bootError(prepare([digest, mailer]))
      expect(error.problems.map(p => p.code)).to.deep.equal(['KERNEL_VERSION_MISMATCH'])
    })
  })

  describe('PLUGIN_DEPENDENCY_CYCLE', () => {
    it('prints a two-plugin cycle as a → b → a', async () => {
      const a = definePlugin({ id: 'a', dependencies: { b: '*' } })
      const b = definePlugin({ id: 'b', dependencies: { a: '*' } })
      const error = await bootError(prepare([b, a]))
      const problem = problemOf(error, 'PLUGIN_DEPENDENCY_CYCLE')
      expect(problem.message).to.include('a → b → a')
    })

    it('prints a longer cycle through optional dependencies, and leaves plugins outside it alone', async () => {
      const plugins = [
        definePlugin({ id: 'groups', dependencies: { files: '*' } }),
        definePlugin({ id: 'files', optionalDependencies: { search: '*' } }),
        definePlugin({ id: 'search', dependencies: { groups: '*' } }),
        definePlugin({ id: 'blog', dependencies: { groups: '*' } }),
      ]
      const error = await bootError(prepare(plugins))
      expect(error.problems).to.have.length(1)
      expect(problemOf(error, 'PLUGIN_DEPENDENCY_CYCLE').message).to.include('files → search → groups → files')
    })
  })

  describe('KERNEL_VERSION_MISMATCH', () => {
    it('refuses a plugin package whose @plein/core peer range excludes this kernel, naming both versions', async () => {
      const error = await bootError(fromConfig({ './core/test/fixtures/future-kernel': {} }))
      const problem = problemOf(error, 'KERNEL_VERSION_MISMATCH')
      expect(problem.plugin).to.equal('future-kernel')
      expect(problem.message).to.include('2.3.4').and.include('^99.0.0').and.include(KERNEL_VERSION)
    })

    it('refuses a bare definition that asks for another kernel', async () => {
      const error = await bootError(prepare([definePlugin({ id: 'old', version: '0.9.0', kernel: '^0.1.0' })]))
      expect(problemOf(error, 'KERNEL_VERSION_MISMATCH').message).to.include('"old"').and.include('^0.1.0')
    })

    it('refuses a plugin package that does not say which kernel it needs', async () => {
      const error = await bootError(fromConfig({ './core/test/fixtures/no-kernel-range': {} }))
      const problem = problemOf(error, 'PLUGIN_MANIFEST_INVALID')
      expect(problem.message).to.include('peerDependencies').and.include('@plein/core')
    })
  })

  describe('PLUGIN_SETTINGS_INVALID', () => {
    const mailer = definePlugin({
      id: 'mailer',
      settings: {
        type: 'object',
        additionalProperties: false,
        properties: {
          smtp: {
            type: 'object',
            additionalProperties: false,
            properties: { host: { type: 'string', default: 'localhost' }, port: { type: 'integer', default: 25 } },
          },
          from: { type: 'string', format: 'email' },
        },
      },
    })

    it('names the JSON path of the bad value in site.json', async () => {
      const error = await bootError(prepare([{ source: mailer, settings: { smtp: { port: 'twenty-five' } } }]))
      const problem = problemOf(error, 'PLUGIN_SETTINGS_INVALID')
      expect(problem.plugin).to.equal('mailer')
      expect(problem.path).to.equal('/plugins/mailer/settings/smtp/port')
      expect(problem.message).to.include('/smtp/port').and.include('"mailer"')
    })

    it('lists every bad setting at once, unknown ones included', async () => {
      const error = await bootError(prepare([{ source: mailer, settings: { smtp: { port: 'x' }, from: 'not-an-address', colour: 'red' } }]))
      const paths = error.problems.filter(p => p.code === 'PLUGIN_SETTINGS_INVALID').map(p => p.path)
      expect(paths).to.have.members(['/plugins/mailer/settings/smtp/port', '/plugins/mailer/settings/from', '/plugins/mailer/settings/colour'])
    })

    it('escapes a plugin key that is a path or a scoped package name in the JSON pointer', async () => {
      const error = await bootError(fromConfig({ './core/test/fixtures/widget': { settings: { color: 'green' } } }))
      const problem = problemOf(error, 'PLUGIN_SETTINGS_INVALID')
      expect(problem.path).to.equal('/plugins/.~1core~1test~1fixtures~1widget/settings/color')
      expect(problem.message).to.include('"red", "blue"')
    })

    it('accepts valid settings and a plugin without a settings schema but refuses settings for it', async () => {
      await prepare([{ source: mailer, settings: { smtp: { host: 'mail.example.org' } } }])
      const error = await bootError(prepare([{ source: definePlugin({ id: 'plain' }), settings: { anything: 1 } }]))
      expect(problemOf(error, 'PLUGIN_SETTINGS_INVALID').path).to.equal('/plugins/plain/settings/anything')
    })
  })

  describe('DUPLICATE_PLUGIN', () => {
    it('names both sources of one plugin id', async () => {
      const error = await bootError(prepare([{ source: './core/test/fixtures/widget' }, { source: definePlugin({ id: 'widget' }) }]))
      const problem = problemOf(error, 'DUPLICATE_PLUGIN')
      expect(problem.plugin).to.equal('widget')
      expect(problem.message).to.include('./core/test/fixtures/widget').and.include('"widget"')
    })
  })

  describe('HOOK_OWNER_NOT_DEPENDENCY', () => {
    const feedHooks = defineHooks('feed', () => ({ posted: event<[string]>() }))
    const feed = definePlugin({ id: 'feed', hooks: feedHooks })

    it('refuses a tap on the hooks of a plugin that is not a declared dependency', async () => {
      const stranger = definePlugin({
        id: 'stranger',
        register(ctx) {
          ctx.hooks.of(feedHooks).posted.tap(ctx.id, () => undefined)
        },
      })
      const error = await bootError(prepare([feed, stranger]))
      const problem = problemOf(error, 'HOOK_OWNER_NOT_DEPENDENCY')
      expect(problem.plugin).to.equal('stranger')
      expect(problem.message).to.include('"stranger"').and.include('"feed"').and.include('dependencies')
    })

    it('allows it through dependencies and optionalDependencies, installed or not', async () => {
      const friend = definePlugin({ id: 'friend', dependencies: { feed: '*' }, register: ctx => ctx.hooks.of(feedHooks).posted.tap(ctx.id, () => undefined) })
      const fan = definePlugin({ id: 'fan', optionalDependencies: { feed: '*' }, register: ctx => ctx.hooks.of(feedHooks).posted.tap(ctx.id, () => undefined) })
      expect((await prepare([feed, friend, fan])).pluginIds).to.deep.equal(['feed', 'fan', 'friend'])
      expect((await prepare([fan])).pluginIds).to.deep.equal(['fan'])
    })

    it('reports every plugin that taps without a dependency', async () => {
      const tapper = (id: string) => definePlugin({ id, register: ctx => void ctx.hooks.of(feedHooks).posted.tap(ctx.id, () => undefined) })
      const error = await bootError(prepare([feed, tapper('one'), tapper('two')]))
      expect(error.problems.map(p => [p.code, p.plugin])).to.deep.equal([
        ['HOOK_OWNER_NOT_DEPENDENCY', 'one'],
        ['HOOK_OWNER_NOT_DEPENDENCY', 'two'],
      ])
    })
  })

  describe('PLUGIN_REGISTER_FAILED', () => {
    it('names the plugin whose register() threw', async () => {
      const broken = definePlugin({
        id: 'broken',
        register() {
          throw new Error('no wiring today')
        },
      })
      const problem = problemOf(await bootError(prepare([broken])), 'PLUGIN_REGISTER_FAILED')
      expect(problem.plugin).to.equal('broken')
      expect(problem.message).to.include('"broken"').and.include('no wiring today')
    })
  })

  describe('several problems', () => {
    it('are all listed in one KernelBootError, each with its code', async () => {
      const error = await bootError(
        prepare([
          { source: 'plein-plugin-that-is-not-installed' },
          { source: './core/test/fixtures/future-kernel' },
          { source: './core/test/fixtures/widget' },
          { source: definePlugin({ id: 'widget' }) },
          { source: definePlugin({ id: 'blog', dependencies: { comments: '^1.0.0' } }) },
          { source: definePlugin({ id: 'strict', settings: { type: 'object', properties: { n: { type: 'integer' } } } }), settings: { n: 'x' } },
        ]),
      )
      expect(error).to.be.instanceOf(KernelBootError)
      expect(error.code).to.equal('KERNEL_BOOT_ERROR')
      expect(error.problems.map(p => p.code)).to.have.members([
        'PLUGIN_NOT_FOUND',
        'KERNEL_VERSION_MISMATCH',
        'DUPLICATE_PLUGIN',
        'PLUGIN_DEPENDENCY_MISSING',
        'PLUGIN_SETTINGS_INVALID',
      ])
      expect(error.has('DUPLICATE_PLUGIN')).to.equal(true)
      expect(error.message).to.match(/^Plein cannot start: 5 problems found\./)
      for (const p of error.problems) expect(error.message).to.include(`${p.code}${p.plugin ? ` [${p.plugin}]` : ''}: ${p.message}`)
    })
  })

  describe('SITE_CONFIG_INVALID', () => {
    it('names each bad field of the config by JSON pointer', async () => {
      const config = { name: '', hosts: [], plugins: {}, colour: 'red' } as unknown as SiteConfig
      const error = await bootError(Kernel.prepare({ siteDir: repoRoot, config, log: silentLog() }))
      expect(error.problems.every(p => p.code === 'SITE_CONFIG_INVALID')).to.equal(true)
      expect(error.problems.map(p => p.path)).to.have.members(['/name', '/hosts', '/colour'])
      expect(error.message).to.include('/colour is not a known field')
    })

    it('explains a missing or unreadable site.json', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'plein-site-'))
      try {
        let error = await bootError(Kernel.prepare({ siteDir: dir, log: silentLog() }))
        expect(problemOf(error, 'SITE_CONFIG_INVALID').message).to.include(path.join(dir, 'site.json'))
        writeFileSync(path.join(dir, 'site.json'), '{ "name": "x", ')
        error = await bootError(Kernel.prepare({ siteDir: dir, log: silentLog() }))
        expect(problemOf(error, 'SITE_CONFIG_INVALID').message).to.include('not valid JSON')
        writeFileSync(path.join(dir, 'site.json'), JSON.stringify({ name: 'x', hosts: ['bad host!'], plugins: { 'a-plugin': { enabled: 'yes' } } }))
        error = await bootError(Kernel.prepare({ siteDir: dir, log: silentLog() }))
        expect(error.problems.map(p => p.path)).to.have.members(['/hosts/0', '/plugins/a-plugin/enabled'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it('reads site.json from the site folder and resolves plugin paths against it', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'plein-site-'))
      try {
        const widget = path.relative(dir, path.join(repoRoot, 'core/test/fixtures/widget'))
        writeFileSync(path.join(dir, 'site.json'), JSON.stringify({ name: 'Mine', hosts: ['localhost'], plugins: { [widget]: {} } }))
        const kernel = await Kernel.prepare({ siteDir: dir, log: silentLog() })
        expect(kernel.pluginIds).to.deep.equal(['widget'])
        expect(kernel.config.name).to.equal('Mine')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
})
