// Readable line diffs between revisions: the HTML body as lines of text, compared with Myers' O(ND)
// algorithm in linear space (the "middle snake" bisection), so the result is a shortest edit script.
import { htmlToText } from '@plein/core'

export type DiffOp = 'equal' | 'insert' | 'delete'

export interface DiffHunk {
  op: DiffOp
  lines: string[]
}

// Block-level tags end a line; inline tags do not.
const BLOCK = /<\/?(?:p|div|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|pre|tr|table|thead|tbody|tfoot|caption|figure|figcaption|hr|br)\b[^>]*>/gi
const PRE = /(<pre\b[^>]*>)([\s\S]*?)(<\/pre>)/gi

/** The text of an HTML body as lines: one per paragraph, heading, list item, table row, or line of preformatted text. */
export function htmlToLines(html: string): string[] {
  // Inside <pre>, a newline is a line break.
  const marked = html.replace(PRE, (_all, open: string, inner: string, close: string) => `${open}${inner.replace(/\r?\n/g, '<br>')}${close}`)
  return marked
    .replace(/<\/t[dh]>/gi, '$& ') // cells of a row stay apart
    .split(BLOCK)
    .map(part => htmlToText(part))
    .filter(line => line !== '')
}

/**
 * How many comparison steps one diff may take. Beyond it the remaining middle part is shown as deleted and
 * inserted as a whole: still a correct diff, only not the shortest. Bounds the time for pathological inputs.
 */
export const DEFAULT_BUDGET = 20_000_000

/** A line diff of `a` → `b`: consecutive lines with the same operation form one hunk. */
export function diffLines(a: readonly string[], b: readonly string[], budget = DEFAULT_BUDGET): DiffHunk[] {
  // Lines become small integers: comparisons are then cheap and the arrays compact.
  const ids = new Map<string, number>()
  const intern = (lines: readonly string[]) => {
    const out = new Int32Array(lines.length)
    lines.forEach((line, i) => {
      let id = ids.get(line)
      if (id === undefined) {
        id = ids.size
        ids.set(line, id)
      }
      out[i] = id
    })
    return out
  }
  const edits: Array<[DiffOp, number, number]> = [] // op, index in a (equal/delete) or b (insert), count
  const state = { budget }
  diffRange(intern(a), 0, a.length, intern(b), 0, b.length, edits, state)

  const hunks: DiffHunk[] = []
  for (const [op, start, count] of edits) {
    if (count === 0) continue
    const lines = (op === 'insert' ? b : a).slice(start, start + count)
    const last = hunks[hunks.length - 1]
    if (last && last.op === op) last.lines.push(...lines)
    else hunks.push({ op, lines: [...lines] })
  }
  return hunks
}

/** The edit script of a[aLo, aHi) → b[bLo, bHi), appended to `out` in order. */
function diffRange(a: Int32Array, aLo: number, aHi: number, b: Int32Array, bLo: number, bHi: number, out: Array<[DiffOp, number, number]>, state: { budget: number }): void {
  // Common prefix and suffix need no search.
  let prefix = 0
  while (aLo + prefix < aHi && bLo + prefix < bHi && a[aLo + prefix] === b[bLo + prefix]) prefix++
  let suffix = 0
  while (aHi - suffix > aLo + prefix && bHi - suffix > bLo + prefix && a[aHi - suffix - 1] === b[bHi - suffix - 1]) suffix++
  if (prefix > 0) out.push(['equal', aLo, prefix])
  const a0 = aLo + prefix
  const a1 = aHi - suffix
  const b0 = bLo + prefix
  const b1 = bHi - suffix
  if (a0 === a1) out.push(['insert', b0, b1 - b0])
  else if (b0 === b1) out.push(['delete', a0, a1 - a0])
  else {
    const split = bisect(a, a0, a1, b, b0, b1, state)
    if (split === undefined) {
      out.push(['delete', a0, a1 - a0], ['insert', b0, b1 - b0])
    } else {
      diffRange(a, a0, a0 + split.x, b, b0, b0 + split.y, out, state)
      diffRange(a, a0 + split.x, a1, b, b0 + split.y, b1, out, state)
    }
  }
  if (suffix > 0) out.push(['equal', aHi - suffix, suffix])
}

/**
 * Myers' middle snake: walks shortest edit paths forward from the start and backward from the end until they
 * meet; the meeting point splits the problem in two. Undefined when the two ranges share nothing, or when the
 * step budget is spent.
 */
function bisect(a: Int32Array, aLo: number, aHi: number, b: Int32Array, bLo: number, bHi: number, state: { budget: number }): { x: number; y: number } | undefined {
  const n = aHi - aLo
  const m = bHi - bLo
  const maxD = Math.ceil((n + m) / 2)
  const offset = maxD
  const size = 2 * maxD + 2
  // v1[k]: the furthest x on diagonal k of a forward path; v2[k] the same backward (x counted from the end).
  const v1 = new Int32Array(size).fill(-1)
  const v2 = new Int32Array(size).fill(-1)
  v1[offset + 1] = 0
  v2[offset + 1] = 0
  const delta = n - m
  // With an odd delta the forward walk finds the overlap; with an even one the backward walk does.
  const front = delta % 2 !== 0
  let k1start = 0
  let k1end = 0
  let k2start = 0
  let k2end = 0
  for (let d = 0; d < maxD; d++) {
    state.budget -= 2 * d + 2
    if (state.budget < 0) return undefined
    for (let k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
      const k1o = offset + k1
      let x1 = k1 === -d || (k1 !== d && v1[k1o - 1]! < v1[k1o + 1]!) ? v1[k1o + 1]! : v1[k1o - 1]! + 1
      let y1 = x1 - k1
      while (x1 < n && y1 < m && a[aLo + x1] === b[bLo + y1]) {
        x1++
        y1++
      }
      state.budget -= 1
      v1[k1o] = x1
      if (x1 > n) k1end += 2 // ran off the right edge
      else if (y1 > m) k1start += 2 // ran off the bottom edge
      else if (front) {
        const k2o = offset + delta - k1
        if (k2o >= 0 && k2o < size && v2[k2o] !== -1) {
          if (x1 >= n - v2[k2o]!) return { x: x1, y: y1 }
        }
      }
    }
    for (let k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
      const k2o = offset + k2
      let x2 = k2 === -d || (k2 !== d && v2[k2o - 1]! < v2[k2o + 1]!) ? v2[k2o + 1]! : v2[k2o - 1]! + 1
      let y2 = x2 - k2
      while (x2 < n && y2 < m && a[aHi - x2 - 1] === b[bHi - y2 - 1]) {
        x2++
        y2++
      }
      state.budget -= 1
      v2[k2o] = x2
      if (x2 > n) k2end += 2
      else if (y2 > m) k2start += 2
      else if (!front) {
        const k1o = offset + delta - k2
        if (k1o >= 0 && k1o < size && v1[k1o] !== -1) {
          const x1 = v1[k1o]!
          const y1 = offset + x1 - k1o
          if (x1 >= n - x2) return { x: x1, y: y1 }
        }
      }
    }
  }
  return undefined
}

/** Lines inserted and deleted in a diff. */
export function diffStats(hunks: readonly DiffHunk[]): { inserted: number; deleted: number } {
  let inserted = 0
  let deleted = 0
  for (const h of hunks) {
    if (h.op === 'insert') inserted += h.lines.length
    else if (h.op === 'delete') deleted += h.lines.length
  }
  return { inserted, deleted }
}
