// The WebDAV If header (RFC 4918 §10.4): lists of state tokens and entity tags, optionally tagged with a resource.
import { HttpProblem } from '@plein/core'

export interface IfCondition {
  not: boolean
  /** A state token (a lock token such as opaquelocktoken:…, or DAV:no-lock, which matches nothing). */
  token?: string
  /** An entity tag, as sent (with its quotes, maybe W/). */
  etag?: string
}

export interface IfList {
  /** The tagged resource (a URL path, decoded), or undefined: the request URI. */
  resource?: string
  conditions: IfCondition[]
}

const bad = (detail: string) => new HttpProblem({ status: 400, detail: `The If header is not valid: ${detail}.`, code: 'INVALID_IF_HEADER' })

/** Parses an If header; throws 400 on a malformed one. */
export function parseIf(header: string): IfList[] {
  const lists: IfList[] = []
  let i = 0
  let resource: string | undefined
  let tagged: boolean | undefined
  const s = header
  const skip = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++
  }
  while (true) {
    skip()
    if (i >= s.length) break
    const ch = s[i]
    if (ch === '<') {
      const end = s.indexOf('>', i)
      if (end < 0) throw bad('a resource tag is not closed')
      if (tagged === false) throw bad('tagged and untagged lists are mixed')
      tagged = true
      resource = toPath(s.slice(i + 1, end))
      i = end + 1
      continue
    }
    if (ch !== '(') throw bad(`unexpected "${ch}"`)
    if (tagged === undefined) tagged = false
    i++
    const conditions: IfCondition[] = []
    while (true) {
      skip()
      if (i >= s.length) throw bad('a list is not closed')
      if (s[i] === ')') {
        i++
        break
      }
      let not = false
      if (s.slice(i, i + 3).toLowerCase() === 'not' && /^[\s<[]/.test(s[i + 3] ?? '')) {
        not = true
        i += 3
        skip()
      }
      if (s[i] === '<') {
        const end = s.indexOf('>', i)
        if (end < 0) throw bad('a state token is not closed')
        conditions.push({ not, token: s.slice(i + 1, end).trim() })
        i = end + 1
      } else if (s[i] === '[') {
        const end = s.indexOf(']', i)
        if (end < 0) throw bad('an entity tag is not closed')
        conditions.push({ not, etag: s.slice(i + 1, end).trim() })
        i = end + 1
      } else {
        throw bad(`unexpected "${s[i]}" in a list`)
      }
    }
    if (conditions.length === 0) throw bad('a list is empty')
    lists.push({ resource: tagged ? resource : undefined, conditions })
  }
  if (lists.length === 0) throw bad('there is no list')
  return lists
}

/** The decoded path of a resource tag (an absolute URL or an absolute path). */
function toPath(url: string): string {
  try {
    return decodeURIComponentSafe(new URL(url.trim(), 'http://localhost').pathname)
  } catch {
    throw bad(`the resource tag "${url}" is not a URL`)
  }
}

const decodeURIComponentSafe = (p: string) =>
  p
    .split('/')
    .map(seg => decodeURIComponent(seg))
    .join('/')

/** Strong comparison of entity tags, ignoring a weak marker (If header conditions compare loosely). */
export function etagMatches(a: string, b: string | undefined): boolean {
  if (b === undefined) return false
  const strip = (t: string) => t.replace(/^W\//, '')
  return strip(a) === strip(b)
}
