// plein create-plugin <name> [--dir <folder>] [--no-install]: scaffolds a plugin package whose tests pass at once.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { KERNEL_VERSION } from '@plein/core'
import type { Io } from '../main.js'
import { derivedNames, pluginFiles } from './plugin-template.js'

export interface CreatePluginOptions {
  /** The plugin folder; default `plugins/<id>` under the current folder. */
  dir?: string
  /** Run `npm install` in a standalone plugin's folder (default true; the workspace needs none). */
  install?: boolean
  /** Where relative paths start (default: the current folder). */
  cwd?: string
}

/** Plugin ids the kernel uses for its own hook owners: a plugin cannot own hooks under these names. */
const RESERVED_IDS = new Set(['kernel', 'access', 'entity', 'identity', 'content', 'core', 'plein'])
const ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/
const PACKAGE = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/

/** The Plein checkout this command runs from (core/ and packages/testing/ next to packages/cli/), if any. */
export function checkoutRoot(): string | undefined {
  const candidate = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
  const ok = ['core/package.json', 'packages/testing/package.json', 'packages/cli/package.json'].every(f => existsSync(path.join(candidate, f)))
  return ok ? candidate : undefined
}

/** The npm workspace root whose `workspaces` globs (like `plugins/*`) take in `folder`, if any. */
export function workspaceRootOf(folder: string): string | undefined {
  let dir = path.dirname(folder)
  for (;;) {
    const file = path.join(dir, 'package.json')
    if (existsSync(file)) {
      try {
        const workspaces: unknown = JSON.parse(readFileSync(file, 'utf8')).workspaces
        const globs = Array.isArray(workspaces) ? workspaces : (workspaces as { packages?: unknown } | undefined)?.packages
        if (Array.isArray(globs)) {
          const rel = path.relative(dir, folder).split(path.sep).join('/')
          const member = globs.some(g => typeof g === 'string' && new RegExp(`^${g.split('*').map(escapeRegExp).join('[^/]+')}$`).test(rel))
          return member ? dir : undefined
        }
      } catch {
        // Not a readable package.json: keep looking upwards.
      }
    }
    const up = path.dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Plugin ids of the plugins in a workspace's plugins/ folder. */
function workspacePluginIds(root: string): Map<string, string> {
  const ids = new Map<string, string>()
  const dir = path.join(root, 'plugins')
  if (!existsSync(dir)) return ids
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry, 'package.json')
    if (!existsSync(file)) continue
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8'))
      if (pkg.plein?.plugin) ids.set(pkg.plein.plugin, pkg.name)
    } catch {
      // skip
    }
  }
  return ids
}

export interface PluginPlan {
  id: string
  packageName: string
  folder: string
  workspace: string | undefined
}

/** Checks the name and the folder; returns what will be made, or a message saying what to change. */
export function planPlugin(name: string, options: CreatePluginOptions = {}): PluginPlan | { error: string } {
  const cwd = options.cwd ?? process.cwd()
  const scoped = name.includes('/') || name.startsWith('@')
  let id = name
  if (scoped || name.startsWith('plein-plugin-')) {
    if (!PACKAGE.test(name) || name.length > 214) return { error: `"${name}" is not a valid npm package name (lower case, no spaces).` }
    id = name.slice(name.lastIndexOf('/') + 1).replace(/^plein-plugin-/, '').replace(/^plugin-/, '')
  }
  if (!ID.test(id)) {
    return { error: `"${id}" is not a plugin id: use kebab-case, lower-case letters and digits, starting with a letter (e.g. "polls" or "my-widget").` }
  }
  if (id.length > 40) return { error: `"${id}" is too long for a plugin id (at most 40 characters; it prefixes table names).` }
  if (RESERVED_IDS.has(id)) return { error: `"${id}" is reserved for the kernel; choose another plugin id.` }
  const folder = path.resolve(cwd, options.dir ?? path.join('plugins', id))
  if (existsSync(folder)) return { error: `${folder} exists already; choose another name or --dir (nothing was written).` }
  const workspace = workspaceRootOf(folder)
  const root = workspace ?? checkoutRoot()
  const existing = root ? workspacePluginIds(root).get(id) : undefined
  if (existing) return { error: `Plugin id "${id}" is taken by ${existing} in ${root}; two plugins with one id cannot run on one site.` }
  const packageName = scoped || name.startsWith('plein-plugin-') ? name : workspace ? `@plein/plugin-${id}` : id
  return { id, packageName, folder, workspace }
}

/** devDependencies of a plugin outside the workspace: the kernel and test kit of this checkout (file: links), or from npm. */
function standaloneDevDependencies(): Record<string, string> {
  const root = checkoutRoot()
  const rootDev: Record<string, string> = root ? (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies ?? {}) : {}
  const pick = (name: string, fallback: string) => rootDev[name] ?? fallback
  const major = KERNEL_VERSION.split('.')[0]
  return {
    '@plein/core': root ? `file:${path.join(root, 'core')}` : `^${major}.0.0`,
    '@plein/testing': root ? `file:${path.join(root, 'packages', 'testing')}` : `^${major}.0.0`,
    '@types/chai': pick('@types/chai', '^5.2.3'),
    '@types/mocha': pick('@types/mocha', '^10.0.10'),
    '@types/node': pick('@types/node', '^20.11.0'),
    chai: pick('chai', '^6.3.0'),
    mocha: pick('mocha', '^12.0.3'),
    tsx: pick('tsx', '^4.23.15'),
    typescript: pick('typescript', '^7.0.2'),
  }
}

/** Writes the plugin into a temporary sibling folder, then renames it: a failure leaves nothing half-made. */
export function writePlugin(plan: PluginPlan, timestamp = Date.now()): string[] {
  const files = pluginFiles({
    id: plan.id,
    packageName: plan.packageName,
    kernelRange: `^${KERNEL_VERSION.split('.')[0]}.0.0`,
    timestamp,
    workspace: plan.workspace !== undefined,
    devDependencies: standaloneDevDependencies(),
  })
  const parent = path.dirname(plan.folder)
  mkdirSync(parent, { recursive: true })
  const temp = path.join(parent, `.${path.basename(plan.folder)}.creating-${process.pid}`)
  rmSync(temp, { recursive: true, force: true })
  try {
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(temp, name)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, text)
    }
    renameSync(temp, plan.folder)
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    throw error
  }
  return Object.keys(files).sort()
}

export async function createPluginCommand(name: string | undefined, io: Io, options: CreatePluginOptions = {}): Promise<number> {
  if (!name) {
    io.err('plein create-plugin: give the plugin id, e.g. `plein create-plugin my-widget` (or --dir <folder> for a folder outside plugins/).')
    return 2
  }
  const plan = planPlugin(name, options)
  if ('error' in plan) {
    io.err(`plein create-plugin: ${plan.error}`)
    return 1
  }
  const files = writePlugin(plan)
  const n = derivedNames(plan.id)
  const rel = path.relative(options.cwd ?? process.cwd(), plan.folder)
  const shown = rel === '' ? '.' : rel.startsWith('..') ? plan.folder : rel
  io.out(`Created plugin "${plan.id}" (${plan.packageName}) in ${plan.folder}:`)
  for (const f of files) io.out(`  ${f}`)
  if (!plan.workspace && options.install !== false) {
    io.out('Installing its development dependencies (npm install) …')
    const run = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: plan.folder, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
    if (run.status !== 0) {
      io.err(`npm install failed in ${plan.folder}:\n${run.stderr || run.stdout}`)
      io.err('Fix the problem and run `npm install` there yourself; the plugin files are in place.')
      return 1
    }
  }
  io.out('')
  io.out('Next:')
  io.out(`  cd ${shown} && npm test            # the plugin's own tests, green from the start`)
  if (plan.workspace) {
    io.out(`  npm install                         # at ${plan.workspace}: links ${plan.packageName} into the workspace`)
    io.out(`  npm run docs:hooks                  # adds ${plan.id}'s hooks to docs/hooks.md`)
    io.out(`  add "${plan.packageName}": {} to the "plugins" of a site.json, then \`npm run plein -- check <siteDir>\``)
  } else {
    if (options.install === false) io.out(`  cd ${shown} && npm install         # first: the kernel, the test kit, mocha and tsx`)
    io.out(`  add "${plan.folder}": {} (a path) or the published "${plan.packageName}" to the "plugins" of a site.json`)
  }
  io.out(`  then open ${n.apiPath} and ${n.pagePath} on the site. The guide: docs/plugins.md.`)
  return 0
}
