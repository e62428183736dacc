// `npm run bench:digest` (issue 10's benchmark): one daily digest run for DIGEST_BENCH_USERS (10,000) users,
// by the notifications plugin's real jobs in the real server (`plein start`), into a real SMTP server on
// loopback (smtp-server). Goal: every digest delivered within 60 s of the run starting.
// See docs/search-and-notifications.md and docs/performance.md, "Digests at scale".
//  - Seeds (or reuses) DIGEST_BENCH_DB at DIGEST_BENCH_SCALE (default 0.1: 10,000 accounts).
//  - Gives DIGEST_BENCH_USERS seeded users a daily digest preference that is due, five unread notifications
//    each about items they may read, and one about a group-only item of a group they are not in (the
//    digest must leave it out: access is re-checked at sending time).
//  - Starts the server with PLEIN_SMTP_URL pointing at the SMTP sink, makes the `notifications.digest`
//    schedule due now, and waits until every digest has arrived. Prints the time, mails/s, and checks that
//    no mail names an item its recipient may not read. Writes bench/results/digest.json.
//
//   DIGEST_BENCH_SERVER=postgres://postgres@127.0.0.1:5432  DIGEST_BENCH_DB=plein_bench  DIGEST_BENCH_SCALE=0.1
//   DIGEST_BENCH_USERS=10000  DIGEST_BENCH_TIMEOUT=600 (seconds)  DIGEST_BENCH_DROP=1  BENCH_STRICT=1
//   BENCH_PROFILE=1 (the server under --cpu-prof: bench/results/profile/server/, read with bench/profile.ts)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SMTPServer } from 'smtp-server'
import { client, dropDatabase, ensureSeeded, resultsDir, rootSiteOf, scaleOf, startServer, type Server } from './seeded.js'

const env = process.env
const USERS = Number(env.DIGEST_BENCH_USERS ?? 10_000)
const TIMEOUT_S = Number(env.DIGEST_BENCH_TIMEOUT ?? 600)
const GOAL_S = 60
const HIDDEN_MARK = 'Geheim-bench-item'

interface Mail {
  to: string
  bytes: number
  leaked: boolean
  at: number
}

async function startSink(): Promise<{ url: string; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', c => chunks.push(c))
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        mails.push({ to: session.envelope.rcptTo.map(r => r.address.toLowerCase()).join(','), bytes: text.length, leaked: text.includes(HIDDEN_MARK) && !session.envelope.rcptTo.some(r => r.address.toLowerCase() === 'seed-0@example.org'), at: performance.now() })
        callback()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as { port: number }).port
  return { url: `smtp://127.0.0.1:${port}?tls=off`, mails, close: () => new Promise<void>(resolve => server.close(() => resolve())) }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'plein-bench-digest-'))
  const options = {
    server: env.DIGEST_BENCH_SERVER ?? 'postgres://postgres@127.0.0.1:5432',
    database: env.DIGEST_BENCH_DB ?? 'plein_bench',
    scale: Number(env.DIGEST_BENCH_SCALE ?? 0.1),
    seed: Number(env.DIGEST_BENCH_SEED ?? 1),
    dataDir,
  }
  const scale = scaleOf(options)
  if (scale.users < USERS) throw new Error(`DIGEST_BENCH_USERS=${USERS} needs a scale with at least ${USERS} users (DIGEST_BENCH_SCALE=${options.scale} has ${scale.users})`)
  console.log(`Digest benchmark: ${USERS} users with a due daily digest, in ${options.database} (${options.scale} × the Pleio scale)`)
  const sink = await startSink()
  let server: Server | undefined
  try {
    const seeded = await ensureSeeded(options)
    console.log(seeded === 0 ? 'Seed: reused.' : `Seed: ${seeded.toFixed(1)} s`)
    // The server first: it runs the notifications plugin's migrations.
    server = await startServer(options, { PLEIN_SMTP_URL: sink.url })
    const db = client(options)
    await db.connect()
    const rootSite = await rootSiteOf(db)
    const t0 = performance.now()
    await db.query('BEGIN')
    // A clean slate for the benchmark's own rows (this database is for benchmarks only).
    await db.query('DELETE FROM notifications_notification WHERE site_id = $1', [rootSite])
    await db.query('DELETE FROM notifications_preference WHERE site_id = $1', [rootSite])
    await db.query(`DELETE FROM kernel_job WHERE name LIKE 'notifications.%'`)
    // Recipients: USERS seeded accounts; five public items each (so readable), and (but for the
    // administrator, who may read everything) one group-only item of a group the recipient is not in,
    // titled so that a leak is visible in the mail.
    await db.query(
      `CREATE TEMP TABLE bench_recipient AS
         SELECT a.id, row_number() OVER (ORDER BY a.email) AS n FROM kernel_account a
          WHERE a.email ~ '^seed-[0-9]+@example.org$' ORDER BY a.email LIMIT $1`,
      [USERS],
    )
    const publicItems = (await db.query(`SELECT id FROM entity WHERE site_id = $1 AND kind = 'blog' AND read_access = '{public}' AND published_at IS NOT NULL ORDER BY id LIMIT 500`, [rootSite])).rows.map(r => r.id)
    const hidden = (await db.query(
      `SELECT e.id, e.container_id FROM entity e JOIN groups_group g ON g.entity_id = e.container_id
        WHERE e.site_id = $1 AND e.read_access = ARRAY['group:' || e.container_id::text] AND g.member_count < 50 ORDER BY e.id LIMIT 1`,
      [rootSite],
    )).rows[0]
    await db.query(`UPDATE entity SET title = $2 WHERE id = $1`, [hidden.id, `${HIDDEN_MARK} ${hidden.id}`])
    await db.query(
      `INSERT INTO notifications_preference (site_id, account_id, email, last_digest_at)
       SELECT $1, id, 'daily', now() - interval '3 days' FROM bench_recipient`,
      [rootSite],
    )
    await db.query(
      `INSERT INTO notifications_notification (site_id, account_id, kind, entity_id, actor_id, created_at)
       SELECT $1, r.id, 'item.commented', ($2::uuid[])[1 + ((r.n * 5 + k) % array_length($2::uuid[], 1))], (SELECT id FROM kernel_account WHERE email = 'seed-0@example.org'),
              now() - make_interval(mins => (k * 30)::int)
         FROM bench_recipient r, generate_series(0, 4) AS k`,
      [rootSite, publicItems],
    )
    await db.query(
      `INSERT INTO notifications_notification (site_id, account_id, kind, entity_id, created_at)
       SELECT $1, r.id, 'item.created', $2, now() - interval '1 hour' FROM bench_recipient r
        WHERE NOT EXISTS (SELECT 1 FROM groups_member m WHERE m.group_id = $3 AND m.account_id = r.id AND m.status = 'member')
          AND NOT EXISTS (SELECT 1 FROM kernel_site_member s WHERE s.site_id = $1 AND s.account_id = r.id AND s.role = 'admin')`,
      [rootSite, hidden.id, hidden.container_id],
    )
    await db.query('COMMIT')
    await db.query('ANALYZE notifications_notification, notifications_preference')
    console.log(`Prepared ${USERS} recipients with 5–6 notifications each in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

    // The run: the recurring digest job falls due now; the server's job runner does the rest.
    const before = sink.mails.length
    const start = performance.now()
    await db.query(`UPDATE kernel_job_schedule SET next_run_at = now() WHERE name = 'notifications.digest'`)
    let last = 0
    while (sink.mails.length - before < USERS && (performance.now() - start) / 1000 < TIMEOUT_S) {
      await new Promise(r => setTimeout(r, 250))
      const s = Math.floor((performance.now() - start) / 10_000)
      if (s !== last) {
        last = s
        console.log(`  ${s * 10} s: ${sink.mails.length - before} digests`)
      }
    }
    const mails = sink.mails.slice(before)
    const seconds = ((mails.length > 0 ? mails[mails.length - 1]!.at : performance.now()) - start) / 1000
    const failed = Number((await db.query(`SELECT count(*)::int AS n FROM kernel_job WHERE name LIKE 'notifications.%' AND status = 'failed'`)).rows[0].n)
    const recipients = new Set(mails.map(m => m.to)).size
    await db.end()
    const leaked = mails.filter(m => m.leaked).length
    console.log(`\n${mails.length} digests to ${recipients} recipients in ${seconds.toFixed(1)} s (${(mails.length / seconds).toFixed(0)} mails/s); ${failed} failed jobs; ${leaked} mails naming an item their recipient may not read`)
    const met = mails.length === USERS && seconds < GOAL_S && leaked === 0 && failed === 0
    console.log(met ? `Goal met: ${USERS} digests in under ${GOAL_S} s.` : `Goal missed (${USERS} digests in under ${GOAL_S} s, none leaking).`)
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(path.join(resultsDir, 'digest.json'), JSON.stringify({ at: new Date().toISOString(), users: USERS, scale, digests: mails.length, recipients, seconds, failed, leaked, loadavg: os.loadavg() }, null, 2) + '\n')
    if (env.BENCH_STRICT === '1' && !met) process.exitCode = 1
  } finally {
    await server?.stop()
    await sink.close()
    rmSync(dataDir, { recursive: true, force: true })
    if (env.DIGEST_BENCH_DROP === '1') await dropDatabase(options)
  }
}

await main()
