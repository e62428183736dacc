// Blob storage in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage …), chosen with
// PLEIN_STORAGE_URL=s3://bucket/prefix?endpoint=…&region=…: the same BlobStore interface as the local folder.
// Requests are signed (SigV4) with aws4fetch over the built-in fetch; uploads stream in parts of 8 MiB
// (multipart upload), so memory holds one part whatever the size. Resumable writes keep each append as a piece
// object under `.pending/`; commit copies them server-side into the final object.
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { AwsClient } from 'aws4fetch'
import type { BlobStore } from './storage.js'

export interface S3Location {
  bucket: string
  /** Key prefix inside the bucket ('' for none), without a trailing slash. */
  prefix: string
  /** e.g. http://127.0.0.1:9000 for MinIO; unset: AWS (https://s3.<region>.amazonaws.com). */
  endpoint?: string
  region: string
  /** Path-style URLs (endpoint/bucket/key): the default with an endpoint, as MinIO and most others want. */
  pathStyle: boolean
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** Part size of multipart uploads (S3's minimum is 5 MiB for every part but the last). */
export const S3_PART_SIZE = 8 * 1024 * 1024
const MIN_PART = 5 * 1024 * 1024
const KEY = /^[a-z0-9-]+(\/[a-z0-9-]+)*$/

/**
 * s3://[accessKey:secret@]bucket[/prefix][?endpoint=URL&region=R&pathStyle=true|false]. Credentials in the URL
 * win; otherwise AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), region AWS_REGION.
 */
export function parseS3Url(url: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new Error('The storage URL is not a URL (s3://bucket/prefix?endpoint=…).')
  }
  if (u.protocol !== 's3:' || !u.hostname) throw new Error('The storage URL must look like s3://bucket/prefix?endpoint=…')
  const endpoint = u.searchParams.get('endpoint') ?? undefined
  if (endpoint && !/^https?:\/\//.test(endpoint)) throw new Error('The storage URL’s endpoint must be an http(s):// URL.')
  const accessKeyId = decodeURIComponent(u.username) || env.AWS_ACCESS_KEY_ID || ''
  const secretAccessKey = decodeURIComponent(u.password) || env.AWS_SECRET_ACCESS_KEY || ''
  if (!accessKeyId || !secretAccessKey) throw new Error('S3 storage needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or key:secret@ in the URL).')
  const pathStyle = u.searchParams.get('pathStyle')
  return {
    bucket: u.hostname,
    prefix: u.pathname.replace(/^\/+|\/+$/g, ''),
    endpoint: endpoint?.replace(/\/+$/, ''),
    region: u.searchParams.get('region') ?? env.AWS_REGION ?? 'us-east-1',
    pathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true' || pathStyle === '1',
    accessKeyId,
    secretAccessKey,
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
  }
}

const xmlValues = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map(m => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'"))

export class S3Error extends Error {
  constructor(readonly status: number, operation: string, body: string) {
    super(`S3 ${operation} failed with ${status}${xmlValues(body, 'Code')[0] ? ` (${xmlValues(body, 'Code')[0]})` : ''}`)
  }
}

/** Reads a stream into buffers of exactly `size` bytes (the last one shorter). */
async function* parts(source: Readable, size: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = []
  let length = 0
  for await (const chunk of source as AsyncIterable<Buffer>) {
    let c = chunk
    while (length + c.length >= size) {
      const take = size - length
      held.push(c.subarray(0, take))
      yield Buffer.concat(held, size)
      held = []
      length = 0
      c = c.subarray(take)
    }
    if (c.length > 0) {
      held.push(c)
      length += c.length
    }
  }
  yield Buffer.concat(held, length)
}

/** One plugin's blobs under `<prefix>/<plugin id>/` of the bucket. */
export class S3BlobStore implements BlobStore {
  readonly description: string
  private readonly client: AwsClient
  private readonly base: string
  private readonly root: string

  constructor(private readonly location: S3Location, scope: string) {
    this.client = new AwsClient({
      accessKeyId: location.accessKeyId,
      secretAccessKey: location.secretAccessKey,
      sessionToken: location.sessionToken,
      service: 's3',
      region: location.region,
      retries: 2,
    })
    const endpoint = location.endpoint ?? `https://s3.${location.region}.amazonaws.com`
    this.base = location.pathStyle ? `${endpoint}/${location.bucket}` : endpoint.replace('://', `://${location.bucket}.`)
    this.root = [location.prefix, scope].filter(Boolean).join('/')
    // No credentials in the log.
    this.description = `s3://${location.bucket}/${this.root}${location.endpoint ? ` at ${location.endpoint}` : ''}`
  }

  private objectKey(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key "${key}"`)
    return `${this.root}/${key}`
  }

  private url(objectKey: string, query = ''): string {
    return `${this.base}/${objectKey.split('/').map(encodeURIComponent).join('/')}${query}`
  }

  private async call(operation: string, url: string, init: RequestInit & { ok?: number[] } = {}): Promise<Response> {
    const res = await this.client.fetch(url, init)
    if (!res.ok && !(init.ok ?? []).includes(res.status)) throw new S3Error(res.status, operation, await res.text().catch(() => ''))
    return res
  }

  /** Streams `source` into one object: a single PUT when it fits in a part, a multipart upload otherwise. */
  private async putObject(objectKey: string, source: Readable): Promise<number> {
    const iterator = parts(source, S3_PART_SIZE)
    const first = await iterator.next()
    const firstPart = first.value ?? Buffer.alloc(0)
    if (firstPart.length < S3_PART_SIZE) {
      await iterator.return(undefined)
      await this.call('PutObject', this.url(objectKey), { method: 'PUT', body: firstPart as unknown as BodyInit })
      return firstPart.length
    }
    const created = await this.call('CreateMultipartUpload', this.url(objectKey, '?uploads'), { method: 'POST' })
    const uploadId = xmlValues(await created.text(), 'UploadId')[0]
    if (!uploadId) throw new Error('S3 CreateMultipartUpload answered no UploadId')
    const etags: string[] = []
    let size = 0
    try {
      const send = async (part: Buffer) => {
        const res = await this.call('UploadPart', this.url(objectKey, `?partNumber=${etags.length + 1}&uploadId=${encodeURIComponent(uploadId)}`), { method: 'PUT', body: part as unknown as BodyInit })
        etags.push(res.headers.get('etag') ?? '')
        size += part.length
      }
      await send(firstPart)
      for await (const part of { [Symbol.asyncIterator]: () => iterator }) {
        if (part.length > 0 || etags.length === 0) await send(part)
      }
      await this.complete(objectKey, uploadId, etags)
      return size
    } catch (error) {
      await this.call('AbortMultipartUpload', this.url(objectKey, `?uploadId=${encodeURIComponent(uploadId)}`), { method: 'DELETE', ok: [404] }).catch(() => undefined)
      throw error
    }
  }

  private async complete(objectKey: string, uploadId: string, etags: string[]): Promise<void> {
    const body = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
    const res = await this.call('CompleteMultipartUpload', this.url(objectKey, `?uploadId=${encodeURIComponent(uploadId)}`), { method: 'POST', body })
    // S3 may answer 200 with an error document.
    const text = await res.text()
    if (/<Error>/.test(text)) throw new S3Error(500, 'CompleteMultipartUpload', text)
  }

  private newKey(prefix?: string): string {
    const id = randomUUID()
    return `${prefix ? `${prefix}/` : ''}${id.slice(0, 2)}/${id}`
  }

  async put(source: Readable, options: { prefix?: string } = {}): Promise<{ key: string; size: number }> {
    const key = this.newKey(options.prefix)
    // An object appears only when its upload completes (a failed multipart upload is aborted).
    const size = await this.putObject(this.objectKey(key), source)
    return { key, size }
  }

  get(key: string, range?: { start: number; end: number }): Readable {
    const url = this.url(this.objectKey(key))
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {}
    const call = this.call.bind(this)
    return Readable.from(
      (async function* () {
        const res = await call('GetObject', url, { headers })
        if (!res.body) return
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      })(),
      { objectMode: false },
    )
  }

  async size(key: string): Promise<number> {
    const res = await this.call('HeadObject', this.url(this.objectKey(key)), { method: 'HEAD' })
    return Number(res.headers.get('content-length'))
  }

  async delete(key: string): Promise<void> {
    await this.call('DeleteObject', this.url(this.objectKey(key)), { method: 'DELETE', ok: [404] })
  }

  // Resumable writes: each append is a piece object `<root>/.pending/<key>/<number>`.
  private pendingPrefix(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key "${key}"`)
    return `${this.root}/.pending/${key}/`
  }

  private async pieces(key: string): Promise<Array<{ objectKey: string; size: number }>> {
    const prefix = this.pendingPrefix(key)
    const out: Array<{ objectKey: string; size: number }> = []
    let token: string | undefined
    do {
      const query = `?list-type=2&prefix=${encodeURIComponent(prefix)}${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`
      const xml = await (await this.call('ListObjectsV2', `${this.base}${query}`)).text()
      const keys = xmlValues(xml, 'Key')
      const sizes = xmlValues(xml, 'Size').map(Number)
      keys.forEach((k, i) => out.push({ objectKey: k, size: sizes[i] ?? 0 }))
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xmlValues(xml, 'NextContinuationToken')[0] : undefined
    } while (token)
    return out.sort((a, b) => (a.objectKey < b.objectKey ? -1 : 1))
  }

  async begin(options: { prefix?: string } = {}): Promise<string> {
    return this.newKey(options.prefix)
  }

  async append(key: string, source: Readable, expectedSize: number): Promise<number> {
    const pieces = await this.pieces(key)
    let size = pieces.reduce((n, p) => n + p.size, 0)
    // Pieces past what the caller recorded (an append whose metadata never committed) go.
    while (size > expectedSize && pieces.length > 0) {
      const last = pieces.pop()!
      await this.call('DeleteObject', this.url(last.objectKey), { method: 'DELETE', ok: [404] })
      size -= last.size
    }
    if (size !== expectedSize) {
      source.resume()
      throw new Error(`pending blob ${key} holds ${size} bytes, not ${expectedSize}`)
    }
    const next = pieces.length === 0 ? 1 : Number(pieces[pieces.length - 1]!.objectKey.split('/').pop()) + 1
    const added = await this.putObject(`${this.pendingPrefix(key)}${String(next).padStart(8, '0')}`, source)
    return size + added
  }

  async pendingSize(key: string): Promise<number> {
    return (await this.pieces(key)).reduce((n, p) => n + p.size, 0)
  }

  readPending(key: string, start = 0): Readable {
    const self = this
    return Readable.from(
      (async function* () {
        let skip = start
        for (const piece of await self.pieces(key)) {
          if (skip >= piece.size) {
            skip -= piece.size
            continue
          }
          const res = await self.call('GetObject', self.url(piece.objectKey), { headers: skip > 0 ? { range: `bytes=${skip}-` } : {} })
          skip = 0
          if (!res.body) continue
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        }
      })(),
      { objectMode: false },
    )
  }

  async commit(key: string): Promise<void> {
    const pieces = await this.pieces(key)
    const target = this.objectKey(key)
    const source = (p: { objectKey: string }) => `/${this.location.bucket}/${p.objectKey.split('/').map(encodeURIComponent).join('/')}`
    if (pieces.length === 1) {
      await this.call('CopyObject', this.url(target), { method: 'PUT', headers: { 'x-amz-copy-source': source(pieces[0]!) } })
    } else if (pieces.length > 1 && pieces.slice(0, -1).every(p => p.size >= MIN_PART)) {
      // Server-side: every piece becomes a part by copy; nothing goes through this process.
      const created = await this.call('CreateMultipartUpload', this.url(target, '?uploads'), { method: 'POST' })
      const uploadId = xmlValues(await created.text(), 'UploadId')[0]!
      try {
        const etags: string[] = []
        for (const piece of pieces) {
          const res = await this.call('UploadPartCopy', this.url(target, `?partNumber=${etags.length + 1}&uploadId=${encodeURIComponent(uploadId)}`), {
            method: 'PUT',
            headers: { 'x-amz-copy-source': source(piece) },
          })
          etags.push(xmlValues(await res.text(), 'ETag')[0] ?? '')
        }
        await this.complete(target, uploadId, etags)
      } catch (error) {
        await this.call('AbortMultipartUpload', this.url(target, `?uploadId=${encodeURIComponent(uploadId)}`), { method: 'DELETE', ok: [404] }).catch(() => undefined)
        // A store without UploadPartCopy (some S3 look-alikes): the pieces are streamed into the object instead.
        if (!(error instanceof S3Error && error.status === 501)) throw error
        await this.putObject(target, this.readPending(key))
      }
    } else {
      // Pieces smaller than S3's 5 MiB part minimum cannot be joined by copy: they are streamed into the object.
      await this.putObject(target, this.readPending(key))
    }
    await this.abort(key)
  }

  async abort(key: string): Promise<void> {
    for (const piece of await this.pieces(key)) await this.call('DeleteObject', this.url(piece.objectKey), { method: 'DELETE', ok: [404] })
  }
}
