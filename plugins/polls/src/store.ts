// Polls in the database: every SQL statement of the plugin, next to the tables of its migration.
import {
  cursorColumn,
  cursorTime,
  decodeCursor,
  ENTITY_SQL,
  toPage,
  type Database,
  type EntityManager,
  type EntityRecord,
  type Page,
  type PluginContext,
  type Site,
  type Viewer,
} from '@plein/core'
import type { PollMode, PollStatus, PollVote, ShowResults } from './api.js'

export interface PollOption {
  id: string
  label: string
}

export interface PollRow {
  entityId: string
  siteId: string
  description: string
  mode: PollMode
  maxChoices: number | null
  opensAt: Date
  closesAt: Date | null
  showResults: ShowResults
  allowEmailVotes: boolean
  options: PollOption[]
}

export interface NewPoll {
  description: string
  mode: PollMode
  maxChoices: number | null
  opensAt: Date
  closesAt: Date | null
  showResults: ShowResults
  allowEmailVotes: boolean
  options: string[]
}

export interface PendingVote {
  id: string
  pollId: string
  siteId: string
  email: string
  optionIds: string[]
  answer: string | null
  createdAt: Date
  expiresAt: Date
}

export interface OwnVote {
  optionIds: string[]
  answer: string | null
  createdAt: Date
}

export function statusAt(poll: Pick<PollRow, 'opensAt' | 'closesAt'>, now: Date): PollStatus {
  if (now.getTime() < poll.opensAt.getTime()) return 'upcoming'
  if (poll.closesAt && now.getTime() >= poll.closesAt.getTime()) return 'closed'
  return 'open'
}

interface PollDbRow {
  entity_id: string
  site_id: string
  description: string
  mode: PollMode
  max_choices: number | null
  opens_at: Date
  closes_at: Date | null
  show_results: ShowResults
  allow_email_votes: boolean
}

const POLL_COLUMNS = 'p.entity_id, p.site_id, p.description, p.mode, p.max_choices, p.opens_at, p.closes_at, p.show_results, p.allow_email_votes'

export class PollStore {
  constructor(private readonly ctx: PluginContext) {}

  private get db(): Database {
    return this.ctx.db
  }

  /** A query in the given transaction, else on the database. */
  private run(m: EntityManager | undefined, sql: string, params: unknown[]): Promise<any[]> {
    return m ? m.query(sql, params) : this.db.query(sql, params)
  }

  /** Writes a new poll's own rows inside the transaction that creates its entity row. */
  async insert(m: EntityManager, entity: EntityRecord, poll: NewPoll): Promise<void> {
    await m.query(
      `INSERT INTO polls_poll (entity_id, site_id, description, mode, max_choices, opens_at, closes_at, show_results, allow_email_votes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [entity.id, entity.siteId, poll.description, poll.mode, poll.maxChoices, poll.opensAt, poll.closesAt, poll.showResults, poll.allowEmailVotes],
    )
    await this.insertOptions(m, entity.id, poll.options)
  }

  private async insertOptions(m: EntityManager, pollId: string, labels: string[]): Promise<void> {
    if (labels.length === 0) return
    await m.query(
      `INSERT INTO polls_option (poll_id, position, label)
       SELECT $1, o.position, o.label FROM unnest($2::text[]) WITH ORDINALITY AS o (label, position)`,
      [pollId, labels],
    )
  }

  async update(m: EntityManager, pollId: string, changes: Partial<Omit<NewPoll, 'mode' | 'options'>>, options?: string[]): Promise<void> {
    const columns: Record<string, string> = {
      description: 'description',
      maxChoices: 'max_choices',
      opensAt: 'opens_at',
      closesAt: 'closes_at',
      showResults: 'show_results',
      allowEmailVotes: 'allow_email_votes',
    }
    const sets: string[] = []
    const params: unknown[] = [pollId]
    for (const [key, column] of Object.entries(columns)) {
      const value = (changes as Record<string, unknown>)[key]
      if (value === undefined) continue
      params.push(value)
      sets.push(`${column} = $${params.length}`)
    }
    if (sets.length > 0) await m.query(`UPDATE polls_poll SET ${sets.join(', ')} WHERE entity_id = $1`, params)
    if (options) {
      await m.query('DELETE FROM polls_option WHERE poll_id = $1', [pollId])
      await this.insertOptions(m, pollId, options)
    }
  }

  /** Many polls with their options, in two queries. */
  async polls(ids: readonly string[], m?: EntityManager): Promise<Map<string, PollRow>> {
    if (ids.length === 0) return new Map()
    const rows: PollDbRow[] = await this.run(m, `SELECT ${POLL_COLUMNS} FROM polls_poll p WHERE p.entity_id = ANY($1::uuid[])`, [ids])
    const options: Array<{ id: string; poll_id: string; label: string }> = await this.run(
      m,
      'SELECT id, poll_id, label FROM polls_option WHERE poll_id = ANY($1::uuid[]) ORDER BY poll_id, position',
      [ids],
    )
    const byPoll = new Map<string, PollOption[]>()
    for (const o of options) byPoll.set(o.poll_id, [...(byPoll.get(o.poll_id) ?? []), { id: o.id, label: o.label }])
    return new Map(
      rows.map(r => [
        r.entity_id,
        {
          entityId: r.entity_id,
          siteId: r.site_id,
          description: r.description,
          mode: r.mode,
          maxChoices: r.max_choices,
          opensAt: r.opens_at,
          closesAt: r.closes_at,
          showResults: r.show_results,
          allowEmailVotes: r.allow_email_votes,
          options: byPoll.get(r.entity_id) ?? [],
        },
      ]),
    )
  }

  async poll(id: string, m?: EntityManager): Promise<PollRow | undefined> {
    return (await this.polls([id], m)).get(id)
  }

  /** Votes per poll and per option, for many polls in two queries. */
  async counts(ids: readonly string[]): Promise<Map<string, { total: number; perOption: Map<string, number> }>> {
    const out = new Map<string, { total: number; perOption: Map<string, number> }>()
    if (ids.length === 0) return out
    const totals: Array<{ poll_id: string; n: number }> = await this.db.query(
      'SELECT poll_id, count(*)::int AS n FROM polls_vote WHERE poll_id = ANY($1::uuid[]) GROUP BY poll_id',
      [ids],
    )
    for (const id of ids) out.set(id, { total: 0, perOption: new Map() })
    for (const t of totals) out.get(t.poll_id)!.total = t.n
    const perOption: Array<{ poll_id: string; option_id: string; n: number }> = await this.db.query(
      `SELECT o.poll_id, o.id AS option_id, count(c.vote_id)::int AS n
         FROM polls_option o LEFT JOIN polls_choice c ON c.option_id = o.id
        WHERE o.poll_id = ANY($1::uuid[]) GROUP BY o.poll_id, o.id`,
      [ids],
    )
    for (const r of perOption) out.get(r.poll_id)!.perOption.set(r.option_id, r.n)
    return out
  }

  /** The viewer's own votes on many polls, in one query. */
  async votesOf(accountId: string, ids: readonly string[]): Promise<Map<string, OwnVote>> {
    if (ids.length === 0) return new Map()
    const rows: Array<{ poll_id: string; option_ids: string[]; answer: string | null; created_at: Date }> = await this.db.query(
      `SELECT v.poll_id, v.answer, v.created_at,
              coalesce(array_agg(c.option_id ORDER BY o.position) FILTER (WHERE c.option_id IS NOT NULL), '{}') AS option_ids
         FROM polls_vote v
         LEFT JOIN polls_choice c ON c.vote_id = v.id
         LEFT JOIN polls_option o ON o.id = c.option_id
        WHERE v.account_id = $1 AND v.poll_id = ANY($2::uuid[])
        GROUP BY v.id`,
      [accountId, ids],
    )
    return new Map(rows.map(r => [r.poll_id, { optionIds: r.option_ids, answer: r.answer, createdAt: r.created_at }]))
  }

  async hasVotes(pollId: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM polls_vote WHERE poll_id = $1 LIMIT 1', [pollId])
    return rows.length > 0
  }

  /**
   * Counts a vote, once per account and once per address: undefined when the poll already has a vote of
   * this account or address (the partial unique indexes decide, so two requests at once cannot both count).
   */
  async insertVote(
    m: EntityManager,
    vote: { pollId: string; siteId: string; accountId: string | null; email: string | null; byEmail: boolean; confirmationId: string | null; optionIds: string[]; answer: string | null },
  ): Promise<PollVote | undefined> {
    const rows: Array<{ id: string; created_at: Date }> = await m.query(
      `INSERT INTO polls_vote (poll_id, site_id, account_id, email, by_email, confirmation_id, answer)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id, created_at`,
      [vote.pollId, vote.siteId, vote.accountId, vote.email, vote.byEmail, vote.confirmationId, vote.answer],
    )
    const row = rows[0]
    if (!row) return undefined
    if (vote.optionIds.length > 0) {
      await m.query('INSERT INTO polls_choice (vote_id, option_id) SELECT $1, unnest($2::uuid[])', [row.id, vote.optionIds])
    }
    return {
      id: row.id,
      pollId: vote.pollId,
      siteId: vote.siteId,
      accountId: vote.accountId,
      byEmail: vote.byEmail,
      optionIds: vote.optionIds,
      answer: vote.answer,
      createdAt: row.created_at,
    }
  }

  /** The vote counted for an address on a poll, if any. */
  async voteByEmail(pollId: string, email: string): Promise<{ id: string; confirmationId: string | null } | undefined> {
    const rows: Array<{ id: string; confirmation_id: string | null }> = await this.db.query(
      'SELECT id, confirmation_id FROM polls_vote WHERE poll_id = $1 AND email = $2',
      [pollId, email],
    )
    return rows[0] ? { id: rows[0].id, confirmationId: rows[0].confirmation_id } : undefined
  }

  /** Open answers, newest first, cursor-paged over (created_at, id). */
  async answers(pollId: string, limit: number, cursor?: string): Promise<Page<{ id: string; answer: string; createdAt: Date }>> {
    const position = decodeCursor(cursor)
    const params: unknown[] = [pollId]
    let after = ''
    if (position) {
      params.push(position.micros, position.id)
      after = `AND (v.created_at, v.id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`
    }
    params.push(limit + 1)
    const rows: Array<{ id: string; answer: string; created_at: Date; cursor_us: string }> = await this.db.query(
      `SELECT v.id, v.answer, v.created_at, ${cursorColumn('v')} AS cursor_us FROM polls_vote v
        WHERE v.poll_id = $1 AND v.answer IS NOT NULL ${after}
        ORDER BY v.created_at DESC, v.id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, limit, r => ({ id: r.id, answer: r.answer, createdAt: r.created_at }))
  }

  /** Every open answer of a poll, oldest first, in batches (for the CSV export; never all in memory at once). */
  async *allAnswers(pollId: string, batch = 1000): AsyncGenerator<{ answer: string; createdAt: Date }> {
    let last: { at: string; id: string } | undefined
    for (;;) {
      const params: unknown[] = [pollId, batch]
      let after = ''
      if (last) {
        params.push(last.at, last.id)
        after = `AND (v.created_at, v.id) > (${cursorTime('$3')}, $4::uuid)`
      }
      const rows: Array<{ id: string; answer: string; created_at: Date; cursor_us: string }> = await this.db.query(
        `SELECT v.id, v.answer, v.created_at, ${cursorColumn('v')} AS cursor_us FROM polls_vote v
          WHERE v.poll_id = $1 AND v.answer IS NOT NULL ${after} ORDER BY v.created_at, v.id LIMIT $2`,
        params,
      )
      for (const r of rows) yield { answer: r.answer, createdAt: r.created_at }
      if (rows.length < batch) return
      const end = rows[rows.length - 1]!
      last = { at: end.cursor_us, id: end.id }
    }
  }

  /** Polls the viewer may read, newest first, optionally by status at `now` and by container, in one query. */
  async list(
    viewer: Viewer,
    site: Site,
    filter: { limit: number; cursor?: string; status?: PollStatus; containerId?: string; now: Date },
  ): Promise<Page<EntityRecord>> {
    const cursor = decodeCursor(filter.cursor)
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params: unknown[] = [...where.params]
    const clauses = [where.sql, `e.kind = 'poll'`]
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value)
      clauses.push(sql(params.length))
    }
    if (filter.status === 'upcoming') add(n => `p.opens_at > $${n}`, filter.now)
    if (filter.status === 'open') add(n => `p.opens_at <= $${n} AND (p.closes_at IS NULL OR p.closes_at > $${n})`, filter.now)
    if (filter.status === 'closed') add(n => `p.closes_at <= $${n}`, filter.now)
    if (filter.containerId) add(n => `e.container_id = $${n}`, filter.containerId)
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      clauses.push(`(e.created_at, e.id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
    }
    params.push(filter.limit + 1)
    const rows = await this.db.query(
      `SELECT ${ENTITY_SQL.columns('e')} FROM entity e JOIN polls_poll p ON p.entity_id = e.id
        WHERE ${clauses.join(' AND ')} ORDER BY e.created_at DESC, e.id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, filter.limit, ENTITY_SQL.fromRow)
  }

  // ---- votes by e-mail, waiting for confirmation ----

  async addPending(input: Omit<PendingVote, 'id'>): Promise<string> {
    const rows: Array<{ id: string }> = await this.db.query(
      `INSERT INTO polls_pending_vote (poll_id, site_id, email, option_ids, answer, created_at, expires_at)
       VALUES ($1, $2, $3, $4::uuid[], $5, $6, $7) RETURNING id`,
      [input.pollId, input.siteId, input.email, input.optionIds, input.answer, input.createdAt, input.expiresAt],
    )
    return rows[0]!.id
  }

  /** The newest pending vote of an address on a poll (to keep from mailing it more than once in a while). */
  async lastPending(pollId: string, email: string): Promise<PendingVote | undefined> {
    const rows = await this.db.query('SELECT * FROM polls_pending_vote WHERE poll_id = $1 AND email = $2 ORDER BY created_at DESC LIMIT 1', [pollId, email])
    return rows[0] ? pendingFromRow(rows[0]) : undefined
  }

  async pending(id: string, m?: EntityManager): Promise<PendingVote | undefined> {
    const rows = await this.run(m, 'SELECT * FROM polls_pending_vote WHERE id = $1', [id])
    return rows[0] ? pendingFromRow(rows[0]) : undefined
  }

  /** Confirmed or superseded: every pending vote of this address on this poll goes. */
  async dropPending(m: EntityManager, pollId: string, email: string): Promise<void> {
    await m.query('DELETE FROM polls_pending_vote WHERE poll_id = $1 AND email = $2', [pollId, email])
  }

  async sweepExpired(now: Date): Promise<void> {
    await this.db.query('DELETE FROM polls_pending_vote WHERE expires_at < $1', [now])
  }

  // ---- personal data ----

  /** A deleted account's votes stay counted, anonymously. Its pending votes go. */
  async anonymise(m: EntityManager, account: { id: string; email: string }): Promise<void> {
    await m.query('UPDATE polls_vote SET account_id = NULL, email = NULL WHERE account_id = $1', [account.id])
    await m.query('DELETE FROM polls_pending_vote WHERE email = $1', [account.email.trim().toLowerCase()])
  }

  async votesForExport(accountId: string): Promise<Array<{ pollId: string; siteId: string; optionIds: string[]; answer: string | null; createdAt: Date }>> {
    const rows: Array<{ poll_id: string; site_id: string; option_ids: string[]; answer: string | null; created_at: Date }> = await this.db.query(
      `SELECT v.poll_id, v.site_id, v.answer, v.created_at,
              coalesce(array_agg(c.option_id) FILTER (WHERE c.option_id IS NOT NULL), '{}') AS option_ids
         FROM polls_vote v LEFT JOIN polls_choice c ON c.vote_id = v.id
        WHERE v.account_id = $1 GROUP BY v.id ORDER BY v.created_at`,
      [accountId],
    )
    return rows.map(r => ({ pollId: r.poll_id, siteId: r.site_id, optionIds: r.option_ids, answer: r.answer, createdAt: r.created_at }))
  }
}

const pendingFromRow = (r: any): PendingVote => ({
  id: r.id,
  pollId: r.poll_id,
  siteId: r.site_id,
  email: r.email,
  optionIds: r.option_ids,
  answer: r.answer,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
})
