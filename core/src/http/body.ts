// Reads a JSON request body as a stream with a hard size limit: nothing past the limit is buffered.
import type { RequestContext } from './context.js'
import { HttpProblem, problems } from './problem.js'

export const DEFAULT_JSON_LIMIT = 1024 * 1024

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

export function hasBody(ctx: RequestContext): boolean {
  const length = ctx.get('content-length')
  if (length !== '') return Number(length) > 0
  return ctx.get('transfer-encoding') !== ''
}

/** undefined when the request has no body; otherwise the parsed JSON value. */
export async function readJsonBody(ctx: RequestContext, limit = DEFAULT_JSON_LIMIT): Promise<unknown> {
  if (!hasBody(ctx)) return undefined
  const type = ctx.get('content-type')
  if (!JSON_TYPE.test(type)) {
    throw problems.unsupportedMediaType(
      type ? `This endpoint takes application/json, not ${type.split(';')[0]}.` : 'Send the body as application/json (Content-Type header missing).',
      { code: 'UNSUPPORTED_MEDIA_TYPE' },
    )
  }
  const declared = ctx.get('content-length')
  if (declared !== '' && Number(declared) > limit) throw tooLarge(ctx, limit)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw tooLarge(ctx, limit)
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks, size).toString('utf8')
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpProblem({
      status: 400,
      detail: `The body is not valid JSON: ${(error as Error).message}`,
      code: 'MALFORMED_JSON',
      errors: [{ in: 'body', location: { pointer: '' }, detail: 'is not valid JSON', code: 'json' }],
    })
  }
}

function tooLarge(ctx: RequestContext, limit: number): HttpProblem {
  // Stop reading: the rest of the body is never buffered, and the connection closes after the answer.
  ctx.req.pause()
  ctx.set('Connection', 'close')
  return problems.tooLarge(`The body is larger than ${limit} bytes.`, { code: 'BODY_TOO_LARGE', extra: { limit } })
}
