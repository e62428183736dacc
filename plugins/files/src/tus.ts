// Resumable uploads: the tus 1.0 core protocol with the creation, termination and expiration extensions, on
// the plugin's own routes (so the kernel's sign-in, CSRF, site scoping and route specs apply as everywhere).
//
//   POST   /api/v1/uploads       Upload-Length, Upload-Metadata (filename, folder) → 201, Location
//   HEAD   /api/v1/uploads/:id   → Upload-Offset, Upload-Length
//   PATCH  /api/v1/uploads/:id   Upload-Offset, application/offset+octet-stream → 204, Upload-Offset
//   DELETE /api/v1/uploads/:id   → 204
//
// The bytes are encrypted as they arrive, segment by segment, and appended to a pending blob: the last
// PATCH seals the final segment and commits blob and metadata in one step (as a PUT does), nothing earlier is
// read again. Between pieces only the plaintext of the unfinished segment (less than 64 KiB) is kept, in the
// database, encrypted under a key derived from the file key. An upload is visible only to whoever started it,
// counts against the quota with what it holds, and is removed once it has had no piece for a while.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID, type Hash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { HttpProblem, problems, StorageFullError, type PluginContext, type RequestContext, type Site } from '@plein/core'
import { DecryptStream, header, HEADER_LENGTH, IntegrityError, sealSegmentParts, SEGMENT_SIZE, TAG_LENGTH } from './crypto/format.js'
import { StripMetadata, type StripState } from './exif.js'
import type { FilesGuard } from './guard.js'
import { checkName } from './names.js'
import { damaged, type FileStore, type PreparedVersion } from './service.js'
import { sniff } from './sniff.js'
import { uuid } from './routes/common.js'
import type { fileSaver } from './routes/files.js'

export const TUS_VERSION = '1.0.0'
const TUS_EXTENSIONS = 'creation,termination,expiration'
const OFFSET_TYPE = 'application/offset+octet-stream'
/** How long a PATCH holds its upload: a process that dies mid-piece frees it after this. */
const BUSY_SECONDS = 120
/** Unfinished uploads one person may have on a site at a time. */
const MAX_OPEN_UPLOADS = 100
/** Running hashes kept in memory (the oldest go first; a missing one is rebuilt from storage). */
const MAX_HASHES = 10_000

interface UploadRow {
  id: string
  site_id: string
  account_id: string
  owner_id: string
  container_id: string | null
  folder_id: string
  name: string
  file_id: string
  version: number
  length: string
  received: string
  stored: string
  blob_key: string
  wrapped_key: Buffer
  key_version: number
  key_provider: string
  pending: Buffer | null
  mime: string | null
  expires_at: Date
}

/** What is kept between pieces (encrypted): the unsealed plaintext and the stripper's state. */
interface Carry {
  tail: Buffer
  strip?: StripState
}

const tailKey = (fileKey: Buffer) => createHmac('sha256', fileKey).update('plein files tus carry').digest()

function sealCarry(fileKey: Buffer, uploadId: string, carry: Carry): Buffer {
  const meta = Buffer.from(JSON.stringify({ strip: carry.strip }))
  const plain = Buffer.alloc(4 + meta.length + carry.tail.length)
  plain.writeUInt32BE(meta.length, 0)
  meta.copy(plain, 4)
  carry.tail.copy(plain, 4 + meta.length)
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', tailKey(fileKey), iv)
  c.setAAD(Buffer.from(`tus:${uploadId}`))
  return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()])
}

function openCarry(fileKey: Buffer, uploadId: string, sealed: Buffer | null): Carry {
  if (!sealed || sealed.length === 0) return { tail: Buffer.alloc(0) }
  const d = createDecipheriv('aes-256-gcm', tailKey(fileKey), sealed.subarray(0, 12))
  d.setAAD(Buffer.from(`tus:${uploadId}`))
  d.setAuthTag(sealed.subarray(sealed.length - 16))
  let plain: Buffer
  try {
    plain = Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()])
  } catch {
    throw new IntegrityError('the unfinished segment of an upload does not authenticate')
  }
  const metaLength = plain.readUInt32BE(0)
  const meta = JSON.parse(plain.toString('utf8', 4, 4 + metaLength)) as { strip?: StripState }
  return { tail: Buffer.from(plain.subarray(4 + metaLength)), strip: meta.strip }
}

/** Counts the client's bytes and stops at the declared length or the quota (nothing is buffered). */
class Counter extends Transform {
  seen = 0
  constructor(private readonly max: number, private readonly quotaLeft: number | undefined) {
    super()
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length
    if (this.seen > this.max) return done(problems.tooLarge('The piece goes past the Upload-Length given when the upload was created.', { code: 'UPLOAD_TOO_LONG' }))
    if (this.quotaLeft !== undefined && this.seen > this.quotaLeft) {
      return done(new HttpProblem({ status: 507, detail: 'The storage quota is used up: delete files (and empty the trash) or ask for more space.', code: 'QUOTA_EXCEEDED' }))
    }
    done(null, chunk)
  }
}

/**
 * Plaintext in, sealed segments out, carrying on from an earlier piece: a full segment is sealed only when
 * more bytes follow it; when `final()` says so at the end, what is left is sealed as the last segment.
 */
class Sealer extends Transform {
  private readonly segment = Buffer.allocUnsafe(SEGMENT_SIZE)
  private filled: number
  plain: number
  mime: string | null

  constructor(
    private readonly key: Buffer,
    private readonly id: Buffer,
    private readonly version: number,
    public index: number,
    tail: Buffer,
    private readonly hash: Hash,
    private readonly final: () => boolean,
    private readonly name: string,
    mime: string | null,
    fresh: boolean,
  ) {
    super()
    if (index === 0 && fresh) this.push(header())
    tail.copy(this.segment)
    this.filled = tail.length
    this.plain = index * SEGMENT_SIZE + tail.length
    this.mime = mime
  }

  get tail(): Buffer {
    return Buffer.from(this.segment.subarray(0, this.filled))
  }

  private seal(last: boolean): void {
    if (this.index === 0 && this.mime === null) this.mime = sniff(this.segment.subarray(0, Math.min(this.filled, 4096)), this.name)
    const [sealed, tag] = sealSegmentParts(this.key, this.id, this.version, this.index++, last, this.segment.subarray(0, this.filled))
    this.push(sealed)
    this.push(tag)
    this.filled = 0
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.plain += chunk.length
    let at = 0
    while (at < chunk.length) {
      if (this.filled === SEGMENT_SIZE) this.seal(false)
      const n = chunk.copy(this.segment, this.filled, at, Math.min(chunk.length, at + SEGMENT_SIZE - this.filled))
      this.filled += n
      at += n
    }
    done()
  }

  override _flush(done: TransformCallback): void {
    if (this.final()) this.seal(true)
    done()
  }
}

/** Upload-Metadata: comma-separated `key base64value` pairs (a key alone has an empty value). */
export function parseMetadata(value: string): Map<string, string> {
  const out = new Map<string, string>()
  if (!value.trim()) return out
  for (const pair of value.split(',')) {
    const [key, encoded, extra] = pair.trim().split(' ')
    if (!key || extra !== undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded ?? '') || out.has(key)) {
      throw problems.badRequest('Upload-Metadata is not a list of "key base64value" pairs.', { code: 'INVALID_UPLOAD_METADATA' })
    }
    out.set(key, Buffer.from(encoded ?? '', 'base64').toString('utf8'))
  }
  return out
}

/** Rows of an UPDATE/DELETE … RETURNING (the driver answers [rows, count] for those). */
const returned = <T>(result: unknown): T[] => (Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]))

const tusHeaders = { 'Tus-Resumable': TUS_VERSION }

function tusProblem(status: number, detail: string, code: string, headers: Record<string, string> = {}): HttpProblem {
  return new HttpProblem({ status, detail, code, headers: { ...tusHeaders, ...headers } })
}

function checkTus(c: RequestContext): void {
  c.set('Tus-Resumable', TUS_VERSION)
  const asked = c.get('tus-resumable')
  if (asked !== TUS_VERSION) {
    throw tusProblem(412, asked ? `This server speaks tus ${TUS_VERSION}, not ${asked}.` : 'Send the Tus-Resumable: 1.0.0 header.', 'TUS_VERSION', { 'Tus-Version': TUS_VERSION })
  }
}

function nonNegative(c: RequestContext, name: string): number {
  const value = c.get(name)
  if (!/^\d{1,15}$/.test(value)) throw tusProblem(400, `The ${name} header must be a non-negative integer.`, 'INVALID_UPLOAD_HEADER')
  return Number(value)
}

export function tusRoutes(ctx: PluginContext, store: FileStore, guard: FilesGuard, save: ReturnType<typeof fileSaver>): void {
  // The running SHA-256 of uploads this process is receiving; after a restart (or on another process) it is
  // rebuilt once from the segments stored so far.
  const hashes = new Map<string, { received: number; hash: Hash }>()

  const load = async (c: RequestContext, id: string): Promise<UploadRow> => {
    const rows: UploadRow[] = await ctx.db.query(
      'SELECT * FROM files_upload WHERE id = $1 AND site_id = $2 AND account_id = $3 AND expires_at > now()',
      [id, c.site.id, c.viewer.user!.id],
    )
    if (!rows[0]) throw tusProblem(404, 'No such upload (it may have expired, been finished or been cancelled).', 'UPLOAD_NOT_FOUND')
    return rows[0]
  }

  const expiry = (site: Site) => new Date(Date.now() + store.settings(site).uploadExpiryHours * 3_600_000)

  /** The hash of the plaintext sealed so far plus the unsealed tail: from memory, or rebuilt from storage. */
  const hashOf = async (row: UploadRow, key: Buffer, index: number, tail: Buffer): Promise<Hash> => {
    const known = hashes.get(row.id)
    hashes.delete(row.id)
    if (known && known.received === Number(row.received)) return known.hash
    const hash = createHash('sha256')
    if (index > 0) {
      const sealedPlain = index * SEGMENT_SIZE
      // Segments 0..index-1 are all full and none is the last: a "file" one byte longer describes them.
      const decrypt = new DecryptStream(key, row.file_id, row.version, sealedPlain + 1, 0, sealedPlain - 1)
      await pipeline(ctx.storage.readPending(row.blob_key, HEADER_LENGTH), decrypt, async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) hash.update(chunk)
      })
    }
    hash.update(tail)
    return hash
  }

  ctx.jobs.define('files.expireUploads', async job => {
    const rows = returned<{ id: string; blob_key: string }>(
      await ctx.db.query('DELETE FROM files_upload WHERE id IN (SELECT id FROM files_upload WHERE expires_at <= now() AND (busy_until IS NULL OR busy_until < now()) ORDER BY expires_at LIMIT 500) RETURNING id, blob_key'),
    )
    for (const row of rows) {
      hashes.delete(row.id)
      await ctx.storage.abort(row.blob_key).catch(() => undefined)
    }
    if (rows.length > 0) job.log.info({ removed: rows.length }, 'files: unfinished uploads expired')
  })
  ctx.jobs.every('files.expireUploads', 3600)

  ctx.routes(router => {
    router.post(
      'files.uploads.create',
      '/api/v1/uploads',
      {
        summary: 'Start a resumable upload (tus 1.0 creation): Upload-Length and Upload-Metadata with `filename` and `folder` (base64). Answers 201 with the upload’s Location.',
        auth: true,
        responses: {
          201: { description: 'Created; PATCH the bytes to the Location.', headers: { Location: { description: 'The upload’s URL.', schema: { type: 'string', format: 'uri-reference' } }, 'Upload-Expires': { description: 'When it is removed unless a piece arrives (an HTTP date).', schema: { type: 'string' } } } },
          404: { description: 'No such folder.' },
          409: { description: 'The name is a folder there.' },
          412: { description: 'Unsupported Tus-Resumable version.' },
          413: { description: 'Larger than the site takes.' },
          507: { description: 'Quota used up.' },
        },
      },
      async c => {
        checkTus(c)
        if (c.get('upload-defer-length')) throw tusProblem(400, 'Upload-Defer-Length is not supported: give Upload-Length.', 'INVALID_UPLOAD_HEADER')
        const length = nonNegative(c, 'upload-length')
        const metadata = parseMetadata(c.get('upload-metadata'))
        const folderId = metadata.get('folder') ?? metadata.get('folderId') ?? ''
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(folderId)) {
          throw tusProblem(400, 'Upload-Metadata needs `folder`: the id of the folder the file goes into.', 'INVALID_UPLOAD_METADATA')
        }
        const fileName = checkName(metadata.get('filename') ?? metadata.get('name') ?? '', '', 'path')
        const folder = await guard.load(c, folderId, 'folder')
        const s = store.settings(c.site)
        if (length > s.maxUploadBytes) throw tusProblem(413, `The file is larger than ${s.maxUploadBytes} bytes, the most this site takes.`, 'FILE_TOO_LARGE')
        const quotaLeft = await store.quotaLeft(c.site, folder.entity)
        if (quotaLeft !== undefined && length > quotaLeft) {
          throw tusProblem(507, 'The storage quota is used up: delete files (and empty the trash) or ask for more space.', 'QUOTA_EXCEEDED')
        }
        // The file and version it becomes: the next version of a file of that name, or a new file.
        const existing = await store.child(folder.entity.id, fileName)
        let target: { fileId: string; version: number }
        if (existing) {
          if (existing.is_folder) throw tusProblem(409, `"${fileName}" is a folder.`, 'NAME_TAKEN')
          guard.writable(c, await guard.load(c, existing.entity_id, 'file'))
          target = { fileId: existing.entity_id, version: existing.version + 1 }
        } else {
          guard.writable(c, folder)
          target = { fileId: randomUUID(), version: 1 }
        }
        const [open] = await ctx.db.query('SELECT count(*)::int AS n FROM files_upload WHERE site_id = $1 AND owner_id = $2', [c.site.id, c.viewer.user!.id])
        if (open.n >= MAX_OPEN_UPLOADS) {
          throw tusProblem(429, `You have ${open.n} unfinished uploads: finish or cancel some first (they also expire on their own).`, 'TOO_MANY_UPLOADS')
        }
        const id = randomUUID()
        const { wrappedKey, keyVersion, keyProvider } = await store.newKey(c.site)
        const blobKey = await ctx.storage.begin({ prefix: c.site.id })
        const expires = expiry(c.site)
        try {
          await ctx.db.query(
            `INSERT INTO files_upload (id, site_id, account_id, owner_id, container_id, folder_id, name, file_id, version, length, stored, blob_key, wrapped_key, key_version, key_provider, expires_at)
             VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $13, $14)`,
            [id, c.site.id, c.viewer.user!.id, folder.entity.containerId, folder.entity.id, fileName, target.fileId, target.version, length, blobKey, wrappedKey, keyVersion, keyProvider, expires],
          )
        } catch (error) {
          await ctx.storage.abort(blobKey).catch(() => undefined)
          throw error
        }
        await store.audit(c.site, 'upload.start', { accountId: c.viewer.user!.id }, existing?.entity_id ?? null, { name: fileName, length, upload: id })
        c.status = 201
        c.set('Location', `/api/v1/uploads/${id}`)
        c.set('Upload-Expires', expires.toUTCString())
        c.set('Tus-Extension', TUS_EXTENSIONS)
        return { id, offset: 0, length, name: fileName, folderId: folder.entity.id, expiresAt: expires.toISOString() }
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'files.uploads.get',
      '/api/v1/uploads/:id',
      {
        summary: 'How far a resumable upload is (tus HEAD: Upload-Offset and Upload-Length headers; GET also answers them as JSON). Only its creator sees it.',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        responses: { 200: { description: 'The upload.' }, 404: { description: 'No such upload (or not yours, or expired).' } },
      },
      async c => {
        checkTus(c)
        const row = await load(c, c.input.params.id)
        c.set('Upload-Offset', String(row.received))
        c.set('Upload-Length', String(row.length))
        c.set('Upload-Expires', row.expires_at.toUTCString())
        c.set('Cache-Control', 'no-store')
        return { id: row.id, offset: Number(row.received), length: Number(row.length), name: row.name, folderId: row.folder_id, expiresAt: row.expires_at.toISOString() }
      },
    )

    router.delete<unknown, unknown, { id: string }>(
      'files.uploads.delete',
      '/api/v1/uploads/:id',
      {
        summary: 'Cancel a resumable upload (tus termination): what arrived is removed.',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        responses: { 204: { description: 'Cancelled.' }, 404: { description: 'No such upload.' } },
      },
      async c => {
        checkTus(c)
        const row = await load(c, c.input.params.id)
        await ctx.db.query('DELETE FROM files_upload WHERE id = $1', [row.id])
        hashes.delete(row.id)
        await ctx.storage.abort(row.blob_key).catch(() => undefined)
        c.status = 204
      },
    )

    router.patch<unknown, unknown, { id: string }>(
      'files.uploads.append',
      '/api/v1/uploads/:id',
      {
        summary: 'Send the next piece of a resumable upload (tus PATCH, application/offset+octet-stream, Upload-Offset). The last piece stores the file (or its next version).',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        responses: {
          204: { description: 'Stored; Upload-Offset is the new offset.' },
          404: { description: 'No such upload.' },
          409: { description: 'Upload-Offset is not where the upload is, or another piece is arriving at the same moment.' },
          415: { description: 'Not application/offset+octet-stream.' },
          507: { description: 'Quota used up.' },
        },
      },
      async c => {
        checkTus(c)
        if ((c.get('content-type').split(';')[0] ?? '').trim().toLowerCase() !== OFFSET_TYPE) {
          throw tusProblem(415, `Send the piece as ${OFFSET_TYPE}.`, 'UNSUPPORTED_MEDIA_TYPE')
        }
        const offset = nonNegative(c, 'upload-offset')
        const found = await load(c, c.input.params.id)
        if (Number(found.received) !== offset) {
          throw tusProblem(409, `The upload is at offset ${found.received}, not ${offset}: ask with HEAD and go on from there.`, 'UPLOAD_OFFSET_MISMATCH', { 'Upload-Offset': String(found.received) })
        }
        // One piece at a time: whoever claims the upload at this offset goes on; a second one gets 409.
        const claimed = returned<UploadRow>(
          await ctx.db.query(
            `UPDATE files_upload SET busy_until = now() + make_interval(secs => $3)
              WHERE id = $1 AND received = $2 AND (busy_until IS NULL OR busy_until < now()) RETURNING *`,
            [found.id, offset, BUSY_SECONDS],
          ),
        )
        const row = claimed[0]
        if (!row) throw tusProblem(409, 'Another piece of this upload is arriving at the same moment.', 'UPLOAD_BUSY', { 'Upload-Offset': String(found.received) })
        const keepBusy = setInterval(() => {
          ctx.db.query('UPDATE files_upload SET busy_until = now() + make_interval(secs => $2) WHERE id = $1', [row.id, BUSY_SECONDS]).catch(() => undefined)
        }, (BUSY_SECONDS / 3) * 1000)
        try {
          return await appendPiece(c, row)
        } finally {
          clearInterval(keepBusy)
          await ctx.db.query('UPDATE files_upload SET busy_until = NULL WHERE id = $1', [row.id]).catch(() => undefined)
        }
      },
    )
  })

  const appendPiece = async (c: RequestContext, row: UploadRow): Promise<undefined> => {
    const length = Number(row.length)
    const received = Number(row.received)
    const storedBefore = Number(row.stored)
    const folder = await guard.load(c, row.folder_id, 'folder')
    const quotaLeft = await store.quotaLeft(c.site, folder.entity)
    const key = await store.fileKey(c.site, row)
    let carry: Carry
    let hash: Hash
    // The first piece starts with the header (so that a one-piece upload is one stored piece).
    const index = storedBefore === 0 ? 0 : (storedBefore - HEADER_LENGTH) / (SEGMENT_SIZE + TAG_LENGTH)
    try {
      carry = openCarry(key, row.id, row.pending)
      hash = await hashOf(row, key, index, carry.tail)
    } catch (error) {
      if (error instanceof IntegrityError) throw damaged(ctx, { entity_id: row.file_id, version: row.version, blob_key: row.blob_key }, error)
      throw error
    }
    const declared = Number(c.get('content-length') || NaN)
    if (declared > length - received) throw tusProblem(413, 'The piece goes past the Upload-Length given when the upload was created.', 'UPLOAD_TOO_LONG')
    if (quotaLeft !== undefined && declared > quotaLeft) {
      throw tusProblem(507, 'The storage quota is used up: delete files (and empty the trash) or ask for more space.', 'QUOTA_EXCEEDED')
    }
    const counter = new Counter(length - received, quotaLeft)
    const final = () => received + counter.seen === length
    const strip = new StripMetadata(store.settings(c.site).stripImageMetadata !== false, carry.strip, final)
    const sealer = new Sealer(key, Buffer.from(row.file_id.replace(/-/g, ''), 'hex'), row.version, index, carry.tail, hash, final, row.name, row.mime, storedBefore === 0)
    // Client bytes → count (length, quota) → strip metadata → seal segments → append to the pending blob.
    let stopped: Error | undefined
    const feeding = pipeline(c.req, counter, strip, sealer).catch((error: Error) => {
      stopped ??= error
    })
    let stored: number
    try {
      stored = await ctx.storage.append(row.blob_key, sealer, storedBefore)
      await feeding
      if (stopped) throw stopped
    } catch (failure) {
      await feeding
      hashes.delete(row.id)
      // An error of the counter (too long, quota) is answered as itself, not as the storage's broken pipe.
      const error = (stopped as { status?: number } | undefined)?.status ? stopped! : (failure as Error)
      if (error instanceof StorageFullError) throw tusProblem(507, error.message, 'STORAGE_FULL')
      if ((error as { status?: number }).status) throw error
      if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as NodeJS.ErrnoException).code === 'ECONNRESET' || c.req.destroyed) {
        throw tusProblem(400, 'The piece was cut off; the upload stays at its offset: ask with HEAD and go on from there.', 'UPLOAD_INCOMPLETE')
      }
      throw error
    }
    const now = received + counter.seen
    c.set('Upload-Offset', String(now))
    if (now < length) {
      const expires = expiry(c.site)
      const updated = returned(
        await ctx.db.query('UPDATE files_upload SET received = $2, stored = $3, pending = $4, mime = $5, expires_at = $6 WHERE id = $1 RETURNING id', [
          row.id,
          now,
          stored,
          sealCarry(key, row.id, { tail: sealer.tail, strip: strip.state }),
          sealer.mime,
          expires,
        ]),
      )
      if (updated.length === 0) {
        // Cancelled while this piece arrived.
        await ctx.storage.abort(row.blob_key).catch(() => undefined)
        throw tusProblem(404, 'The upload was cancelled.', 'UPLOAD_NOT_FOUND')
      }
      hashes.set(row.id, { received: now, hash })
      if (hashes.size > MAX_HASHES) hashes.delete(hashes.keys().next().value!)
      c.set('Upload-Expires', expires.toUTCString())
      c.status = 204
      return undefined
    }
    // The last byte: the blob is complete and becomes the file's version, with its metadata, in one step.
    const gone = returned(await ctx.db.query('DELETE FROM files_upload WHERE id = $1 RETURNING id', [row.id]))
    if (gone.length === 0) {
      await ctx.storage.abort(row.blob_key).catch(() => undefined)
      throw tusProblem(404, 'The upload was cancelled.', 'UPLOAD_NOT_FOUND')
    }
    await ctx.storage.commit(row.blob_key)
    const prepared: PreparedVersion = {
      fileId: row.file_id,
      version: row.version,
      stored: {
        blobKey: row.blob_key,
        size: sealer.plain,
        storedSize: stored,
        sha256: hash.digest('hex'),
        mime: sealer.mime ?? sniff(Buffer.alloc(0), row.name),
        wrappedKey: row.wrapped_key,
        keyVersion: row.key_version,
        keyProvider: row.key_provider,
      },
    }
    let entity
    try {
      entity = await save(c, folder, row.name, prepared, '', NaN)
    } catch (error) {
      await store.dropBlobs([row.blob_key])
      throw error
    }
    await store.audit(c.site, 'upload.finish', { accountId: c.viewer.user!.id }, entity.id, { upload: row.id, size: sealer.plain })
    c.set('Location', `/api/v1/files/${entity.id}`)
    c.status = 204
    return undefined
  }
}
