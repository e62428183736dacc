// Files: stored encrypted (one key per version, wrapped with the site key), metadata and blob committed so
// that a failed upload leaves nothing behind, read back streamed, in ranges, never in full in memory.
import { createHash } from 'node:crypto'
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { problems, StorageFullError, HttpProblem, type EntityRecord, type PluginContext, type Site, type Viewer } from '@plein/core'
import type { EntityManager } from 'typeorm'
import { DecryptStream, EncryptStream, FORMAT_VERSION, IntegrityError, newFileKey, openSegment, readHeader, segmentCount, segmentLength, storedRange, HEADER_LENGTH, SEGMENT_SIZE, TAG_LENGTH } from './crypto/format.js'
import { StripMetadata } from './exif.js'
import { DERIVED_KEY_PROVIDER, DerivedKeyProvider, unwrapKey, wrapKey, type KeyProvider } from './crypto/keys.js'
import { sniff } from './sniff.js'
import { filesKeyProviderRef, type FileSettings } from './api.js'

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
  key_provider: string
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
  keyProvider: string
}

/** A stored file key: which provider's site key wraps it, at which version. */
export type WrappedKeyRow = Pick<VersionRow, 'wrapped_key' | 'key_version' | 'key_provider'>

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
  /** The built-in key provider: site keys derived from PLEIN_SECRET, their version in files_site_key. */
  private readonly derived: KeyProvider

  constructor(private readonly ctx: PluginContext) {
    this.derived = new DerivedKeyProvider(ctx.keys, {
      current: async siteId => (await ctx.db.query('SELECT version FROM files_site_key WHERE site_id = $1', [siteId]))[0]?.version ?? 1,
      next: async siteId =>
        (
          await ctx.db.query(
            `INSERT INTO files_site_key (site_id, version, rotated_at) VALUES ($1, 2, now())
             ON CONFLICT (site_id) DO UPDATE SET version = files_site_key.version + 1, rotated_at = now() RETURNING version`,
            [siteId],
          )
        )[0].version,
    })
  }

  /** The key provider that wraps new file keys: the one a plugin provides (filesKeyProviderRef), else the built-in one. */
  get keys(): KeyProvider {
    return this.ctx.services.find(filesKeyProviderRef) ?? this.derived
  }

  /** The provider of a stored key: the active one, or the built-in one (its keys can always be derived again). */
  private provider(id: string): KeyProvider {
    const active = this.keys
    if (id === active.id) return active
    if (id === DERIVED_KEY_PROVIDER) return this.derived
    throw new Error(`files: a file key is wrapped by key provider "${id}", but the active key provider is "${active.id}"`)
  }

  /**
   * Refuses to start when stored file keys belong to a provider that is not there: only keys of the active
   * provider and of the built-in one can be unwrapped (docs/files.md §10).
   */
  async checkKeyProvider(): Promise<void> {
    const active = this.keys
    const found: Array<{ key_provider: string; n: number }> = await this.ctx.db.query(
      `SELECT key_provider, count(*)::int AS n FROM (SELECT key_provider FROM files_version UNION ALL SELECT key_provider FROM files_upload) k
        WHERE key_provider <> ALL($1::text[]) GROUP BY key_provider ORDER BY key_provider`,
      [[active.id, DERIVED_KEY_PROVIDER]],
    )
    if (found.length === 0) return
    const stored = found.map(r => `${r.n} by "${r.key_provider}"`).join(', ')
    throw new Error(
      `files: stored file keys are wrapped by another key provider than the active one ("${active.id}"): ${stored}. ` +
        `They cannot be unwrapped. Enable the plugin that provides "${found[0]!.key_provider}" again; to move to another provider, ` +
        'first go back to the built-in one or re-wrap everything with the old provider still enabled (docs/files.md §10).',
    )
  }

  /** A new file key, wrapped with the active provider's current site key. */
  async newKey(site: Site): Promise<{ key: Buffer; wrappedKey: Buffer; keyVersion: number; keyProvider: string }> {
    const provider = this.keys
    const key = newFileKey()
    const keyVersion = await provider.currentVersion(site.id)
    return { key, wrappedKey: wrapKey(await provider.siteKey(site.id, keyVersion), key), keyVersion, keyProvider: provider.id }
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
    const { key, wrappedKey, keyVersion, keyProvider } = await this.newKey(site)
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
      wrappedKey,
      keyVersion,
      keyProvider,
    }
  }

  async fileKey(site: Site, v: WrappedKeyRow): Promise<Buffer> {
    return unwrapKey(await this.provider(v.key_provider).siteKey(site.id, v.key_version), v.wrapped_key)
  }

  /** The plaintext of a version (or the inclusive range start..end), decrypted segment by segment. */
  async open(site: Site, v: VersionRow, range?: { start: number; end: number }): Promise<Readable> {
    if (v.format !== FORMAT_VERSION) throw new Error(`unknown stored format ${v.format}`)
    const size = Number(v.size)
    const start = range?.start ?? 0
    const end = range?.end ?? Math.max(0, size - 1)
    const key = await this.fileKey(site, v)
    const stored = storedRange(size, start, end)
    // Most downloads are small and start in the first segment: the header and every segment asked for in one
    // read, each segment decrypted once and all checked before a byte goes out.
    if (stored.start === HEADER_LENGTH && stored.end < SMALL_READ) {
      try {
        const all = await readAll(this.ctx.storage.get(v.blob_key, { start: 0, end: stored.end }))
        readHeader(all.subarray(0, HEADER_LENGTH))
        const id = uuidBytes(v.entity_id)
        const count = segmentCount(size)
        const last = size === 0 ? 0 : Math.floor(end / SEGMENT_SIZE)
        const plain: Buffer[] = []
        for (let i = 0, at = HEADER_LENGTH; i <= last; i++) {
          const sealedLength = segmentLength(size, i) + TAG_LENGTH
          if (all.length < at + sealedLength) throw new IntegrityError(`the file ends before segment ${i}`)
          plain.push(openSegment(key, id, v.version, i, i === count - 1, all.subarray(at, at + sealedLength)))
          at += sealedLength
        }
        const bytes = plain.length === 1 ? plain[0]! : Buffer.concat(plain)
        return Readable.from(size === 0 ? [] : [bytes.subarray(start, end + 1)])
      } catch (error) {
        if (error instanceof IntegrityError) throw damaged(this.ctx, v, error)
        throw error
      }
    }
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
    const decrypt = new DecryptStream(key, v.entity_id, v.version, size, start, size === 0 ? 0 : end)
    const source = this.ctx.storage.get(v.blob_key, stored)
    source.on('error', error => decrypt.destroy(error))
    return source.pipe(decrypt)
  }

  /** Removes blobs no version refers to any more. */
  async dropBlobs(keys: string[]): Promise<void> {
    for (const key of keys) await this.ctx.storage.delete(key).catch(() => undefined)
  }

  /**
   * Re-wraps every file key of a site (versions and uploads under way) with a new site-key version of the
   * active provider, also keys the built-in provider wrapped before a switch; content is not touched.
   */
  async rotate(site: Site): Promise<{ version: number; rewrapped: number }> {
    const provider = this.keys
    if (!provider.rotate) {
      throw new HttpProblem({ status: 409, detail: `The key provider "${provider.id}" does not rotate site keys here: rotate them in the key-management service.`, code: 'KEY_ROTATION_UNSUPPORTED' })
    }
    const to = await provider.rotate(site.id)
    const kekTo = await provider.siteKey(site.id, to)
    const keks = new Map<string, Promise<Buffer>>()
    const unwrap = async (row: WrappedKeyRow) => {
      const at = `${row.key_provider}:${row.key_version}`
      if (!keks.has(at)) keks.set(at, this.provider(row.key_provider).siteKey(site.id, row.key_version))
      return unwrapKey(await keks.get(at)!, row.wrapped_key)
    }
    let rewrapped = 0
    await this.ctx.db.transaction(async m => {
      const rows: VersionRow[] = await m.query(
        `SELECT v.* FROM files_version v JOIN files_node n ON n.entity_id = v.entity_id WHERE n.site_id = $1 FOR UPDATE OF v`,
        [site.id],
      )
      for (const row of rows) {
        const wrapped = wrapKey(kekTo, await unwrap(row))
        await m.query('UPDATE files_version SET wrapped_key = $3, key_version = $4, key_provider = $5 WHERE entity_id = $1 AND version = $2', [row.entity_id, row.version, wrapped, to, provider.id])
        rewrapped++
      }
      const uploads: Array<WrappedKeyRow & { id: string }> = await m.query('SELECT id, wrapped_key, key_version, key_provider FROM files_upload WHERE site_id = $1 FOR UPDATE', [site.id])
      for (const row of uploads) {
        await m.query('UPDATE files_upload SET wrapped_key = $2, key_version = $3, key_provider = $4 WHERE id = $1', [row.id, wrapKey(kekTo, await unwrap(row)), to, provider.id])
      }
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
/** Stored bytes read at once and decrypted in memory (four segments): larger reads stream. */
const SMALL_READ = HEADER_LENGTH + 4 * (SEGMENT_SIZE + TAG_LENGTH)

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
