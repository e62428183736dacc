// The line diff: a shortest edit script (as long as the longest common subsequence allows), lines from HTML.
import { expect } from 'chai'
import fc from 'fast-check'
import { diffLines, diffStats, htmlToLines, type DiffHunk } from '../src/diff.js'

/** The length of the longest common subsequence, by dynamic programming (the reference). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array(b.length + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(row[j], row[j - 1])
      diagonal = above
    }
  }
  return row[b.length]
}

const sides = (hunks: DiffHunk[]) => ({
  a: hunks.filter(h => h.op !== 'insert').flatMap(h => h.lines),
  b: hunks.filter(h => h.op !== 'delete').flatMap(h => h.lines),
  equal: hunks.filter(h => h.op === 'equal').reduce((n, h) => n + h.lines.length, 0),
})

describe('wiki: line diff', () => {
  it('shows equal, deleted and inserted runs in order', () => {
    const hunks = diffLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'])
    expect(hunks).to.deep.equal([
      { op: 'equal', lines: ['a'] },
      { op: 'delete', lines: ['b'] },
      { op: 'insert', lines: ['x'] },
      { op: 'equal', lines: ['c', 'd'] },
      { op: 'insert', lines: ['e'] },
    ])
    expect(diffStats(hunks)).to.deep.equal({ inserted: 2, deleted: 1 })
  })

  it('handles empty sides and identical texts', () => {
    expect(diffLines([], [])).to.deep.equal([])
    expect(diffLines([], ['a'])).to.deep.equal([{ op: 'insert', lines: ['a'] }])
    expect(diffLines(['a', 'b'], [])).to.deep.equal([{ op: 'delete', lines: ['a', 'b'] }])
    expect(diffLines(['a', 'b'], ['a', 'b'])).to.deep.equal([{ op: 'equal', lines: ['a', 'b'] }])
    expect(diffLines(['a'], ['b'])).to.deep.equal([{ op: 'delete', lines: ['a'] }, { op: 'insert', lines: ['b'] }])
  })

  it('rebuilds both texts and keeps as many lines equal as the longest common subsequence (property)', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'd', 'e', '')
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.array(line, { maxLength: 40 }), (a, b) => {
        const hunks = diffLines(a, b)
        const got = sides(hunks)
        expect(got.a).to.deep.equal(a)
        expect(got.b).to.deep.equal(b)
        expect(got.equal).to.equal(lcs(a, b))
        // Runs are merged: never two hunks of the same kind in a row.
        for (let i = 1; i < hunks.length; i++) expect(hunks[i]!.op).to.not.equal(hunks[i - 1]!.op)
      }),
      { numRuns: 500 },
    )
  })

  it('stays correct (if not shortest) when the effort budget runs out', () => {
    const a = Array.from({ length: 300 }, (_, i) => `line ${i % 7} ${i % 3}`)
    const b = Array.from({ length: 300 }, (_, i) => `line ${i % 5} ${i % 3}`)
    const got = sides(diffLines(a, b, 1000))
    expect(got.a).to.deep.equal(a)
    expect(got.b).to.deep.equal(b)
  })

  it('diffs two long documents with a few changes quickly', () => {
    const a = Array.from({ length: 20000 }, (_, i) => `paragraph ${i}`)
    const b = [...a]
    b.splice(5000, 1, 'changed')
    b.splice(15000, 0, 'new', 'lines')
    const started = performance.now()
    const hunks = diffLines(a, b)
    expect(performance.now() - started).to.be.below(1000)
    expect(diffStats(hunks)).to.deep.equal({ inserted: 3, deleted: 1 })
  })
})

describe('wiki: HTML as lines', () => {
  it('makes one line per block: paragraphs, headings, list items, rows, and lines of preformatted text', () => {
    const html =
      '<h2>Title &amp; more</h2><p>First <strong>bold</strong> line.</p><p></p><ul><li>one</li><li>two</li></ul>' +
      '<table><tr><td>a</td><td>b</td></tr></table><pre>x = 1\ny = 2</pre><p>a<br>b</p>'
    expect(htmlToLines(html)).to.deep.equal(['Title & more', 'First bold line.', 'one', 'two', 'a b', 'x = 1', 'y = 2', 'a', 'b'])
  })
})
