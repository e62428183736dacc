// The repository's checks (npm run check): the boundary rules, the hook-catalogue reader and the API-report
// reader, on small inputs whose right answer is known.
import path from 'node:path'
import { expect } from 'chai'
import { parseDeclarations, entryExports } from '../scripts/api-report.js'
import { checkImport } from '../scripts/check-boundaries.js'
import { hooksInSource, signatureOf, splitTopLevel } from '../scripts/lib/hook-source.js'
import { importsOf, root } from '../scripts/lib/source.js'

describe('npm run check', () => {
  describe('boundaries', () => {
    const blog = path.join(root, 'plugins', 'blog')
    const plugin = { kind: 'plugin' as const, folder: blog, production: true, pkg: { name: '@plein/plugin-blog', peerDependencies: { '@plein/core': '^1.0.0', '@plein/plugin-comments': '^1.0.0' } } }
    const file = path.join(blog, 'src', 'routes', 'posts.ts')
    const core = { kind: 'core' as const, folder: path.join(root, 'core'), production: true }

    it("lets a plugin import the kernel's entry point and the public exports of plugins it declares", () => {
      for (const ok of ['@plein/core', '@plein/plugin-comments', '@plein/plugin-comments/api', '../service.js', './x.js', 'node:fs', 'typeorm']) {
        expect(checkImport(plugin, file, ok), ok).to.equal(undefined)
      }
    })

    it("refuses deep imports into the kernel or another plugin, and relative paths out of the plugin's folder", () => {
      expect(checkImport(plugin, file, '@plein/core/src/kernel/kernel.js')).to.match(/deep import/)
      expect(checkImport(plugin, file, '@plein/plugin-comments/src/service.js')).to.match(/only '@plein\/plugin-comments' and '@plein\/plugin-comments\/api'/)
      expect(checkImport(plugin, file, '../../../comments/src/index.js')).to.match(/leaves the plugin's folder/)
      expect(checkImport(plugin, file, '../../../../core/src/index.js')).to.match(/leaves the plugin's folder/)
    })

    it('refuses a plugin that imports a plugin it does not declare, or the test kit in production code', () => {
      expect(checkImport(plugin, file, '@plein/plugin-groups/api')).to.match(/without declaring it/)
      expect(checkImport(plugin, file, '@plein/testing')).to.match(/for tests and tools/)
      expect(checkImport({ ...plugin, production: false }, path.join(blog, 'test', 'a.test.ts'), '@plein/testing')).to.equal(undefined)
    })

    it('refuses a kernel that imports a plugin', () => {
      const kernelFile = path.join(root, 'core', 'src', 'kernel', 'kernel.ts')
      expect(checkImport(core, kernelFile, '@plein/plugin-blog')).to.match(/never imports a plugin/)
      expect(checkImport(core, kernelFile, '../../../plugins/blog/src/index.js')).to.match(/nothing outside core/)
      expect(checkImport(core, kernelFile, '../hooks/live.js')).to.equal(undefined)
    })

    it('reads static, type-only, side-effect and dynamic imports, and nothing in comments or strings', () => {
      const refs = importsOf(
        [
          "import { a, type B } from './a.js'",
          "import type { C } from '@plein/core'",
          "import 'reflect-metadata'",
          "export { d } from '../d.js'",
          "const e = await import('@plein/plugin-e/api')",
          "// import x from '@plein/core/hidden'",
          "const s = \"import y from '@plein/core/inside-a-string'\"",
          'import {',
          '  f,',
          "} from './f.js'",
        ].join('\n'),
      )
      expect(refs.map(r => r.specifier)).to.deep.equal(['./a.js', '@plein/core', 'reflect-metadata', '../d.js', '@plein/plugin-e/api', './f.js'])
      expect(refs.find(r => r.specifier === '@plein/core')!.typeOnly).to.equal(true)
      expect(refs.find(r => r.specifier === './f.js')!.line).to.equal(8)
    })
  })

  describe('hook catalogue', () => {
    const source = `
      export const xHooks = defineHooks('x-y', () => ({
        // a comment with started: event<[Nope]>()
        started: event<[KernelStartedInfo]>({ since: '1.0.0' }),
        resolve: decision<[host: string, fn: (a: number) => string], Map<string, Array<{ a: 1 }>>>({ description: 'x > y' }),
        serialize: filter<
          Array<Record<string, unknown>>,
          [EntityRecord[], Viewer]
        >({ since: '1.1.0' }),
        quiet: event(),
      }))
      export const other = defineHooks('other', () => ({ z: event<[Z]>() }))
    `

    it('reads the kind and the type arguments of every hook of one owner, as written', () => {
      const hooks = hooksInSource(source, 'x-y')!
      expect([...hooks.keys()]).to.deep.equal(['started', 'resolve', 'serialize', 'quiet'])
      expect(hooks.get('resolve')).to.deep.equal({ kind: 'decision', typeArgs: ['[host: string, fn: (a: number) => string]', 'Map<string, Array<{ a: 1 }>>'] })
      expect(hooks.get('serialize')!.typeArgs).to.deep.equal(['Array<Record<string, unknown>>', '[EntityRecord[], Viewer]'])
      expect(hooksInSource(source, 'missing')).to.equal(undefined)
      expect([...hooksInSource(source, 'other')!.keys()]).to.deep.equal(['z'])
    })

    it('writes each kind as the signature of its taps', () => {
      const hooks = hooksInSource(source, 'x-y')!
      expect(signatureOf(hooks.get('started')!)).to.equal('(KernelStartedInfo) → void')
      expect(signatureOf(hooks.get('resolve')!)).to.equal('(host: string, fn: (a: number) => string) → Map<string, Array<{ a: 1 }>> | undefined')
      expect(signatureOf(hooks.get('serialize')!)).to.equal('(value: Array<Record<string, unknown>>, EntityRecord[], Viewer) → Array<Record<string, unknown>>')
      expect(signatureOf(hooks.get('quiet')!)).to.equal('() → void')
      expect(splitTopLevel('a, b<c, d>, [e, f], (g: h) => i')).to.deep.equal(['a', 'b<c, d>', '[e, f]', '(g: h) => i'])
    })
  })

  describe('API report', () => {
    it('reads declarations from tsc output, leaving out comments and private members', () => {
      const mod = parseDeclarations(
        [
          "import { type Logger } from 'pino';",
          'export type { Logger };',
          '/** Says hello. */',
          'export declare function hello(name: string): string;',
          'export declare class Greeter {',
          '    private readonly secret;',
          '    readonly name: string;',
          '    /** Greets. */',
          '    greet(): string;',
          '}',
          'export interface Options {',
          '    loud?: boolean;',
          '}',
          "export { shout as yell } from './shout.js';",
          'declare const hidden: unique symbol;',
        ].join('\n'),
      )
      expect(mod.declarations.map(d => [d.name, d.keyword])).to.deep.equal([
        ['hello', 'function'],
        ['Greeter', 'class'],
        ['Options', 'interface'],
      ])
      expect(mod.declarations[1]!.text).to.equal('export declare class Greeter {\n    readonly name: string;\n    greet(): string;\n}')
      expect(mod.reexports.get('Logger')).to.deep.equal({ from: 'pino', name: 'Logger', typeOnly: true })
      expect(mod.reexports.get('yell')).to.deep.equal({ from: './shout.js', name: 'shout', typeOnly: false })
    })

    it('reads every named export of the entry point and refuses export *', () => {
      expect(entryExports("export { a, type B as C } from './x.js';\nexport type { D } from 'dep';")).to.deep.equal([
        { name: 'a', from: './x.js', original: 'a', typeOnly: false },
        { name: 'C', from: './x.js', original: 'B', typeOnly: true },
        { name: 'D', from: 'dep', original: 'D', typeOnly: true },
      ])
      expect(() => entryExports("export * from './x.js'")).to.throw(/export \*/)
    })
  })
})
