// Notifications: who follows what, creating notifications (access checked per recipient), and e-mail.
import { ENTITY_SQL, cursorColumn, cursorTime, decodeCursor, escapeHtml, toPage, type Account, type EntityRecord, type ItemJson, type PluginContext, type Site, type Viewer } from '@plein/core'
import type { NotifyInput } from './api.js'
import type { NotificationsSettings } from './settings.js'

export type EmailMode = 'immediate' | 'daily' | 'weekly' | 'never'

export interface NotificationRow {
  id: string
  site_id: string
  account_id: string
  kind: string
  entity_id: string | null
  actor_id: string | null
  data: Record<string, unknown>
  created_at: Date
  read_at: Date | null
  emailed_at: Date | null
}

const MENTION = /@\[[^\]\n]{1,100}\]\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)/g

/** Account ids mentioned as `@[Name](<account id>)` in a text. */
export function mentions(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION)].map(m => m[1]!))]
}

const TEXTS = {
  nl: {
    'item.created': (actor: string, title: string) => `${actor} plaatste “${title}”`,
    'item.commented': (actor: string, title: string) => `${actor} reageerde op “${title}”`,
    'item.mentioned': (actor: string, title: string) => `${actor} noemde je in “${title}”`,
    'group.request': (actor: string, title: string) => `${actor} wil lid worden van “${title}”`,
    'group.invited': (actor: string, title: string) => `${actor} nodigt je uit voor “${title}”`,
    other: (actor: string, title: string) => `${actor}: “${title}”`,
    someone: 'Iemand',
    digest: (n: number, site: string) => `${n} nieuwe melding${n === 1 ? '' : 'en'} op ${site}`,
    single: (site: string) => `Nieuwe melding op ${site}`,
    open: 'Bekijken',
    unsubscribe: 'Geen e-mail meer ontvangen',
    footer: (site: string) => `Je krijgt deze e-mail omdat je meldingen volgt op ${site}.`,
  },
  en: {
    'item.created': (actor: string, title: string) => `${actor} posted “${title}”`,
    'item.commented': (actor: string, title: string) => `${actor} commented on “${title}”`,
    'item.mentioned': (actor: string, title: string) => `${actor} mentioned you in “${title}”`,
    'group.request': (actor: string, title: string) => `${actor} asks to join “${title}”`,
    'group.invited': (actor: string, title: string) => `${actor} invites you to “${title}”`,
    other: (actor: string, title: string) => `${actor}: “${title}”`,
    someone: 'Someone',
    digest: (n: number, site: string) => `${n} new notification${n === 1 ? '' : 's'} on ${site}`,
    single: (site: string) => `New notification on ${site}`,
    open: 'Open',
    unsubscribe: 'Stop these e-mails',
    footer: (site: string) => `You get this e-mail because you follow notifications on ${site}.`,
  },
}

/** One notification as the API and the pages show it. */
export interface NotificationJson {
  id: string
  kind: string
  item?: ItemJson
  actor?: Record<string, string>
  data?: Record<string, unknown>
  createdAt: Date
  read: boolean
}

/** Something an account follows, as the preferences page lists it. */
export interface FollowJson {
  id: string
  /** The item's kind (e.g. 'group', 'blog'), 'person', or 'unavailable' (gone, or no longer readable). */
  type: string
  title?: string
  url?: string
}

/** The latest digest moment (the hour `hourUtc`, UTC) at or before `now`. */
export function digestMoment(now: Date, hourUtc: number): Date {
  const moment = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hourUtc))
  if (moment.getTime() > now.getTime()) moment.setUTCDate(moment.getUTCDate() - 1)
  return moment
}

/** The sentence for a notification in a language ("Alice commented on “Plan”"). */
export function sentence(locale: string, kind: string, actor: string | undefined, title: string): string {
  const t = locale === 'en' ? TEXTS.en : TEXTS.nl
  const say = (t as Record<string, unknown>)[kind] as ((a: string, b: string) => string) | undefined
  return (say ?? t.other)(actor ?? t.someone, title)
}

export class Notifications {
  constructor(private readonly ctx: PluginContext) {}

  /**
   * A page of a viewer's notifications on a site, newest first, and the unread count. Access is checked again
   * now: a notification about something the viewer can no longer read is left out (and not counted).
   */
  async list(viewer: Viewer, site: Site, options: { limit: number; cursor?: string }): Promise<{ items: NotificationJson[]; nextCursor: string | null; unread: number }> {
    const user = viewer.user!
    const cursor = decodeCursor(options.cursor)
    const params: unknown[] = [user.id, site.id]
    if (cursor) params.push(cursor.micros, cursor.id)
    params.push(options.limit + 1)
    const rows: Array<NotificationRow & { cursor_us: string }> = await this.ctx.db.query(
      `SELECT n.*, ${cursorColumn('n')} AS cursor_us FROM notifications_notification n
        WHERE n.account_id = $1 AND n.site_id = $2 ${cursor ? `AND (n.created_at, n.id) < (${cursorTime('$3')}, $4::uuid)` : ''}
        ORDER BY n.created_at DESC, n.id DESC LIMIT $${params.length}`,
      params,
    )
    const page = toPage(rows, options.limit, r => r)
    const entityIds = page.items.map(r => r.entity_id).filter((x): x is string => x !== null)
    const entities = entityIds.length
      ? (await this.ctx.db.query(`SELECT ${ENTITY_SQL.columns('e')} FROM entity e WHERE e.site_id = $1 AND e.id = ANY($2::uuid[])`, [site.id, entityIds])).map(ENTITY_SQL.fromRow)
      : []
    const readable = entities.filter(e => this.ctx.access.canRead(viewer, e, site))
    const items = new Map((await this.ctx.content.serialize(readable, viewer, site)).map(i => [i.id, i]))
    const actors = await this.ctx.users.byIds(page.items.map(r => r.actor_id).filter((x): x is string => x !== null))
    return {
      items: page.items
        .filter(r => r.entity_id === null || items.has(r.entity_id))
        .map(r => {
          const actor = r.actor_id ? actors.get(r.actor_id) : undefined
          return {
            id: r.id,
            kind: r.kind,
            ...(r.entity_id ? { item: items.get(r.entity_id) } : {}),
            ...(actor ? { actor: this.ctx.users.json(actor, viewer) } : {}),
            ...(Object.keys(r.data).length ? { data: r.data } : {}),
            createdAt: r.created_at,
            read: r.read_at !== null,
          }
        }),
      nextCursor: page.nextCursor,
      unread: await this.unread(viewer, site),
    }
  }

  /**
   * Unread notifications about nothing or about something the viewer may still read: one query on the partial
   * index of unread notifications. With `cap`, counting stops there (the bell shows "99+").
   */
  async unread(viewer: Viewer, site: Site, cap?: number): Promise<number> {
    const readableSql = this.ctx.access.readableWhere(viewer, site, 'e', 3)
    const rows: Array<{ n: number }> = await this.ctx.db.query(
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM notifications_notification n LEFT JOIN entity e ON e.id = n.entity_id
          WHERE n.account_id = $1 AND n.site_id = $2 AND n.read_at IS NULL AND (n.entity_id IS NULL OR (${readableSql.sql}))
          ${cap ? `LIMIT ${Math.floor(cap)}` : ''}) x`,
      [viewer.user!.id, site.id, ...readableSql.params],
    )
    return rows[0]!.n
  }

  /**
   * What an account follows on a site, a page at a time (by target id, on the primary key): items and groups the
   * viewer may read with their title and address, people by name; anything else only as "no longer available".
   */
  async follows(viewer: Viewer, site: Site, options: { limit: number; after?: string }): Promise<{ items: FollowJson[]; next: string | null }> {
    const params: unknown[] = [site.id, viewer.user!.id]
    if (options.after) params.push(options.after)
    params.push(options.limit + 1)
    const rows: Array<{ target_id: string }> = await this.ctx.db.query(
      `SELECT target_id FROM notifications_follow WHERE site_id = $1 AND account_id = $2 ${options.after ? 'AND target_id > $3::uuid' : ''}
        ORDER BY target_id LIMIT $${params.length}`,
      params,
    )
    const more = rows.length > options.limit
    const ids = rows.slice(0, options.limit).map(r => r.target_id)
    const entities = await this.entities(site, ids)
    const people = await this.ctx.users.byIds(ids.filter(id => !entities.has(id)))
    const items = ids.map((id): FollowJson => {
      const e = entities.get(id)
      if (e) return this.ctx.access.canRead(viewer, e, site) ? { id, type: e.kind, title: e.title, url: this.ctx.content.urlOf(e) } : { id, type: 'unavailable' }
      const person = people.get(id)
      return person ? { id, type: 'person', title: person.name } : { id, type: 'unavailable' }
    })
    return { items, next: more ? ids[ids.length - 1]! : null }
  }

  /** Marks the given notifications read, or all of them. */
  async markRead(site: Site, accountId: string, ids?: string[]): Promise<void> {
    await this.ctx.db.query(
      `UPDATE notifications_notification SET read_at = now() WHERE account_id = $1 AND site_id = $2 AND read_at IS NULL ${ids ? 'AND id = ANY($3::uuid[])' : ''}`,
      ids ? [accountId, site.id, ids] : [accountId, site.id],
    )
  }

  async follow(site: Site, accountId: string, targetId: string): Promise<void> {
    await this.ctx.db.query(
      'INSERT INTO notifications_follow (site_id, account_id, target_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [site.id, accountId, targetId],
    )
  }

  async unfollow(site: Site, accountId: string, targetId: string): Promise<void> {
    await this.ctx.db.query('DELETE FROM notifications_follow WHERE site_id = $1 AND account_id = $2 AND target_id = $3', [site.id, accountId, targetId])
  }

  async followers(site: Site, targetIds: string[]): Promise<string[]> {
    const rows: Array<{ account_id: string }> = await this.ctx.db.query(
      'SELECT DISTINCT account_id FROM notifications_follow WHERE site_id = $1 AND target_id = ANY($2::uuid[])',
      [site.id, targetIds],
    )
    return rows.map(r => r.account_id)
  }

  async entities(site: Site, ids: string[]): Promise<Map<string, EntityRecord>> {
    if (ids.length === 0) return new Map()
    const rows = await this.ctx.db.query(`SELECT ${ENTITY_SQL.columns('e')} FROM entity e WHERE e.site_id = $1 AND e.id = ANY($2::uuid[])`, [site.id, ids])
    return new Map(rows.map((r: any) => [r.id, ENTITY_SQL.fromRow(r)]))
  }

  /** Whether an account may read an item on a site now (tokens computed as on a request). */
  async mayRead(site: Site, accountId: string, entity: EntityRecord): Promise<boolean> {
    const account = (await this.ctx.users.byIds([accountId])).get(accountId)
    if (!account) return false
    const viewer = await this.ctx.users.viewerFor(account, site)
    return this.ctx.access.canRead(viewer, entity, site)
  }

  async emailMode(site: Site, accountId: string): Promise<EmailMode> {
    const rows: Array<{ email: EmailMode }> = await this.ctx.db.query('SELECT email FROM notifications_preference WHERE site_id = $1 AND account_id = $2', [site.id, accountId])
    return rows[0]?.email ?? this.ctx.settings<NotificationsSettings>(site).defaultEmail
  }

  async setEmailMode(site: Site, accountId: string, email: EmailMode): Promise<void> {
    await this.ctx.db.query(
      `INSERT INTO notifications_preference (site_id, account_id, email) VALUES ($1, $2, $3)
       ON CONFLICT (site_id, account_id) DO UPDATE SET email = EXCLUDED.email`,
      [site.id, accountId, email],
    )
  }

  /** In-app notifications for every recipient who may read the item; e-mail jobs for those who want it at once. */
  async notify(input: NotifyInput): Promise<number> {
    const { site } = input
    const to = [...new Set(input.to)].filter(id => id !== input.actorId)
    if (to.length === 0) return 0
    const entity = input.entityId ? (await this.entities(site, [input.entityId])).get(input.entityId) : undefined
    if (input.entityId && !entity) return 0
    let made = 0
    for (const accountId of to) {
      if (entity && !(await this.mayRead(site, accountId, entity))) continue
      const rows: Array<{ id: string }> = await this.ctx.db.query(
        `INSERT INTO notifications_notification (site_id, account_id, kind, entity_id, actor_id, data) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [site.id, accountId, input.kind, input.entityId ?? null, input.actorId ?? null, JSON.stringify(input.data ?? {})],
      )
      await this.ctx.db.query(
        `INSERT INTO notifications_preference (site_id, account_id, email) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [site.id, accountId, this.ctx.settings<NotificationsSettings>(site).defaultEmail],
      )
      if ((await this.emailMode(site, accountId)) === 'immediate') {
        await this.ctx.jobs.enqueue('notifications.mail', { ids: [rows[0]!.id] }, { site })
      }
      made++
    }
    return made
  }

  /**
   * Sends one e-mail about these notifications, re-checking at this moment that the recipient may still read
   * each item. Nothing readable left: no mail (never an empty digest). Marks what was sent.
   */
  async mail(site: Site, ids: string[]): Promise<boolean> {
    // Claimed (marked e-mailed) as they are read: one query, and a second job with the same ids finds nothing.
    const claimed: NotificationRow[] = await this.ctx.db
      .query(
        'UPDATE notifications_notification SET emailed_at = now() WHERE site_id = $1 AND id = ANY($2::uuid[]) AND emailed_at IS NULL AND read_at IS NULL RETURNING *',
        [site.id, ids],
      )
      .then((r: any) => r[0])
    if (claimed.length === 0) return false
    const rows = claimed.sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime())
    const release = (of: NotificationRow[]) => this.ctx.db.query('UPDATE notifications_notification SET emailed_at = NULL WHERE id = ANY($1::uuid[])', [of.map(r => r.id)])
    const accountId = rows[0]!.account_id
    let account: Account | undefined
    let actors: Map<string, Account>
    let readable: NotificationRow[]
    let entities: Map<string, EntityRecord>
    try {
      // The recipient and the actors in one look-up.
      actors = await this.ctx.users.byIds([accountId, ...rows.map(r => r.actor_id).filter((x): x is string => x !== null)])
      account = actors.get(accountId)
      // A bounced address gets no mail until it is verified again; the notifications stay in the app (and unmailed).
      if (!account || account.emailBouncedAt) {
        await release(rows)
        return false
      }
      const viewer = await this.ctx.users.viewerFor(account, site)
      entities = await this.entities(site, rows.map(r => r.entity_id).filter((x): x is string => x !== null))
      // What may no longer be read is not mailed, now or later (it stays marked as e-mailed).
      readable = rows.filter(r => r.entity_id === null || (entities.has(r.entity_id) && this.ctx.access.canRead(viewer, entities.get(r.entity_id)!, site)))
    } catch (error) {
      // Not checked: claimed back, so that a retry of this job finds them again.
      await release(rows)
      throw error
    }
    if (readable.length === 0) return false
    const t = account.locale === 'en' ? TEXTS.en : TEXTS.nl
    const origin = site.publicUrl?.replace(/\/$/, '') ?? `http://${site.hosts[0]}`
    const lines = readable.map(r => {
      const e = r.entity_id ? entities.get(r.entity_id) : undefined
      const title = e?.title ?? String(r.data.title ?? '')
      const actor = r.actor_id ? (actors.get(r.actor_id)?.name ?? t.someone) : t.someone
      const say = (t as any)[r.kind] ?? t.other
      return { text: say(actor, title) as string, url: e ? `${origin}${this.ctx.content.urlOf(e)}` : origin }
    })
    const token = this.ctx.signing.sign('unsubscribe', { s: site.id, a: accountId }, 366 * 86400)
    const unsubscribe = `${origin}/notifications/unsubscribe?token=${encodeURIComponent(token)}`
    const subject = lines.length === 1 ? t.single(site.name) : t.digest(lines.length, site.name)
    const send = this.ctx.mail.send({
      to: account.email,
      siteId: site.id,
      subject,
      text: `${lines.map(l => `- ${l.text}\n  ${l.url}`).join('\n')}\n\n${t.footer(site.name)}\n${t.unsubscribe}: ${unsubscribe}\n`,
      html:
        `<!doctype html><html lang="${account.locale === 'en' ? 'en' : 'nl'}"><body><ul>` +
        lines.map(l => `<li>${escapeHtml(l.text)} — <a href="${escapeHtml(l.url)}">${t.open}</a></li>`).join('') +
        `</ul><p><small>${escapeHtml(t.footer(site.name))} <a href="${escapeHtml(unsubscribe)}">${t.unsubscribe}</a></small></p></body></html>`,
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      link: lines[0]?.url,
    })
    await send.catch(async error => {
      // Not sent: claimed back, so that a retry of this job (or a later digest) finds them again.
      await release(readable)
      throw error
    })
    return true
  }

  /**
   * Queues a digest for every (site, account) due one; returns how many were queued. Digests go out from each
   * site's `digestHourUtc` on (by the kernel's clock): a daily one when none went out since the latest such
   * hour, a weekly one when none went out in the six days before it.
   */
  async queueDigests(limit = 2000): Promise<number> {
    const now = this.ctx.clock.now()
    // The sites with preferences: a loose index scan over the primary key, one probe per site.
    const sites: Array<{ site_id: string }> = await this.ctx.db.query(
      `WITH RECURSIVE s AS (
         (SELECT site_id FROM notifications_preference ORDER BY site_id LIMIT 1)
         UNION ALL
         SELECT (SELECT p.site_id FROM notifications_preference p WHERE p.site_id > s.site_id ORDER BY p.site_id LIMIT 1) FROM s WHERE s.site_id IS NOT NULL
       ) SELECT site_id FROM s WHERE site_id IS NOT NULL`,
    )
    let queued = 0
    for (const { site_id } of sites) {
      const site = await this.ctx.siteById(site_id)
      if (!site || !site.isEnabled(this.ctx.id)) continue
      const moment = digestMoment(now, this.ctx.settings<NotificationsSettings>(site).digestHourUtc ?? 6)
      // In batches until nobody on this site is due; each batch's notifications in one query (no query per person).
      for (;;) {
        const due: Array<{ account_id: string }> = await this.ctx.db
          .query(
            `UPDATE notifications_preference p SET last_digest_at = $2
              WHERE p.site_id = $1 AND p.account_id IN (
                SELECT account_id FROM notifications_preference
                 WHERE site_id = $1 AND ((email = 'daily' AND last_digest_at < $3) OR (email = 'weekly' AND last_digest_at < $4))
                 LIMIT $5 FOR UPDATE SKIP LOCKED)
              RETURNING p.account_id`,
            [site.id, now, moment, new Date(moment.getTime() - 6 * 86_400_000), limit],
          )
          .then((r: any) => r[0])
        if (due.length === 0) break
        const waiting: Array<{ ids: string[] }> = await this.ctx.db.query(
          `SELECT (array_agg(id ORDER BY created_at DESC))[1:50] AS ids FROM notifications_notification
            WHERE site_id = $1 AND account_id = ANY($2::uuid[]) AND emailed_at IS NULL AND read_at IS NULL
            GROUP BY account_id`,
          [site.id, due.map(d => d.account_id)],
        )
        // One mail job per recipient, stored in one statement (one by one, queueing outlasted the sending).
        queued += (await this.ctx.jobs.enqueueMany('notifications.mail', waiting.map(w => ({ ids: w.ids })), { site })).length
        if (due.length < limit) break
      }
    }
    return queued
  }
}
