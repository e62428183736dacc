// Files: stored encrypted (one key per version, wrapped with the site key), metadata and blob committed so
// that a failed upload leaves nothing behind, read back streamed, in ranges, never in full in memory.
import { createHash } from 'node:crypto'
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { problems, StorageFullError, HttpProblem, type EntityRecord, type PluginContext, type Site, type Viewer } from '@plein/core'
import type { EntityManager } from 'typeorm'
import { DecryptStream, EncryptStream, FORMAT_VERSION, IntegrityError, newFileKey, openSegment, readHeader, segmentCount, segmentLength, storedRange, HEADER_LENGTH, SEGMENT_SIZE, TAG_LENGTH } from './crypto/format.js'
import { StripMetadata } from './exif.js'
import { DerivedKeyProvider, unwrapKey, wrapKey, type KeyProvider } from './crypto/keys.js'
import { sniff } from './sniff.js'
import type { FileSettings } from './api.js'

export interface NodeRow {
  entity_id: string
  site_id: string
  parent_id: string | null
  name: string
  is_folder: boolean
  size: string
  mime: string | null
  version: number
  sha256: string | null
  deleted_at: Date | null
  published_before_trash: Date | null
  manage: string[]
}

export interface VersionRow {
  entity_id: string
  version: number
  size: string
  stored_size: string
  sha256: string
  mime: string
  blob_key: string
  wrapped_key: Buffer
  key_version: number
  format: number
  created_by: string | null
  created_at: Date
}

export interface StoredVersion {
  blobKey: string
  size: number
  storedSize: number
  sha256: string
  mime: string
  wrappedKey: Buffer
  keyVersion: number
}

/** A version stored ahead of its metadata (a resumable upload): its file id and number are bound into its encryption. */
export interface PreparedVersion {
  fileId: string
  version: number
  stored: StoredVersion
}

type Runner = Pick<EntityManager, 'query'> | { query: (sql: string, params?: unknown[]) => Promise<any> }

/** Counts bytes and stops the upload with 413/507 as soon as a limit is passed (nothing is buffered). */
class Limit extends Transform {
  private seen = 0
  head = Buffer.alloc(0)
  constructor(private readonly max: number, private readonly quotaLeft: number | undefined) {
    super()
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length
    if (this.head.length < 4096) this.head = Buffer.concat([this.head, chunk.subarray(0, 4096 - this.head.length)])
    if (this.seen > this.max) return done(problems.tooLarge(`The file is larger than ${this.max} bytes, the most this site takes.`, { code: 'FILE_TOO_LARGE' }))
    if (this.quotaLeft !== undefined && this.seen > this.quotaLeft) {
      return done(new HttpProblem({ status: 507, detail: 'The storage quota is used up: delete files (and empty the trash) or ask for more space.', code: 'QUOTA_EXCEEDED' }))
    }
    done(null, chunk)
  }
}

export class FileStore {
  readonly keys: KeyProvider

  constructor(private readonly ctx: PluginContext) {
    this.keys = new DerivedKeyProvider(ctx.keys, async siteId => {
      const rows = await ctx.db.query('SELECT version FROM files_site_key WHERE site_id = $1', [siteId])
      return rows[0]?.version ?? 1
    })
  }

  settings(site: Site): FileSettings {
    return this.ctx.settings<FileSettings>(site)
  }

  async node(site: Site, id: string, m: Runner = this.ctx.db): Promise<NodeRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined
    const rows: NodeRow[] = await m.query('SELECT * FROM files_node WHERE entity_id = $1 AND site_id = $2', [id, site.id])
    return rows[0]
  }

  async nodes(ids: string[]): Promise<Map<string, NodeRow>> {
    if (ids.length === 0) return new Map()
    const rows: NodeRow[] = await this.ctx.db.query('SELECT * FROM files_node WHERE entity_id = ANY($1::uuid[])', [ids])
    return new Map(rows.map(r => [r.entity_id, r]))
  }

  async child(parentId: string, name: string, m: Runner = this.ctx.db): Promise<NodeRow | undefined> {
    const rows: NodeRow[] = await m.query('SELECT * FROM files_node WHERE parent_id = $1 AND lower(name) = lower($2) AND deleted_at IS NULL', [parentId, name])
    return rows[0]
  }

  async version(fileId: string, version: number): Promise<VersionRow | undefined> {
    const rows: VersionRow[] = await this.ctx.db.query('SELECT * FROM files_version WHERE entity_id = $1 AND version = $2', [fileId, version])
    return rows[0]
  }

  async versions(fileId: string): Promise<VersionRow[]> {
    return this.ctx.db.query('SELECT * FROM files_version WHERE entity_id = $1 ORDER BY version DESC LIMIT 1000', [fileId])
  }

  /** Bytes stored (every version, encrypted size) by an owner's own folders, a container, or a whole site. */
  async usage(site: Site, scope: { ownerId?: string; containerId?: string }): Promise<number> {
    const clauses = ['e.site_id = $1']
    const params: unknown[] = [site.id]
    if (scope.containerId) {
      params.push(scope.containerId)
      clauses.push(`e.container_id = $${params.length}`)
    } else if (scope.ownerId) {
      params.push(scope.ownerId)
      clauses.push(`e.owner_id = $${params.length} AND e.container_id IS NULL`)
    }
    // Resumable uploads under way count with what they hold so far (files_upload has the same owner and container columns).
    const partial = clauses.map(c => c.replace(/\be\./g, 'u.')).join(' AND ')
    const rows = await this.ctx.db.query(
      `SELECT (SELECT coalesce(sum(v.stored_size), 0) FROM files_version v JOIN entity e ON e.id = v.entity_id WHERE ${clauses.join(' AND ')})
            + (SELECT coalesce(sum(u.stored), 0) FROM files_upload u WHERE ${partial}) AS n`,
      params,
    )
    return Number(rows[0].n)
  }

  /** How many bytes may still be stored for content in `folder` (undefined: no limit). */
  async quotaLeft(site: Site, folder: EntityRecord): Promise<number | undefined> {
    const s = this.settings(site)
    const left: number[] = []
    if (s.quotaPerSiteBytes > 0) left.push(s.quotaPerSiteBytes - (await this.usage(site, {})))
    if (folder.containerId && s.quotaPerGroupBytes > 0) left.push(s.quotaPerGroupBytes - (await this.usage(site, { containerId: folder.containerId })))
    if (!folder.containerId && folder.ownerId && s.quotaPerUserBytes > 0) left.push(s.quotaPerUserBytes - (await this.usage(site, { ownerId: folder.ownerId })))
    return left.length ? Math.max(0, Math.min(...left)) : undefined
  }

  /**
   * Encrypts a plaintext stream into storage under a new blob. Returns what the version row needs. The blob
   * exists only if the whole stream arrived; the caller deletes it if the metadata does not commit.
   */
  async store(site: Site, fileId: string, version: number, source: Readable, name: string, limits: { max: number; quotaLeft?: number }): Promise<StoredVersion> {
    const key = newFileKey()
    const keyVersion = await this.keys.currentVersion(site.id)
    const kek = await this.keys.siteKey(site.id, keyVersion)
    const limit = new Limit(limits.max, limits.quotaLeft)
    const encrypt = new EncryptStream(key, fileId, version)
    const out = new PassThrough()
    const piping = pipeline(source, limit, new StripMetadata(this.settings(site).stripImageMetadata !== false), encrypt, out)
    const putting = this.ctx.storage.put(out, { prefix: site.id })
    let stored: { key: string; size: number }
    try {
      ;[stored] = await Promise.all([putting, piping])
    } catch (error) {
      out.destroy()
      // Answer only once the storage has cleaned up: when the client hears "not saved", nothing is left
      // behind, not even the temporary file (and a blob that did complete is removed again).
      const written = await putting.catch(() => undefined)
      if (written) await this.ctx.storage.delete(written.key).catch(() => undefined)
      if (error instanceof StorageFullError) throw new HttpProblem({ status: 507, detail: error.message, code: 'STORAGE_FULL' })
      if ((error as { status?: number }).status) throw error
      if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
        throw problems.badRequest('The upload was cut off before it ended; nothing was saved.', { code: 'UPLOAD_INCOMPLETE' })
      }
      throw error
    }
    return {
      blobKey: stored.key,
      size: encrypt.size,
      storedSize: stored.size,
      sha256: encrypt.sha256,
      mime: sniff(limit.head, name),
      wrappedKey: wrapKey(kek, key),
      keyVersion,
    }
  }

  async fileKey(site: Site, v: Pick<VersionRow, 'wrapped_key' | 'key_version'>): Promise<Buffer> {
    return unwrapKey(await this.keys.siteKey(site.id, v.key_version), v.wrapped_key)
  }

  /** The plaintext of a version (or the inclusive range start..end), decrypted segment by segment. */
  async open(site: Site, v: VersionRow, range?: { start: number; end: number }): Promise<Readable> {
    if (v.format !== FORMAT_VERSION) throw new Error(`unknown stored format ${v.format}`)
    const size = Number(v.size)
    const start = range?.start ?? 0
    const end = range?.end ?? Math.max(0, size - 1)
    const key = await this.fileKey(site, v)
    // The header and the first segment asked for are checked before a byte goes out: damage there is a clear
    // problem answer; damage further on cuts the answer off (see sendVersion), never a silent truncation.
    const first = Math.floor(start / SEGMENT_SIZE)
    const firstEnd = HEADER_LENGTH + first * (SEGMENT_SIZE + TAG_LENGTH) + segmentLength(size, first) + TAG_LENGTH - 1
    try {
      const head = await readAll(this.ctx.storage.get(v.blob_key, { start: 0, end: HEADER_LENGTH - 1 }))
      readHeader(head)
      const sealed = await readAll(this.ctx.storage.get(v.blob_key, { start: HEADER_LENGTH + first * (SEGMENT_SIZE + TAG_LENGTH), end: firstEnd }))
      openSegment(key, uuidBytes(v.entity_id), v.version, first, first === segmentCount(size) - 1, sealed)
    } catch (error) {
      if (error instanceof IntegrityError) throw damaged(this.ctx, v, error)
      throw error
    }
    const stored = storedRange(size, start, end)
    const decrypt = new DecryptStream(key, v.entity_id, v.version, size, start, size === 0 ? 0 : end)
    const source = this.ctx.storage.get(v.blob_key, stored)
    source.on('error', error => decrypt.destroy(error))
    return source.pipe(decrypt)
  }

  /** Removes blobs no version refers to any more. */
  async dropBlobs(keys: string[]): Promise<void> {
    for (const key of keys) await this.ctx.storage.delete(key).catch(() => undefined)
  }

  /** Re-wraps every file key of a site with a new site-key version; content is not touched. */
  async rotate(site: Site): Promise<{ version: number; rewrapped: number }> {
    const from = await this.keys.currentVersion(site.id)
    const to = from + 1
    const kekTo = await this.keys.siteKey(site.id, to)
    let rewrapped = 0
    await this.ctx.db.transaction(async m => {
      const rows: VersionRow[] = await m.query(
        `SELECT v.* FROM files_version v JOIN files_node n ON n.entity_id = v.entity_id WHERE n.site_id = $1 FOR UPDATE OF v`,
        [site.id],
      )
      for (const row of rows) {
        const key = unwrapKey(await this.keys.siteKey(site.id, row.key_version), row.wrapped_key)
        await m.query('UPDATE files_version SET wrapped_key = $3, key_version = $4 WHERE entity_id = $1 AND version = $2', [row.entity_id, row.version, wrapKey(kekTo, key), to])
        rewrapped++
      }
      await m.query(
        `INSERT INTO files_site_key (site_id, version, rotated_at) VALUES ($1, $2, now())
         ON CONFLICT (site_id) DO UPDATE SET version = EXCLUDED.version, rotated_at = now()`,
        [site.id, to],
      )
    })
    return { version: to, rewrapped }
  }

  async audit(site: Site, action: string, who: { accountId?: string | null; linkId?: string | null }, entityId: string | null, detail: Record<string, unknown> = {}): Promise<void> {
    await this.ctx.db.query('INSERT INTO files_audit (site_id, entity_id, account_id, link_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
      site.id,
      entityId,
      who.accountId ?? null,
      who.linkId ?? null,
      action,
      JSON.stringify(detail),
    ])
  }
}

const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex')

/** The problem answer for a stored file that fails authentication; logged once, with the file, never key material. */
export function damaged(ctx: PluginContext, v: Pick<VersionRow, 'entity_id' | 'version' | 'blob_key'>, error: Error): HttpProblem {
  ctx.log.error({ file: v.entity_id, version: v.version, blob: v.blob_key, reason: error.message }, 'files: stored file is damaged (integrity check failed)')
  return new HttpProblem({
    status: 500,
    title: 'File damaged',
    detail: 'The stored file fails its integrity check: it was damaged or changed in storage, and none of it is served. An administrator can restore it from a backup or an earlier version.',
    code: 'FILE_DAMAGED',
  })
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

export const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex')
export type { Viewer }
