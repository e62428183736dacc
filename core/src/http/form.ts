// HTML form posts (application/x-www-form-urlencoded): read with a limit, CSRF-checked by the kernel.
import type { RequestContext } from './context.js'
import { hasBody } from './body.js'
import { problems } from './problem.js'

export const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i
export const DEFAULT_FORM_LIMIT = 256 * 1024

/** The fields of a urlencoded form; a field given twice keeps its last value. */
export async function readFormBody(ctx: RequestContext, limit = DEFAULT_FORM_LIMIT): Promise<Record<string, string>> {
  if (!hasBody(ctx)) return {}
  if (!FORM_TYPE.test(ctx.get('content-type'))) {
    throw problems.unsupportedMediaType('This form takes application/x-www-form-urlencoded.', { code: 'UNSUPPORTED_MEDIA_TYPE' })
  }
  const declared = ctx.get('content-length')
  if (declared !== '' && Number(declared) > limit) {
    ctx.req.pause()
    ctx.set('Connection', 'close')
    throw problems.tooLarge(`The form is larger than ${limit} bytes.`, { code: 'BODY_TOO_LARGE' })
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      ctx.req.pause()
      ctx.set('Connection', 'close')
      throw problems.tooLarge(`The form is larger than ${limit} bytes.`, { code: 'BODY_TOO_LARGE' })
    }
    chunks.push(chunk)
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
