import pg from 'pg'
import { PostgresSearchEngine as NewEngine } from '@plein/plugin-search'
import { PostgresSearchEngine as OldEngine } from '../plugins/search/src/_old-engine.js'
const PostgresSearchEngine: any = process.env.OLD ? OldEngine : NewEngine
const db = new pg.Client('postgres://postgres@127.0.0.1:5432/plein_1m')
await db.connect()
const site = (await db.query(`SELECT id FROM kernel_site WHERE key NOT LIKE 'subsite:%' ORDER BY created_at LIMIT 1`)).rows[0].id
const times: string[] = []
let last: any
const run = async (sql: string, params: unknown[] = []) => { if (sql.startsWith('WITH')) last = { sql, params }; const t = performance.now(); const r = (await db.query(sql.replace('SET LOCAL ', 'SET '), params)).rows; times.push(`${(performance.now() - t).toFixed(1)}ms ${sql.slice(0, 40).replace(/\s+/g, ' ')}`); return r }
const ctx = { db: { query: run, transaction: (fn: any) => fn({ query: run }) }, access: { readableWhere: (_v: any, s: any, a: string, first: number) => ({ sql: `${a}.site_id = $${first} AND ${a}.readers && $${first + 1}::text[] AND (${a}.published_at <= $${first + 2}::timestamptz OR ${a}.write_access && $${first + 1}::text[])`, params: [s.id, ['public', 'logged_in'], new Date()] }) } }
const engine = new PostgresSearchEngine(ctx as never, process.env.FORCE ? { path: process.env.FORCE } : {})
for (const q of (process.env.Q ?? 'kennishealth').split('|')) for (let i = 0; i < 3; i++) { times.length = 0; const r = await engine.query({} as never, { id: site } as never, { q, kinds: ['blog', 'news', 'wiki', 'group', 'file', 'folder'], limit: 20 }); console.log(q, r.hits.length, r.nextCursor ? Buffer.from(r.nextCursor, "base64url").toString().split("|")[2] : "-", times.join(' ; ')) }
if (process.env.EXPLAIN) console.log((await db.query('EXPLAIN (ANALYZE, BUFFERS) ' + last.sql, last.params)).rows.map((r: any) => r['QUERY PLAN']).join('\n'))
await db.end()
