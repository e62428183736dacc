// The members of a site for the admin pages: paged newest first, searchable by name or e-mail address.
import type { Database } from '../data/database.js'
import { cursorColumn, cursorTime, decodeCursor, toPage, type Page } from '../http/paging.js'
import type { Site } from '../tenancy/site.js'

export interface MemberRow {
  user: { id: string; name: string; email: string }
  role: 'admin' | 'member'
  status: 'member' | 'pending'
  since: Date
}

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, c => `\\${c}`)}%`

export async function searchMembers(
  db: Database,
  site: Site,
  options: { q?: string; status?: 'member' | 'pending'; limit: number; cursor?: string },
): Promise<Page<MemberRow>> {
  const cursor = decodeCursor(options.cursor)
  const params: unknown[] = [site.id, options.status ?? 'member']
  const clauses = ['m.site_id = $1', 'm.status = $2']
  const q = options.q?.trim()
  if (q) {
    params.push(likePattern(q))
    clauses.push(`(a.name ILIKE $${params.length} OR a.email ILIKE $${params.length})`)
  }
  if (cursor) {
    params.push(cursor.micros, cursor.id)
    clauses.push(`(m.created_at, m.account_id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
  }
  params.push(options.limit + 1)
  const rows = await db.query(
    `SELECT m.account_id AS id, m.role, m.status, m.created_at, ${cursorColumn('m')} AS cursor_us, a.name, a.email
       FROM kernel_site_member m JOIN kernel_account a ON a.id = m.account_id
      WHERE ${clauses.join(' AND ')} ORDER BY m.created_at DESC, m.account_id DESC LIMIT $${params.length}`,
    params,
  )
  return toPage(rows, options.limit, (r: any) => ({ user: { id: r.id, name: r.name, email: r.email }, role: r.role, status: r.status, since: new Date(r.created_at) }))
}
