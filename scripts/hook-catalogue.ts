// Generates docs/hooks.md, the catalogue of every hook the kernel and the bundled plugins declare.
// Names, kinds, `since` and descriptions come from the hook sets themselves (imported, nothing booted);
// argument types are read from the defineHooks(...) source text, as written.
//   node --import tsx --conditions=source scripts/hook-catalogue.ts           writes docs/hooks.md
//   node --import tsx --conditions=source scripts/hook-catalogue.ts --check   fails when it is out of date
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { accessHooks, entityHooks, identityHooks, kernelHooks, type HookSetDefinition } from '@plein/core'
import { hooksInSource, signatureOf, type HookTypes } from './lib/hook-source.js'
import { readText, relative, root, subfolders, tsFiles } from './lib/source.js'
import { firstDifference } from './lib/stale.js'

export const CATALOGUE = path.join(root, 'docs', 'hooks.md')

interface HookSetSource {
  set: HookSetDefinition
  /** The export name, e.g. `blogHooks`. */
  exportName: string
  /** Where plugins import it from, e.g. `@plein/core` or `@plein/plugin-blog/api`. */
  module: string
  /** Folder whose sources declare it. */
  sourceDir: string
  core: boolean
}

const isHookSet = (value: unknown): value is HookSetDefinition =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as HookSetDefinition).owner === 'string' &&
  typeof (value as HookSetDefinition).specs === 'object' &&
  typeof (value as HookSetDefinition).deprecated === 'object'

/** The `source` (else default) file of a package export, e.g. exports["./api"]. */
function exportFile(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry
  if (entry && typeof entry === 'object') {
    const e = entry as Record<string, unknown>
    return (typeof e.source === 'string' ? e.source : undefined) ?? (typeof e.default === 'string' ? e.default : undefined)
  }
  return undefined
}

export async function collectHookSets(): Promise<HookSetSource[]> {
  const coreDir = path.join(root, 'core', 'src')
  const sets: HookSetSource[] = [
    { set: kernelHooks, exportName: 'kernelHooks', module: '@plein/core', sourceDir: coreDir, core: true },
    { set: accessHooks, exportName: 'accessHooks', module: '@plein/core', sourceDir: coreDir, core: true },
    { set: entityHooks, exportName: 'entityHooks', module: '@plein/core', sourceDir: coreDir, core: true },
    { set: identityHooks, exportName: 'identityHooks', module: '@plein/core', sourceDir: coreDir, core: true },
  ]
  for (const dir of subfolders(path.join(root, 'plugins'))) {
    const pkgFile = path.join(dir, 'package.json')
    if (!existsSync(pkgFile)) continue
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'))
    const api = exportFile(pkg.exports?.['./api'])
    if (!api) continue
    const mod = await import(pathToFileURL(path.join(dir, api)).href)
    for (const [name, value] of Object.entries(mod)) {
      if (isHookSet(value) && !sets.some(s => s.set === value)) {
        sets.push({ set: value, exportName: name, module: `${pkg.name}/api`, sourceDir: path.join(dir, 'src'), core: false })
      }
    }
  }
  return sets
}

/** The argument types of every hook of `source.set`, from the file that declares it. */
function typesOf(source: HookSetSource): { file: string; hooks: Map<string, HookTypes> } {
  for (const file of tsFiles(source.sourceDir)) {
    const hooks = hooksInSource(readText(file), source.set.owner)
    if (hooks) return { file, hooks }
  }
  throw new Error(`No defineHooks('${source.set.owner}', …) found under ${relative(source.sourceDir)}`)
}

/** Hook owners declared in plugin sources but not exported from the plugin's api.ts: others could not tap them. */
function undeclaredOwners(sets: HookSetSource[]): string[] {
  const known = new Set(sets.map(s => s.set.owner))
  const problems: string[] = []
  for (const dir of subfolders(path.join(root, 'plugins'))) {
    for (const file of tsFiles(path.join(dir, 'src'))) {
      for (const m of readText(file).matchAll(/\bdefineHooks\s*(?:<[^(]*>)?\s*\(\s*['"]([a-z][a-z0-9-]*)['"]/g)) {
        if (!known.has(m[1]!)) problems.push(`${relative(file)} declares hooks of "${m[1]}" that its package's "./api" export does not export`)
      }
    }
  }
  return problems
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
const code = (text: string) => '`' + cell(text) + '`'

const KIND_POLICY: Record<string, string> = {
  event: '**event**: something happened; every tap runs, a throwing tap is logged and the others still run',
  filter: '**filter**: a value passes through every tap; a throwing tap fails the call (HookTapError names the plugin)',
  decision: '**decision**: the first tap that answers (returns anything but undefined) decides; a throwing tap fails the call',
}

export async function renderCatalogue(): Promise<string> {
  const sets = await collectHookSets()
  const problems = undeclaredOwners(sets)
  if (problems.length > 0) throw new Error(problems.join('\n'))
  const lines: string[] = []
  const total = sets.reduce((n, s) => n + Object.keys(s.set.specs).length, 0)
  lines.push('# Hook catalogue')
  lines.push('')
  lines.push('<!-- Generated by `npm run docs:hooks` (scripts/hook-catalogue.ts). Do not edit by hand: `npm run check:hooks` fails when this file is out of date. -->')
  lines.push('')
  lines.push(
    `Every hook the kernel and the bundled plugins declare: ${total} hooks of ${sets.length} owners. Names, kinds, versions and`,
    'descriptions come from the hook sets themselves; argument types are copied from their `defineHooks(...)` source.',
    'How to tap and call hooks, and what each kind does when a tap fails: [docs/plugins.md](plugins.md#hooks).',
  )
  lines.push('')
  lines.push('Kinds:')
  for (const kind of ['event', 'filter', 'decision']) lines.push(`- ${KIND_POLICY[kind]}.`)
  lines.push('')
  lines.push('A tap function has the signature shown; the owner calls the hook with a scope (a site) first:')
  lines.push('`hooks.published.call(site, …arguments)`, and for a filter `call(site, value, …arguments)`.')
  lines.push('')
  lines.push('| owner | import | hooks | who may tap |')
  lines.push('|---|---|---|---|')
  for (const s of sets) {
    const who = s.core ? 'every plugin' : `plugins that list \`${s.set.owner}\` in \`dependencies\` or \`optionalDependencies\``
    lines.push(`| [${s.set.owner}](#${s.set.owner}) | \`import { ${s.exportName} } from '${s.module}'\` | ${Object.keys(s.set.specs).length} | ${who} |`)
  }
  for (const s of sets) {
    const { file, hooks } = typesOf(s)
    lines.push('')
    lines.push(`## ${s.set.owner}`)
    lines.push('')
    lines.push(`\`${s.exportName}\` from \`${s.module}\`, declared in \`${relative(file)}\`.`)
    lines.push('')
    lines.push('| hook | kind | tap signature | since | description |')
    lines.push('|---|---|---|---|---|')
    for (const [name, spec] of Object.entries(s.set.specs)) {
      const types = hooks.get(name)
      if (!types) throw new Error(`${relative(file)}: hook "${s.set.owner}.${name}" not found in the defineHooks('${s.set.owner}', …) source`)
      if (types.kind !== spec.kind) throw new Error(`${relative(file)}: "${s.set.owner}.${name}" is a ${spec.kind} but reads as ${types.kind} in the source`)
      lines.push(`| \`${s.set.owner}.${name}\` | ${spec.kind} | ${code(signatureOf(types))} | ${spec.since ?? '—'} | ${cell(spec.description ?? '')} |`)
    }
    const deprecated = Object.entries(s.set.deprecated)
    if (deprecated.length > 0) {
      lines.push('')
      lines.push('Deprecated names (still reachable; the kernel names every plugin that uses them at boot and in `plein check`):')
      lines.push('')
      for (const [old, d] of deprecated) {
        lines.push(`- \`${s.set.owner}.${old}\` → use \`${s.set.owner}.${d.use}\` (deprecated since ${d.since}, removed in ${d.removeIn})`)
      }
    }
  }
  lines.push('')
  return lines.join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check')
  const text = await renderCatalogue()
  if (check) {
    const current = existsSync(CATALOGUE) ? readFileSync(CATALOGUE, 'utf8') : ''
    if (current !== text) {
      console.error(`docs/hooks.md is out of date with the hook declarations (${firstDifference(current, text)}).\nRun \`npm run docs:hooks\` and commit the result.`)
      process.exitCode = 1
    } else {
      console.log('docs/hooks.md is up to date.')
    }
  } else {
    writeFileSync(CATALOGUE, text)
    console.log(`Wrote ${relative(CATALOGUE)}.`)
  }
}
