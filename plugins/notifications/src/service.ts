// Notifications: who follows what, creating notifications (access checked per recipient), and e-mail.
import { ENTITY_SQL, escapeHtml, type EntityRecord, type PluginContext, type Site } from '@plein/core'
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

export class Notifications {
  constructor(private readonly ctx: PluginContext) {}

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
    const rows: NotificationRow[] = await this.ctx.db.query(
      'SELECT * FROM notifications_notification WHERE site_id = $1 AND id = ANY($2::uuid[]) AND emailed_at IS NULL AND read_at IS NULL ORDER BY created_at',
      [site.id, ids],
    )
    if (rows.length === 0) return false
    const accountId = rows[0]!.account_id
    const account = (await this.ctx.users.byIds([accountId])).get(accountId)
    if (!account) return false
    const viewer = await this.ctx.users.viewerFor(account, site)
    const entities = await this.entities(site, rows.map(r => r.entity_id).filter((x): x is string => x !== null))
    const readable = rows.filter(r => r.entity_id === null || (entities.has(r.entity_id) && this.ctx.access.canRead(viewer, entities.get(r.entity_id)!, site)))
    // What may no longer be read is not mailed, now or later.
    await this.ctx.db.query('UPDATE notifications_notification SET emailed_at = now() WHERE id = ANY($1::uuid[])', [rows.map(r => r.id)])
    if (readable.length === 0) return false
    const actors = await this.ctx.users.byIds(readable.map(r => r.actor_id).filter((x): x is string => x !== null))
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
    await this.ctx.mail.send({
      to: account.email,
      subject,
      text: `${lines.map(l => `- ${l.text}\n  ${l.url}`).join('\n')}\n\n${t.footer(site.name)}\n${t.unsubscribe}: ${unsubscribe}\n`,
      html:
        `<!doctype html><html lang="${account.locale === 'en' ? 'en' : 'nl'}"><body><ul>` +
        lines.map(l => `<li>${escapeHtml(l.text)} — <a href="${escapeHtml(l.url)}">${t.open}</a></li>`).join('') +
        `</ul><p><small>${escapeHtml(t.footer(site.name))} <a href="${escapeHtml(unsubscribe)}">${t.unsubscribe}</a></small></p></body></html>`,
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      link: lines[0]?.url,
    })
    return true
  }

  /** Queues a digest for every (site, account) due one; returns how many were queued. */
  async queueDigests(limit = 2000): Promise<number> {
    const due: Array<{ site_id: string; account_id: string }> = await this.ctx.db
      .query(
        `UPDATE notifications_preference p SET last_digest_at = now()
          WHERE (p.site_id, p.account_id) IN (
            SELECT site_id, account_id FROM notifications_preference
             WHERE (email = 'daily' AND last_digest_at < now() - interval '23 hours') OR (email = 'weekly' AND last_digest_at < now() - interval '167 hours')
             LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING p.site_id, p.account_id`,
        [limit],
      )
      .then((r: any) => r[0])
    let queued = 0
    for (const d of due) {
      const ids: Array<{ id: string }> = await this.ctx.db.query(
        `SELECT id FROM notifications_notification WHERE site_id = $1 AND account_id = $2 AND emailed_at IS NULL AND read_at IS NULL ORDER BY created_at DESC LIMIT 50`,
        [d.site_id, d.account_id],
      )
      if (ids.length === 0) continue
      const site = await this.ctx.siteById(d.site_id)
      if (!site) continue
      await this.ctx.jobs.enqueue('notifications.mail', { ids: ids.map(i => i.id) }, { site })
      queued++
    }
    return queued
  }
}
