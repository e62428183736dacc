// `node --import tsx --conditions=source bench/cost.ts`: the CPU one request costs, split between the Plein
// server process and PostgreSQL, per endpoint, on a seeded database (see docs/performance.md, "Where a
// request's CPU goes"). Requests run one at a time (no queueing), so latency and CPU are the request's own.
// CPU is read from /proc (Linux): the server's utime+stime, and the sum over every `postgres` process.
//
//   COST_DB=plein_bench  COST_SERVER=postgres://postgres@127.0.0.1:5432  COST_REQUESTS=300
//   COST_URLS='/api/v1/activity?limit=20|/groups/{group}|/api/v1/blogs/{blog}'  (default: the load mix's GET endpoints;
//   {group} and {blog} stand for the biggest visible group and a readable blog post, {file} for a 64 KiB file the
//   administrator uploads first, as bench/load.ts does; `POST /api/v1/entities/{blog}/comments` posts a comment
//   with the session's CSRF token each time, the load mix's comment post, on the second readable blog post)
//   COST_PG=server: count only the PostgreSQL backends connected to this server process (its pool and its
//   LISTEN connection), not every `postgres` process: other work on the same PostgreSQL does not count then.
import { readdirSync, readFileSync, readlinkSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type pg from 'pg'
import { randomBytes } from 'node:crypto'
import { biggestGroups, client, readableBlogs, request, rootSiteOf, signIn, startServer, type SeededOptions, type Session } from './seeded.js'

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
    const rootSite = await rootSiteOf(db)
    const blogs = await readableBlogs(db, rootSite, 2)
    const blog = blogs[0]!
    // Comments are posted on another post than the one read: the read's comment count stays the same run after run.
    const commented = blogs[1] ?? blog
    const group = (await biggestGroups(db, rootSite, 1))[0]!
    const serverOnly = env.COST_PG === 'server'
    const session = await signIn(server.port, 'seed-7@example.org')
    const spec = env.COST_URLS ?? `/healthz|/api/v1/auth/me|/api/v1/activity?limit=20|/groups/${group}|/api/v1/blogs/${blog}|/api/v1/search?q=beleid&limit=20|/api/v1/search?q=kennishealth&limit=20`
    const upload = spec.includes('{file}') ? await uploadFile(server.port) : undefined
    const file = upload?.file ?? ''
    const urls = spec.split('|').map(u => u.replace('{group}', group).replace('{blog}', u.startsWith('POST ') ? commented : blog).replace('{file}', file))
    console.log(`CPU per request, ${REQUESTS} requests one at a time (database ${options.database}, load average ${os.loadavg()[0]!.toFixed(1)}${serverOnly ? ', PostgreSQL: this server\'s backends only' : ''})`)
    console.log('url'.padEnd(52), 'ms/req'.padStart(8), 'node ms'.padStart(8), 'pg ms'.padStart(8))
    let n = 0
    const send = (line: string) => {
      const [method, url] = line.startsWith('POST ') ? ['POST', line.slice(5)] : ['GET', line]
      if (method === 'GET') return request(server.port, 'GET', url, { cookie: session.cookie })
      const body = JSON.stringify({ body: `<p>Cost comment ${n++}</p>` })
      return request(server.port, 'POST', url, { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' }, body)
    }
    for (const url of urls) {
      for (let i = 0; i < 20; i++) await send(url)
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
        const res = await send(url)
        if (res.status !== 200 && res.status !== 201) throw new Error(`${url}: ${res.status} ${res.body.slice(0, 200)}`)
      }
      const ms = (performance.now() - t0) / REQUESTS
      const node = (cpuOf(server.child.pid!) - node0) / REQUESTS
      const pg = (pgCpu() - pg0) / REQUESTS
      console.log(url.slice(0, 52).padEnd(52), ms.toFixed(2).padStart(8), node.toFixed(2).padStart(8), pg.toFixed(2).padStart(8))
    }
    // Leave the database as it was: the folder, its file and the comments made here go again.
    if (upload) await db.query('DELETE FROM entity WHERE id = ANY($1::uuid[])', [[upload.file, upload.folder]])
    if (n > 0) await db.query(`DELETE FROM comments_comment WHERE entity_id = $1 AND body LIKE '<p>Cost comment %'`, [commented])
    await db.end()
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** As bench/load.ts: the administrator makes a folder for signed-in users and uploads a 64 KiB file into it. */
async function uploadFile(port: number): Promise<{ folder: string; file: string }> {
  const admin: Session = await signIn(port, 'seed-0@example.org')
  const asAdmin = { cookie: admin.cookie, 'x-csrf-token': admin.csrf }
  const folder = await request(port, 'POST', '/api/v1/folders', { ...asAdmin, 'content-type': 'application/json' }, JSON.stringify({ name: `cost-${Date.now()}`, access: { read: ['logged_in'] } }))
  if (folder.status !== 201) throw new Error(`folder: ${folder.status} ${folder.body}`)
  const folderId = JSON.parse(folder.body).id as string
  const up = await request(port, 'PUT', `/api/v1/folders/${folderId}/files/report.bin`, { ...asAdmin, 'content-type': 'application/octet-stream' }, randomBytes(64 * 1024))
  if (up.status !== 201) throw new Error(`upload: ${up.status} ${up.body}`)
  return { folder: folderId, file: JSON.parse(up.body).id as string }
}

await main()
