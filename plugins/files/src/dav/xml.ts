// The XML of WebDAV: a strict, namespace-aware parse of request bodies into a small tree, and writing
// elements back with every namespace declared where it is used (so stored fragments stand on their own).
import { SaxesParser } from 'saxes'
import { HttpProblem } from '@plein/core'

export const DAV = 'DAV:'
const XML_NS = 'http://www.w3.org/XML/1998/namespace'

export interface XmlAttribute {
  ns: string
  name: string
  value: string
}

export interface XmlElement {
  ns: string
  name: string
  attrs: XmlAttribute[]
  children: XmlNode[]
}

export type XmlNode = XmlElement | string

/** The largest request body read as XML. */
export const XML_LIMIT = 1024 * 1024

const badXml = (detail: string) => new HttpProblem({ status: 400, detail: `The XML request body is not valid: ${detail}.`, code: 'INVALID_XML' })

/**
 * Parses a request body. Not well-formed XML, a namespace error (an unbound prefix, an attempt to undeclare
 * one) or a DOCTYPE (no entity tricks) is a 400.
 */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true })
  let error: string | undefined
  let root: XmlElement | undefined
  const stack: XmlElement[] = []
  parser.on('error', e => {
    error ??= e.message
  })
  parser.on('doctype', () => {
    error ??= 'a DOCTYPE is not accepted'
  })
  parser.on('opentag', tag => {
    const element: XmlElement = { ns: tag.uri ?? '', name: tag.local ?? tag.name, attrs: [], children: [] }
    for (const a of Object.values(tag.attributes)) {
      if (typeof a === 'string') continue
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue
      element.attrs.push({ ns: a.uri ?? '', name: a.local, value: a.value })
    }
    const parent = stack[stack.length - 1]
    if (parent) parent.children.push(element)
    else if (!root) root = element
    stack.push(element)
  })
  parser.on('closetag', () => {
    stack.pop()
  })
  const text_ = (t: string) => {
    const parent = stack[stack.length - 1]
    if (!parent) return
    const last = parent.children[parent.children.length - 1]
    if (typeof last === 'string') parent.children[parent.children.length - 1] = last + t
    else parent.children.push(t)
  }
  parser.on('text', text_)
  parser.on('cdata', text_)
  try {
    parser.write(text).close()
  } catch (e) {
    error ??= (e as Error).message
  }
  if (error) throw badXml(error)
  if (!root) throw badXml('there is no root element')
  return root
}

export const elements = (e: XmlElement): XmlElement[] => e.children.filter((c): c is XmlElement => typeof c !== 'string')
export const child = (e: XmlElement, ns: string, name: string): XmlElement | undefined => elements(e).find(c => c.ns === ns && c.name === name)
export const is = (e: XmlElement | undefined, ns: string, name: string): boolean => !!e && e.ns === ns && e.name === name
export const textOf = (e: XmlElement): string => e.children.map(c => (typeof c === 'string' ? c : textOf(c))).join('')

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;')
}
export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;')
}

/**
 * Writes nodes as XML that declares what it uses: elements carry `xmlns="…"` where their namespace differs
 * from the one in force (`inherited`), attributes in a namespace get a prefix declared on their element.
 */
export function serializeNodes(nodes: XmlNode[], inherited = ''): string {
  let out = ''
  for (const node of nodes) {
    if (typeof node === 'string') {
      out += escapeText(node)
      continue
    }
    let open = `<${node.name}`
    if (node.ns !== inherited) open += ` xmlns="${escapeAttr(node.ns)}"`
    let n = 0
    for (const a of node.attrs) {
      if (a.ns === '') open += ` ${a.name}="${escapeAttr(a.value)}"`
      else if (a.ns === XML_NS) open += ` xml:${a.name}="${escapeAttr(a.value)}"`
      else {
        const prefix = `a${n++}`
        open += ` xmlns:${prefix}="${escapeAttr(a.ns)}" ${prefix}:${a.name}="${escapeAttr(a.value)}"`
      }
    }
    out += node.children.length === 0 ? `${open}/>` : `${open}>${serializeNodes(node.children, node.ns)}</${node.name}>`
  }
  return out
}

/** An element `name` in namespace `ns` with already-serialized content, written with its own prefix. */
export function propElement(ns: string, name: string, inner: string | undefined, prefixes: Map<string, string>): string {
  let prefix: string
  let decl = ''
  if (ns === DAV) prefix = 'D'
  else if (ns === '') {
    // No namespace: no prefix, and no default namespace is ever declared around it.
    return inner === undefined || inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`
  } else {
    let p = prefixes.get(ns)
    if (!p) {
      p = `ns${prefixes.size}`
      prefixes.set(ns, p)
    }
    prefix = p
    decl = ` xmlns:${p}="${escapeAttr(ns)}"`
  }
  return inner === undefined || inner === '' ? `<${prefix}:${name}${decl}/>` : `<${prefix}:${name}${decl}>${inner}</${prefix}:${name}>`
}

export const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
