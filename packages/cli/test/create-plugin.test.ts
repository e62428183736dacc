// plein create-plugin: refuses bad names and existing folders; a new plugin's own `npm test` passes at once.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { KERNEL_VERSION } from '@plein/core'
import { main, type Io } from '../src/main.js'
import { planPlugin } from '../src/commands/create-plugin.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '../../..')

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: l => stdout.push(l), err: l => stderr.push(l) }
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise(resolve => {
    const child = spawn(command, args, { cwd, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', d => (output += d))
    child.stderr.on('data', d => (output += d))
    child.on('exit', code => resolve({ code, output }))
  })
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'))

describe('plein create-plugin', function () {
  this.timeout(90_000)
  const cleanup: string[] = []
  after(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true })
  })

  it('refuses ids that are not kebab-case or belong to the kernel, and names what to do', async () => {
    for (const bad of ['MyPlugin', '1st', 'my_plugin', 'my--plugin', 'entity', 'kernel']) {
      const io = capture()
      expect(await main(['create-plugin', bad, '--dir', path.join(tmpdir(), `never-${bad}`)], io)).to.equal(1)
      expect(io.stderr.join('\n')).to.match(/kebab-case|reserved/)
      expect(existsSync(path.join(tmpdir(), `never-${bad}`))).to.equal(false)
    }
    const io = capture()
    expect(await main(['create-plugin'], io)).to.equal(2)
    expect(io.stderr.join('\n')).to.contain('give the plugin id')
  })

  it('refuses a folder that exists, and an id a bundled plugin has', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plein-exists-'))
    cleanup.push(dir)
    const io = capture()
    expect(await main(['create-plugin', 'fine-name', '--dir', dir], io)).to.equal(1)
    expect(io.stderr.join('\n')).to.contain('exists already')
    const taken = planPlugin('blog', { dir: path.join(tmpdir(), 'plein-never-blog') })
    expect(taken).to.have.property('error').that.contains('taken by @plein/plugin-blog')
  })

  it('names the package @plein/plugin-<id> in the workspace, and as given elsewhere', () => {
    expect(planPlugin('my-widget', { cwd: repo })).to.include({ id: 'my-widget', packageName: '@plein/plugin-my-widget', folder: path.join(repo, 'plugins', 'my-widget') })
    expect(planPlugin('my-widget', { dir: path.join(tmpdir(), 'plein-x', 'my-widget') })).to.include({ packageName: 'my-widget', workspace: undefined })
    expect(planPlugin('@acme/plein-plugin-my-widget', { dir: path.join(tmpdir(), 'plein-x', 'w') })).to.include({ id: 'my-widget', packageName: '@acme/plein-plugin-my-widget' })
  })

  it('scaffolds a workspace plugin under plugins/ whose own npm test passes straight away', async () => {
    // A temporary workspace shaped like this repository (its node_modules are this checkout's), so that
    // nothing appears under this checkout's plugins/ while other runs may be reading it.
    const workspace = mkdtempSync(path.join(tmpdir(), 'plein-workspace-'))
    cleanup.push(workspace)
    writeFileSync(path.join(workspace, 'package.json'), JSON.stringify({ name: 'scaffold-workspace', private: true, type: 'module', workspaces: ['plugins/*'] }))
    symlinkSync(path.join(repo, 'node_modules'), path.join(workspace, 'node_modules'), 'dir')
    const id = `scaffold-${Math.random().toString(36).slice(2, 8)}`
    const dir = path.join(workspace, 'plugins', id)
    const io = capture()
    expect(await main(['create-plugin', id, '--dir', dir], io), io.stderr.join('\n')).to.equal(0)
    const pkg = readJson(path.join(dir, 'package.json'))
    expect(pkg.name).to.equal(`@plein/plugin-${id}`)
    expect(pkg.plein).to.deep.equal({ plugin: id })
    expect(pkg.peerDependencies).to.deep.equal({ '@plein/core': `^${KERNEL_VERSION.split('.')[0]}.0.0` })
    expect(pkg.exports['.']).to.include({ source: './src/index.ts' })
    expect(pkg.exports['./api']).to.include({ source: './src/api.ts' })
    expect(pkg.scripts.test).to.equal('mocha')
    expect(pkg.devDependencies).to.equal(undefined)
    expect(readJson(path.join(dir, '.mocharc.json'))['node-option']).to.deep.equal(['import=tsx', 'conditions=source'])
    const migration = io.stdout.find(l => l.includes('src/migrations/'))!
    expect(readFileSync(path.join(dir, migration.trim()), 'utf8')).to.contain(`CREATE TABLE ${id.replace(/-/g, '_')}_note`)
    expect(io.stdout.join('\n')).to.contain('npm test')

    const test = await run('npm', ['test'], dir)
    expect(test.code, test.output).to.equal(0)
    expect(test.output).to.match(/7 passing/)
    expect(test.output).not.to.match(/failing/)
  })

  it('scaffolds a standalone plugin elsewhere with its own dev dependencies linked to this checkout', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'plein-standalone-'))
    cleanup.push(parent)
    const dir = path.join(parent, 'my-plugin')
    const io = capture()
    expect(await main(['create-plugin', 'my-plugin', '--dir', dir, '--no-install'], io), io.stderr.join('\n')).to.equal(0)
    const pkg = readJson(path.join(dir, 'package.json'))
    expect(pkg.name).to.equal('my-plugin')
    expect(pkg.devDependencies['@plein/core']).to.equal(`file:${path.join(repo, 'core')}`)
    expect(pkg.devDependencies['@plein/testing']).to.equal(`file:${path.join(repo, 'packages', 'testing')}`)
    expect(pkg.devDependencies).to.include.keys('mocha', 'chai', 'tsx', 'typescript')
    expect(pkg.scripts).to.include({ test: 'mocha', typecheck: 'tsc --noEmit' })
    expect(readJson(path.join(dir, 'tsconfig.json')).compilerOptions.customConditions).to.deep.equal(['source'])
    expect(io.stdout.join('\n')).to.contain('npm install')
  })

  // Needs the npm registry (mocha, chai, tsx, typescript): run with PLEIN_TEST_NETWORK=1.
  it('a standalone plugin installs and passes its own npm test (PLEIN_TEST_NETWORK=1)', async function () {
    if (!process.env.PLEIN_TEST_NETWORK) this.skip()
    this.timeout(240_000)
    const parent = mkdtempSync(path.join(tmpdir(), 'plein-standalone-'))
    cleanup.push(parent)
    mkdirSync(parent, { recursive: true })
    const dir = path.join(parent, 'my-plugin')
    const io = capture()
    expect(await main(['create-plugin', 'my-plugin', '--dir', dir], io), io.stderr.join('\n')).to.equal(0)
    const test = await run('npm', ['test'], dir)
    expect(test.code, test.output).to.equal(0)
    expect(test.output).to.match(/7 passing/)
    const typecheck = await run('npm', ['run', 'typecheck'], dir)
    expect(typecheck.code, typecheck.output).to.equal(0)
  })
})
