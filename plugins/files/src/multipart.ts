// multipart/form-data uploads, streamed: busboy cuts the request into parts, and each file part goes straight
// into the one save path of uploads (encrypted as it arrives, never held in memory whole).
import type { Readable } from 'node:stream'
import busboy from 'busboy'
import { checkCsrf, HttpProblem, problems, type EntityRecord, type RequestContext } from '@plein/core'
import { checkName } from './names.js'

export interface FilePart {
  /** The form field's name (`file` in our forms). */
  field: string
  /** The file name the browser sent (its last path segment), not yet checked. */
  filename: string
  stream: Readable
}

export interface MultipartLimits {
  /** File parts per request. */
  files: number
  /** Text fields per request, and the bytes of each. */
  fields: number
  fieldBytes: number
}

export const MULTIPART_LIMITS: MultipartLimits = { files: 20, fields: 20, fieldBytes: 8 * 1024 }

const MULTIPART = /^multipart\/form-data\s*;/i

/** What a cut-off request does to the part being read: the same error a cut-off raw PUT body gives. */
const cutOff = () => Object.assign(new Error('The upload was cut off before it ended.'), { code: 'ECONNRESET' })

/** busboy's and the socket's errors as problems; the save path's own problems pass as they are. */
function asProblem(error: unknown): unknown {
  if (error instanceof HttpProblem) return error
  const e = error as NodeJS.ErrnoException
  if (e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return problems.badRequest('The upload was cut off before it ended; nothing was saved.', { code: 'UPLOAD_INCOMPLETE' })
  }
  if (/^(Unexpected end of|Malformed)/.test(String(e?.message))) {
    return problems.badRequest(`The multipart body is not well-formed (${e.message}); nothing more was saved.`, { code: 'MALFORMED_MULTIPART' })
  }
  return error
}

/**
 * Reads a multipart/form-data request part by part, in order. Text fields (small, limited) are gathered; each
 * file part is handed to `onFile` together with the fields that came before it, and the request is read on only
 * as fast as `onFile` consumes the part (backpressure: memory stays flat whatever the size).
 *
 * CSRF: a cookie session's request must carry the token before the first file part, as the `_csrf` field (or
 * the X-CSRF-Token header); otherwise nothing is stored and the answer is 403. The route itself is declared
 * with `csrf: false` because the kernel cannot look inside a streamed body.
 *
 * Fails (after every started save has cleaned up) with the first problem: the save path's (413, 507, 409, …),
 * 400 UPLOAD_INCOMPLETE for a cut-off request, 400 MALFORMED_MULTIPART, 413 TOO_MANY_PARTS, 415.
 * Files saved before the failing part stay saved.
 */
export async function readMultipart(
  c: RequestContext,
  onFile: (part: FilePart, fields: Readonly<Record<string, string>>) => Promise<void>,
  limits: MultipartLimits = MULTIPART_LIMITS,
): Promise<{ fields: Record<string, string>; files: number }> {
  if (!MULTIPART.test(c.get('content-type'))) {
    throw problems.unsupportedMediaType('This upload takes multipart/form-data (with a boundary); for raw bytes use PUT …/files/:name.', { code: 'UNSUPPORTED_MEDIA_TYPE' })
  }
  let parser: busboy.Busboy
  try {
    parser = busboy({
      headers: c.req.headers,
      defParamCharset: 'utf8',
      limits: { files: limits.files, fields: limits.fields, fieldSize: limits.fieldBytes, parts: limits.files + limits.fields, headerPairs: 20 },
    })
  } catch (error) {
    throw problems.badRequest(`The multipart header is not usable: ${(error as Error).message}.`, { code: 'MALFORMED_MULTIPART' })
  }
  const fields: Record<string, string> = Object.create(null)
  let files = 0
  let csrfChecked = false
  let failure: unknown
  let work: Promise<void> = Promise.resolve()
  const req = c.req

  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      if (failure !== undefined) return
      failure = asProblem(error)
      // Read no further: the rest of the body is never buffered, and the connection closes after the answer.
      req.unpipe(parser)
      req.pause()
      c.set('Connection', 'close')
      parser.destroy()
    }
    const onClose = () => {
      if (!req.complete) parser.destroy(cutOff())
    }
    req.on('close', onClose)

    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) {
        return fail(
          new HttpProblem({
            status: 413,
            detail: `The field "${name.slice(0, 100)}" is longer than ${limits.fieldBytes} bytes.`,
            code: 'FIELD_TOO_LARGE',
            errors: [{ in: 'body', location: { pointer: `/${name.slice(0, 100)}` }, detail: `is longer than ${limits.fieldBytes} bytes`, code: 'maxLength' }],
          }),
        )
      }
      fields[name] = value
    })

    parser.on('file', (field, stream, info) => {
      // A part cut short is destroyed with an error; whoever reads it hears about it, a skipped part must not throw.
      stream.on('error', () => undefined)
      const seen = { ...fields }
      // The token must come before the first byte is stored.
      if (!csrfChecked && failure === undefined) {
        try {
          checkCsrf(c, typeof seen._csrf === 'string' ? seen._csrf : undefined)
          csrfChecked = true
        } catch (error) {
          stream.resume()
          return fail(error)
        }
      }
      // An empty file input (nothing chosen) is sent as a part without a name: not a file.
      const filename = info.filename
      if (!filename) {
        stream.resume()
        return
      }
      files++
      work = work.then(async () => {
        if (failure !== undefined) {
          stream.resume()
          return
        }
        try {
          await onFile({ field, filename, stream }, seen)
          // Whatever onFile left unread is skipped, so the parser moves on to the next part.
          stream.resume()
        } catch (error) {
          stream.resume()
          fail(error)
        }
      })
    })

    const tooMany = () => fail(problems.tooLarge(`A form takes at most ${limits.files} files and ${limits.fields} fields.`, { code: 'TOO_MANY_PARTS' }))
    parser.on('filesLimit', tooMany)
    parser.on('fieldsLimit', tooMany)
    parser.on('partsLimit', tooMany)
    parser.on('error', error => fail(error))
    parser.on('close', () => {
      // Answer only once every save that started has finished or cleaned up after itself.
      void work.then(() => {
        req.off('close', onClose)
        if (failure !== undefined) return reject(failure)
        // Without a file part the token was never looked at: check it now (a form of fields alone acts too).
        if (!csrfChecked) {
          try {
            checkCsrf(c, typeof fields._csrf === 'string' ? fields._csrf : undefined)
          } catch (error) {
            return reject(error)
          }
        }
        resolve({ fields, files })
      })
    })
    req.pipe(parser)
  })
}

/** The save path of uploads (`fileSaver` in routes/files.ts), as multipart uploads call it. */
export type SaveFile = (c: RequestContext, folder: { entity: EntityRecord }, fileName: string, source: Readable, ifMatch: string, declared?: number) => Promise<EntityRecord>

/**
 * Saves every file part of a multipart request into `folder`, one after the other, each through the same path
 * as a raw PUT (names checked, type sniffed, limits, quota, scan, versions). The optional `name` field, before
 * the file part, names a single file differently than the browser did. Answers what was saved, and whether
 * any of it was a new file (rather than a new version).
 */
export async function saveParts(c: RequestContext, folder: { entity: EntityRecord }, save: SaveFile): Promise<{ saved: EntityRecord[]; created: boolean; fields: Record<string, string> }> {
  const saved: EntityRecord[] = []
  let created = false
  const { fields, files } = await readMultipart(c, async (part, before) => {
    const wanted = typeof before.name === 'string' && before.name.trim() !== '' ? before.name : part.filename
    const fileName = checkName(wanted, before.name ? '/name' : '/file')
    // NaN: the part's size is unknown until its end (the request's Content-Length counts every part).
    saved.push(await save(c, folder, fileName, part.stream, '', NaN))
    if (c.status === 201) created = true
  })
  if (files === 0) {
    throw new HttpProblem({ status: 400, detail: 'Choose a file to upload.', code: 'NO_FILE', errors: [{ in: 'body', location: { pointer: '/file' }, detail: 'no file was sent', code: 'required' }] })
  }
  return { saved, created, fields }
}
