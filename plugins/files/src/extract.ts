// The searchable text of a stored file: plain text, HTML (tags stripped), PDF (unpdf, pure JS) and office
// documents (docx/xlsx/pptx and ODF: zip files of XML, unzipped with fflate, text nodes pulled out). Everything
// but plain text is parsed in a worker thread: a heavy PDF cannot stall requests, and a time-out really stops it.
import type { Readable } from 'node:stream'
import { Worker } from 'node:worker_threads'
import { unzipSync } from 'fflate'

export interface ExtractLimits {
  /** Files larger than this are not read (only their name is indexed). */
  maxInputBytes: number
  /** At most this many characters of text are kept. */
  maxChars: number
  /** Extraction that takes longer is given up (the worker is stopped). */
  timeoutMs: number
}

export type Extracted = { status: 'done'; text: string } | { status: 'skipped' | 'failed'; text: ''; reason: string }

const TEXT = /^(text\/(plain|markdown|csv)|application\/(json|xml))$/
const HTML = /^(text\/html|application\/xhtml\+xml)$/
const OOXML = /^application\/vnd\.openxmlformats-officedocument\.(wordprocessingml\.document|spreadsheetml\.sheet|presentationml\.presentation)$/
const ODF = /^application\/vnd\.oasis\.opendocument\.(text|spreadsheet|presentation)$/

/** Whether text can be got out of this type at all. */
export const extractable = (mime: string) => TEXT.test(mime) || HTML.test(mime) || mime === 'application/pdf' || OOXML.test(mime) || ODF.test(mime)

/** Reads at most `max` bytes: when the stream holds more, undefined, or with `truncate` its first `max` bytes. */
async function readUpTo(stream: Readable, max: number, truncate = false): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += (chunk as Buffer).length
    chunks.push(chunk as Buffer)
    if (size > max) {
      stream.destroy()
      return truncate ? Buffer.concat(chunks).subarray(0, max) : undefined
    }
  }
  return Buffer.concat(chunks)
}

/** Never throws: a damaged, encrypted or odd file answers `failed` with the reason. */
export async function extractText(open: () => Promise<Readable>, mime: string, size: number, limits: ExtractLimits): Promise<Extracted> {
  if (!extractable(mime)) return { status: 'skipped', text: '', reason: `no text in ${mime}` }
  if (size > limits.maxInputBytes) return { status: 'skipped', text: '', reason: `larger than ${limits.maxInputBytes} bytes` }
  try {
    // Plain text needs only as many bytes as characters are kept (UTF-8: at most four per character).
    const bytes = TEXT.test(mime) ? await readUpTo(await open(), limits.maxChars * 4, true) : await readUpTo(await open(), limits.maxInputBytes)
    if (!bytes) return { status: 'skipped', text: '', reason: `larger than ${limits.maxInputBytes} bytes` }
    const text = TEXT.test(mime) ? bytes.toString('utf8') : await inWorker(bytes, mime, limits)
    // PostgreSQL text holds no NUL; runs of white space carry nothing for search.
    return { status: 'done', text: text.replace(/\u0000/g, ' ').replace(/[ \t\r\f\v]+/g, ' ').replace(/\n\s*\n+/g, '\n').trim().slice(0, limits.maxChars) }
  } catch (error) {
    return { status: 'failed', text: '', reason: String((error as Error)?.message ?? error).slice(0, 500) }
  }
}

/** Parses in a worker thread (its own heap, stopped at the time-out); under tsx (sources) the worker loads tsx first. */
function inWorker(bytes: Buffer, mime: string, limits: ExtractLimits): Promise<string> {
  const url = new URL(`./extract-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url)
  const workerData = { bytes, mime, maxInputBytes: limits.maxInputBytes }
  const options = { workerData, resourceLimits: { maxOldGenerationSizeMb: 512 } }
  const worker = url.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then(api => { api.register(); return import(${JSON.stringify(url.href)}) })`, { ...options, eval: true })
    : new Worker(url, options)
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`extraction took longer than ${limits.timeoutMs} ms`))
      void worker.terminate()
    }, limits.timeoutMs)
    worker.once('message', (answer: { text?: string; error?: string }) => {
      clearTimeout(timer)
      void worker.terminate()
      if (answer.error !== undefined) reject(new Error(answer.error))
      else resolve(answer.text ?? '')
    })
    worker.once('error', error => {
      clearTimeout(timer)
      reject(error)
    })
    worker.once('exit', code => {
      clearTimeout(timer)
      reject(new Error(`the extraction worker stopped (exit code ${code})`))
    })
  })
}

/** In the worker: the text of an HTML page, a PDF or an office document. */
export async function parse(bytes: Buffer, mime: string, maxInputBytes: number): Promise<string> {
  if (HTML.test(mime)) return htmlToText(bytes.toString('utf8'))
  if (mime === 'application/pdf') return pdfText(bytes)
  return officeText(bytes, mime, maxInputBytes)
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' '
    }
    return ENTITIES[name.toLowerCase()] ?? whole
  })
}

/** Visible text of an HTML page: scripts, styles and comments dropped, block ends become line breaks. */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(script|style|template|noscript)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<\/?(p|div|br|li|tr|h[1-6]|section|article|table|ul|ol|blockquote|pre)\b[^>]*>/gi, '\n')
      .replace(/<[^>]*>/g, ' '),
  )
}

/** Text nodes of an office XML part; paragraph, cell and row ends become white space so words do not run together. */
export function xmlToText(xml: string): string {
  return decodeEntities(
    xml
      .replace(/<(w:tab|text:tab|text:s)\b[^>]*\/>/g, ' ')
      .replace(/<\/(w:p|a:p|text:p|text:h|table:table-cell|table:table-row|si|row|c)>/g, '\n')
      .replace(/<(w:br|text:line-break)\b[^>]*\/>/g, '\n')
      .replace(/<[^>]*>/g, ''),
  )
}

async function pdfText(bytes: Buffer): Promise<string> {
  const { getDocumentProxy, extractText } = await import('unpdf')
  const pdf = await getDocumentProxy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { verbosity: 0, isEvalSupported: false } as object)
  try {
    const { text } = await extractText(pdf, { mergePages: true })
    return text
  } finally {
    await pdf.destroy()
  }
}

/** The XML parts of an office document that hold its text, in reading order. */
function textParts(mime: string, names: string[]): string[] {
  const numbered = (re: RegExp) =>
    names.filter(n => re.test(n)).sort((a, b) => Number(/(\d+)\.xml$/.exec(a)?.[1] ?? 0) - Number(/(\d+)\.xml$/.exec(b)?.[1] ?? 0))
  if (ODF.test(mime)) return names.filter(n => n === 'content.xml')
  if (mime.endsWith('wordprocessingml.document')) return ['word/document.xml', ...names.filter(n => /^word\/(header|footer|footnotes|endnotes)\d*\.xml$/.test(n))].filter(n => names.includes(n))
  if (mime.endsWith('spreadsheetml.sheet')) return [...names.filter(n => n === 'xl/sharedStrings.xml'), ...numbered(/^xl\/worksheets\/sheet\d+\.xml$/)]
  if (mime.endsWith('presentationml.presentation')) return numbered(/^ppt\/slides\/slide\d+\.xml$/)
  return []
}

function officeText(bytes: Buffer, mime: string, maxInputBytes: number): string {
  // Only the parts that hold text are inflated, and only while their declared sizes stay within the input
  // limit (a zip bomb declares little and is cut off by fflate at the declared size).
  const names: string[] = []
  unzipSync(bytes, { filter: f => (names.push(f.name), false) })
  const wanted = new Set(textParts(mime, names))
  let budget = maxInputBytes
  const files = unzipSync(bytes, {
    filter: f => {
      if (!wanted.has(f.name) || f.originalSize > budget) return false
      budget -= f.originalSize
      return true
    },
  })
  const decoder = new TextDecoder()
  const parts = [...wanted].filter(n => files[n]).map(n => decoder.decode(files[n]!))
  if (mime.endsWith('spreadsheetml.sheet')) {
    // Shared strings hold the text; a sheet's own cells add numbers and inline strings (<v>, <t>).
    return parts.map(p => xmlToText(p.replace(/<f>[\s\S]*?<\/f>/g, ''))).join('\n')
  }
  return parts.map(xmlToText).join('\n')
}
