// What the repository's check scripts share: finding TypeScript files and reading their import specifiers.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is scripts/lib/source.ts). */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

const skipped = new Set(['node_modules', 'dist', 'data', '.git', 'coverage'])

/** Every .ts file under `dir` (recursively), skipping node_modules, dist and data folders; sorted. */
export function tsFiles(dir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  const out: string[] = []
  for (const entry of entries.sort()) {
    if (skipped.has(entry)) continue
    const full = path.join(dir, entry)
    const stat = statSync(full)
    if (stat.isDirectory()) out.push(...tsFiles(full))
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(full)
  }
  return out
}

/** Folders directly inside `dir` (e.g. every plugin under plugins/). */
export function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir)
      .sort()
      .map(e => path.join(dir, e))
      .filter(p => statSync(p).isDirectory())
  } catch {
    return []
  }
}

/**
 * Replaces comments and the insides of string and template literals by spaces, keeping every offset
 * and line break, so that a scan for code never matches text inside a comment or a string.
 * Quotes stay in place: `'abc'` becomes `'   '`.
 */
export function blankCommentsAndStrings(source: string): string {
  const out = source.split('')
  let i = 0
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' '
  }
  while (i < source.length) {
    const c = source[i]!
    const next = source[i + 1]
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i)
      const stop = end < 0 ? source.length : end
      blank(i, stop)
      i = stop
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      const stop = end < 0 ? source.length : end + 2
      blank(i, stop)
      i = stop
    } else if (c === "'" || c === '"' || c === '`') {
      let k = i + 1
      while (k < source.length && source[k] !== c) {
        if (source[k] === '\\') k++
        else if (c !== '`' && source[k] === '\n') break
        k++
      }
      blank(i + 1, k)
      i = k + 1
    } else {
      i++
    }
  }
  return out.join('')
}

export interface ImportRef {
  specifier: string
  line: number
  /** `import type …` / `export type … from`: erased at run time. */
  typeOnly: boolean
}

/** The module specifiers a file imports or re-exports, static or dynamic (`import('…')` with a literal). */
export function importsOf(source: string): ImportRef[] {
  const code = blankCommentsAndStrings(source)
  const refs: ImportRef[] = []
  const lineAt = (offset: number) => source.slice(0, offset).split('\n').length
  // The specifier is read from the original text at the position of the (blanked) string in the code.
  const patterns = [
    /\bimport\s+(type\s+)?[\w*{}\s,$]*?\s*from\s*(['"])/g,
    /\bexport\s+(type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s*(['"])/g,
    /\bimport\s*(['"])/g,
    /\bimport\s*\(\s*(['"])/g,
  ]
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) {
      const quoteAt = m.index! + m[0].length - 1
      const quote = source[quoteAt]!
      const end = source.indexOf(quote, quoteAt + 1)
      if (end < 0) continue
      const typeOnly = pattern.source.includes('(type') && m[1] !== undefined
      refs.push({ specifier: source.slice(quoteAt + 1, end), line: lineAt(m.index!), typeOnly })
    }
  }
  return refs.sort((a, b) => a.line - b.line)
}

export const readText = (file: string) => readFileSync(file, 'utf8')

export const relative = (file: string) => path.relative(root, file).split(path.sep).join('/')
