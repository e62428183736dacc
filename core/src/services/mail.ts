// Outgoing e-mail through nodemailer: SMTP when configured, else .eml files in <dataDir>/mail/.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import nodemailer, { type Transporter } from 'nodemailer'
import type { Logger } from 'pino'
import type { EntityManager } from 'typeorm'
import type { Site } from '../tenancy/site.js'

export interface MailMessage {
  to: string
  subject: string
  text: string
  html?: string
  /** A link the message is about (logged when mail is written to files, so a developer can follow it). */
  link?: string
  /** Extra headers, e.g. List-Unsubscribe. */
  headers?: Record<string, string>
  /** The site the message is sent for: a bounce is shown to that site's administrators. */
  siteId?: string
}

/** A permanent rejection of one recipient (5xx at RCPT TO or DATA), as the mail service records it. */
export interface MailBounce {
  email: string
  siteId: string | null
  code: number
  command: string
  /** The server's answer, e.g. `550 5.1.1 no such user`. */
  response: string
}

/**
 * The mail server refused the message. `permanent` (a 5xx answer to RCPT TO or DATA: the address does not
 * exist, the mailbox is closed, the message is refused) is a bounce: sending again will not help, so a job
 * that throws it is not retried (`retry` is false). A 4xx answer is temporary and retried with backoff.
 */
export class MailRejectedError extends Error {
  readonly permanent: boolean
  /** Read by the job runner: false ends a job at once, without retries. */
  readonly retry: boolean
  constructor(readonly recipient: string, readonly responseCode: number, readonly command: string, readonly response: string) {
    // The server's answer often repeats the address: redacted here too, since this message reaches logs.
    super(`The mail server refused mail to ${redactAddress(recipient)} at ${command}: ${response.split(recipient).join(redactAddress(recipient))}`)
    this.name = 'MailRejectedError'
    this.permanent = responseCode >= 500 && responseCode < 600 && (command === 'RCPT TO' || command === 'DATA')
    this.retry = !this.permanent
  }
}

/** Sends one message now: the mail server's answer is the caller's to handle. */
export interface MailTransport {
  send(message: MailMessage): Promise<void>
  /** Where mail goes: an smtp URL without its password, or the folder of .eml files. */
  readonly destination: string
  /** Closes pooled connections to the mail server (the kernel calls it when it stops). */
  close?(): void
}

export interface MailQueueOptions {
  /** The site the message is for: its bounce is shown to that site's administrators. */
  site?: Site
  /** Store the job inside the caller's transaction: the mail goes out only when that transaction commits. */
  manager?: EntityManager
}

export interface MailService extends MailTransport {
  /**
   * Stores one `kernel.mail` job for the message and returns: the job sends it in the background, retried with
   * backoff while the mail server is away or answers 4xx; a 5xx for the recipient is recorded as a bounce and
   * ends the job. The body is removed from the job once sent. Use this in requests; `send` only in jobs.
   */
  queue(message: MailMessage, options?: MailQueueOptions): Promise<void>
}

export interface MailOptions {
  /** smtp://user:pass@host:port or smtps://…; unset writes files. */
  smtpUrl?: string
  from: string
  dataDir: string
  log: Logger
  /** Called for every permanent rejection before the send fails (the kernel records the bounce). */
  onBounce?: (bounce: MailBounce) => Promise<void>
}

export function createMailTransport(options: MailOptions): MailTransport {
  if (options.smtpUrl) {
    const url = new URL(options.smtpUrl)
    const transport: Transporter = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
      secure: url.protocol === 'smtps:',
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      ignoreTLS: url.searchParams.get('tls') === 'off',
      // Reuse connections: one SMTP handshake per message made a digest run of 10,000 mails crawl.
      pool: true,
      maxConnections: 4,
    })
    const shown = `${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 25)}`
    return {
      destination: shown,
      async send(message) {
        try {
          await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text, html: message.html, headers: message.headers })
        } catch (error) {
          const e = error as { responseCode?: number; command?: string; response?: string }
          // Connection errors and the like have no SMTP answer: thrown as they are (and retried by a job).
          if (typeof e.responseCode !== 'number' || !e.command) throw error
          const rejected = new MailRejectedError(message.to, e.responseCode, e.command, String(e.response ?? '').slice(0, 500))
          options.log.warn({ to: redactAddress(message.to), code: rejected.responseCode, command: rejected.command, permanent: rejected.permanent }, 'mail refused by the mail server')
          if (rejected.permanent) await options.onBounce?.({ email: message.to, siteId: message.siteId ?? null, code: rejected.responseCode, command: rejected.command, response: rejected.response })
          throw rejected
        }
        options.log.info({ to: redactAddress(message.to), subject: message.subject }, 'mail sent')
      },
      close: () => transport.close(),
    }
  }
  const folder = path.join(options.dataDir, 'mail')
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    destination: folder,
    async send(message) {
      const info = await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text, html: message.html, headers: message.headers })
      mkdirSync(folder, { recursive: true })
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}.eml`
      const file = path.join(folder, name)
      writeFileSync(file + '.tmp', info.message as Buffer)
      renameSync(file + '.tmp', file)
      options.log.info({ to: redactAddress(message.to), subject: message.subject, file, link: message.link }, 'mail written to file (no PLEIN_SMTP_URL)')
    },
  }
}

/** `jan.jansen@example.nl` → `j***@example.nl`: enough to debug, not a list of addresses in the logs. */
export function redactAddress(address: string): string {
  const at = address.lastIndexOf('@')
  return at > 0 ? `${address[0]}***${address.slice(at)}` : '***'
}
