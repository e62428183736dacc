// `npm run bench:files`: the files plugin's throughput and memory. A file of FILES_BENCH_MB (default 1024)
// random bytes is uploaded through HTTP (raw PUT, encrypted at rest) and downloaded again, next to a plain
// `cp` of the same file in the same run; the server's resident memory is sampled from /proc/<pid>/status
// all the while. Then a folder of 100,000 files (rows inserted by SQL in bulk) lists its first page, timed
// against a folder of 10. The server runs in its own child process (bench/servers/files.ts).
// See docs/performance.md, "Files", for the method and the figures.
//
//   FILES_BENCH_MB=1024        size of the file (MiB)
//   FILES_BENCH_LIST=100000    files in the big folder
//   FILES_BENCH_LIST_RUNS=30   timed first-page requests per folder (median and p95 are reported)
//   FILES_BENCH_DIR=/tmp       where the file, the copy and the server's data folder go (one file system)
//   FILES_BENCH_DATABASE_URL   postgres://… for the server (default: the embedded database, in memory)
//   FILES_BENCH_PROFILE=1      run the server under --cpu-prof (bench/results/profile/files/; summary: bench/profile.ts)
//   FILES_BENCH_SERVER_ARGS    more node options for the server process (e.g. --trace-gc)
//   BENCH_STRICT=1             exit 1 when a goal is missed
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { signUp, TestClient } from '@plein/testing'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const resultsDir = path.join(here, 'results')
const env = process.env
const num = (value: string | undefined, fallback: number) => {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`Expected a positive number, got "${value}"`)
  return n
}
const settings = {
  mb: num(env.FILES_BENCH_MB, 1024),
  listCount: num(env.FILES_BENCH_LIST, 100_000),
  listRuns: num(env.FILES_BENCH_LIST_RUNS, 30),
  dir: env.FILES_BENCH_DIR || os.tmpdir(),
  strict: env.BENCH_STRICT === '1',
}
const GOALS = { ratioToCp: 0.5, rssGrowthMb: 64, listRatio: 3 }
const MiB = 1024 * 1024

interface Running {
  child: ChildProcess
  port: number
  pid: number
  database: string
  exited: Promise<number | null>
}

function startServer(): Promise<Running> {
  const profile = env.FILES_BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profile', 'files')}`] : []
  const extra = (env.FILES_BENCH_SERVER_ARGS ?? '').split(/\s+/).filter(Boolean)
  const child = spawn(process.execPath, [...profile, ...extra, '--import', 'tsx', '--conditions=source', path.join(here, 'servers', 'files.ts')], {
    cwd: root,
    env: { ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('files server: not ready within 120 s'))
    }, 120_000)
    createInterface({ input: child.stdout! }).on('line', line => {
      try {
        const info = JSON.parse(line)
        if (info.ready) {
          clearTimeout(timer)
          resolve({ child, port: info.port, pid: info.pid, database: info.database, exited })
        }
      } catch {
        process.stderr.write(`[files server] ${line}\n`)
      }
    })
    exited.then(code => {
      clearTimeout(timer)
      reject(new Error(`files server exited with code ${code} before it was ready`))
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

/** VmRSS of a process in bytes (Linux), sampled every `everyMs` while a task runs: baseline, peak, end. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}
// CPU accounting from /proc (as bench/run.ts does): on a shared machine, what the server itself used.
const TICK_S = 0.01 // USER_HZ is 100 on Linux
function machineBusyS(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0)) * TICK_S
}
function processCpuS(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * TICK_S
}
interface Cpu {
  /** Seconds of CPU: the server, this client, everything else on the machine; and the wall time. */
  serverS: number
  clientS: number
  otherS: number
  wallS: number
}

async function sampled<T>(pid: number, task: () => Promise<T>, everyMs = 20): Promise<{ result: T; before: number; peak: number; after: number; cpu: Cpu }> {
  const cpu0 = { at: performance.now(), machine: machineBusyS(), server: processCpuS(pid), self: process.cpuUsage() }
  const before = rssOf(pid)
  let peak = before
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid))
    } catch {
      // the process is gone
    }
  }, everyMs)
  try {
    const result = await task()
    const after = rssOf(pid)
    const self = process.cpuUsage(cpu0.self)
    const serverS = processCpuS(pid) - cpu0.server
    const clientS = (self.user + self.system) / 1e6
    const cpu = { serverS, clientS, otherS: Math.max(0, machineBusyS() - cpu0.machine - serverS - clientS), wallS: (performance.now() - cpu0.at) / 1000 }
    return { result, before, peak: Math.max(peak, after), after, cpu }
  } finally {
    clearInterval(timer)
  }
}

/** A file of `mb` MiB of random bytes (random: nothing along the way can shortcut it) and its SHA-256. */
function makeFile(file: string, mb: number): string {
  const hash = createHash('sha256')
  const fd = openSync(file, 'w')
  const block = randomBytes(MiB)
  try {
    for (let i = 0; i < mb; i++) {
      // A new random first 16 bytes per MiB: no two blocks alike, cheaply.
      randomBytes(16).copy(block, 0)
      writeSync(fd, block)
      hash.update(block)
    }
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}

function timeCp(from: string, to: string, fsync = false): number {
  rmSync(to, { force: true })
  const t0 = performance.now()
  const run = fsync ? spawnSync('sh', ['-c', 'cp "$0" "$1" && sync "$1"', from, to]) : spawnSync('cp', [from, to])
  const ms = performance.now() - t0
  if (run.status !== 0) throw new Error(`cp failed: ${run.stderr}`)
  return ms
}

function upload(port: number, token: string, folderId: string, name: string, file: string): Promise<{ status: number; body: any; ms: number }> {
  const size = statSync(file).size
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/api/v1/folders/${folderId}/files/${encodeURIComponent(name)}`,
        headers: { host: '127.0.0.1', authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      },
      res => {
        let text = ''
        res.on('data', d => (text += d))
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, ms: performance.now() - t0 }))
      },
    )
    req.on('error', reject)
    createReadStream(file, { highWaterMark: MiB }).pipe(req)
  })
}

function download(port: number, token: string, fileId: string): Promise<{ status: number; bytes: number; sha256: string; ms: number }> {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: `/api/v1/files/${fileId}/content`, headers: { host: '127.0.0.1', authorization: `Bearer ${token}` } },
      (res: IncomingMessage) => {
        const hash = createHash('sha256')
        let bytes = 0
        res.on('data', (d: Buffer) => {
          bytes += d.length
          hash.update(d)
        })
        res.on('end', () => resolve({ status: res.statusCode!, bytes, sha256: hash.digest('hex'), ms: performance.now() - t0 }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

const roundCpu = (c: Cpu) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Math.round(v * 100) / 100])) as unknown as Cpu
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)]!
const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–')
const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000)

async function timeFirstPage(client: TestClient, folderId: string, runs: number, limit: number): Promise<number[]> {
  const times: number[] = []
  // Two untimed requests first: plan and caches warm, as in a running site.
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now()
    const res = await client.get(`/api/v1/folders/${folderId}?limit=${limit}`)
    const ms = performance.now() - t0
    if (res.status !== 200 || res.body.children.items.length === 0) throw new Error(`listing answered ${res.status}: ${res.text.slice(0, 200)}`)
    if (i >= 2) times.push(ms)
  }
  return times
}

function fill(running: Running, folderId: string, ownerId: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    running.child.once('message', (m: any) => (m.error ? reject(new Error(m.error)) : resolve(m.ms)))
    running.child.send({ fill: { folderId, ownerId, count } })
  })
}

async function main(): Promise<void> {
  if (!existsSync('/proc/self/status')) throw new Error('This benchmark reads /proc (Linux).')
  const started = new Date()
  const cpus = os.cpus()
  const machine = { cpus: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()} ${os.arch()}` }
  const bytes = settings.mb * MiB
  console.log(`Plein files benchmark: ${settings.mb} MiB file, folder of ${settings.listCount.toLocaleString('en')}; ${machine.cpus} × ${machine.model}, Node ${machine.node}, load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')}`)
  const work = mkdtempSync(path.join(settings.dir, 'plein-files-bench-work-'))
  const source = path.join(work, 'source.bin')
  let running: Running | undefined
  try {
    process.stdout.write(`  writing ${settings.mb} MiB of random bytes … `)
    const sha = makeFile(source, settings.mb)
    console.log('done')

    running = await startServer()
    const base = `http://127.0.0.1:${running.port}`
    const person = await signUp(new TestClient(base))
    const token = (await person.client.post('/api/v1/auth/tokens', { name: 'bench' })).body.token as string
    const folder = (await person.client.post('/api/v1/folders', { name: 'Benchmark' })).body

    // Warm-up: every code path once (a 4 MiB file up and down), so the first-use cost is not the measurement.
    const warm = path.join(work, 'warm.bin')
    writeFileSync(warm, randomBytes(4 * MiB))
    const w = await upload(running.port, token, folder.id, 'warm.bin', warm)
    await download(running.port, token, w.body.id)

    // cp of the same file, in the same run, to the same file system, before and after the server's turn.
    const cpBefore = timeCp(source, path.join(work, 'copy.bin'))

    process.stdout.write('  upload … ')
    const up = await sampled(running.pid, () => upload(running!.port, token, folder.id, 'groot.bin', source))
    if (up.result.status !== 201) throw new Error(`upload answered ${up.result.status}: ${JSON.stringify(up.result.body)}`)
    if (up.result.body.sha256 !== sha || up.result.body.size !== bytes) throw new Error('the server stored something else than was sent')
    console.log(`${fmt(mbps(bytes, up.result.ms))} MiB/s`)

    process.stdout.write('  download … ')
    const down = await sampled(running.pid, () => download(running!.port, token, up.result.body.id))
    if (down.result.status !== 200 || down.result.bytes !== bytes || down.result.sha256 !== sha) throw new Error('the download is not the file that was uploaded')
    console.log(`${fmt(mbps(bytes, down.result.ms))} MiB/s`)

    const cpAfter = timeCp(source, path.join(work, 'copy.bin'))
    rmSync(path.join(work, 'copy.bin'), { force: true })
    const cpMs = median([cpBefore, cpAfter])
    // The upload ends with an fsync (the server answers 201 only for bytes on disk); cp does not. For reference: cp + sync.
    const cpSyncMs = timeCp(source, path.join(work, 'copy.bin'), true)
    rmSync(path.join(work, 'copy.bin'), { force: true })

    // Listing: the first page of a folder of 100,000 against a folder of 10 (rows by SQL, like uploads write them).
    const big = (await person.client.post('/api/v1/folders', { name: 'Groot' })).body
    const small = (await person.client.post('/api/v1/folders', { name: 'Klein' })).body
    process.stdout.write(`  filling a folder with ${settings.listCount.toLocaleString('en')} files … `)
    const fillMs = await fill(running, big.id, person.user.id, settings.listCount)
    await fill(running, small.id, person.user.id, 10)
    console.log(`${fmt(fillMs / 1000)} s`)
    // The same page size for both (10: all of the small folder), so only the folder's size differs; and a
    // page of 50 of the big one for reference.
    const bigTimes = await timeFirstPage(person.client, big.id, settings.listRuns, 10)
    const smallTimes = await timeFirstPage(person.client, small.id, settings.listRuns, 10)
    const big50Times = await timeFirstPage(person.client, big.id, settings.listRuns, 50)

    const figures = {
      fileMiB: settings.mb,
      uploadMiBs: mbps(bytes, up.result.ms),
      downloadMiBs: mbps(bytes, down.result.ms),
      cpMiBs: mbps(bytes, cpMs),
      cpRuns: [cpBefore, cpAfter].map(ms => Math.round(ms)),
      uploadMs: Math.round(up.result.ms),
      downloadMs: Math.round(down.result.ms),
      /** CPU seconds during each transfer: the server, this client, the rest of the machine (cores = s / wall s). */
      uploadCpu: roundCpu(up.cpu),
      downloadCpu: roundCpu(down.cpu),
      /** Throughput per second of server CPU: what one free core would do when the disk and the client keep up. */
      uploadMiBPerServerCpuS: bytes / MiB / up.cpu.serverS,
      downloadMiBPerServerCpuS: bytes / MiB / down.cpu.serverS,
      cpSyncMiBs: mbps(bytes, cpSyncMs),
      rss: {
        uploadBeforeMiB: up.before / MiB,
        uploadPeakMiB: up.peak / MiB,
        downloadBeforeMiB: down.before / MiB,
        downloadPeakMiB: down.peak / MiB,
        growthMiB: (Math.max(up.peak, down.peak) - up.before) / MiB,
      },
      list: {
        files: settings.listCount,
        bigMedianMs: median(bigTimes),
        bigP95Ms: p95(bigTimes),
        smallMedianMs: median(smallTimes),
        smallP95Ms: p95(smallTimes),
        big50MedianMs: median(big50Times),
        big50P95Ms: p95(big50Times),
        fillSeconds: fillMs / 1000,
      },
    }
    const upRatio = figures.uploadMiBs / figures.cpMiBs
    const downRatio = figures.downloadMiBs / figures.cpMiBs
    const listRatio = figures.list.bigMedianMs / figures.list.smallMedianMs
    const goals = {
      uploadVsCp: { goal: `≥ ${GOALS.ratioToCp}`, value: upRatio, met: upRatio >= GOALS.ratioToCp },
      downloadVsCp: { goal: `≥ ${GOALS.ratioToCp}`, value: downRatio, met: downRatio >= GOALS.ratioToCp },
      rssGrowthMiB: { goal: `< ${GOALS.rssGrowthMb}`, value: figures.rss.growthMiB, met: figures.rss.growthMiB < GOALS.rssGrowthMb },
      listBigVsSmall: { goal: `≤ ${GOALS.listRatio}× (as fast, within noise)`, value: listRatio, met: listRatio <= GOALS.listRatio },
    }

    console.log('')
    const rows: string[][] = [
      ['what', 'figure', 'goal', ''],
      [`cp of the ${settings.mb} MiB file`, `${fmt(figures.cpMiBs)} MiB/s`, '', ''],
      ['upload (PUT, encrypted, fsync)', `${fmt(figures.uploadMiBs)} MiB/s = ${fmt(upRatio, 2)} × cp`, `≥ ${GOALS.ratioToCp} × cp`, goals.uploadVsCp.met ? 'MET' : 'MISSED'],
      ['download (GET, decrypted)', `${fmt(figures.downloadMiBs)} MiB/s = ${fmt(downRatio, 2)} × cp`, `≥ ${GOALS.ratioToCp} × cp`, goals.downloadVsCp.met ? 'MET' : 'MISSED'],
      ['  server CPU, upload / download', `${fmt(up.cpu.serverS, 2)} s / ${fmt(down.cpu.serverS, 2)} s = ${fmt(figures.uploadMiBPerServerCpuS)} / ${fmt(figures.downloadMiBPerServerCpuS)} MiB per CPU-second`, '', ''],
      ['  other processes during upload / download', `${fmt(up.cpu.otherS / up.cpu.wallS, 2)} / ${fmt(down.cpu.otherS / down.cpu.wallS, 2)} cores busy`, '', ''],
      [`cp + sync (for reference)`, `${fmt(figures.cpSyncMiBs)} MiB/s`, '', ''],
      ['server RSS before → peak (upload)', `${fmt(figures.rss.uploadBeforeMiB)} → ${fmt(figures.rss.uploadPeakMiB)} MiB`, '', ''],
      ['server RSS before → peak (download)', `${fmt(figures.rss.downloadBeforeMiB)} → ${fmt(figures.rss.downloadPeakMiB)} MiB`, '', ''],
      ['server RSS growth', `${fmt(figures.rss.growthMiB)} MiB`, `< ${GOALS.rssGrowthMb} MiB`, goals.rssGrowthMiB.met ? 'MET' : 'MISSED'],
      [`first page of 10, folder of ${settings.listCount.toLocaleString('en')}`, `${fmt(figures.list.bigMedianMs, 2)} ms (p95 ${fmt(figures.list.bigP95Ms, 2)})`, '', ''],
      ['first page of 10, folder of 10', `${fmt(figures.list.smallMedianMs, 2)} ms (p95 ${fmt(figures.list.smallP95Ms, 2)})`, '', ''],
      [`first page of 50, folder of ${settings.listCount.toLocaleString('en')}`, `${fmt(figures.list.big50MedianMs, 2)} ms (p95 ${fmt(figures.list.big50P95Ms, 2)})`, '', ''],
      ['big / small', `${fmt(listRatio, 2)} ×`, `≤ ${GOALS.listRatio} ×`, goals.listBigVsSmall.met ? 'MET' : 'MISSED'],
    ]
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => r[i]!.length)))
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd())

    const out = {
      date: started.toISOString(),
      machine,
      loadAverage: os.loadavg(),
      method: {
        file: `${settings.mb} MiB of random bytes on ${settings.dir}`,
        upload: 'one raw PUT /api/v1/folders/:id/files/:name with Content-Length, read from the page cache by this process; timed to the 201 (encrypted, written, fsynced, committed)',
        download: 'one GET /api/v1/files/:id/content; the client hashes and discards the bytes (and checks size and SHA-256)',
        cp: 'cp of the same file on the same file system (median of one run before and one after the server’s), no fsync; also cp followed by sync of the copy, for reference',
        cpu: 'CPU seconds of the server (utime+stime from /proc/<pid>/stat), of this client, and of everything else (/proc/stat) during each transfer',
        rss: 'VmRSS of the server process from /proc/<pid>/status every 20 ms; growth = highest peak − RSS just before the upload (after a 4 MiB warm-up)',
        list: `GET /api/v1/folders/:id?limit=10 (and limit=50) as the owner (not an administrator), ${settings.listRuns} timed requests after 2 untimed, median and p95; rows inserted by SQL in bulk, then ANALYZE`,
        server: `bench/servers/files.ts: the kernel with the files plugin, ${running.database === 'postgres' ? 'PostgreSQL (FILES_BENCH_DATABASE_URL)' : 'the embedded database in memory, in the server process'}, logs to /dev/null`,
      },
      figures,
      goals,
    }
    mkdirSync(resultsDir, { recursive: true })
    const file = path.join(resultsDir, `files-${running.database}.json`)
    writeFileSync(file, JSON.stringify(out, null, 2) + '\n')
    console.log(`\nWritten: ${path.relative(root, file)}`)
    if (settings.strict && !Object.values(goals).every(g => g.met)) process.exitCode = 1
  } finally {
    if (running) await stopServer(running)
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.stack ?? error.message : error)
  process.exit(1)
})
