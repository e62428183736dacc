// Shared by the blog plugin's tests: problem answers, a post factory, list walking and an XML check.
import { expect } from 'chai'
import type { TestClient } from '@plein/testing'
export { expectProblem, expectInvalid, listAll, ids } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

export interface PostInput {
  title?: string
  body?: string
  access?: { read?: string[]; write?: string[] }
  status?: 'draft' | 'published'
  tags?: string[]
  excerpt?: string
}

/** Creates a post (201 expected) and returns its JSON. */
export async function createPost(client: TestClient, input: PostInput = {}): Promise<any> {
  const res = await client.post('/api/v1/blogs', { title: 'A post', body: '<p>Text</p>', ...input })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

export const publicAccess = (ownerId: string) => ({ read: ['public'], write: [`user:${ownerId}`] })
export const privateAccess = (ownerId: string) => ({ read: [`user:${ownerId}`], write: [`user:${ownerId}`] })

/**
 * Throws unless `xml` is well-formed: one root element, every tag closed in order, attributes quoted,
 * only the five XML entities or character references. Returns the root element's name and attributes.
 */
export function checkWellFormedXml(xml: string): { root: string; attributes: string } {
  let rest = xml.replace(/^\uFEFF?<\?xml[^?]*\?>\s*/, '')
  const stack: string[] = []
  let root: { root: string; attributes: string } | undefined
  const checkText = (text: string) => {
    if (/[<]/.test(text)) throw new Error(`stray < in text: ${text.slice(0, 80)}`)
    const bad = text.match(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/)
    if (bad) throw new Error(`bare & in text: ${text.slice(Math.max(0, bad.index! - 20), bad.index! + 40)}`)
  }
  while (rest.length > 0) {
    const lt = rest.indexOf('<')
    if (lt < 0) {
      checkText(rest)
      if (rest.trim() !== '' && stack.length === 0) throw new Error('text after the root element')
      break
    }
    checkText(rest.slice(0, lt))
    rest = rest.slice(lt)
    if (rest.startsWith('<![CDATA[')) {
      const end = rest.indexOf(']]>')
      if (end < 0) throw new Error('unterminated CDATA')
      rest = rest.slice(end + 3)
      continue
    }
    if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->')
      if (end < 0) throw new Error('unterminated comment')
      rest = rest.slice(end + 3)
      continue
    }
    const tag = rest.match(/^<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/)
    if (!tag) throw new Error(`malformed tag: ${rest.slice(0, 80)}`)
    const [whole, closing, name, attributes, selfClosing] = tag
    if (closing) {
      const open = stack.pop()
      if (open !== name) throw new Error(`</${name}> closes <${open}>`)
    } else {
      if (stack.length === 0) {
        if (root) throw new Error('more than one root element')
        root = { root: name!, attributes: attributes ?? '' }
      }
      if (!selfClosing) stack.push(name!)
    }
    rest = rest.slice(whole.length)
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('> <')}>`)
  if (!root) throw new Error('no root element')
  return root
}

/** The text content of the first `<name>` element in an XML fragment: CDATA sections as they are, entities decoded elsewhere. */
export function xmlText(fragment: string, name: string): string | undefined {
  const m = fragment.match(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`))
  if (!m) return undefined
  return m[1]!
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map(part =>
      part.startsWith('<![CDATA[')
        ? part.slice(9, -3)
        : part.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'),
    )
    .join('')
}

/** The `<entry>` elements of an Atom document, in order. */
export const atomEntries = (xml: string): string[] => xml.match(/<entry>[\s\S]*?<\/entry>/g) ?? []
