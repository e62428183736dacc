// Blob storage behind one small interface: the local filesystem in the data folder by default; an
// S3-compatible store implements the same interface for installations that outgrow one machine.
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm, stat, truncate } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface BlobStore {
  /**
   * Stores a stream under a new key. The bytes go to a temporary name and are renamed into place only when
   * complete and flushed: a failed or cut-off write leaves nothing behind.
   */
  put(source: Readable, options?: { prefix?: string }): Promise<{ key: string; size: number }>
  /** The bytes of a key, or of the inclusive byte range start..end. */
  get(key: string, range?: { start: number; end: number }): Readable
  size(key: string): Promise<number>
  delete(key: string): Promise<void>
  /**
   * Resumable writes: a pending blob under a new key that grows by `append` (across requests and restarts)
   * and becomes readable under that key only when `commit`ted; `abort` removes it. Nothing earlier is re-read
   * on commit.
   */
  begin(options?: { prefix?: string }): Promise<string>
  /**
   * Appends a stream to a pending blob that holds `expectedSize` bytes (more is cut back to it: an append whose
   * caller never recorded it; fewer rejects before writing).
   * Answers the new size; a failed or cut-off append leaves the pending blob as it was.
   */
  append(key: string, source: Readable, expectedSize: number): Promise<number>
  /** Bytes of a pending blob so far (0 when it does not exist). */
  pendingSize(key: string): Promise<number>
  /** The bytes of a pending blob from `start` on (e.g. to resume a hash after a restart). */
  readPending(key: string, start?: number): Readable
  commit(key: string): Promise<void>
  abort(key: string): Promise<void>
  /** Where the store lives, for the log. */
  readonly description: string
}

export class StorageFullError extends Error {
  readonly code = 'STORAGE_FULL'
  readonly status = 507
  readonly expose = true
  constructor() {
    super('The storage is full: the upload was not saved.')
  }
}

const KEY = /^[a-z0-9-]+(\/[a-z0-9-]+)*$/
const READ_CHUNK = 1024 * 1024

/** Files under `<root>/<key>`, written to `<root>/.tmp/` first. */
export class LocalBlobStore implements BlobStore {
  readonly description: string
  constructor(private readonly root: string) {
    this.description = root
  }

  private file(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key "${key}"`)
    return path.join(this.root, key)
  }

  async put(source: Readable, options: { prefix?: string } = {}): Promise<{ key: string; size: number }> {
    const id = randomUUID()
    const key = `${options.prefix ? `${options.prefix}/` : ''}${id.slice(0, 2)}/${id}`
    const tmpDir = path.join(this.root, '.tmp')
    await mkdir(tmpDir, { recursive: true })
    const tmp = path.join(tmpDir, id)
    let size = 0
    source.on('data', (chunk: Buffer) => {
      size += chunk.length
    })
    try {
      await pipeline(source, createWriteStream(tmp, { flags: 'wx' }))
      const handle = await open(tmp, 'r')
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
      const final = this.file(key)
      await mkdir(path.dirname(final), { recursive: true })
      await rename(tmp, final)
      return { key, size }
    } catch (error) {
      await rm(tmp, { force: true })
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC' || (error as NodeJS.ErrnoException).code === 'EDQUOT') throw new StorageFullError()
      throw error
    }
  }

  get(key: string, range?: { start: number; end: number }): Readable {
    // Large reads: a sixteenth of the system calls and thread-pool round trips of the 64 KiB default.
    return createReadStream(this.file(key), { highWaterMark: READ_CHUNK, ...(range ? { start: range.start, end: range.end } : {}) })
  }

  async size(key: string): Promise<number> {
    return (await stat(this.file(key))).size
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true })
  }

  // Pending blobs live under `<root>/.pending/<key>` and are renamed into place on commit.
  private pending(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key "${key}"`)
    return path.join(this.root, '.pending', key)
  }

  async begin(options: { prefix?: string } = {}): Promise<string> {
    const id = randomUUID()
    const key = `${options.prefix ? `${options.prefix}/` : ''}${id.slice(0, 2)}/${id}`
    const file = this.pending(key)
    await mkdir(path.dirname(file), { recursive: true })
    await (await open(file, 'wx')).close()
    return key
  }

  async append(key: string, source: Readable, expectedSize: number): Promise<number> {
    const file = this.pending(key)
    let before = (await stat(file)).size
    // Longer than expected: an append whose metadata never committed; it is cut back.
    if (before > expectedSize) {
      await truncate(file, expectedSize)
      before = expectedSize
    }
    if (before !== expectedSize) {
      source.resume()
      throw new Error(`pending blob ${key} holds ${before} bytes, not ${expectedSize}`)
    }
    let size = before
    source.on('data', (chunk: Buffer) => {
      size += chunk.length
    })
    try {
      await pipeline(source, createWriteStream(file, { flags: 'a' }))
      return size
    } catch (error) {
      // Back to where it was: the next append starts at a known size.
      await truncate(file, before).catch(() => undefined)
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC' || (error as NodeJS.ErrnoException).code === 'EDQUOT') throw new StorageFullError()
      throw error
    }
  }

  async pendingSize(key: string): Promise<number> {
    return stat(this.pending(key)).then(
      s => s.size,
      () => 0,
    )
  }

  readPending(key: string, start = 0): Readable {
    return createReadStream(this.pending(key), { start })
  }

  async commit(key: string): Promise<void> {
    const file = this.pending(key)
    const handle = await open(file, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
    const final = this.file(key)
    await mkdir(path.dirname(final), { recursive: true })
    await rename(file, final)
  }

  async abort(key: string): Promise<void> {
    await rm(this.pending(key), { force: true })
  }
}
