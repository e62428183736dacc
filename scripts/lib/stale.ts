// Reports how a generated file differs from what is committed, in one or two lines a reviewer can act on.
export function firstDifference(current: string, wanted: string): string {
  const a = current.split('\n')
  const b = wanted.split('\n')
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const show = (s: string | undefined) => (s === undefined ? '(end of file)' : JSON.stringify(s.length > 160 ? s.slice(0, 160) + '…' : s))
      return `first difference at line ${i + 1}:\n  committed: ${show(a[i])}\n  generated: ${show(b[i])}`
    }
  }
  return 'the files differ only in their final line break'
}
