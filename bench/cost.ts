// `node --import tsx --conditions=source bench/cost.ts`: the CPU one request costs, split between the Plein
// server process and PostgreSQL, per endpoint, on a seeded database (see docs/performance.md, "Where a
// request's CPU goes"). Requests run one at a time (no queueing), so latency and CPU are the request's own.
// CPU is read from /proc (Linux): the server's utime+stime, and the sum over every `postgres` process.
//
//   COST_DB=plein_bench  COST_SERVER=postgres://postgres@127.0.0.1:5432  COST_REQUESTS=300
//   COST_URLS='/api/v1/activity?limit=20|/groups/{group}|/api/v1/blogs/{blog}'  (default: the load mix's GET endpoints;
//   {group} and {blog} stand for the biggest visible group and a readable blog post)
//   COST_PG=server: count only the PostgreSQL backends connected to this server process (its pool and its
//   LISTEN connection), not every `postgres` process: other work on the same PostgreSQL does not count then.
import { readdirSync, readFileSync, readlinkSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type pg from 'pg'
import { client, request, signIn, startServer, type SeededOptions } from './seeded.js'

const env = process.env
const REQUESTS = Number(env.COST_REQUESTS ?? 300)
const TICK_MS = 1000 / 100 // USER_HZ

function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

function postgresCpu(): number {
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue
      total += cpuOf(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return total
}

/** Local TCP ports of a process's sockets (from /proc/<pid>/fd and /proc/net/tcp{,6}). */
function localPorts(pid: number): Set<number> {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1]!)
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length > 9 && inodes.has(f[9]!)) ports.add(parseInt(f[1]!.split(':')[1]!, 16))
    }
  }
  return ports
}

/** The PostgreSQL backends serving a process: those whose client port is one of its sockets. */
async function backendsOf(db: pg.Client, pid: number): Promise<number[]> {
  const ports = localPorts(pid)
  const rows = (await db.query('SELECT pid, client_port FROM pg_stat_activity WHERE client_port IS NOT NULL')).rows as Array<{ pid: number; client_port: number }>
  return rows.filter(r => ports.has(r.client_port)).map(r => r.pid)
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'plein-bench-cost-'))
  const options: SeededOptions = { server: env.COST_SERVER ?? 'postgres://postgres@127.0.0.1:5432', database: env.COST_DB ?? 'plein_bench', scale: 0, seed: 1, dataDir }
  const server = await startServer(options)
  try {
    const db = client(options)
    await db.connect()
    const rootSite = (await db.query(`SELECT id FROM kernel_site WHERE key NOT LIKE 'subsite:%' ORDER BY created_at LIMIT 1`)).rows[0].id as string
    const blog = (await db.query(`SELECT id FROM entity WHERE site_id = $1 AND kind = 'blog' AND read_access && '{public,logged_in}' AND published_at IS NOT NULL ORDER BY id LIMIT 1`, [rootSite])).rows[0].id as string
    const group = (await db.query(`SELECT e.id FROM entity e JOIN groups_group g ON g.entity_id = e.id WHERE e.site_id = $1 AND NOT g.hidden ORDER BY g.member_count DESC LIMIT 1`, [rootSite])).rows[0].id as string
    const serverOnly = env.COST_PG === 'server'
    const session = await signIn(server.port, 'seed-7@example.org')
    const urls = (env.COST_URLS ?? `/healthz|/api/v1/auth/me|/api/v1/activity?limit=20|/groups/${group}|/api/v1/blogs/${blog}|/api/v1/search?q=beleid&limit=20|/api/v1/search?q=kennishealth&limit=20`).split('|').map(u => u.replace('{group}', group).replace('{blog}', blog))
    console.log(`CPU per request, ${REQUESTS} requests one at a time (database ${options.database}, load average ${os.loadavg()[0]!.toFixed(1)}${serverOnly ? ', PostgreSQL: this server\'s backends only' : ''})`)
    console.log('url'.padEnd(52), 'ms/req'.padStart(8), 'node ms'.padStart(8), 'pg ms'.padStart(8))
    for (const url of urls) {
      for (let i = 0; i < 20; i++) await request(server.port, 'GET', url, { cookie: session.cookie })
      const backends = serverOnly ? await backendsOf(db, server.child.pid!) : []
      // A backend that ended meanwhile (a pooled connection closed when idle) keeps the CPU last read.
      const last = new Map<number, number>()
      const backendCpu = (pid: number) => {
        try {
          last.set(pid, cpuOf(pid))
        } catch {
          // gone
        }
        return last.get(pid) ?? 0
      }
      const pgCpu = () => (serverOnly ? backends.reduce((a, pid) => a + backendCpu(pid), 0) : postgresCpu())
      const node0 = cpuOf(server.child.pid!)
      const pg0 = pgCpu()
      const t0 = performance.now()
      for (let i = 0; i < REQUESTS; i++) {
        const res = await request(server.port, 'GET', url, { cookie: session.cookie })
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.body.slice(0, 200)}`)
      }
      const ms = (performance.now() - t0) / REQUESTS
      const node = (cpuOf(server.child.pid!) - node0) / REQUESTS
      const pg = (pgCpu() - pg0) / REQUESTS
      console.log(url.slice(0, 52).padEnd(52), ms.toFixed(2).padStart(8), node.toFixed(2).padStart(8), pg.toFixed(2).padStart(8))
    }
    await db.end()
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
