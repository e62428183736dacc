// File contents in search (issue 10): text, HTML, PDF and office documents extracted in a background job,
// found by words inside them only by the people who may read the file, gone with the trash, limits kept.
import { Readable } from 'node:stream'
import { expect } from 'chai'
import { strToU8, zipSync } from 'fflate'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { extractText } from '../src/extract.js'
import { filesPlugin } from '../src/index.js'
import { folder, upload } from './helpers.js'

/** A minimal valid PDF with one page of text (Helvetica), written by hand; `encrypt` adds a Standard security handler. */
function pdf(text: string, options: { encrypt?: boolean } = {}): Buffer {
  const content = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  if (options.encrypt) objects.push(`<< /Filter /Standard /V 1 /R 2 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> /P -4 >>`)
  let out = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((o, i) => {
    offsets.push(out.length)
    out += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map(o => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  const encrypt = options.encrypt ? ` /Encrypt 6 0 R /ID [<${'11'.repeat(16)}><${'11'.repeat(16)}>]` : ''
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${encrypt} >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

const zip = (files: Record<string, string>) => Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))))

const docx = (text: string) =>
  zip({
    '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    'word/document.xml': `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p><w:p><w:r><w:t>tweede&amp;alinea</w:t></w:r></w:p></w:body></w:document>`,
  })

const odt = (text: string) =>
  zip({
    mimetype: 'application/vnd.oasis.opendocument.text',
    'content.xml': `<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>${text}</text:p></office:text></office:body></office:document-content>`,
  })

const xlsx = (text: string) =>
  zip({
    'xl/sharedStrings.xml': `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>${text}</t></si></sst>`,
    'xl/worksheets/sheet1.xml': '<?xml version="1.0"?><worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>4242</v></c></row></sheetData></worksheet>',
  })

const pptx = (text: string) => zip({ 'ppt/slides/slide1.xml': `<?xml version="1.0"?><p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>${text}</a:t></a:r></a:p></p:sld>` })

describe('files: contents in search', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let alice: SignedUp
  let bob: SignedUp
  let carol: SignedUp
  let anonymous: TestClient

  const found = async (client: TestClient, q: string) => {
    const res = await client.get(`/api/v1/search?q=${encodeURIComponent(q)}`)
    expect(res.status, res.text).to.equal(200)
    return res.body.items.map((i: any) => i.id) as string[]
  }
  const extracts = async (id: string) => (await tk.kernel.db.query('SELECT status, reason, version FROM files_text WHERE entity_id = $1', [id]))[0]

  before(async function () {
    this.timeout(180_000)
    tk = await createTestKernel({ plugins: [filesPlugin, groupsPlugin, searchPlugin], settings: { files: { indexMaxInputBytes: 4096 } } })
    alice = await tk.signUp({ name: 'Alice Archivaris' })
    bob = await tk.signUp({ name: 'Bob Beleid' })
    carol = await tk.signUp({ name: 'Carol Communicatie' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  it('finds text, Markdown, CSV, HTML (visible text only), PDF, docx, xlsx, pptx and odt files by words inside them, once the job ran', async () => {
    const f = await folder(alice.client, { name: 'Soorten' })
    const files = {
      txt: await upload(alice.client, f.id, 'a.txt', 'Notities over de watertoren'),
      md: await upload(alice.client, f.id, 'b.md', '# Kop\n\nHet **kanaalbestuur** vergadert'),
      csv: await upload(alice.client, f.id, 'c.csv', 'naam,plaats\nbrugwachter,Zwolle\n'),
      html: await upload(alice.client, f.id, 'd.html', '<!doctype html><html><head><style>.scriptstijl{}</style><script>var verborgenscript = 1</script></head><body><p class="klasnaam">Zichtbare&nbsp;sluiswachter</p></body></html>'),
      pdf: await upload(alice.client, f.id, 'e.pdf', pdf('Rapport over de zeppelinhaven')),
      docx: await upload(alice.client, f.id, 'f.docx', docx('Beleidsnota fietsenstalling')),
      xlsx: await upload(alice.client, f.id, 'g.xlsx', xlsx('Begroting dijkversterking')),
      pptx: await upload(alice.client, f.id, 'h.pptx', pptx('Presentatie windmolenpark')),
      odt: await upload(alice.client, f.id, 'i.odt', odt('Verslag heidebeheer')),
    }
    expect(files.pdf.mime).to.equal('application/pdf')
    expect(files.docx.mime).to.match(/wordprocessingml/)
    await tk.kernel.jobs.drain()
    const words: Record<keyof typeof files, string> = {
      txt: 'watertoren',
      md: 'kanaalbestuur',
      csv: 'brugwachter',
      html: 'sluiswachter',
      pdf: 'zeppelinhaven',
      docx: 'fietsenstalling',
      xlsx: 'dijkversterking',
      pptx: 'windmolenpark',
      odt: 'heidebeheer',
    }
    for (const [kind, word] of Object.entries(words)) {
      expect(await found(alice.client, word), `${kind}: ${word}`).to.deep.equal([(files as any)[kind].id])
      expect((await extracts((files as any)[kind].id)).status, kind).to.equal('done')
    }
    // Words run together across paragraphs stay apart; markup, scripts and styles are not text.
    expect(await found(alice.client, 'alinea')).to.deep.equal([files.docx.id])
    for (const hidden of ['verborgenscript', 'scriptstijl', 'klasnaam']) expect(await found(alice.client, hidden), hidden).to.deep.equal([])
    // Stemming applies to contents as to any body text; the snippet comes from the contents.
    const res = await alice.client.get('/api/v1/search?q=zeppelinhaven')
    expect(res.body.items[0].snippet).to.contain('<mark>zeppelinhaven</mark>')
  })

  it('a person without access never finds a file by a word in its contents; a reader it is shared with does', async () => {
    const group = (await alice.client.post('/api/v1/groups', { name: 'Team Inhoud', membership: 'closed' })).body
    const priv = await folder(alice.client, { name: 'Privé inhoud' })
    const shared = await folder(alice.client, { name: 'Voor Bob inhoud', access: { read: [`user:${bob.user.id}`] } })
    const groupFolder = await folder(alice.client, { name: 'Groep inhoud', containerId: group.id, access: { read: [`group:${group.id}`], write: [`group:${group.id}`] } })
    const a = await upload(alice.client, priv.id, 'nota.pdf', pdf('vertrouwelijk kwakzalverij'))
    const b = await upload(alice.client, shared.id, 'memo.docx', docx('gedeeld kwakzalverij'))
    const c = await upload(alice.client, groupFolder.id, 'plan.odt', odt('groepsplan kwakzalverij'))
    await tk.kernel.jobs.drain()
    expect((await found(alice.client, 'kwakzalverij')).sort()).to.deep.equal([a.id, b.id, c.id].sort())
    expect(await found(bob.client, 'kwakzalverij')).to.deep.equal([b.id])
    expect(await found(bob.client, 'vertrouwelijk')).to.deep.equal([])
    expect(await found(carol.client, 'kwakzalverij')).to.deep.equal([])
    expect(await found(anonymous, 'kwakzalverij')).to.deep.equal([])
    // Sharing changes take effect at once (the index holds no copy of access).
    const patched = await alice.client.patch(`/api/v1/files/${a.id}`, { access: { read: [`user:${carol.user.id}`] } })
    expect(patched.status, patched.text).to.equal(200)
    await tk.kernel.jobs.drain()
    expect(await found(carol.client, 'vertrouwelijk')).to.deep.equal([a.id])
    expect(await found(bob.client, 'vertrouwelijk')).to.deep.equal([])
  })

  it('a new version replaces the text, restoring an old version brings its text back, and the trash hides it from everyone', async () => {
    const f = await folder(alice.client, { name: 'Versies', access: { read: [`user:${bob.user.id}`] } })
    const file = await upload(alice.client, f.id, 'brief.txt', 'eerste versie over de ooievaar')
    await tk.kernel.jobs.drain()
    expect(await found(bob.client, 'ooievaar')).to.deep.equal([file.id])
    await upload(alice.client, f.id, 'brief.txt', 'tweede versie over de reiger')
    // Between commit and extraction the old text is not shown for the new version.
    expect(await found(bob.client, 'ooievaar')).to.deep.equal([])
    await tk.kernel.jobs.drain()
    expect(await found(bob.client, 'reiger')).to.deep.equal([file.id])
    expect((await extracts(file.id)).version).to.equal(2)
    const restored = await alice.client.post(`/api/v1/files/${file.id}/versions/1/restore`)
    expect(restored.status, restored.text).to.equal(200)
    await tk.kernel.jobs.drain()
    expect(await found(bob.client, 'ooievaar')).to.deep.equal([file.id])
    expect(await found(bob.client, 'reiger')).to.deep.equal([])

    expect((await alice.client.delete(`/api/v1/files/${file.id}`)).status).to.equal(204)
    await tk.kernel.jobs.drain()
    for (const who of [alice.client, bob.client]) {
      expect(await found(who, 'ooievaar')).to.deep.equal([])
      expect(await found(who, 'brief')).to.deep.equal([])
    }
    expect((await alice.client.post(`/api/v1/files/${file.id}/restore`)).status).to.equal(200)
    await tk.kernel.jobs.drain()
    expect(await found(bob.client, 'ooievaar')).to.deep.equal([file.id])
  })

  it('a folder in the trash takes the files inside out of search for everyone, and restoring it brings them back', async () => {
    const top = await folder(alice.client, { name: 'Archiefmap', access: { read: [`user:${bob.user.id}`] } })
    const inner = (await alice.client.post('/api/v1/folders', { name: 'Binnenmap', parentId: top.id })).body
    const file = await upload(alice.client, inner.id, 'diep.docx', docx('kievitsbloem'))
    await tk.kernel.jobs.drain()
    expect(await found(bob.client, 'kievitsbloem')).to.deep.equal([file.id])
    expect((await alice.client.delete(`/api/v1/folders/${top.id}`)).status).to.equal(204)
    await tk.kernel.jobs.drain()
    for (const who of [alice.client, bob.client]) {
      expect(await found(who, 'kievitsbloem')).to.deep.equal([])
      expect(await found(who, 'binnenmap')).to.deep.equal([])
    }
    expect((await alice.client.post(`/api/v1/files/${top.id}/restore`)).status).to.equal(200)
    await tk.kernel.jobs.drain()
    expect(await found(bob.client, 'kievitsbloem')).to.deep.equal([file.id])
    expect(await found(bob.client, 'binnenmap')).to.deep.equal([inner.id])
  })

  it('files stored before extraction existed get their text from the hourly files.extractBackfill job', async () => {
    const f = await folder(alice.client, { name: 'Oud' })
    const file = await upload(alice.client, f.id, 'stormmeeuw.odt', odt('Verslag uit het archief: lepelaarsbroed'))
    await tk.kernel.jobs.drain()
    // As if the file predates this feature: no extract, and indexed by its name only.
    await tk.kernel.db.query('DELETE FROM files_text WHERE entity_id = $1', [file.id])
    await tk.kernel.db.query(`UPDATE entity SET search_vector = NULL WHERE id = $1`, [file.id])
    await tk.kernel.db.query(`UPDATE kernel_job_schedule SET next_run_at = now() - interval '1 second' WHERE name = 'search.backfill'`)
    await tk.kernel.jobs.drain()
    expect(await found(alice.client, 'stormmeeuw')).to.deep.equal([file.id])
    expect(await found(alice.client, 'lepelaarsbroed')).to.deep.equal([])
    await tk.kernel.db.query(`UPDATE kernel_job_schedule SET next_run_at = now() - interval '1 second' WHERE name = 'files.extractBackfill'`)
    await tk.kernel.jobs.drain()
    expect(await found(alice.client, 'lepelaarsbroed')).to.deep.equal([file.id])
  })

  it('a damaged or encrypted PDF and a file over the size limit are found by name only; the job does not fail', async () => {
    const f = await folder(alice.client, { name: 'Kapot' })
    const broken = await upload(alice.client, f.id, 'kapotrapport.pdf', Buffer.from('%PDF-1.4\nhier staat geen echte pdf in, alleen woorden zoals stormvloed\n'))
    const locked = await upload(alice.client, f.id, 'slotrapport.pdf', pdf('geheimschrift', { encrypt: true }))
    const big = await upload(alice.client, f.id, 'grootrapport.txt', `vuurtoren ${'x'.repeat(5000)}`)
    await tk.kernel.jobs.drain()
    expect(await found(alice.client, 'kapotrapport')).to.deep.equal([broken.id])
    expect(await found(alice.client, 'stormvloed')).to.deep.equal([])
    expect(await found(alice.client, 'slotrapport')).to.deep.equal([locked.id])
    expect(await found(alice.client, 'geheimschrift')).to.deep.equal([])
    expect(await found(alice.client, 'grootrapport')).to.deep.equal([big.id])
    expect(await found(alice.client, 'vuurtoren')).to.deep.equal([])
    expect(await extracts(broken.id)).to.include({ status: 'failed' })
    expect((await extracts(locked.id)).reason).to.match(/password/i)
    expect(await extracts(big.id)).to.include({ status: 'skipped' })
    const jobs: Array<{ status: string }> = await tk.kernel.db.query(`SELECT status FROM kernel_job WHERE name = 'files.extract'`)
    expect(jobs.length).to.be.greaterThan(0)
    expect(jobs.filter(j => j.status !== 'done')).to.deep.equal([])
  })

  it('a site with indexContents off keeps no text of its files, only their names', async () => {
    const off = await createTestKernel({ plugins: [filesPlugin, searchPlugin], settings: { files: { indexContents: false } } })
    try {
      const dora = await off.signUp({ name: 'Dora Dossier' })
      const f = await folder(dora.client, { name: 'Geen inhoud' })
      const file = await upload(dora.client, f.id, 'notulen.txt', 'besproken: de zandsuppletie')
      await off.kernel.jobs.drain()
      const search = async (q: string) => (await dora.client.get(`/api/v1/search?q=${q}`)).body.items.map((i: any) => i.id)
      expect(await search('notulen')).to.deep.equal([file.id])
      expect(await search('zandsuppletie')).to.deep.equal([])
      expect(await off.kernel.db.query('SELECT * FROM files_text')).to.deep.equal([])
      expect(await off.kernel.db.query('SELECT * FROM search_text WHERE body <> $1', [''])).to.deep.equal([])
      // Text kept from before the setting was turned off is removed by the hourly files.forgetText job.
      await off.kernel.db.query(`INSERT INTO files_text (entity_id, site_id, version, status, text) SELECT id, site_id, 1, 'done', 'oude tekst' FROM entity WHERE id = $1`, [file.id])
      await off.kernel.db.query(`UPDATE kernel_job_schedule SET next_run_at = now() - interval '1 second' WHERE name = 'files.forgetText'`)
      await off.kernel.jobs.drain()
      expect(await off.kernel.db.query('SELECT * FROM files_text')).to.deep.equal([])
    } finally {
      await off.close()
    }
  })
})

describe('files: text extraction limits', function () {
  this.timeout(30_000)
  const limits = { maxInputBytes: 1_000_000, maxChars: 1_000_000, timeoutMs: 20_000 }
  const from = (b: Buffer) => async () => Readable.from([b])

  it('stops a parse that takes longer than the time limit (the worker is ended) and answers failed', async () => {
    const file = pdf('traag')
    const result = await extractText(from(file), 'application/pdf', file.length, { ...limits, timeoutMs: 1 })
    expect(result).to.include({ status: 'failed' })
    expect((result as { reason: string }).reason).to.match(/longer than 1 ms/)
    // The same file within the limit is read.
    expect(await extractText(from(file), 'application/pdf', file.length, limits)).to.deep.equal({ status: 'done', text: 'traag' })
  })

  it('keeps at most maxChars characters, and reads no more of a file than its declared size allows', async () => {
    const text = Buffer.from('woord '.repeat(1000))
    const kept = await extractText(from(text), 'text/plain', text.length, { ...limits, maxChars: 100 })
    expect(kept.status).to.equal('done')
    expect(kept.text.length).to.equal(100)
    // A stream longer than the input limit (the size said otherwise) is not read to its end.
    const result = await extractText(from(Buffer.alloc(5000, 0x61)), 'application/pdf', 10, { ...limits, maxInputBytes: 1000 })
    expect(result.status).to.equal('skipped')
  })

  it('skips types it has no text for', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47])
    expect(await extractText(from(png), 'image/png', png.length, limits)).to.include({ status: 'skipped' })
  })
})
