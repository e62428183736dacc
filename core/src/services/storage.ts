// Blob storage behind one small interface: the local filesystem in the data folder by default; an
// S3-compatible store implements the same interface for installations that outgrow one machine.
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
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
    return createReadStream(this.file(key), range ? { start: range.start, end: range.end } : {})
  }

  async size(key: string): Promise<number> {
    return (await stat(this.file(key))).size
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true })
  }
}
