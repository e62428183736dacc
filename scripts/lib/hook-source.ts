// Reads the argument types of hooks from the source text of a defineHooks(...) call: the type arguments
// of each `name: event<…>(…)`, `filter<…>`, `decision<…>` entry, exactly as written.
import { blankCommentsAndStrings } from './source.js'

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' }
const CLOSE = new Set([')', ']', '}', '>'])

/**
 * The index just past the bracket that closes the one at `open` (in blanked code). An arrow's `>` (`=>`)
 * closes nothing.
 */
export function matchBracket(code: string, open: number): number {
  const stack: string[] = []
  for (let i = open; i < code.length; i++) {
    const c = code[i]!
    if (c in OPEN) stack.push(OPEN[c]!)
    else if (CLOSE.has(c)) {
      if (c === '>' && code[i - 1] === '=') continue
      // A stray `>` inside (…) of a type (there is none in a type) would not close a paren.
      if (stack[stack.length - 1] !== c) {
        if (c === '>') continue
        throw new Error(`unbalanced "${c}" at offset ${i}`)
      }
      stack.pop()
      if (stack.length === 0) return i + 1
    }
  }
  throw new Error(`no closing bracket for the one at offset ${open}`)
}

/** Splits `a, b<c, d>, [e, f]` at its top-level commas. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c in OPEN) depth++
    else if (CLOSE.has(c) && !(c === '>' && text[i - 1] === '=')) depth--
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.map(p => p.trim()).filter(p => p !== '')
}

/** Collapses the whitespace of a type written over several lines. */
export const oneLine = (type: string) => type.replace(/\s+/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/< /g, '<').replace(/ >/g, '>').trim()

export interface HookTypes {
  kind: 'event' | 'filter' | 'decision'
  /** The type arguments as written, e.g. ['string[]', '[ViewerTokensContext]']. */
  typeArgs: string[]
}

/**
 * The hooks declared by `defineHooks('<owner>', …)` in `source`, with their written type arguments.
 * Undefined when the file has no defineHooks call for this owner.
 */
export function hooksInSource(source: string, owner: string): Map<string, HookTypes> | undefined {
  const code = blankCommentsAndStrings(source)
  let found: RegExpExecArray | null = null
  // The owner is read from the original text (the blanked code has spaces where the string was).
  for (const m of code.matchAll(/\bdefineHooks\s*(?:<[^(]*>)?\s*\(\s*(['"])/g)) {
    const at = m.index! + m[0].length
    const end = source.indexOf(m[1]!, at)
    if (source.slice(at, end) === owner) {
      found = m as RegExpExecArray
      break
    }
  }
  if (!found) return undefined
  const open = code.indexOf('(', found.index!)
  const close = matchBracket(code, open)
  const region = code.slice(open, close)
  const hooks = new Map<string, HookTypes>()
  for (const m of region.matchAll(/(?<![\w.$])([a-z][A-Za-z0-9]*)\s*:\s*(event|filter|decision)\s*(<)?/g)) {
    const name = m[1]!
    const kind = m[2] as HookTypes['kind']
    let typeArgs: string[] = []
    if (m[3]) {
      const lt = open + m.index! + m[0].length - 1
      const gt = matchBracket(code, lt)
      typeArgs = splitTopLevel(source.slice(lt + 1, gt - 1)).map(oneLine)
    }
    hooks.set(name, { kind, typeArgs })
  }
  return hooks
}

/** `[host: string]` → `host: string`; `[Site, RequestContext]` → `Site, RequestContext`; `[]` → ``. */
export function tupleToParams(tuple: string | undefined): string {
  if (tuple === undefined) return ''
  const t = tuple.trim()
  if (t.startsWith('[') && t.endsWith(']')) return splitTopLevel(t.slice(1, -1)).join(', ')
  return `...args: ${t}`
}

/** A readable call signature of a hook for the catalogue. */
export function signatureOf(types: HookTypes): string {
  const [a, b] = types.typeArgs
  switch (types.kind) {
    case 'event':
      return `(${tupleToParams(a ?? '[]')}) → void`
    case 'filter': {
      const params = tupleToParams(b ?? '[]')
      return `(value: ${a ?? 'unknown'}${params ? `, ${params}` : ''}) → ${a ?? 'unknown'}`
    }
    case 'decision':
      return `(${tupleToParams(a ?? '[]')}) → ${b ?? 'unknown'} | undefined`
  }
}
