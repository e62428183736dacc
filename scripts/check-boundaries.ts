// Fails when code crosses a boundary of ARCHITECTURE §1: a plugin reaching into another plugin's
// internals or outside its own folder, a deep import into the kernel, or the kernel importing a plugin.
// Run: node --import tsx scripts/check-boundaries.ts   (npm run check:boundaries)
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { importsOf, readText, relative, root, subfolders, tsFiles } from './lib/source.js'

export interface Violation {
  file: string
  line: number
  specifier: string
  rule: string
}

interface Area {
  /** core, plugin, package, or repository-level code (cross-plugin tests, benchmarks, scripts). */
  kind: 'core' | 'plugin' | 'package' | 'repo'
  /** The folder the code may not leave with a relative import. */
  folder: string
  /** For plugins: the package.json, to check that other plugins it imports are declared. */
  pkg?: { name?: string; peerDependencies?: Record<string, string>; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; devDependencies?: Record<string, string> }
  /** Production code (src/) rather than tests. */
  production: boolean
}

const PLUGIN_SPECIFIER = /^@plein\/plugin-([a-z0-9-]+)(?:\/(.*))?$/

function readPackage(dir: string): Area['pkg'] {
  const file = path.join(dir, 'package.json')
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
}

function areas(): Array<{ area: Area; files: string[] }> {
  const out: Array<{ area: Area; files: string[] }> = []
  const core = path.join(root, 'core')
  out.push({ area: { kind: 'core', folder: core, production: true }, files: tsFiles(path.join(core, 'src')) })
  out.push({ area: { kind: 'core', folder: core, production: false }, files: tsFiles(path.join(core, 'test')) })
  for (const dir of subfolders(path.join(root, 'plugins'))) {
    const pkg = readPackage(dir)
    out.push({ area: { kind: 'plugin', folder: dir, pkg, production: true }, files: tsFiles(path.join(dir, 'src')) })
    out.push({ area: { kind: 'plugin', folder: dir, pkg, production: false }, files: tsFiles(path.join(dir, 'test')) })
  }
  for (const dir of subfolders(path.join(root, 'packages'))) {
    out.push({ area: { kind: 'package', folder: dir, production: true }, files: tsFiles(path.join(dir, 'src')) })
    out.push({ area: { kind: 'package', folder: dir, production: false }, files: tsFiles(path.join(dir, 'test')) })
  }
  for (const dir of ['test', 'bench', 'scripts']) {
    out.push({ area: { kind: 'repo', folder: root, production: false }, files: tsFiles(path.join(root, dir)) })
  }
  return out
}

const inside = (folder: string, target: string) => target === folder || target.startsWith(folder + path.sep)

/** The violations of one import of `file` (in `area`). */
export function checkImport(area: Area, file: string, specifier: string): string | undefined {
  if (specifier.startsWith('@plein/core/')) {
    return `deep import into the kernel: import from '@plein/core' (its one public entry point) instead`
  }
  const plugin = PLUGIN_SPECIFIER.exec(specifier)
  if (plugin && plugin[2] !== undefined && plugin[2] !== 'api') {
    return `reaches into plugin "${plugin[1]}": only '@plein/plugin-${plugin[1]}' and '@plein/plugin-${plugin[1]}/api' are public`
  }
  if (specifier.startsWith('.')) {
    const target = path.resolve(path.dirname(file), specifier)
    if (area.kind === 'plugin' && !inside(area.folder, target)) {
      return `relative import leaves the plugin's folder (${relative(area.folder)}): import other plugins by package name, the kernel as '@plein/core'`
    }
    if (area.kind === 'core' && !inside(area.folder, target)) return 'the kernel imports nothing outside core/ (never a plugin)'
    if (area.kind === 'package' && !inside(area.folder, target)) {
      return `relative import leaves ${relative(area.folder)}: import other workspaces by package name`
    }
    if (area.kind === 'repo') {
      for (const kind of ['core', 'plugins', 'packages']) {
        const top = path.join(root, kind)
        if (inside(top, target) && /[/\\]src([/\\]|$)/.test(path.relative(top, target))) {
          return `imports internals (${relative(target)}): use the package's public exports`
        }
      }
    }
    return undefined
  }
  if (area.kind === 'core' && area.production && specifier.startsWith('@plein/')) {
    return `the kernel never imports a plugin or another workspace (${specifier})`
  }
  if (area.kind === 'plugin' && area.production) {
    if (specifier === '@plein/testing' || specifier === '@plein/cli') return `${specifier} is for tests and tools, not for a plugin's code`
    if (plugin) {
      const name = `@plein/plugin-${plugin[1]}`
      const pkg = area.pkg ?? {}
      const declared = [pkg.peerDependencies, pkg.dependencies, pkg.optionalDependencies].some(d => d && name in d)
      if (name !== pkg.name && !declared) {
        return `imports ${name} without declaring it in package.json (peerDependencies, with peerDependenciesMeta optional for an optional dependency)`
      }
    }
  }
  return undefined
}

export function findViolations(): { violations: Violation[]; files: number } {
  const violations: Violation[] = []
  let files = 0
  for (const { area, files: list } of areas()) {
    for (const file of list) {
      files++
      for (const ref of importsOf(readText(file))) {
        const rule = checkImport(area, file, ref.specifier)
        if (rule) violations.push({ file: relative(file), line: ref.line, specifier: ref.specifier, rule })
      }
    }
  }
  return { violations, files }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now()
  const { violations, files } = findViolations()
  if (violations.length > 0) {
    console.error(`Boundary check failed: ${violations.length} import${violations.length === 1 ? '' : 's'} cross a boundary (docs/plugins.md, "Boundaries").`)
    for (const v of violations) console.error(`  ${v.file}:${v.line}  '${v.specifier}'  ${v.rule}`)
    process.exitCode = 1
  } else {
    console.log(`Boundaries hold: ${files} files checked in ${Math.round(performance.now() - started)} ms.`)
  }
}
