// Subsites at scale (issue 6): 500 subsites in one process.
//  1. Memory growth per idle subsite: the server process creates 500 subsites, measures its memory (after
//     forced GCs), resolves each subsite once by its host so that it is cached, and measures again.
//  2. Activity page req/s on subsite 500 against the root site, both with the same plugins and 30 posts,
//     loaded by autocannon from this (parent) process; runs alternate root / subsite and the medians count.
// Goals: < 100 KB per idle subsite, subsite ≥ 0.9 × the root's req/s.
//
//   node --import tsx --conditions=source bench/subsites.ts
//   BENCH_DATABASE_URL=postgres://…/test   a fresh database on this server (default: embedded, in memory)
//   BENCH_SUBSITES=500  BENCH_DURATION=5 (seconds per run)  BENCH_ROUNDS=3  BENCH_CONNECTIONS=10
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const env = process.env
const COUNT = Number(env.BENCH_SUBSITES ?? 500)
const POSTS = 30
const PLUGINS = ['comments', 'blog', 'groups', 'search']

interface Ready {
  port: number
  token: string
  rootHost: string
  subHost: string
  subsites: number
  memory: Record<string, { heapUsed: number; rss: number; external: number }>
}

if (env.BENCH_SUBSITES_SERVER === '1') await server()
else await driver()

/** The child process: a kernel with 500 subsites; reports its memory, then serves until SIGTERM. */
async function server(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run the server with --expose-gc')
  // Set-up requests (minutes apart) on fresh connections: no reuse of a socket the server closed as idle.
  http.globalAgent = new http.Agent({ keepAlive: false })
  const { createLogger, Kernel } = await import('@plein/core')
  const { blogPlugin } = await import('@plein/plugin-blog')
  const { commentsPlugin } = await import('@plein/plugin-comments')
  const { groupsPlugin } = await import('@plein/plugin-groups')
  const { searchPlugin } = await import('@plein/plugin-search')
  const { subsitesPlugin, subsitesServiceRef } = await import('@plein/plugin-subsites')
  const { createTestDatabase, signUp, TestClient, TEST_SITE_SETTINGS } = await import('@plein/testing')

  const database = await createTestDatabase(env.BENCH_DATABASE_URL || undefined)
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-bench-subsites-'))
  const kernel = await Kernel.boot({
    siteDir: process.cwd(),
    dataDir,
    databaseUrl: database.url,
    embeddedDir: 'memory://',
    config: { name: 'Root', hosts: ['127.0.0.1', 'localhost'], admins: [], plugins: {}, settings: TEST_SITE_SETTINGS },
    plugins: [commentsPlugin, blogPlugin, groupsPlugin, searchPlugin, subsitesPlugin].map(source => ({ source })),
    secret: 'benchmark-secret-that-is-long-enough-0123456789',
    log: createLogger({ level: 'warn', pretty: false }),
    passwordHashing: 'fast',
  })
  const stop = async () => {
    await kernel.stop()
    await database.drop()
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop())
  process.on('SIGINT', () => void stop())

  const { port } = await kernel.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${port}`
  const admin = await signUp(new TestClient(url), { name: 'Bench Admin' })
  const token = (await admin.client.post('/api/v1/auth/tokens', { name: 'bench' })).body.token as string
  const bearer = (host: string) => new TestClient(url, host)
  const post = async (host: string, i: number) => {
    const res = await bearer(host).post('/api/v1/blogs', { title: `Post ${i}`, body: `<p>Text of post ${i}.</p>` }, { headers: { authorization: `Bearer ${token}` } })
    if (res.status !== 201) throw new Error(`post on ${host}: ${res.status} ${res.text}`)
  }
  for (let i = 0; i < POSTS; i++) await post('127.0.0.1', i)

  const measure = () => {
    for (let i = 0; i < 4; i++) gc()
    const m = process.memoryUsage()
    return { heapUsed: m.heapUsed, rss: m.rss, external: m.external }
  }
  const memory: Ready['memory'] = {}
  memory.before = measure()
  const subsites = kernel.service(subsitesServiceRef)!
  const hosts: string[] = []
  for (let i = 1; i <= COUNT; i++) {
    const host = `s${i}.bench.test`
    await subsites.create({ name: `Subsite ${i}`, host, plugins: PLUGINS, membership: 'open' })
    hosts.push(host)
  }
  // Created (rows stored), nothing cached yet: create() forgets what it changed.
  memory.created = measure()
  for (const host of hosts) {
    const res = await new TestClient(url, host).get('/api/v1/site')
    if (res.status !== 200) throw new Error(`GET /api/v1/site on ${host}: ${res.status}`)
  }
  memory.resolved = measure()
  // Once more: nothing further should grow for idle sites.
  for (const host of hosts) await new TestClient(url, host).get('/api/v1/site')
  memory.again = measure()

  const subHost = hosts[hosts.length - 1]!
  for (let i = 0; i < POSTS; i++) await post(subHost, i)
  const ready: Ready = { port, token, rootHost: '127.0.0.1', subHost, subsites: COUNT, memory }
  process.stdout.write(JSON.stringify(ready) + '\n')
}

/** The parent: starts the server, loads it with autocannon, prints the figures. */
async function driver(): Promise<void> {
  const { default: autocannon } = await import('autocannon')
  const here = fileURLToPath(import.meta.url)
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--conditions=source', here], {
    env: { ...env, BENCH_SUBSITES_SERVER: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  const ready = await new Promise<Ready>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', line => {
      try {
        const parsed = JSON.parse(line)
        if (parsed.port) resolve(parsed)
      } catch {
        // not ours
      }
    })
    child.once('exit', code => reject(new Error(`the server exited (${code}) before it was ready`)))
  })
  try {
    const kb = (bytes: number) => bytes / 1024
    const m = ready.memory
    const perSite = (a: string, b: string, key: 'heapUsed' | 'rss' | 'external') => kb(m[b]![key] - m[a]![key]) / ready.subsites
    console.log(`database: ${env.BENCH_DATABASE_URL ? 'PostgreSQL server' : 'embedded (PGlite, in this process)'}; ${ready.subsites} subsites`)
    console.log('memory (MB):', Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { heapUsed: +(v.heapUsed / 2 ** 20).toFixed(1), rss: +(v.rss / 2 ** 20).toFixed(1) }])))
    const cached = { heap: perSite('created', 'resolved', 'heapUsed'), rss: perSite('created', 'resolved', 'rss') }
    const total = { heap: perSite('before', 'resolved', 'heapUsed'), rss: perSite('before', 'resolved', 'rss') }
    const again = perSite('resolved', 'again', 'heapUsed')
    console.log(`per idle subsite, cached and served once: heap ${cached.heap.toFixed(1)} KB, rss ${cached.rss.toFixed(1)} KB`)
    console.log(`per subsite including creation (rows, caches, embedded database pages): heap ${total.heap.toFixed(1)} KB, rss ${total.rss.toFixed(1)} KB`)
    console.log(`per subsite on a second round of requests: heap ${again.toFixed(1)} KB`)

    const headers = (host: string) => ({ host, authorization: `Bearer ${ready.token}` })
    const base = `http://127.0.0.1:${ready.port}/api/v1/activity`
    // Both answer a full page before anything is measured.
    for (const host of [ready.rootHost, ready.subHost]) {
      const res = await fetch(base, { headers: headers(host) })
      const body = (await res.json()) as { items: unknown[] }
      if (res.status !== 200 || body.items.length !== 20) throw new Error(`${host}: ${res.status}, ${body.items?.length} items`)
    }
    const duration = Number(env.BENCH_DURATION ?? 5)
    const rounds = Number(env.BENCH_ROUNDS ?? 3)
    const connections = Number(env.BENCH_CONNECTIONS ?? 10)
    const run = async (host: string, seconds: number) => {
      const result = await autocannon({ url: base, connections, duration: seconds, headers: headers(host) })
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${host}: ${result.non2xx} non-2xx, ${result.errors} errors`)
      return result.requests.average
    }
    const figures: Record<string, number[]> = { root: [], sub: [] }
    await run(ready.rootHost, 1)
    await run(ready.subHost, 1)
    for (let i = 0; i < rounds; i++) {
      figures.root!.push(await run(ready.rootHost, duration))
      figures.sub!.push(await run(ready.subHost, duration))
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const root = median(figures.root!)
    const sub = median(figures.sub!)
    console.log(`activity page req/s (${connections} connections, ${rounds} × ${duration} s, alternating): root ${root.toFixed(0)} [${figures.root!.map(x => x.toFixed(0)).join(', ')}], subsite ${ready.subsites} ${sub.toFixed(0)} [${figures.sub!.map(x => x.toFixed(0)).join(', ')}], ratio ${(sub / root).toFixed(2)}`)
    console.log(`goals: < 100 KB per idle subsite: ${cached.heap < 100 ? 'met' : 'MISSED'}; ≥ 0.9 × req/s: ${sub / root >= 0.9 ? 'met' : 'MISSED'}`)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}
