// Summarises a .cpuprofile (from BENCH_PROFILE=1 npm run bench): where the kernel server spends its time,
// by function (self time), by file or package, and the inclusive time of chosen functions.
//
//   node --import tsx bench/profile.ts bench/results/profile/<file>.cpuprofile [top=25] [--callees=<regex>]
//
// Boot is left out: counting starts at the first sample taken while Node's HTTP server handles a request.
// --callees=<regex> also prints, for the functions whose label matches, where their inclusive time goes.
import { readFileSync } from 'node:fs'
import path from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const args = process.argv.slice(2)
const flags = new Map(args.filter(a => a.startsWith('--')).map(a => [a.slice(2).split('=')[0]!, a.split('=').slice(1).join('=')]))
const [file, topArg] = args.filter(a => !a.startsWith('--'))
if (!file) {
  console.error('usage: node --import tsx bench/profile.ts <file.cpuprofile> [top] [--callees=<regex>] [--all]')
  process.exit(2)
}
const top = Number(topArg ?? 25)
const profile: Profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map(n => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const stackOf = (id: number): ProfileNode[] => {
  const out: ProfileNode[] = []
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) out.push(byId.get(cur)!)
  return out
}

// Leave out the boot: start at the first sample taken while serving a request.
let first = 0
if (!flags.has('all')) {
  const i = profile.samples.findIndex(id => stackOf(id).some(n => n.callFrame.functionName === 'parserOnIncoming'))
  first = Math.max(0, i)
}
const samples = profile.samples.slice(first).map((id, i) => ({ id, dt: profile.timeDeltas[first + i] ?? 0 }))

// Self time per node, from the samples and their time deltas (µs).
const self = new Map<number, number>()
let total = 0
for (const { id, dt } of samples) {
  self.set(id, (self.get(id) ?? 0) + dt)
  total += dt
}

const where = (url: string) => {
  if (!url) return '(native)'
  const p = url.replace(/^file:\/\//, '')
  const nm = p.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = p.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (p.startsWith('node:')) return p
  const rel = path.relative(process.cwd(), p)
  return rel.startsWith('..') ? p : rel
}
const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`

const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`

const selfByFn = new Map<string, number>()
const selfByFile = new Map<string, number>()
for (const [id, us] of self) {
  const n = byId.get(id)!
  selfByFn.set(label(n), (selfByFn.get(label(n)) ?? 0) + us)
  const f = where(n.callFrame.url) || n.callFrame.functionName
  selfByFile.set(f, (selfByFile.get(f) ?? 0) + us)
}

// Inclusive time per function label (each sample counted once per label on its stack).
const inclusive = new Map<string, number>()
const calleePattern = flags.get('callees') ? new RegExp(flags.get('callees')!) : undefined
const callees = new Map<string, Map<string, number>>()
for (const { id, dt } of samples) {
  const seen = new Set<string>()
  const stack = stackOf(id)
  stack.forEach((node, depth) => {
    const l = label(node)
    if (seen.has(l)) return
    seen.add(l)
    inclusive.set(l, (inclusive.get(l) ?? 0) + dt)
    if (calleePattern?.test(l)) {
      // Attribute the sample to the callee one frame up the stack (toward the leaf), or to self.
      const callee = depth > 0 ? label(stack[depth - 1]!) : '(self)'
      const m = callees.get(l) ?? new Map<string, number>()
      m.set(callee, (m.get(callee) ?? 0) + dt)
      callees.set(l, m)
    }
  })
}

const print = (title: string, map: Map<string, number>, count = top) => {
  console.log(`\n${title}`)
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`${ms(us)} ${pct(us)}  ${k}`)
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled${first > 0 ? ' (from the first request on)' : ''}`)
print('Self time by file or package', selfByFile)
print('Self time by function', selfByFn)
const ours = new Map([...inclusive].filter(([k]) => /core\/src\/|bench\//.test(k)))
print('Inclusive time, functions in core/src and bench', ours)
for (const [fn, m] of callees) print(`Where the time of ${fn} goes (inclusive)`, m, 15)
