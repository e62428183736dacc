// The content type of a file from its first bytes (never from what the client says), then its name.
const SIGNATURES: Array<[number[], string, number?]> = [
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'application/pdf'],
  [[0x52, 0x49, 0x46, 0x46], 'image/webp'],
  [[0x1f, 0x8b], 'application/gzip'],
  [[0x50, 0x4b, 0x03, 0x04], 'application/zip'],
  [[0x50, 0x4b, 0x05, 0x06], 'application/zip'],
]

const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  json: 'application/json',
  xml: 'application/xml',
  html: 'text/html',
  htm: 'text/html',
  xhtml: 'application/xhtml+xml',
  svg: 'image/svg+xml',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
}

/** Office documents are zip files; their extension tells which. Text is text only when it decodes as UTF-8. */
export function sniff(head: Buffer, name: string): string {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : ''
  for (const [bytes, type] of SIGNATURES) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) {
      if (type === 'image/webp' && head.subarray(8, 12).toString('latin1') !== 'WEBP') continue
      if (type === 'application/zip' && BY_EXTENSION[ext]?.startsWith('application/vnd.')) return BY_EXTENSION[ext]!
      return type
    }
  }
  const text = looksLikeText(head)
  // Markup a browser would run (HTML, SVG with scripts) is named as what it is, whatever the file is called:
  // it is then never shown inline (see INLINE_SAFE), only downloaded.
  const markup = text ? sniffMarkup(head) : undefined
  if (markup) return markup
  if (text && BY_EXTENSION[ext]?.match(/^(text\/|application\/(json|xml|xhtml\+xml)|image\/svg\+xml)/)) return BY_EXTENSION[ext]!
  if (text) return 'text/plain'
  return 'application/octet-stream'
}

/** The WHATWG MIME sniffing patterns for HTML (a tag at the start, after white space), plus XML and SVG. */
const HTML_TAGS = ['!doctype html', 'html', 'head', 'script', 'iframe', 'h1', 'div', 'font', 'table', 'a', 'style', 'title', 'b', 'body', 'br', 'p', '!--']
function sniffMarkup(head: Buffer): string | undefined {
  const start = head.toString('utf8', 0, Math.min(head.length, 1024)).replace(/^\uFEFF/, '').trimStart().toLowerCase()
  if (!start.startsWith('<')) return undefined
  if (/^<svg[\s>/]/.test(start) || (start.startsWith('<?xml') && /<svg[\s>/]/.test(start))) return 'image/svg+xml'
  for (const tag of HTML_TAGS) {
    if (start.startsWith(`<${tag}`) && /^[\s>]/.test(start.slice(tag.length + 1) || ' ')) return 'text/html'
  }
  if (start.startsWith('<?xml')) return /<html[\s>]/.test(start) ? 'application/xhtml+xml' : 'application/xml'
  return undefined
}

function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return true
  if (head.includes(0)) return false
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 4)))
    return true
  } catch {
    return false
  }
}

/** Content types a browser may show inline from our origin without risk; everything else is an attachment. */
export const INLINE_SAFE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'])

/** A Content-Disposition value that is safe whatever the file name holds. */
export function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  // RFC 8187 attr-chars only: encodeURIComponent leaves ' ( ) * as they are, which the extended form does not allow.
  const extended = encodeURIComponent(name).replace(/['()*]/g, ch => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${extended}`
}
