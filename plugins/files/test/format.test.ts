// The encrypted format's streams against a plain reference, for any size, any chunking of the input and any
// range: the bytes on disk do not depend on how the upload arrived, and every range reads back exactly.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { expect } from 'chai'
import fc from 'fast-check'
import { DecryptStream, EncryptStream, header, HEADER_LENGTH, IntegrityError, sealSegment, storedRange } from '../src/crypto/format.js'

const SEG = 1024 // the smallest segment size the format allows: many segments from small inputs

/** The format written out by hand: header, then each segment sealed, the last one flagged. */
function reference(key: Buffer, id: string, version: number, plain: Buffer): Buffer {
  const idBytes = Buffer.from(id.replace(/-/g, ''), 'hex')
  const count = Math.max(1, Math.ceil(plain.length / SEG))
  const parts = [header(SEG)]
  for (let i = 0; i < count; i++) parts.push(sealSegment(key, idBytes, version, i, i === count - 1, plain.subarray(i * SEG, (i + 1) * SEG)))
  return Buffer.concat(parts)
}

function chunked(data: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map(c => c % (data.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const c of [...at, data.length]) {
    if (c > prev) out.push(data.subarray(prev, c))
    prev = Math.max(prev, c)
  }
  return out
}

async function run(stream: NodeJS.ReadWriteStream, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = []
  await pipeline(Readable.from(chunks), stream, new Writable({ write(c, _e, done) { out.push(c); done() } }))
  return Buffer.concat(out)
}

describe('files format', () => {
  it('EncryptStream writes exactly the reference bytes, however the plaintext is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 6 * SEG + 3 }), fc.array(fc.nat(), { maxLength: 12 }), async (size, cuts) => {
        const key = randomBytes(32)
        const id = randomUUID()
        const plain = randomBytes(size)
        const enc = new EncryptStream(key, id, 3, SEG)
        const out = await run(enc, chunked(plain, cuts))
        expect(out.equals(reference(key, id, 3, plain))).to.equal(true)
        expect(enc.size).to.equal(size)
        expect(enc.sha256).to.equal(createHash('sha256').update(plain).digest('hex'))
      }),
      { numRuns: 150 },
    )
  })

  it('DecryptStream gives back exactly any range, however the stored bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 * SEG + 3 }), fc.nat(), fc.nat(), fc.array(fc.nat(), { maxLength: 12 }), async (size, a, b, cuts) => {
        const key = randomBytes(32)
        const id = randomUUID()
        const plain = randomBytes(size)
        const stored = reference(key, id, 1, plain)
        const [start, end] = [a % size, b % size].sort((x, y) => x - y) as [number, number]
        const range = storedRange(size, start, end, SEG)
        const slice = stored.subarray(range.start, range.end + 1)
        const out = await run(new DecryptStream(key, id, 1, size, start, end, SEG), chunked(slice, cuts))
        expect(out.equals(plain.subarray(start, end + 1))).to.equal(true)
      }),
      { numRuns: 150 },
    )
  })

  it('an empty file is one empty final segment', async () => {
    const key = randomBytes(32)
    const id = randomUUID()
    const out = await run(new EncryptStream(key, id, 1, SEG), [])
    expect(out.length).to.equal(HEADER_LENGTH + 16)
    expect((await run(new DecryptStream(key, id, 1, 0, 0, 0, SEG), [out.subarray(HEADER_LENGTH)])).length).to.equal(0)
  })

  it('rejects a segment sealed for another file, version or place, and a file cut short', async () => {
    const key = randomBytes(32)
    const id = randomUUID()
    const plain = randomBytes(3 * SEG)
    const stored = reference(key, id, 1, plain)
    const body = stored.subarray(HEADER_LENGTH)
    const fails = (p: Promise<unknown>) =>
      p.then(
        () => expect.fail('should not decrypt'),
        e => expect(e).to.be.instanceOf(IntegrityError),
      )
    await fails(run(new DecryptStream(key, randomUUID(), 1, plain.length, 0, plain.length - 1, SEG), [body]))
    await fails(run(new DecryptStream(key, id, 2, plain.length, 0, plain.length - 1, SEG), [body]))
    await fails(run(new DecryptStream(randomBytes(32), id, 1, plain.length, 0, plain.length - 1, SEG), [body]))
    await fails(run(new DecryptStream(key, id, 1, plain.length, 0, plain.length - 1, SEG), [body.subarray(0, body.length - 10)]))
    // The first two segments alone, read as if they were the whole (shorter) file: the last flag does not match.
    await fails(run(new DecryptStream(key, id, 1, 2 * SEG, 0, 2 * SEG - 1, SEG), [body.subarray(0, 2 * (SEG + 16))]))
  })
})
