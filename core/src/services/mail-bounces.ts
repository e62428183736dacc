// Bounces: permanent SMTP rejections kept in kernel_mail_bounce (for administrators) and marked on the account
// (kernel_account.email_bounced_at) so that mail to a dead address stops until the person verifies it again.
import { problems } from '../http/problem.js'
import { cursorColumn, cursorTime, decodeCursor, pageQueryProperties, toPage, type Page } from '../http/paging.js'
import type { PluginRouter } from '../http/router.js'
import type { RequestContext } from '../http/context.js'
import type { Database } from '../data/database.js'
import type { MailBounce } from './mail.js'

/** Bounces older than this are deleted (they hold an e-mail address, possibly of someone without an account). */
const KEEP_DAYS = 90

export interface MailBounceRecord extends MailBounce {
  id: string
  accountId: string | null
  createdAt: Date
}

export class MailBounces {
  constructor(
    private readonly db: () => Database,
    /** After a bounce marked accounts (committed): the kernel drops its cached copies of them. */
    private readonly accountsChanged?: (ids: string[]) => Promise<void>,
  ) {}

  /** Stores the bounce and marks the account with that address, in one transaction. */
  async record(bounce: MailBounce): Promise<void> {
    const marked = await this.db().transaction(async m => {
      const [accounts]: [Array<{ id: string }>, number] = (await m.query(
        'UPDATE kernel_account SET email_bounced_at = now() WHERE lower(email) = lower($1) RETURNING id',
        [bounce.email],
      )) as any
      await m.query(
        `INSERT INTO kernel_mail_bounce (site_id, account_id, email, code, command, response)
         VALUES ((SELECT id FROM kernel_site WHERE id = $1), $2, $3, $4, $5, $6)`,
        [bounce.siteId, accounts[0]?.id ?? null, bounce.email, bounce.code, bounce.command, bounce.response],
      )
      await m.query(`DELETE FROM kernel_mail_bounce WHERE created_at < now() - make_interval(days => ${KEEP_DAYS})`)
      return accounts.map(a => a.id)
    })
    await this.accountsChanged?.(marked)
  }

  /** Newest first: every bounce (siteId null, the root's administrators) or those of mail sent for one site. */
  async page(siteId: string | null, options: { limit: number; cursor?: string }): Promise<Page<MailBounceRecord>> {
    const cursor = decodeCursor(options.cursor)
    const params: unknown[] = []
    const clauses: string[] = []
    if (siteId) {
      params.push(siteId)
      clauses.push(`b.site_id = $${params.length}`)
    }
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      clauses.push(`(b.created_at, b.id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
    }
    params.push(options.limit + 1)
    const rows = await this.db().query(
      `SELECT b.*, ${cursorColumn('b')} AS cursor_us FROM kernel_mail_bounce b ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}
        ORDER BY b.created_at DESC, b.id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, options.limit, (r: any) => ({
      id: r.id,
      email: r.email,
      accountId: r.account_id,
      siteId: r.site_id,
      code: r.code,
      command: r.command,
      response: r.response,
      createdAt: r.created_at,
    }))
  }
}

const bounceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    accountId: { type: ['string', 'null'] },
    siteId: { type: ['string', 'null'] },
    code: { type: 'integer', description: 'The SMTP answer code (5xx).' },
    command: { type: 'string', description: 'The SMTP command that was refused: RCPT TO or DATA.' },
    response: { type: 'string', description: "The mail server's answer." },
    createdAt: { type: 'string', format: 'date-time' },
  },
}

/** GET /api/v1/admin/mail/bounces: root-site administrators see every bounce, a subsite's those of its own mail. */
export function bounceRoutes(router: PluginRouter, bounces: MailBounces): void {
  const scope = (ctx: RequestContext): string | null => {
    if (!ctx.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!ctx.viewer.isAdmin) throw problems.forbidden('Only administrators see mail bounces.', { code: 'NOT_ADMIN' })
    return ctx.site.isRoot ? null : ctx.site.id
  }
  router.get<unknown, { limit: number; cursor?: string }>(
    'mail.bounces',
    '/api/v1/admin/mail/bounces',
    {
      summary: 'Addresses the mail server refused for good (5xx at RCPT TO or DATA), newest first (administrators).',
      auth: true,
      query: { type: 'object', properties: { limit: pageQueryProperties.limit, cursor: pageQueryProperties.cursor } },
      responses: {
        200: { description: 'Bounces.', schema: { type: 'object', properties: { items: { type: 'array', items: bounceSchema }, nextCursor: { type: ['string', 'null'] } } } },
        403: { description: 'Not an administrator.' },
      },
    },
    async ctx => bounces.page(scope(ctx), ctx.input.query),
  )
}
