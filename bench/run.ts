// `npm run bench`: the kernel with 20 fixture plugins against bare Koa + @koa/router + pino, each server in its
// own child process, load from autocannon in this process. Also the kernel's boot time in fresh processes.
// See docs/performance.md for the method and the figures.
//
//   BENCH_DURATION=10   measured seconds per server (default 10; BENCH_QUICK=1 → 3)
//   BENCH_WARMUP=2      warm-up seconds before each measured run (default 2; quick → 1)
//   BENCH_CONNECTIONS=50
//   BENCH_ROUNDS=3      alternate the servers this many times (a fresh process each time) and keep each one's
//                       median run (quick → 1); on this machine one process differs from the next by up to ±25 %
//   BENCH_BOOT_RUNS=3   fresh processes for the boot time (quick → 1)
//   BENCH_CALIBRATE=1   also load plain node:http, to see the load generator's ceiling (default on, off in quick)
//   BENCH_LOG=file      log to temporary files instead of /dev/null and check one line per request
//   BENCH_PROFILE=1     run the kernel server under --cpu-prof (profile in bench/results/profile/);
//                       BENCH_PROFILE=baseline or =all for the baseline, or both
//   BENCH_STRICT=1      exit 1 when a goal is missed (errors and wrong answers always exit 1)
//   BENCH_MAX_OTHER=0.15  CPU cores other processes may use during a measured run; above it the run is
//   BENCH_RETRIES=3       measured again (up to this many times) and flagged "busy" if it never gets quiet
import { spawn, type ChildProcess } from 'node:child_process'
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const resultsDir = path.join(here, 'results')

const env = process.env
const quick = env.BENCH_QUICK === '1'
const num = (value: string | undefined, fallback: number) => {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`Expected a positive number, got "${value}"`)
  return n
}
const settings = {
  connections: num(env.BENCH_CONNECTIONS, 50),
  durationS: num(env.BENCH_DURATION, quick ? 3 : 10),
  warmupS: num(env.BENCH_WARMUP, quick ? 1 : 2),
  rounds: num(env.BENCH_ROUNDS, quick ? 1 : 3),
  bootRuns: num(env.BENCH_BOOT_RUNS, quick ? 1 : 3),
  calibrate: env.BENCH_CALIBRATE ? env.BENCH_CALIBRATE === '1' : !quick,
  logToFile: env.BENCH_LOG === 'file',
  profile: (env.BENCH_PROFILE ?? '') as '' | '0' | '1' | 'kernel' | 'baseline' | 'all',
  strict: env.BENCH_STRICT === '1',
  /** CPU cores other processes may use during a measured run before it is measured again. */
  maxOther: num(env.BENCH_MAX_OTHER, 0.15),
  retries: env.BENCH_RETRIES === '0' ? 0 : num(env.BENCH_RETRIES, 3),
  route: '/api/v1/ping',
}
const GOALS = { ratio: 0.85, bootMs: 1000 }

interface ServerSpec {
  name: 'ceiling' | 'baseline' | 'kernel'
  label: string
  file: string
  nodeArgs?: string[]
  env?: Record<string, string>
}

interface Ready {
  ready: true
  port: number
  [key: string]: unknown
}

interface Running {
  child: ChildProcess
  info: Ready
  exited: Promise<number | null>
}

interface RunFigures {
  reqPerSec: number
  requests: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
  errors: number
  timeouts: number
  non2xx: number
  /** CPU use during the measured run, in cores: the server, this load generator, and everything else on the machine. */
  cpu?: { server: number; loadGenerator: number; other: number; serverUsPerRequest: number }
  /** Measured runs it took to get one without other load (see BENCH_MAX_OTHER); busy when even the last one had it. */
  attempts?: number
  busy?: boolean
  /** autocannon's own (whole-millisecond) percentiles, for comparison with its CLI output. */
  autocannon: { p50: number; p99: number; average: number }
  logLinesPerRequest?: number
  /** Whether the log had one request line per answer (allowing for answers autocannon did not count). */
  logLinesOk?: boolean
}

const nodeArgs = ['--import', 'tsx', '--conditions=source']

function startServer(spec: ServerSpec, extraEnv: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), ...nodeArgs, path.join(here, 'servers', spec.file)], {
    cwd: root,
    env: { ...env, LOG_LEVEL: 'info', ...spec.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  return new Promise<Running>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${spec.label}: not ready within 60 s`))
    }, 60_000)
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', line => {
      let info: Ready | undefined
      try {
        info = JSON.parse(line)
      } catch {
        process.stderr.write(`[${spec.name}] ${line}\n`)
        return
      }
      if (info?.ready) {
        clearTimeout(timer)
        resolve({ child, info, exited })
      }
    })
    exited.then(code => {
      clearTimeout(timer)
      reject(new Error(`${spec.label}: the server process exited with code ${code} before it was ready`))
    })
  })
}

async function stopServer(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return
  running.child.kill('SIGTERM')
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 15_000)
  await running.exited
  clearTimeout(timer)
}

/** One request by hand: the route must answer 200 {"ok":true}, or the figures mean nothing. */
async function checkAnswer(spec: ServerSpec, url: string): Promise<Record<string, string>> {
  const res = await fetch(url)
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = text
  }
  if (res.status !== 200 || JSON.stringify(body) !== '{"ok":true}') {
    throw new Error(`${spec.label}: GET ${settings.route} answered ${res.status} ${text.slice(0, 200)}; expected 200 {"ok":true}`)
  }
  if (spec.name === 'kernel' && !res.headers.get('x-request-id')) {
    throw new Error(`${spec.label}: the answer has no X-Request-Id header; is this the kernel's request pipeline?`)
  }
  return Object.fromEntries(res.headers)
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

const round2 = (x: number) => Math.round(x * 100) / 100

// CPU accounting from /proc (Linux): other processes busy during a run make its figures worthless.
const TICK_S = 0.01 // USER_HZ is 100 on Linux
function machineBusyS(): number | undefined {
  if (!existsSync('/proc/stat')) return undefined
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0)) * TICK_S
}
function processCpuS(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * TICK_S // utime, stime
}

async function load(url: string, seconds: number, record: boolean, serverPid?: number): Promise<RunFigures> {
  const before = { at: performance.now(), machine: machineBusyS(), server: processCpuS(serverPid), self: process.cpuUsage() }
  let latencies = new Float64Array(1 << 16)
  let n = 0
  const instance = autocannon({ url, connections: settings.connections, duration: seconds, pipelining: 1, timeout: 10 })
  if (record) {
    // autocannon's histogram keeps whole milliseconds; these are the exact response times.
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status < 200 || status > 299) return
      if (n === latencies.length) {
        const grown = new Float64Array(latencies.length * 2)
        grown.set(latencies)
        latencies = grown
      }
      latencies[n++] = ms
    })
  }
  const result = await instance
  let cpu: RunFigures['cpu']
  const machineAfter = machineBusyS()
  const serverAfter = processCpuS(serverPid)
  if (machineAfter !== undefined && before.machine !== undefined && serverAfter !== undefined && before.server !== undefined) {
    const wall = (performance.now() - before.at) / 1000
    const self = process.cpuUsage(before.self)
    const selfS = (self.user + self.system) / 1e6
    const server = serverAfter - before.server
    cpu = {
      server: round2(server / wall),
      loadGenerator: round2(selfS / wall),
      other: round2(Math.max(0, machineAfter - before.machine - server - selfS) / wall),
      serverUsPerRequest: round2((server * 1e6) / Math.max(1, result.requests.total)),
    }
  }
  const sorted = latencies.subarray(0, n).sort()
  return {
    reqPerSec: Math.round(result.requests.average),
    requests: result.requests.total,
    p50Ms: round2(percentile(sorted, 0.5)),
    p99Ms: round2(percentile(sorted, 0.99)),
    p999Ms: round2(percentile(sorted, 0.999)),
    maxMs: round2(sorted[n - 1] ?? NaN),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    cpu,
    autocannon: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average },
  }
}

/** Request lines in a log file (both servers log each request with msg "request"). */
async function countRequestLines(file: string): Promise<number> {
  let count = 0
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) if (line.includes('"msg":"request"')) count++
  return count
}

async function benchServer(spec: ServerSpec, logDir: string | undefined): Promise<RunFigures> {
  const logFile = logDir ? path.join(logDir, `${spec.name}-${Date.now()}.log`) : undefined
  const running = await startServer(spec, logFile ? { BENCH_LOG_FILE: logFile } : {})
  try {
    const url = `http://127.0.0.1:${running.info.port}${settings.route}`
    await checkAnswer(spec, url)
    process.stdout.write(`  ${spec.label.padEnd(34)} warm-up ${settings.warmupS} s … `)
    const warm = await load(url, settings.warmupS, false)
    let figures: RunFigures
    let answered = 1 + warm.requests
    let runs = 1
    for (let attempt = 1; ; attempt++) {
      process.stdout.write(`measuring ${settings.durationS} s … `)
      figures = await load(url, settings.durationS, true, running.child.pid)
      answered += figures.requests
      runs++
      const cpu = figures.cpu
        ? ` (server CPU ${figures.cpu.serverUsPerRequest} µs/request; cores: server ${figures.cpu.server}, load generator ${figures.cpu.loadGenerator}, other ${figures.cpu.other})`
        : ''
      process.stdout.write(`${figures.reqPerSec.toLocaleString('en')} req/s${cpu}\n`)
      figures.attempts = attempt
      figures.busy = (figures.cpu?.other ?? 0) > settings.maxOther
      if (!figures.busy || attempt > settings.retries) break
      // Someone else used the CPU during the run: its figures say nothing about this server. Wait, measure again.
      process.stdout.write(`  ${''.padEnd(34)} other processes used ${figures.cpu!.other} cores; again in 3 s … `)
      await new Promise(resolve => setTimeout(resolve, 3000))
    }
    await stopServer(running)
    if (logFile) {
      // Every answered request (the hand check, warm-up and measured runs) should have written one line.
      // autocannon does not count the answers still in flight when a run ends (up to one per connection).
      const lines = await countRequestLines(logFile)
      figures.logLinesPerRequest = Math.round((lines / answered) * 1000) / 1000
      figures.logLinesOk = lines >= answered && lines <= answered + settings.connections * runs
    }
    return figures
  } finally {
    await stopServer(running)
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

interface BootFigures {
  nodeStartMs: number
  importCoreMs: number
  fixturesMs: number
  prepareMs: number
  registerMs: number
  databaseMs: number
  pluginStartMs: number
  listenMs: number
  kernelMs: number
  processMs: number
}

async function measureBoot(): Promise<{ runs: BootFigures[]; median: BootFigures }> {
  const runs: BootFigures[] = []
  for (let i = 0; i < settings.bootRuns; i++) {
    const running = await startServer({ name: 'kernel', label: 'kernel boot probe', file: 'kernel.ts', env: { BENCH_BOOT_ONLY: '1' } })
    runs.push(running.info.boot as BootFigures)
    await running.exited
  }
  const byKernelMs = [...runs].sort((a, b) => a.kernelMs - b.kernelMs)
  return { runs, median: byKernelMs[Math.floor((byKernelMs.length - 1) / 2)]! }
}

function machine() {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  }
}

function profileArgs(name: 'baseline' | 'kernel'): string[] {
  const p = settings.profile
  const on = p === 'all' || p === name || (name === 'kernel' && p === '1')
  return on ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profile', name)}`] : []
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–')

async function main(): Promise<void> {
  const started = new Date()
  const host = machine()
  const servers: ServerSpec[] = [
    ...(settings.calibrate ? [{ name: 'ceiling', label: 'node:http hello (ceiling)', file: 'hello.ts' } as ServerSpec] : []),
    { name: 'baseline', label: 'baseline: Koa + @koa/router + pino', file: 'baseline.ts', nodeArgs: profileArgs('baseline') },
    { name: 'kernel', label: 'kernel: Plein, 20 plugins', file: 'kernel.ts', nodeArgs: profileArgs('kernel') },
  ]
  console.log(
    `Plein benchmark: GET ${settings.route}, ${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.durationS} s measured` +
      `${settings.rounds > 1 ? `, ${settings.rounds} rounds` : ''}; ${host.cpus} × ${host.model}, Node ${host.node}`,
  )
  mkdirSync(resultsDir, { recursive: true })
  const logDir = settings.logToFile ? mkdtempSync(path.join(os.tmpdir(), 'plein-bench-logs-')) : undefined

  let failed = false
  const runs: Record<string, RunFigures[]> = {}
  let boot: Awaited<ReturnType<typeof measureBoot>> | undefined
  try {
    console.log(`\nBoot time (${settings.bootRuns} fresh process${settings.bootRuns > 1 ? 'es' : ''}):`)
    boot = await measureBoot()
    for (const b of boot.runs) console.log(`  kernel ${fmt(b.kernelMs, 0)} ms, process ${fmt(b.processMs, 0)} ms (database ${fmt(b.databaseMs, 0)} ms, excluded)`)

    console.log('\nLoad:')
    for (let round = 0; round < settings.rounds; round++) {
      for (const spec of servers) (runs[spec.name] ??= []).push(await benchServer(spec, logDir))
    }
  } finally {
    if (logDir) rmSync(logDir, { recursive: true, force: true })
  }

  // Each server's median run by req/s.
  const pick = (name: string): RunFigures | undefined => {
    const all = runs[name]
    if (!all?.length) return undefined
    const quiet = all.filter(r => !r.busy)
    const list = quiet.length > 0 ? quiet : all
    const m = median(list.map(r => r.reqPerSec))
    return list.reduce((best, r) => (Math.abs(r.reqPerSec - m) < Math.abs(best.reqPerSec - m) ? r : best))
  }
  const figures = Object.fromEntries(servers.map(s => [s.name, pick(s.name)!])) as Record<ServerSpec['name'], RunFigures>
  const ratio = Math.round((figures.kernel.reqPerSec / figures.baseline.reqPerSec) * 1000) / 1000
  const bootMs = boot!.median.kernelMs
  const cpuRatio =
    figures.kernel.cpu && figures.baseline.cpu
      ? Math.round((figures.baseline.cpu.serverUsPerRequest / figures.kernel.cpu.serverUsPerRequest) * 1000) / 1000
      : undefined

  console.log('')
  const header = ['server', 'req/s', ...(settings.rounds > 1 ? ['rounds: req/s'] : []), 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'non-2xx', 'CPU µs/req', ...(settings.logToFile ? ['log lines/req'] : [])]
  const rows = servers.map(s => {
    const f = figures[s.name]
    return [
      s.label,
      f.reqPerSec.toLocaleString('en') + (f.busy ? '*' : ''),
      ...(settings.rounds > 1 ? [runs[s.name]!.map(r => Math.round(r.reqPerSec / 100) / 10 + 'k').join(' ')] : []),
      fmt(f.p50Ms),
      fmt(f.p99Ms),
      fmt(f.p999Ms),
      String(f.errors + f.timeouts),
      String(f.non2xx),
      f.cpu ? fmt(f.cpu.serverUsPerRequest, 0) : '–',
      ...(settings.logToFile ? [String(f.logLinesPerRequest)] : []),
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  console.log(line(header))
  for (const r of rows) console.log(line(r))

  const ratioOk = ratio >= GOALS.ratio
  const bootOk = bootMs < GOALS.bootMs
  console.log(`\nratio kernel/baseline req/s: ${ratio.toFixed(3)}  (goal ≥ ${GOALS.ratio})  ${ratioOk ? 'MET' : 'MISSED'}`)
  if (cpuRatio !== undefined) {
    console.log(
      `server CPU per request: baseline ${fmt(figures.baseline.cpu!.serverUsPerRequest, 0)} µs, kernel ${fmt(figures.kernel.cpu!.serverUsPerRequest, 0)} µs ` +
        `(baseline/kernel ${cpuRatio.toFixed(3)}; the same comparison, less sensitive to the load generator)`,
    )
  }
  const b = boot!.median
  console.log(
    `kernel boot, 20 plugins, database excluded: ${fmt(bootMs, 0)} ms  (goal < ${GOALS.bootMs} ms)  ${bootOk ? 'MET' : 'MISSED'}\n` +
      `  = loading @plein/core ${fmt(b.importCoreMs, 0)} + prepare ${fmt(b.prepareMs, 0)} (resolve, validate, order, settings, register) ` +
      `+ plugin start() ${fmt(b.pluginStartMs, 0)} + HTTP app and listen ${fmt(b.listenMs, 0)} ms\n` +
      `  Node and tsx start-up before that: ${fmt(b.nodeStartMs, 0)} ms (whole process without the database: ${fmt(b.processMs, 0)} ms)`,
  )
  if (settings.calibrate && figures.ceiling.reqPerSec < figures.baseline.reqPerSec * 1.25) {
    console.log(
      `\nNote: plain node:http reached only ${figures.ceiling.reqPerSec.toLocaleString('en')} req/s, close to the baseline: the load generator is ` +
        'near its limit on this machine, so the ratio is flattered (the gap would look larger with a faster load generator).',
    )
  }

  const busy = servers.filter(s => figures[s.name].busy)
  if (busy.length > 0) {
    console.log(
      `\n* Warning: other processes kept the CPU busy while measuring ${busy.map(s => s.name).join(', ')} ` +
        `(more than ${settings.maxOther} cores, ${settings.retries + 1} tries): those figures are low and the ratio is unreliable.`,
    )
  }
  for (const s of servers) {
    const f = figures[s.name]
    if (f.errors + f.timeouts + f.non2xx > 0) {
      console.error(`${s.label}: ${f.errors} errors, ${f.timeouts} timeouts, ${f.non2xx} non-2xx answers`)
      failed = true
    }
    if (f.logLinesOk === false) {
      console.error(`${s.label}: ${f.logLinesPerRequest} log lines per request, expected 1`)
      failed = true
    }
  }

  const profiles: Record<string, string> = {}
  for (const name of ['baseline', 'kernel'] as const) {
    const dir = path.join(resultsDir, 'profile', name)
    if (profileArgs(name).length === 0 || !existsSync(dir)) continue
    // The main thread's profile is the largest of the newest run's files (tsx's loader thread writes one too).
    const files = readdirSync(dir)
      .filter(f => f.endsWith('.cpuprofile'))
      .map(f => path.join(dir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    const newestRun = files.filter(f => statSync(files[0]!).mtimeMs - statSync(f).mtimeMs < 5000)
    const main = newestRun.sort((a, b) => statSync(b).size - statSync(a).size)[0]
    if (!main) continue
    profiles[name] = path.relative(root, main)
    console.log(`\nCPU profile of the ${name} server: ${profiles[name]}\n  summary: node --import tsx bench/profile.ts ${profiles[name]}`)
  }

  const out = {
    date: started.toISOString(),
    machine: host,
    method: {
      route: `GET ${settings.route}`,
      connections: settings.connections,
      pipelining: 1,
      warmupS: settings.warmupS,
      durationS: settings.durationS,
      rounds: settings.rounds,
      loadGenerator: 'autocannon 8 (programmatic, in the bench/run.ts process)',
      servers: 'each in its own child process: node --import tsx --conditions=source bench/servers/<name>.ts',
      logs: settings.logToFile ? 'JSON lines to a temporary file (checked: lines per request)' : 'JSON lines to /dev/null (pino.destination, asynchronous)',
      latency: 'exact response times of 2xx answers in the measured run (autocannon response events)',
      quick,
    },
    servers: Object.fromEntries(servers.map(s => [s.name, { label: s.label, ...figures[s.name], runs: runs[s.name] }])),
    ratio,
    cpuPerRequestRatio: cpuRatio,
    boot: {
      included: 'loading @plein/core and its dependencies, Kernel.prepare (resolve, validate, order, settings, register), plugin start(), createApp + listen',
      excluded: 'the database (PGlite start-up, migrations, root site row); Node and tsx start-up are reported separately (nodeStartMs, processMs)',
      ...boot,
    },
    goals: { ratio: { goal: `≥ ${GOALS.ratio}`, met: ratioOk }, bootMs: { goal: `< ${GOALS.bootMs}`, met: bootOk } },
    profiles,
  }
  // A quick smoke run does not replace the last full run's figures.
  const file = path.join(resultsDir, quick ? 'latest-quick.json' : 'latest.json')
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n')
  console.log(`\nWritten: ${path.relative(root, file)}`)
  if (failed || (settings.strict && !(ratioOk && bootOk))) process.exitCode = 1
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
