// `npm run bench:people` (node --import tsx --conditions=source bench/people-import.ts): a CSV import of 10,000
// colleagues into the people directory, through the HTTP API as an administrator sends it, on the embedded
// database (PGlite, in memory) — the goal is under 10 s. Also times the CSV export of the same profiles and a
// directory search. Each run boots a fresh kernel (people + groups, as an intranet has them).
//
//   BENCH_ROWS=10000     rows in the file
//   BENCH_RUNS=3         fresh kernels, one import each; the median is reported (BENCH_QUICK=1 → 1)
//   BENCH_STRICT=1       exit 1 when the goal is missed (a failed import always exits 1)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLogger, Kernel } from '@plein/core'
import { groupsPlugin } from '@plein/plugin-groups'
import { peoplePlugin } from '@plein/plugin-people'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const env = process.env
const num = (value: string | undefined, fallback: number) => {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`Expected a positive integer, got "${value}"`)
  return n
}
const settings = {
  rows: num(env.BENCH_ROWS, 10_000),
  runs: num(env.BENCH_RUNS, env.BENCH_QUICK === '1' ? 1 : 3),
  strict: env.BENCH_STRICT === '1',
}
const GOAL_MS = 10_000

const DEPARTMENTS = ['Burgerzaken', 'ICT', 'Financiën', 'Ruimtelijke ordening', 'Sociaal domein', 'Communicatie', 'HR', 'Juridische zaken']
const FUNCTIONS = ['Beleidsmedewerker', 'Teamleider', 'Adviseur', 'Ontwikkelaar', 'Medewerker klantcontact', 'Projectleider']
const SKILLS = ['GIS', 'Excel', 'Wmo', 'Omgevingswet', 'TypeScript', 'Projectmanagement', 'Schrijven', 'Juridisch advies', 'Data-analyse']

/** A CSV file as a spreadsheet would export it: quoted names with commas, list fields separated by ";". */
function makeCsv(rows: number): string {
  const lines = ['email,name,department,function,phone,location,skills']
  for (let i = 0; i < rows; i++) {
    const skills = [SKILLS[i % SKILLS.length], SKILLS[(i * 7) % SKILLS.length]].join('; ')
    lines.push(
      [
        `medewerker${i}@gemeente.example`,
        i % 10 === 0 ? `"Vries, Jan de (${i})"` : `Medewerker ${i}`,
        DEPARTMENTS[i % DEPARTMENTS.length],
        FUNCTIONS[i % FUNCTIONS.length],
        `020 ${String(5_000_000 + i).slice(0, 3)} ${String(i).padStart(4, '0')}`,
        `"Stadhuis, verdieping ${i % 6}"`,
        `"${skills}"`,
      ].join(','),
    )
  }
  return lines.join('\r\n') + '\r\n'
}

interface RunFigures {
  importMs: number
  exportMs: number
  searchMs: number
  accountsCreated: number
  bytes: number
}

async function run(csv: string): Promise<RunFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plein-bench-people-'))
  const kernel = await Kernel.boot({
    siteDir: dir,
    dataDir: dir,
    embeddedDir: 'memory://',
    config: { name: 'Benchmark intranet', hosts: ['127.0.0.1'], admins: [], plugins: {}, settings: { auth: { requireEmailVerification: false } } },
    plugins: [{ source: peoplePlugin }, { source: groupsPlugin }],
    secret: 'benchmark-secret-that-is-long-enough-0123456789',
    log: createLogger({ level: 'warn', pretty: false }),
    passwordHashing: 'fast',
    runJobs: false,
  })
  try {
    const { port } = await kernel.listen(0, '127.0.0.1')
    const base = `http://127.0.0.1:${port}`
    // The first account administers the site.
    const account = { email: 'beheer@gemeente.example', password: 'benchmark password 123', name: 'Beheerder' }
    const registered = await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) })
    if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${await registered.text()}`)
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: account.email, password: account.password }),
    })
    if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`)
    const { csrfToken } = (await login.json()) as { csrfToken: string }
    const cookie = login.headers
      .getSetCookie()
      .map(c => c.split(';')[0]!)
      .filter(c => c.startsWith('plein_session='))
      .join('; ')
    const headers = { cookie, 'x-csrf-token': csrfToken }

    const t0 = performance.now()
    const imported = await fetch(`${base}/api/v1/people/import`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv; charset=utf-8' }, body: csv })
    const importMs = performance.now() - t0
    const body = (await imported.json()) as { rows?: number; accountsCreated?: number; detail?: string }
    if (imported.status !== 200 || body.rows !== settings.rows) throw new Error(`import answered ${imported.status}: ${JSON.stringify(body).slice(0, 500)}`)

    const t1 = performance.now()
    const exported = await fetch(`${base}/api/v1/people/export`, { headers })
    const text = await exported.text()
    const exportMs = performance.now() - t1
    if (exported.status !== 200 || text.split('\r\n').length < settings.rows) throw new Error(`export answered ${exported.status} with ${text.length} bytes`)

    const t2 = performance.now()
    const found = await fetch(`${base}/api/v1/people?q=vries&department=ICT&limit=100`, { headers })
    const searchMs = performance.now() - t2
    if (found.status !== 200) throw new Error(`search answered ${found.status}`)
    return { importMs, exportMs, searchMs, accountsCreated: body.accountsCreated ?? 0, bytes: Buffer.byteLength(csv) }
  } finally {
    await kernel.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const round = (ms: number) => Math.round(ms)

async function main(): Promise<void> {
  const csv = makeCsv(settings.rows)
  console.log(`People import benchmark: ${settings.rows} rows (${(Buffer.byteLength(csv) / 1024).toFixed(0)} KiB CSV), ${settings.runs} run(s), embedded database`)
  const runs: RunFigures[] = []
  for (let i = 0; i < settings.runs; i++) {
    const figures = await run(csv)
    runs.push(figures)
    console.log(
      `  run ${i + 1}: import ${round(figures.importMs)} ms (${figures.accountsCreated} accounts made), export ${round(figures.exportMs)} ms, search ${round(figures.searchMs)} ms`,
    )
  }
  const median = [...runs].sort((a, b) => a.importMs - b.importMs)[Math.floor((runs.length - 1) / 2)]!
  const met = median.importMs < GOAL_MS
  console.log(`\nimport of ${settings.rows} rows: ${round(median.importMs)} ms (median)  (goal < ${GOAL_MS} ms)  ${met ? 'MET' : 'MISSED'}`)
  const cpus = os.cpus()
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${os.type()} ${os.release()} ${os.arch()}` },
    method: {
      rows: settings.rows,
      runs: settings.runs,
      database: 'embedded (PGlite, memory)',
      plugins: ['people', 'groups'],
      measured: 'POST /api/v1/people/import over HTTP on loopback: reading the body, parsing and checking every row, one transaction that makes the accounts and writes the profiles, then one identity.accountsCreated event (the groups plugin turns e-mailed invitations into invitations in one statement)',
    },
    runs: runs.map(r => ({ importMs: round(r.importMs), exportMs: round(r.exportMs), searchMs: round(r.searchMs) })),
    median: { importMs: round(median.importMs), exportMs: round(median.exportMs), searchMs: round(median.searchMs) },
    goal: { importMs: `< ${GOAL_MS}`, met },
  }
  const file = path.join(here, 'results', 'people-import.json')
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n')
  console.log(`Written: ${path.relative(root, file)}`)
  if (settings.strict && !met) process.exitCode = 1
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
