// Properties of WebDAV resources: the live ones (computed from files and folders) and dead ones (stored per node).
import type { PluginContext } from '@plein/core'
import type { LockRow } from './locks.js'
import type { DavNode } from './tree.js'
import { DAV, escapeText, propElement } from './xml.js'

export interface PropName {
  ns: string
  name: string
}

export interface DeadProp extends PropName {
  /** The element's content as self-contained XML. */
  value: string
}

/** The live properties this server computes; clients cannot set them (PROPPATCH answers 403). */
export const LIVE = [
  'creationdate',
  'displayname',
  'getcontentlength',
  'getcontenttype',
  'getetag',
  'getlastmodified',
  'resourcetype',
  'supportedlock',
  'lockdiscovery',
] as const

export const isLive = (p: PropName) => p.ns === DAV && (LIVE as readonly string[]).includes(p.name) || (p.ns === DAV && p.name === 'getcontentlanguage')

export const key = (p: PropName) => `${p.ns}\u0000${p.name}`

/**
 * The entity tag WebDAV shows: the first 160 bits of the content's SHA-256 (the JSON API sends all of it). Short
 * enough for clients with fixed-size If header buffers (litmus builds its headers in 200 bytes).
 */
export const davEtag = (sha256: string) => `"${sha256.slice(0, 40)}"`

export const etagOf = (n: DavNode) => (n.node.is_folder || !n.node.sha256 ? undefined : davEtag(n.node.sha256))

const SUPPORTED_LOCK =
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>'

export function activeLock(l: LockRow): string {
  return (
    '<D:activelock><D:locktype><D:write/></D:locktype>' +
    `<D:lockscope>${l.exclusive ? '<D:exclusive/>' : '<D:shared/>'}</D:lockscope>` +
    `<D:depth>${l.infinite ? 'infinity' : '0'}</D:depth>` +
    (l.owner ? `<D:owner>${l.owner}</D:owner>` : '') +
    `<D:timeout>Second-${l.remaining}</D:timeout>` +
    `<D:locktoken><D:href>${escapeText(l.token)}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${escapeText(l.root_href)}</D:href></D:lockroot>` +
    '</D:activelock>'
  )
}

/** The live properties of a resource (the /dav/ root when `n` is undefined), as name → content XML. */
export function liveProps(n: DavNode | undefined, display: string, locks: LockRow[]): Map<string, string> {
  const out = new Map<string, string>()
  const put = (name: string, value: string) => out.set(key({ ns: DAV, name }), value)
  put('displayname', escapeText(display))
  if (!n) {
    put('resourcetype', '<D:collection/>')
    put('supportedlock', '')
    put('lockdiscovery', '')
    return out
  }
  put('creationdate', n.entity.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'))
  put('getlastmodified', n.entity.updatedAt.toUTCString())
  if (n.node.is_folder) {
    put('resourcetype', '<D:collection/>')
  } else {
    put('resourcetype', '')
    put('getcontentlength', String(Number(n.node.size)))
    put('getcontenttype', escapeText(n.node.mime ?? 'application/octet-stream'))
    const etag = etagOf(n)
    if (etag) put('getetag', escapeText(etag))
  }
  put('supportedlock', SUPPORTED_LOCK)
  put('lockdiscovery', locks.map(activeLock).join(''))
  return out
}

export class DeadProps {
  constructor(private readonly ctx: PluginContext) {}

  async of(ids: string[]): Promise<Map<string, DeadProp[]>> {
    const out = new Map<string, DeadProp[]>()
    if (ids.length === 0) return out
    const rows: Array<{ entity_id: string; ns: string; name: string; value: string }> = await this.ctx.db.query(
      'SELECT entity_id, ns, name, value FROM files_dav_prop WHERE entity_id = ANY($1::uuid[]) ORDER BY ns, name',
      [ids],
    )
    for (const r of rows) out.set(r.entity_id, [...(out.get(r.entity_id) ?? []), { ns: r.ns, name: r.name, value: r.value }])
    return out
  }

  async count(id: string): Promise<number> {
    const rows = await this.ctx.db.query('SELECT count(*)::int AS n FROM files_dav_prop WHERE entity_id = $1', [id])
    return rows[0].n
  }

  /** Applies set/remove operations in document order, all or nothing. */
  async apply(id: string, ops: Array<{ op: 'set' | 'remove'; prop: PropName; value?: string }>): Promise<void> {
    await this.ctx.db.transaction(async m => {
      for (const o of ops) {
        if (o.op === 'set') {
          await m.query(
            'INSERT INTO files_dav_prop (entity_id, ns, name, value) VALUES ($1, $2, $3, $4) ON CONFLICT (entity_id, ns, name) DO UPDATE SET value = EXCLUDED.value',
            [id, o.prop.ns, o.prop.name, o.value ?? ''],
          )
        } else {
          await m.query('DELETE FROM files_dav_prop WHERE entity_id = $1 AND ns = $2 AND name = $3', [id, o.prop.ns, o.prop.name])
        }
      }
    })
  }

  /** A copy takes the source's dead properties (replacing the destination's). */
  async copy(from: string, to: string): Promise<void> {
    await this.ctx.db.transaction(async m => {
      await m.query('DELETE FROM files_dav_prop WHERE entity_id = $1', [to])
      await m.query('INSERT INTO files_dav_prop (entity_id, ns, name, value) SELECT $2, ns, name, value FROM files_dav_prop WHERE entity_id = $1', [from, to])
    })
  }
}

/** One <D:prop> member: the name with its content, or empty. */
export const propXml = (p: PropName, inner: string | undefined, prefixes: Map<string, string>) => propElement(p.ns, p.name, inner, prefixes)
