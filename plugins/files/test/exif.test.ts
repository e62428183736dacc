// Metadata stripping of uploaded images: small JPEG and PNG files built here byte by byte, with GPS data in
// Exif, XMP, IPTC, comments and PNG text chunks; after upload the location is gone, the image structure (every
// other marker or chunk, the image data, the PNG CRCs) is intact and a JPEG keeps its orientation.
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { crc32 } from 'node:zlib'
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { exifOrientation, StripMetadata } from '../src/exif.js'
import { folder, raw, tokenOf, upload } from './helpers.js'

const GPS = 'GPS 52.0907N 5.1214E'

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt16BE(0xff00 | marker, 0)
  head.writeUInt16BE(payload.length + 2, 2)
  return Buffer.concat([head, payload])
}

/** Exif APP1 payload (big-endian TIFF): IFD0 with Orientation and a GPS IFD pointer, a GPS IFD with text. */
function exifPayload(orientation: number): Buffer {
  const gpsText = Buffer.from(`${GPS}\0`)
  const tiff = Buffer.alloc(8 + 2 + 2 * 12 + 4 + 2 + 12 + 4 + gpsText.length)
  tiff.write('MM', 0, 'latin1')
  tiff.writeUInt16BE(42, 2)
  tiff.writeUInt32BE(8, 4)
  tiff.writeUInt16BE(2, 8)
  // Orientation (SHORT)
  tiff.writeUInt16BE(0x0112, 10)
  tiff.writeUInt16BE(3, 12)
  tiff.writeUInt32BE(1, 14)
  tiff.writeUInt16BE(orientation, 18)
  // GPS IFD pointer (LONG)
  const gpsIfd = 8 + 2 + 24 + 4
  tiff.writeUInt16BE(0x8825, 22)
  tiff.writeUInt16BE(4, 24)
  tiff.writeUInt32BE(1, 26)
  tiff.writeUInt32BE(gpsIfd, 30)
  tiff.writeUInt32BE(0, 34)
  // GPS IFD: one ASCII entry pointing at the text.
  tiff.writeUInt16BE(1, gpsIfd)
  tiff.writeUInt16BE(0x001b, gpsIfd + 2) // GPSProcessingMethod
  tiff.writeUInt16BE(2, gpsIfd + 4)
  tiff.writeUInt32BE(gpsText.length, gpsIfd + 6)
  tiff.writeUInt32BE(gpsIfd + 2 + 12 + 4, gpsIfd + 10)
  tiff.writeUInt32BE(0, gpsIfd + 14)
  gpsText.copy(tiff, gpsIfd + 18)
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
}

/** A structurally complete baseline JPEG with metadata everywhere it is usually found. */
function jpeg(orientation = 6): { bytes: Buffer; scan: Buffer } {
  const scan = Buffer.from([0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78, 0x9a, 0xbc]) // entropy data with a stuffed byte and a restart marker
  const bytes = Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xe1, exifPayload(orientation)),
    segment(0xe1, Buffer.from(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>${GPS}</exif:GPSLatitude></x:xmpmeta>`, 'latin1')),
    segment(0xe2, Buffer.from('ICC_PROFILE\0\x01\x01colour data', 'latin1')),
    segment(0xed, Buffer.from(`Photoshop 3.0\0 8BIM IPTC ${GPS}`, 'latin1')),
    segment(0xfe, Buffer.from(`made at ${GPS}`, 'latin1')),
    segment(0xdb, Buffer.alloc(65, 1)),
    segment(0xc0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])),
    segment(0xc4, Buffer.alloc(20, 2)),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    scan,
    Buffer.from([0xff, 0xd9]),
  ])
  return { bytes, scan }
}

/** The markers of a JPEG up to the scan, each with its payload; throws on a broken structure. */
function markers(b: Buffer): Array<{ marker: number; payload: Buffer }> {
  expect(b.subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), 'SOI first').to.equal(true)
  expect(b.subarray(-2).equals(Buffer.from([0xff, 0xd9])), 'EOI last').to.equal(true)
  const out: Array<{ marker: number; payload: Buffer }> = []
  let at = 2
  for (;;) {
    expect(b[at], `a marker at ${at}`).to.equal(0xff)
    const marker = b[at + 1]!
    const length = b.readUInt16BE(at + 2)
    out.push({ marker, payload: b.subarray(at + 4, at + 2 + length) })
    at += 2 + length
    if (marker === 0xda) return out
  }
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

function png(): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(1, 0)
  ihdr.writeUInt32BE(1, 4)
  ihdr[8] = 8
  ihdr[9] = 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('tEXt', Buffer.from(`Location\0${GPS}`, 'latin1')),
    chunk('eXIf', exifPayload(3).subarray(6)),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])),
    chunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0<x>${GPS}</x>`, 'latin1')),
    chunk('zTXt', Buffer.from('Comment\0\0xyz', 'latin1')),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** Chunks of a PNG, each CRC checked. */
function chunks(b: Buffer): string[] {
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).to.equal(true)
  const out: string[] = []
  let at = 8
  while (at < b.length) {
    const length = b.readUInt32BE(at)
    const type = b.toString('latin1', at + 4, at + 8)
    expect(b.readUInt32BE(at + 8 + length), `CRC of ${type}`).to.equal(crc32(b.subarray(at + 4, at + 8 + length)))
    out.push(type)
    at += 12 + length
  }
  expect(at).to.equal(b.length)
  return out
}

async function strip(input: Buffer, pieces = 1, enabled = true): Promise<Buffer> {
  const parts: Buffer[] = []
  const size = Math.ceil(input.length / pieces)
  for (let i = 0; i < input.length; i += size) parts.push(input.subarray(i, i + size))
  const out: Buffer[] = []
  for await (const c of Readable.from(parts).pipe(new StripMetadata(enabled))) out.push(c as Buffer)
  return Buffer.concat(out)
}

describe('files: image metadata stripping', function () {
  this.timeout(60_000)

  describe('the stream', () => {
    it('takes Exif, XMP, IPTC and comments out of a JPEG and keeps everything else, in one piece or byte by byte', async () => {
      const { bytes, scan } = jpeg(6)
      expect(bytes.includes(GPS)).to.equal(true)
      for (const pieces of [1, 3, 17, bytes.length]) {
        const out = await strip(bytes, pieces)
        expect(out.includes(GPS), `pieces: ${pieces}`).to.equal(false)
        expect(out.includes('xmpmeta')).to.equal(false)
        const kept = markers(out)
        expect(kept.map(m => m.marker.toString(16))).to.deep.equal(['e0', 'e1', 'e2', 'db', 'c0', 'c4', 'da'])
        // The one APP1 left is a minimal Exif block with the orientation and nothing else.
        expect(exifOrientation(kept[1]!.payload)).to.equal(6)
        expect(kept[1]!.payload.length).to.equal(32)
        const original = markers(bytes)
        for (const m of ['e0', 'e2', 'db', 'c0', 'c4', 'da']) {
          expect(kept.find(k => k.marker.toString(16) === m)!.payload.equals(original.find(o => o.marker.toString(16) === m)!.payload)).to.equal(true)
        }
        // The entropy-coded data and EOI are byte for byte the same.
        expect(out.subarray(-(scan.length + 2)).equals(bytes.subarray(-(scan.length + 2)))).to.equal(true)
      }
      // Orientation 1 (or none) needs no Exif at all.
      expect(markers(await strip(jpeg(1).bytes)).map(m => m.marker)).to.not.include(0xe1)
    })

    it('takes text and eXIf chunks out of a PNG; the rest keeps its CRCs', async () => {
      const input = png()
      expect(chunks(input)).to.deep.equal(['IHDR', 'tEXt', 'eXIf', 'IDAT', 'iTXt', 'zTXt', 'IEND'])
      for (const pieces of [1, 5, input.length]) {
        const out = await strip(input, pieces)
        expect(chunks(out)).to.deep.equal(['IHDR', 'IDAT', 'IEND'])
        expect(out.includes(GPS)).to.equal(false)
      }
    })

    it('leaves other content, broken images and (when off) images alone', async () => {
      const text = Buffer.from(`just text with ${GPS}`)
      expect((await strip(text, 4)).equals(text)).to.equal(true)
      expect((await strip(Buffer.from([0xff, 0xd8]))).equals(Buffer.from([0xff, 0xd8]))).to.equal(true)
      const cut = jpeg().bytes.subarray(0, 40)
      const out = await strip(cut, 7)
      expect(out.length).to.be.at.most(cut.length)
      const { bytes } = jpeg()
      expect((await strip(bytes, 3, false)).equals(bytes)).to.equal(true)
    })
  })

  describe('on upload', () => {
    let tk: TestKernel
    let alice: SignedUp
    let token: string
    before(async function () {
      this.timeout(180_000)
      tk = await createTestKernel({ plugins: [filesPlugin] })
      alice = await tk.signUp({ name: 'Alice Foto' })
      token = await tokenOf(alice)
    })
    after(() => tk?.close())

    it('a JPEG and a PNG are stored without their location (PUT), hash and size of what is stored', async () => {
      const f = await folder(alice.client, { name: 'Foto’s' })
      for (const [name, bytes] of [['vakantie.jpg', jpeg(8).bytes], ['kaart.png', png()]] as const) {
        const file = await upload(alice.client, f.id, name, bytes)
        const content = (await raw(tk.url, `/api/v1/files/${file.id}/content`, { token })).body
        expect(content.includes(GPS)).to.equal(false)
        expect(content.length).to.be.below(bytes.length)
        expect(file.size).to.equal(content.length)
        expect(file.sha256).to.equal(createHash('sha256').update(content).digest('hex'))
        if (name.endsWith('.jpg')) {
          expect(file.mime).to.equal('image/jpeg')
          expect(exifOrientation(markers(content)[1]!.payload)).to.equal(8)
        } else {
          expect(chunks(content)).to.deep.equal(['IHDR', 'IDAT', 'IEND'])
        }
      }
    })

    it('a resumable upload cut in the middle of the Exif block is stripped the same', async () => {
      const f = await folder(alice.client, { name: 'Stukjes' })
      const { bytes } = jpeg(6)
      const headers = { 'tus-resumable': '1.0.0' }
      const created = await raw(tk.url, '/api/v1/uploads', {
        method: 'POST',
        token,
        headers: { ...headers, 'upload-length': String(bytes.length), 'upload-metadata': `filename ${Buffer.from('foto.jpg').toString('base64')},folder ${Buffer.from(f.id).toString('base64')}` },
      })
      expect(created.status).to.equal(201)
      let offset = 0
      let last
      for (const cut of [30, 70, 200, bytes.length]) {
        last = await raw(tk.url, String(created.headers.location), {
          method: 'PATCH',
          token,
          body: bytes.subarray(offset, cut),
          headers: { ...headers, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
        })
        expect(last.status).to.equal(204)
        offset = cut
      }
      const id = String(last!.headers.location).split('/').pop()
      const content = (await raw(tk.url, `/api/v1/files/${id}/content`, { token })).body
      expect(content.equals(await strip(bytes))).to.equal(true)
    })
  })
})
