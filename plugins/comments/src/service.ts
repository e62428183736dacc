// Comments: SQL and rules. A comment is readable exactly when its item is; the item's access decides.
import { cursorColumn, cursorTime, decodeCursor, problems, sanitizeHtml, toPage, type Database, type EntityRecord, type Page, type Site, type Viewer } from '@plein/core'
import type { Comment } from './api.js'

interface Row {
  id: string
  site_id: string
  entity_id: string
  parent_id: string | null
  author_id: string | null
  body: string
  removed: boolean
  created_at: Date
  updated_at: Date
  cursor_us: string
}

const COLUMNS = `c.id, c.site_id, c.entity_id, c.parent_id, c.author_id, c.body, c.removed, c.created_at, c.updated_at, ${cursorColumn('c')} AS cursor_us`

const fromRow = (r: Row): Comment => ({
  id: r.id,
  siteId: r.site_id,
  entityId: r.entity_id,
  parentId: r.parent_id,
  authorId: r.author_id,
  body: r.body,
  removed: r.removed,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export class CommentsService {
  constructor(private readonly db: () => Database) {}

  /** Oldest first, replies in their place in time; one query. */
  async list(site: Site, entity: EntityRecord, limit: number, rawCursor?: string): Promise<Page<Comment>> {
    const cursor = decodeCursor(rawCursor)
    const params: unknown[] = [site.id, entity.id]
    let after = ''
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      after = `AND (c.created_at, c.id) > (${cursorTime('$3')}, $4::uuid)`
    }
    params.push(limit + 1)
    const rows: Row[] = await this.db().query(
      `SELECT ${COLUMNS} FROM comments_comment c WHERE c.site_id = $1 AND c.entity_id = $2 ${after}
        ORDER BY c.created_at, c.id LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, limit, fromRow)
  }

  async get(site: Site, id: string): Promise<Comment | undefined> {
    const rows: Row[] = await this.db().query(`SELECT ${COLUMNS} FROM comments_comment c WHERE c.id = $1 AND c.site_id = $2`, [id, site.id])
    return rows[0] ? fromRow(rows[0]) : undefined
  }

  async create(site: Site, entity: EntityRecord, viewer: Viewer, body: string, parentId?: string): Promise<Comment> {
    if (parentId) {
      const parent = await this.get(site, parentId)
      const invalid = (detail: string) => problems.badRequest(detail, { code: 'COMMENT_PARENT_INVALID', errors: [{ in: 'body', location: { pointer: '/parentId' }, detail, code: 'parent' }] })
      if (!parent || parent.entityId !== entity.id) throw invalid('is not a comment on this item')
      if (parent.parentId !== null) throw invalid('is a reply; replies go one level deep, so answer the comment it replies to')
      if (parent.removed) throw invalid('was removed')
    }
    const rows: Row[] = await this.db().query(
      `INSERT INTO comments_comment AS c (site_id, entity_id, parent_id, author_id, body) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [site.id, entity.id, parentId ?? null, viewer.user!.id, sanitizeHtml(body)],
    )
    return fromRow(rows[0]!)
  }

  async update(comment: Comment, body: string): Promise<Comment> {
    const [rows] = (await this.db().query(
      `UPDATE comments_comment AS c SET body = $2, updated_at = now() WHERE c.id = $1 AND NOT c.removed RETURNING ${COLUMNS}`,
      [comment.id, sanitizeHtml(body)],
    )) as unknown as [Row[], number]
    if (!rows[0]) throw problems.conflict('This comment was removed.', { code: 'COMMENT_REMOVED' })
    return fromRow(rows[0])
  }

  /** A comment with replies keeps a "removed" placeholder so the thread still reads; others go. */
  async remove(comment: Comment): Promise<void> {
    await this.db().transaction(async m => {
      const replies = await m.query('SELECT 1 FROM comments_comment WHERE parent_id = $1 LIMIT 1', [comment.id])
      if (replies.length > 0) {
        await m.query(`UPDATE comments_comment SET removed = true, body = '', author_id = NULL, updated_at = now() WHERE id = $1`, [comment.id])
      } else {
        await m.query('DELETE FROM comments_comment WHERE id = $1', [comment.id])
        // A placeholder whose last reply is gone has nothing left to hold together.
        if (comment.parentId) {
          await m.query(
            `DELETE FROM comments_comment p WHERE p.id = $1 AND p.removed AND NOT EXISTS (SELECT 1 FROM comments_comment r WHERE r.parent_id = p.id)`,
            [comment.parentId],
          )
        }
      }
    })
  }

  /** Comment counts of many items in one query. */
  async counts(site: Site, entityIds: string[]): Promise<Map<string, number>> {
    if (entityIds.length === 0) return new Map()
    const rows: Array<{ entity_id: string; n: number }> = await this.db().query(
      `SELECT entity_id, count(*)::int AS n FROM comments_comment
        WHERE site_id = $1 AND entity_id = ANY($2::uuid[]) AND NOT removed GROUP BY entity_id`,
      [site.id, entityIds],
    )
    return new Map(rows.map(r => [r.entity_id, r.n]))
  }

  async byAuthor(accountId: string): Promise<Comment[]> {
    const rows: Row[] = await this.db().query(`SELECT ${COLUMNS} FROM comments_comment c WHERE c.author_id = $1 ORDER BY c.created_at LIMIT 100000`, [accountId])
    return rows.map(fromRow)
  }
}
