// Writes core/api-report.md: every export of the kernel's one public entry point (core/src/index.ts)
// with its kind and its declaration as the TypeScript compiler emits it (tsc declaration output,
// comments and private members left out), so that a change to the kernel's API shows in review.
//   node --import tsx scripts/api-report.ts           writes core/api-report.md
//   node --import tsx scripts/api-report.ts --check   fails when core/api-report.md is out of date
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { relative, root } from './lib/source.js'
import { firstDifference } from './lib/stale.js'

export const REPORT = path.join(root, 'core', 'api-report.md')

export interface Declaration {
  name: string
  keyword: string
  /** The declaration without comments (and without private members of classes). */
  text: string
}

export interface ModuleDeclarations {
  declarations: Declaration[]
  /** `export { a, type B } from './x.js'` inside the module: name → [module, original name]. */
  reexports: Map<string, { from: string; name: string; typeOnly: boolean }>
}

const DECLARATION = /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(function|const|let|var|class|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/
const ABSTRACT = /^(?:export\s+)?(?:declare\s+)?abstract\s+class/

/** Splits a .d.ts into its top-level declarations. tsc writes each at column 0 and indents its body. */
export function parseDeclarations(dts: string): ModuleDeclarations {
  const chunks: string[][] = []
  let current: string[] | undefined
  let inComment = false
  for (const line of dts.split('\n')) {
    const trimmed = line.trim()
    if (inComment) {
      if (trimmed.includes('*/')) inComment = false
      continue
    }
    if (trimmed.startsWith('/*')) {
      if (!trimmed.includes('*/')) inComment = true
      continue
    }
    if (trimmed === '' || trimmed.startsWith('//')) continue
    const topLevel = !/^\s/.test(line) && !/^[}\])]/.test(line)
    if (topLevel) {
      current = [line]
      chunks.push(current)
    } else {
      current?.push(line)
    }
  }
  const declarations: Declaration[] = []
  const reexports: ModuleDeclarations['reexports'] = new Map()
  // What the module imports, for `export { X }` of an imported name.
  const imported = new Map<string, { from: string; name: string }>()
  for (const chunk of chunks) {
    const text = chunk.join('\n')
    const imp = /^import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/.exec(text)
    if (imp) {
      for (const part of imp[1]!.split(',').map(p => p.trim()).filter(Boolean)) {
        const m = /^(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(part)
        if (m) imported.set(m[2] ?? m[1]!, { from: imp[2]!, name: m[1]! })
      }
      continue
    }
    const re = /^export\s+(type\s+)?\{([^}]*)\}\s*(?:from\s*'([^']+)')?/.exec(text)
    if (re) {
      for (const part of re[2]!.split(',').map(p => p.trim()).filter(Boolean)) {
        const m = /^(type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(part)
        if (!m) continue
        const source = re[3] !== undefined ? { from: re[3], name: m[2]! } : imported.get(m[2]!)
        if (source) reexports.set(m[3] ?? m[2]!, { ...source, typeOnly: Boolean(re[1] || m[1]) })
      }
      continue
    }
    const m = DECLARATION.exec(text)
    if (!m || !/^export\b/.test(text)) continue
    const keyword = ABSTRACT.test(text) ? 'abstract class' : m[1]!
    // Private members are not part of the API (they do constrain assignability, which no plugin relies on).
    const body = keyword.endsWith('class') ? chunk.filter(l => !/^\s+(private\b|#private)/.test(l)).join('\n') : text
    declarations.push({ name: m[2]!, keyword, text: body })
  }
  return { declarations, reexports }
}

/** Every `export … from` of the entry point, in order: [exported name, module, original name, type-only]. */
export function entryExports(indexDts: string): Array<{ name: string; from: string; original: string; typeOnly: boolean }> {
  const out: Array<{ name: string; from: string; original: string; typeOnly: boolean }> = []
  for (const m of indexDts.matchAll(/^export\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
    for (const part of m[2]!.split(',').map(p => p.trim()).filter(Boolean)) {
      const p = /^(type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(part)
      if (!p) throw new Error(`Cannot read the export "${part}" of core/src/index.ts`)
      out.push({ name: p[3] ?? p[2]!, from: m[3]!, original: p[2]!, typeOnly: Boolean(m[1] || p[1]) })
    }
  }
  if (/^export\s+\*/m.test(indexDts)) throw new Error('core/src/index.ts uses `export *`: name every export, so the API is explicit.')
  return out
}

function emitDeclarations(outDir: string): void {
  const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')
  const run = spawnSync(
    process.execPath,
    [tsc, '-p', path.join(root, 'core', 'tsconfig.build.json'), '--emitDeclarationOnly', '--declarationMap', 'false', '--sourceMap', 'false', '--outDir', outDir],
    { encoding: 'utf8' },
  )
  if (run.status !== 0) {
    throw new Error(`tsc could not emit the kernel's declarations (fix the type errors first):\n${run.stdout}${run.stderr}`)
  }
}

function dtsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(e => {
    const full = path.join(dir, e)
    return statSync(full).isDirectory() ? dtsFiles(full) : e.endsWith('.d.ts') ? [full] : []
  })
}

const KIND_LABEL: Record<string, string> = {
  function: 'function',
  const: 'const',
  let: 'variable',
  var: 'variable',
  class: 'class',
  'abstract class': 'abstract class',
  interface: 'interface',
  type: 'type',
  enum: 'enum',
  namespace: 'namespace',
  external: 're-export',
}

/** A name the kernel passes on from a dependency (e.g. pino's Logger): its API is that package's. */
const external = (name: string, from: string, original: string, typeOnly: boolean): Declaration => ({
  name,
  keyword: 'external',
  text: `export ${typeOnly ? 'type ' : ''}{ ${original === name ? name : `${original} as ${name}`} } from '${from}'`,
})

export function renderReport(outDir: string): string {
  const modules = new Map<string, ModuleDeclarations>()
  for (const file of dtsFiles(outDir)) modules.set(path.resolve(file), parseDeclarations(readFileSync(file, 'utf8')))
  const moduleOf = (fromFile: string, specifier: string) => path.resolve(path.dirname(fromFile), specifier.replace(/\.js$/, '.d.ts'))
  const sourceName = (dts: string) => path.relative(outDir, dts).replace(/\.d\.ts$/, '.ts').split(path.sep).join('/')

  /** The declarations of `name` in `file`, following re-exports. */
  const find = (file: string, name: string, seen = 0): { file: string; decls: Declaration[] } => {
    const mod = modules.get(file)
    if (!mod) throw new Error(`No declarations emitted for ${file}`)
    const decls = mod.declarations.filter(d => d.name === name)
    if (decls.length > 0) return { file, decls }
    const re = mod.reexports.get(name)
    if (re && !re.from.startsWith('.')) return { file, decls: [external(name, re.from, re.name, re.typeOnly)] }
    if (re && seen < 10) return find(moduleOf(file, re.from), re.name, seen + 1)
    throw new Error(`${sourceName(file)} exports no declaration named ${name}`)
  }

  const index = path.join(outDir, 'index.d.ts')
  const exports = entryExports(readFileSync(index, 'utf8'))
  const publicNames = new Set(exports.map(e => e.name))
  const rows: string[] = []
  const sections: string[] = []
  const forgotten = new Map<string, string>()
  const slugs = new Map<string, number>()
  const exportedAnywhere = new Map<string, string>()
  for (const [file, mod] of modules) for (const d of mod.declarations) if (!exportedAnywhere.has(d.name)) exportedAnywhere.set(d.name, sourceName(file))

  for (const e of exports) {
    const { file, decls } = e.from.startsWith('.')
      ? find(moduleOf(index, e.from), e.original)
      : { file: index, decls: [external(e.name, e.from, e.original, e.typeOnly)] }
    const keyword = decls[0]!.keyword
    const valueKind = !['interface', 'type'].includes(keyword)
    const kind = `${KIND_LABEL[keyword] ?? keyword}${e.typeOnly && valueKind ? ' (type only)' : ''}`
    const text = decls.map(d => d.text).join('\n')
    const where = keyword === 'external' ? `\`${/from '([^']+)'/.exec(decls[0]!.text)![1]}\` (dependency)` : `\`core/src/${sourceName(file)}\``
    // GitHub's heading anchors: lower case, a repeated one gets -1, -2 … (kernelSettings after KernelSettings).
    const slug = e.name.toLowerCase()
    const seen = slugs.get(slug) ?? 0
    slugs.set(slug, seen + 1)
    rows.push(`| [\`${e.name}\`](#${seen === 0 ? slug : `${slug}-${seen}`}) | ${kind} | ${where} |`)
    sections.push(`### ${e.name}`, '', '```ts', text, '```', '')
    const withoutImports = text.replace(/import\("[^"]*"\)\.[\w$.]+/g, '')
    for (const id of withoutImports.match(/\b[A-Z][\w$]*\b/g) ?? []) {
      if (!publicNames.has(id) && id !== e.original && exportedAnywhere.has(id)) forgotten.set(id, exportedAnywhere.get(id)!)
    }
  }

  const lines = [
    '# @plein/core — API report',
    '',
    '<!-- Generated by `npm run api:report` (scripts/api-report.ts). Do not edit by hand: `npm run check:api` fails when this file is out of date. -->',
    '',
    "The kernel's public API: every export of `core/src/index.ts`, the one entry point plugins may import, with its",
    'declaration as the TypeScript compiler emits it (comments and private members left out). A plugin uses this and',
    'nothing else of the kernel (`npm run check:boundaries` enforces it). A change to this file in review is a change to',
    'the API: removing or narrowing anything is a breaking change (a new major version of @plein/core, or a deprecation',
    'first); adding is a minor one. Regenerate it with `npm run api:report`.',
    '',
    `${exports.length} exports.`,
    '',
    '| export | kind | declared in |',
    '|---|---|---|',
    ...rows,
    '',
  ]
  if (forgotten.size > 0) {
    lines.push(
      '## Used by the API but not exported',
      '',
      'These types appear in the signatures above but cannot be imported from `@plein/core`; a plugin can only infer them.',
      'Export them from core/src/index.ts when plugins need to name them.',
      '',
      ...[...forgotten].sort(([a], [b]) => a.localeCompare(b)).map(([name, file]) => `- \`${name}\` (core/src/${file})`),
      '',
    )
  }
  lines.push('## Declarations', '', ...sections)
  return lines.join('\n')
}

export function generateReport(): string {
  const outDir = mkdtempSync(path.join(tmpdir(), 'plein-api-'))
  try {
    emitDeclarations(outDir)
    return renderReport(outDir)
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let text: string
  try {
    text = generateReport()
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
  if (process.argv.includes('--check')) {
    const current = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : ''
    if (current !== text) {
      console.error(
        `${relative(REPORT)} is out of date: the kernel's public API (core/src/index.ts and what it exports) changed.\n` +
          `${firstDifference(current, text)}\n` +
          'Run `npm run api:report`, review the difference (is it a breaking change?) and commit it with the change.',
      )
      process.exitCode = 1
    } else {
      console.log(`${relative(REPORT)} is up to date.`)
    }
  } else {
    writeFileSync(REPORT, text)
    console.log(`Wrote ${relative(REPORT)}.`)
  }
}
