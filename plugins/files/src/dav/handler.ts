// WebDAV (RFC 4918, classes 1 and 2) over the files plugin's folders: the same access rules, the same save path
// (encryption, versions, quotas, the scan hook), deletion to the trash, locks in the database.
import { STATUS_CODES } from 'node:http'
import { Readable } from 'node:stream'
import { escapeHtml, HttpProblem, problems, type EntityRecord, type PluginContext, type RequestContext, type RouteContext } from '@plein/core'
import type { FilesGuard, Loaded } from '../guard.js'
import { checkName } from '../names.js'
import { accessOf, isInside } from '../routes/common.js'
import { sendVersion, type fileSaver } from '../routes/files.js'
import { moveOrShare, trash } from '../routes/folders.js'
import type { FileStore } from '../service.js'
import { etagMatches, parseIf, type IfList } from './if-header.js'
import { DavLocks, lockTimeout, type LockRow } from './locks.js'
import { activeLock, davEtag, DeadProps, etagOf, isLive, key, liveProps, propXml, type PropName } from './props.js'
import { DavTree, hrefOf, isCollection, PREFIX, segmentsOf, type DavNode, type DavRoot, type Resolved, type RootEntry } from './tree.js'
import { child, DAV, elements, is, parseXml, serializeNodes, XML_DECL, XML_LIMIT, type XmlElement } from './xml.js'

type Save = ReturnType<typeof fileSaver>

/** Answers with a WebDAV error body (RFC 4918 §16 precondition elements). */
export class DavError extends Error {
  constructor(
    readonly status: number,
    readonly condition?: string,
    detail?: string,
  ) {
    super(detail ?? STATUS_CODES[status] ?? 'error')
  }
}

const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK'
const PAGE = 500
/** The most items one COPY of a folder makes. */
const MAX_COPY = 10_000
/** The most dead properties one file or folder keeps, and the longest value of one. */
const MAX_PROPS = 1000
const MAX_PROP_BYTES = 64 * 1024

const statusLine = (code: number) => `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}`
const xmlBody = (c: RequestContext, status: number, xml: string) => {
  c.status = status
  c.type = 'application/xml; charset=utf-8'
  c.body = XML_DECL + xml
}

/** What the If header proved: the lock tokens submitted (in lists that held), by this account. */
interface Submitted {
  tokens: Set<string>
}

export class DavHandler {
  readonly locks: DavLocks
  readonly tree: DavTree
  readonly dead: DeadProps

  constructor(
    private readonly ctx: PluginContext,
    private readonly store: FileStore,
    private readonly guard: FilesGuard,
    private readonly save: Save,
  ) {
    this.locks = new DavLocks(ctx)
    this.tree = new DavTree(ctx, store)
    this.dead = new DeadProps(ctx)
  }

  // ---- entry ----

  async handle(c: RequestContext): Promise<void> {
    const method = c.method.toUpperCase()
    c.set('DAV', '1, 2')
    c.set('MS-Author-Via', 'DAV')
    if (method === 'OPTIONS') {
      c.set('Allow', ALLOW)
      c.status = 200
      c.body = ''
      return
    }
    await this.authenticate(c)
    // A fragment never belongs in a request URI: refuse rather than act on the URI without it.
    if (c.req.url?.includes('#')) throw problems.badRequest('The request URI has a fragment (#).', { code: 'INVALID_PATH' })
    const segments = segmentsOf(c.path)
    if (!segments) throw problems.notFound('Not a WebDAV path.', { code: 'NOT_FOUND' })
    const roots = await this.tree.roots(c)
    const target = await this.tree.resolve(c, segments, roots)
    try {
      const submitted = await this.preconditions(c, target, roots)
      switch (method) {
        case 'GET':
        case 'HEAD':
          return await this.get(c, target, method === 'HEAD')
        case 'PROPFIND':
          return await this.propfind(c, target)
        case 'PROPPATCH':
          return await this.proppatch(c, target, submitted)
        case 'MKCOL':
          return await this.mkcol(c, target, submitted)
        case 'PUT':
          return await this.put(c, target, submitted)
        case 'DELETE':
          return await this.delete(c, target, submitted)
        case 'COPY':
        case 'MOVE':
          return await this.copyMove(c, target, submitted, roots, method === 'MOVE')
        case 'LOCK':
          return await this.lock(c, target, submitted)
        case 'UNLOCK':
          return await this.unlock(c, target)
        default:
          c.set('Allow', ALLOW)
          throw new DavError(405, undefined, `${method} is not a WebDAV method this server knows.`)
      }
    } catch (error) {
      if (!(error instanceof DavError)) throw error
      if (error.condition) xmlBody(c, error.status, `<D:error xmlns:D="DAV:">${error.condition}</D:error>`)
      else {
        c.status = error.status
        c.type = 'text/plain; charset=utf-8'
        c.body = `${error.message}\n`
      }
    }
  }

  /** HTTP Basic with the account's e-mail and a personal API token (a bearer token or session works too). */
  private async authenticate(c: RequestContext): Promise<void> {
    if (c.viewer.user) return
    const challenge = { 'WWW-Authenticate': `Basic realm="${c.site.name.replace(/["\\]/g, '')} WebDAV", charset="UTF-8"` }
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(c.get('authorization'))
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon > 0) {
        const account = await this.ctx.users.authenticateToken(c.site, decoded.slice(0, colon), decoded.slice(colon + 1))
        if (account) {
          c.viewer = await this.ctx.users.viewerFor(account, c.site)
          return
        }
      }
    }
    throw problems.unauthorized('Sign in with your e-mail address and a personal API token (HTTP Basic).', { code: 'NOT_SIGNED_IN', headers: challenge })
  }

  // ---- If header and locks ----

  /** Evaluates the If header (412 when no list holds) and answers the lock tokens it submits. */
  private async preconditions(c: RequestContext, target: Resolved, roots: RootEntry[]): Promise<Submitted> {
    const header = c.get('if')
    const submitted: Submitted = { tokens: new Set() }
    if (!header) return submitted
    const lists: IfList[] = parseIf(header)
    const cache = new Map<string, { etag?: string; tokens: Set<string> }>()
    const stateOf = async (path: string | undefined) => {
      const k = path ?? '\u0000target'
      let state = cache.get(k)
      if (!state) {
        let r: Resolved | undefined = target
        if (path !== undefined) {
          const segs = segmentsOf(path)
          r = segs ? await this.tree.resolve(c, segs, roots) : undefined
        }
        state = { tokens: new Set() }
        if (r?.kind === 'node') {
          state.etag = etagOf(r)
          for (const l of await this.locks.covering(r.entity.id)) state.tokens.add(l.token)
        }
        cache.set(k, state)
      }
      return state
    }
    let holds = false
    for (const list of lists) {
      const state = await stateOf(list.resource)
      const ok = list.conditions.every(cond => {
        const match = cond.token !== undefined ? state.tokens.has(cond.token) : etagMatches(cond.etag!, state.etag)
        return cond.not ? !match : match
      })
      if (ok) {
        holds = true
        for (const cond of list.conditions) if (!cond.not && cond.token) submitted.tokens.add(cond.token)
      }
    }
    if (!holds) throw new DavError(412, undefined, 'The If header does not hold for this resource.')
    return submitted
  }

  /**
   * 423 unless every lock on what changes was submitted by its owner: `self` checks the locks covering the node,
   * `tree` also those anywhere below it.
   */
  private async unlocked(c: RequestContext, submitted: Submitted, targets: Array<{ id: string | null | undefined; tree?: boolean }>): Promise<void> {
    if (!(await this.locks.any(c.site))) return
    const mine = (l: LockRow) => submitted.tokens.has(l.token) && l.account_id === c.viewer.user!.id
    for (const t of targets) {
      if (!t.id) continue
      const cover = await this.locks.covering(t.id)
      if (cover.length > 0 && !cover.some(mine)) throw this.lockedError(cover[0]!)
      if (t.tree) {
        const inside = await this.locks.inside(t.id)
        const byNode = new Map<string, LockRow[]>()
        for (const l of inside) byNode.set(l.entity_id, [...(byNode.get(l.entity_id) ?? []), l])
        for (const group of byNode.values()) if (!group.some(mine)) throw this.lockedError(group[0]!)
      }
    }
  }

  private lockedError(l: LockRow): DavError {
    return new DavError(423, `<D:lock-token-submitted><D:href>${escapeHtml(l.root_href)}</D:href></D:lock-token-submitted>`, 'The resource is locked.')
  }

  // ---- reading ----

  private async get(c: RequestContext, target: Resolved, head: boolean): Promise<void> {
    if (target.kind === 'missing') throw new DavError(404)
    if (target.kind === 'root' || target.node.is_folder) {
      // A plain listing for browsers.
      const items =
        target.kind === 'root'
          ? (await this.tree.roots(c)).map(r => ({ name: r.display, folder: r.node.is_folder }))
          : (await this.tree.children(c, target.entity.id, 1000)).map(r => ({ name: r.node.name, folder: r.node.is_folder }))
      const base = hrefOf(target.segments, true)
      const html =
        `<!doctype html><meta charset="utf-8"><title>${escapeHtml(target.segments.join('/') || 'WebDAV')}</title><ul>` +
        items.map(i => `<li><a href="${escapeHtml(base + encodeURIComponent(i.name) + (i.folder ? '/' : ''))}">${escapeHtml(i.name)}${i.folder ? '/' : ''}</a></li>`).join('') +
        '</ul>\n'
      c.status = 200
      c.type = 'text/html; charset=utf-8'
      c.body = head ? undefined : html
      if (head) c.length = Buffer.byteLength(html)
      return
    }
    const v = await this.store.version(target.entity.id, target.node.version)
    if (!v) throw new DavError(404)
    if (head) {
      c.status = 200
      c.set('ETag', davEtag(v.sha256))
      c.set('Accept-Ranges', 'bytes')
      c.set('Last-Modified', target.entity.updatedAt.toUTCString())
      c.type = v.mime
      c.length = Number(v.size)
      return
    }
    await this.store.audit(c.site, 'file.read', { accountId: c.viewer.user!.id }, target.entity.id, { version: v.version, range: c.get('range') || undefined, via: 'dav' })
    c.set('Last-Modified', target.entity.updatedAt.toUTCString())
    await sendVersion(this.store, c, target.node.name, v, davEtag(v.sha256))
  }

  private async propfind(c: RequestContext, target: Resolved): Promise<void> {
    if (target.kind === 'missing') throw new DavError(404)
    const depthHeader = (c.get('depth') || '1').trim().toLowerCase()
    if (depthHeader === 'infinity') throw new DavError(403, '<D:propfind-finite-depth/>', 'Depth: infinity is not supported; use 0 or 1.')
    if (depthHeader !== '0' && depthHeader !== '1') throw new DavError(400, undefined, 'Depth must be 0 or 1.')
    const body = await this.readXml(c)
    let mode: 'allprop' | 'propname' | 'prop' = 'allprop'
    let wanted: PropName[] = []
    if (body) {
      if (!is(body, DAV, 'propfind')) throw new DavError(400, undefined, 'The body must be a DAV:propfind element.')
      const prop = child(body, DAV, 'prop')
      if (child(body, DAV, 'propname')) mode = 'propname'
      else if (prop) {
        mode = 'prop'
        wanted = elements(prop).map(e => ({ ns: e.ns, name: e.name }))
      }
    }
    const depth = depthHeader === '1' ? 1 : 0
    const anyLocks = await this.locks.any(c.site)
    const self = this
    async function* generate(): AsyncGenerator<string> {
      yield `${XML_DECL}<D:multistatus xmlns:D="DAV:">`
      if (target.kind === 'root') {
        yield self.response(hrefOf([], true), undefined, '', [], [], mode, wanted)
        if (depth === 1) {
          const roots = await self.tree.roots(c)
          const nodes: DavNode[] = roots.map(r => ({ kind: 'node', entity: r.entity, node: r.node, segments: [r.display] }))
          // A root's folder above may carry a depth-infinity lock: ask per root only when the site has locks.
          if (anyLocks) for (const n of nodes) yield* self.responses([n], await self.locks.covering(n.entity.id), mode, wanted, false)
          else yield* self.responses(nodes, [], mode, wanted, false)
        }
      } else if (target.kind === 'node') {
        const cover = anyLocks ? await self.locks.covering(target.entity.id) : []
        yield* self.responses([target], cover, mode, wanted, false)
        if (depth === 1 && target.node.is_folder) {
          const infinite = cover.filter(l => l.infinite)
          let after: { isFolder: boolean; name: string; id: string } | undefined
          while (true) {
            const page = await self.tree.children(c, target.entity.id, PAGE, after)
            if (page.length === 0) break
            const nodes: DavNode[] = page.map(p => ({ kind: 'node', entity: p.entity, node: p.node, segments: [...target.segments, p.node.name] }))
            yield* self.responses(nodes, infinite, mode, wanted, anyLocks)
            if (page.length < PAGE) break
            const last = page[page.length - 1]!
            after = { isFolder: last.node.is_folder, name: last.node.name, id: last.entity.id }
          }
        }
      }
      yield '</D:multistatus>'
    }
    c.status = 207
    c.type = 'application/xml; charset=utf-8'
    c.body = Readable.from(generate())
  }

  /**
   * The <D:response> elements of nodes, with their dead properties fetched in one query. `locks` apply to every
   * node; with `ownLocks` each node's own locks are fetched too (one query).
   */
  private async *responses(nodes: DavNode[], locks: LockRow[], mode: 'allprop' | 'propname' | 'prop', wanted: PropName[], ownLocks: boolean): AsyncGenerator<string> {
    const ids = nodes.map(n => n.entity.id)
    const needDead = mode !== 'prop' || wanted.some(w => !isLive(w))
    const dead = needDead ? await this.dead.of(ids) : new Map()
    const own = ownLocks ? await this.locks.on(ids) : []
    for (const n of nodes) {
      const nodeLocks = [...locks, ...own.filter(l => l.entity_id === n.entity.id)]
      yield this.response(hrefOf(n.segments, n.node.is_folder), n, n.segments[n.segments.length - 1] ?? '', nodeLocks, dead.get(n.entity.id) ?? [], mode, wanted)
    }
  }

  private response(href: string, n: DavNode | undefined, display: string, locks: LockRow[], dead: Array<{ ns: string; name: string; value: string }>, mode: string, wanted: PropName[]): string {
    const live = liveProps(n, display, locks)
    const prefixes = new Map<string, string>()
    const found: string[] = []
    const missing: string[] = []
    if (mode === 'prop') {
      const deadByKey = new Map(dead.map(d => [key(d), d.value]))
      for (const w of wanted) {
        const k = key(w)
        const value = live.get(k) ?? deadByKey.get(k)
        if (value === undefined) missing.push(propXml(w, undefined, prefixes))
        else found.push(propXml(w, value, prefixes))
      }
    } else {
      for (const [k, value] of live) {
        const name = k.slice(k.indexOf('\u0000') + 1)
        found.push(propXml({ ns: DAV, name }, mode === 'propname' ? undefined : value, prefixes))
      }
      for (const d of dead) found.push(propXml(d, mode === 'propname' ? undefined : d.value, prefixes))
    }
    let out = `<D:response><D:href>${escapeHtml(href)}</D:href>`
    if (found.length > 0) out += `<D:propstat><D:prop>${found.join('')}</D:prop><D:status>${statusLine(200)}</D:status></D:propstat>`
    if (missing.length > 0) out += `<D:propstat><D:prop>${missing.join('')}</D:prop><D:status>${statusLine(404)}</D:status></D:propstat>`
    if (found.length === 0 && missing.length === 0) out += `<D:propstat><D:prop/><D:status>${statusLine(200)}</D:status></D:propstat>`
    return `${out}</D:response>`
  }

  // ---- changing ----

  private async proppatch(c: RequestContext, target: Resolved, submitted: Submitted): Promise<void> {
    if (target.kind === 'missing') throw new DavError(404)
    if (target.kind === 'root') throw new DavError(403, '<D:cannot-modify-protected-property/>', 'The root has no properties to change.')
    this.guard.writable(c, target)
    await this.unlocked(c, submitted, [{ id: target.entity.id }])
    const body = await this.readXml(c)
    if (!body || !is(body, DAV, 'propertyupdate')) throw new DavError(400, undefined, 'The body must be a DAV:propertyupdate element.')
    const ops: Array<{ op: 'set' | 'remove'; prop: PropName; value?: string }> = []
    for (const e of elements(body)) {
      const op = is(e, DAV, 'set') ? 'set' : is(e, DAV, 'remove') ? 'remove' : undefined
      if (!op) continue
      for (const p of elements(e).filter(x => is(x, DAV, 'prop'))) {
        for (const prop of elements(p)) ops.push({ op, prop: { ns: prop.ns, name: prop.name }, value: op === 'set' ? serializeNodes(prop.children) : undefined })
      }
    }
    const prefixes = new Map<string, string>()
    const failed = ops.filter(o => isLive(o.prop))
    const tooMany =
      failed.length === 0 &&
      (ops.some(o => Buffer.byteLength(o.value ?? '') > MAX_PROP_BYTES) || (await this.dead.count(target.entity.id)) + ops.filter(o => o.op === 'set').length > MAX_PROPS)
    let out = `<D:multistatus xmlns:D="DAV:"><D:response><D:href>${escapeHtml(hrefOf(target.segments, target.node.is_folder))}</D:href>`
    const names = (list: typeof ops) => [...new Map(list.map(o => [key(o.prop), o.prop])).values()].map(p => propXml(p, undefined, prefixes)).join('')
    if (failed.length > 0 || tooMany) {
      const failedKeys = new Set(failed.map(o => key(o.prop)))
      const rest = ops.filter(o => !failedKeys.has(key(o.prop)))
      if (failed.length > 0) out += `<D:propstat><D:prop>${names(failed)}</D:prop><D:status>${statusLine(403)}</D:status><D:responsedescription>A live property cannot be changed.</D:responsedescription></D:propstat>`
      if (tooMany) out += `<D:propstat><D:prop>${names(rest)}</D:prop><D:status>${statusLine(507)}</D:status></D:propstat>`
      else if (rest.length > 0) out += `<D:propstat><D:prop>${names(rest)}</D:prop><D:status>${statusLine(424)}</D:status></D:propstat>`
    } else {
      await this.dead.apply(target.entity.id, ops)
      out += `<D:propstat><D:prop>${names(ops)}</D:prop><D:status>${statusLine(200)}</D:status></D:propstat>`
    }
    xmlBody(c, 207, `${out}</D:response></D:multistatus>`)
  }

  private async mkcol(c: RequestContext, target: Resolved, submitted: Submitted): Promise<void> {
    if (hasBody(c)) throw new DavError(415, undefined, 'MKCOL takes no body here.')
    if (target.kind !== 'missing') throw new DavError(405, undefined, 'Something exists at this name already.')
    if (!target.parent || (target.parent.kind === 'node' && !target.parent.node.is_folder)) throw new DavError(409, undefined, 'The folder to create it in does not exist.')
    if (target.parent.kind === 'node') await this.unlocked(c, submitted, [{ id: target.parent.entity.id }])
    await this.createFolder(c, target.parent, target.name)
    c.status = 201
    c.body = ''
  }

  private async put(c: RequestContext, target: Resolved, submitted: Submitted): Promise<void> {
    if (c.get('content-range')) throw new DavError(400, undefined, 'Partial PUT (Content-Range) is not supported.')
    if (isCollection(target)) throw new DavError(405, undefined, 'This is a folder.')
    if (target.kind === 'node') {
      if (c.get('if-none-match').trim() === '*') throw new DavError(412, undefined, 'The file exists (If-None-Match: *).')
      await this.unlocked(c, submitted, [{ id: target.entity.id }])
      const parent = await this.parentOf(c, target)
      // If-Match names WebDAV's entity tag; the save path compares the full SHA-256.
      const ifMatch = c.get('if-match').trim()
      const full = ifMatch.split(',').some(t => t.trim() === etagOf(target)) ? `"${target.node.sha256}"` : ifMatch
      await this.save(c, parent, target.node.name, c.req, full)
      c.status = 204
    } else if (target.kind === 'missing') {
      if (c.get('if-match')) throw new DavError(412, undefined, 'There is no file here to match.')
      const parent = this.folderOrConflict(c, target.parent)
      await this.unlocked(c, submitted, [{ id: parent.entity.id }])
      const name = this.name(target.name)
      await this.save(c, parent, name, c.req, '')
      c.status = 201
    }
    const after = await this.tree.resolve(c, target.segments)
    if (after.kind === 'node' && after.node.sha256) c.set('ETag', davEtag(after.node.sha256))
    c.body = ''
  }

  private async delete(c: RequestContext, target: Resolved, submitted: Submitted): Promise<void> {
    if (target.kind === 'missing') throw new DavError(404)
    if (target.kind === 'root') throw new DavError(403, undefined, 'The root cannot be deleted.')
    this.guard.writable(c, target)
    await this.unlocked(c, submitted, [{ id: target.entity.id, tree: target.node.is_folder }, { id: target.node.parent_id }])
    await this.toTrash(c, target)
    c.status = 204
    c.body = ''
  }

  private async copyMove(c: RequestContext, source: Resolved, submitted: Submitted, roots: RootEntry[], move: boolean): Promise<void> {
    if (source.kind === 'missing') throw new DavError(404)
    if (source.kind === 'root') throw new DavError(403, undefined, 'The root cannot be copied or moved.')
    const destination = c.get('destination')
    if (!destination) throw new DavError(400, undefined, 'The Destination header is missing.')
    let destPath: string
    try {
      destPath = new URL(destination, 'http://localhost').pathname
    } catch {
      throw new DavError(400, undefined, 'The Destination header is not a URL.')
    }
    const destSegments = segmentsOf(destPath)
    if (!destSegments) throw new DavError(502, undefined, `The destination is outside ${PREFIX}/.`)
    const overwrite = (c.get('overwrite') || 'T').trim().toUpperCase()
    if (overwrite !== 'T' && overwrite !== 'F') throw new DavError(400, undefined, 'Overwrite must be T or F.')
    const depthHeader = (c.get('depth') || 'infinity').trim().toLowerCase()
    if (source.node.is_folder) {
      if (move && depthHeader !== 'infinity') throw new DavError(400, undefined, 'A folder moves with Depth: infinity.')
      if (!move && depthHeader !== 'infinity' && depthHeader !== '0') throw new DavError(400, undefined, 'Depth must be 0 or infinity.')
    }
    let dest = await this.tree.resolve(c, destSegments, roots)
    if (dest.kind === 'root') throw new DavError(403, undefined, 'The root cannot be replaced.')
    if (dest.kind === 'node' && dest.entity.id === source.entity.id) throw new DavError(403, undefined, 'The source and the destination are the same.')
    const destParent = dest.kind === 'missing' ? dest.parent : await this.parentResolved(c, dest, roots)
    if (!destParent || (destParent.kind === 'node' && !destParent.node.is_folder)) throw new DavError(409, undefined, 'The folder of the destination does not exist.')
    if (destParent.kind === 'node' && source.node.is_folder && (destParent.entity.id === source.entity.id || (await isInside(this.ctx.db, source.entity.id, destParent.entity.id)))) {
      throw new DavError(403, undefined, 'A folder cannot go inside itself.')
    }
    const name = this.name(dest.kind === 'missing' ? dest.name : destSegments[destSegments.length - 1]!)
    if (move) this.guard.writable(c, source)
    if (destParent.kind === 'node') this.guard.writable(c, destParent)
    if (dest.kind === 'node') this.guard.writable(c, dest)
    if (dest.kind === 'node' && overwrite === 'F') throw new DavError(412, undefined, 'The destination exists (Overwrite: F).')
    await this.unlocked(c, submitted, [
      ...(move ? [{ id: source.entity.id, tree: source.node.is_folder }, { id: source.node.parent_id }] : []),
      { id: destParent.kind === 'node' ? destParent.entity.id : undefined },
      ...(dest.kind === 'node' ? [{ id: dest.entity.id, tree: dest.node.is_folder }] : []),
    ])
    const existed = dest.kind === 'node'
    // A file copied onto a file becomes its next version (its history stays); anything else replaces it.
    if (!move && dest.kind === 'node' && !dest.node.is_folder && !source.node.is_folder && destParent.kind === 'node') {
      const v = await this.store.version(source.entity.id, source.node.version)
      if (!v) throw new DavError(404)
      await this.save(c, destParent, dest.node.name, await this.store.open(c.site, v), '')
      await this.dead.copy(source.entity.id, dest.entity.id)
      c.status = 204
      c.body = ''
      return
    }
    if (dest.kind === 'node') {
      await this.toTrash(c, dest)
      dest = { kind: 'missing', parent: destParent, name, segments: destSegments }
    }
    if (move) {
      await this.moveNode(c, source, destParent, name)
    } else {
      if (source.node.is_folder && depthHeader !== '0') {
        const count = await this.subtreeSize(source.entity.id)
        if (count > MAX_COPY) throw new DavError(507, undefined, `A copy makes at most ${MAX_COPY} items; this folder holds ${count}.`)
      }
      await this.copyNode(c, source, destParent, name, depthHeader !== '0')
    }
    c.status = existed ? 204 : 201
    c.body = ''
  }

  private async lock(c: RequestContext, target: Resolved, submitted: Submitted): Promise<void> {
    const user = c.viewer.user!
    const seconds = lockTimeout(c.get('timeout'))
    const body = await this.readXml(c)
    if (!body) {
      // A refresh: the If header names the lock.
      if (target.kind !== 'node') throw new DavError(412, '<D:lock-token-matches-request-uri/>', 'There is no lock to refresh here.')
      const cover = await this.locks.covering(target.entity.id)
      const lock = cover.find(l => submitted.tokens.has(l.token) && l.account_id === user.id)
      if (!lock) throw new DavError(412, '<D:lock-token-matches-request-uri/>', 'Name a lock on this resource in the If header to refresh it.')
      const refreshed = await this.locks.refresh(lock.token, seconds)
      if (!refreshed) throw new DavError(412, '<D:lock-token-matches-request-uri/>')
      xmlBody(c, 200, `<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLock(refreshed)}</D:lockdiscovery></D:prop>`)
      return
    }
    if (!is(body, DAV, 'lockinfo')) throw new DavError(400, undefined, 'The body must be a DAV:lockinfo element.')
    const scope = child(body, DAV, 'lockscope')
    const exclusive = !!(scope && child(scope, DAV, 'exclusive'))
    if (!scope || (!exclusive && !child(scope, DAV, 'shared'))) throw new DavError(400, undefined, 'lockscope must be exclusive or shared.')
    const type = child(body, DAV, 'locktype')
    if (!type || !child(type, DAV, 'write')) throw new DavError(400, undefined, 'Only write locks exist.')
    const ownerEl = child(body, DAV, 'owner')
    const owner = ownerEl ? serializeNodes(ownerEl.children) : ''
    const depth = (c.get('depth') || 'infinity').trim().toLowerCase()
    if (depth !== '0' && depth !== 'infinity') throw new DavError(400, undefined, 'Depth must be 0 or infinity.')
    if (target.kind === 'root') throw new DavError(403, undefined, 'The root cannot be locked.')
    let node: DavNode
    let created = false
    if (target.kind === 'missing') {
      // Locking an unmapped URL makes an empty file (RFC 4918 §7.3).
      const parent = this.folderOrConflict(c, target.parent)
      await this.unlocked(c, submitted, [{ id: parent.entity.id }])
      await this.save(c, parent, this.name(target.name), Readable.from([]), '')
      const made = await this.tree.resolve(c, target.segments)
      if (made.kind !== 'node') throw new DavError(409)
      node = made
      created = true
    } else {
      this.guard.writable(c, target)
      node = target
    }
    const result = await this.locks.create(c.site, {
      nodeId: node.entity.id,
      accountId: user.id,
      exclusive,
      infinite: depth === 'infinity' && node.node.is_folder,
      owner,
      rootHref: hrefOf(node.segments, node.node.is_folder),
      seconds,
    })
    if (!result.lock) throw new DavError(423, `<D:no-conflicting-lock><D:href>${escapeHtml(result.conflict!.root_href)}</D:href></D:no-conflicting-lock>`, 'The resource is locked.')
    c.set('Lock-Token', `<${result.lock.token}>`)
    xmlBody(c, created ? 201 : 200, `<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLock(result.lock)}</D:lockdiscovery></D:prop>`)
  }

  private async unlock(c: RequestContext, target: Resolved): Promise<void> {
    const m = /^\s*<([^>]+)>\s*$/.exec(c.get('lock-token'))
    if (!m) throw new DavError(400, undefined, 'The Lock-Token header is missing.')
    if (target.kind !== 'node') throw new DavError(409, '<D:lock-token-matches-request-uri/>', 'No lock with this token applies here.')
    const lock = (await this.locks.covering(target.entity.id)).find(l => l.token === m[1])
    if (!lock) throw new DavError(409, '<D:lock-token-matches-request-uri/>', 'No lock with this token applies here.')
    if (lock.account_id !== c.viewer.user!.id && !c.viewer.isAdmin) throw new DavError(403, undefined, 'Only who took the lock (or an administrator) may remove it.')
    await this.locks.remove(lock.token)
    c.status = 204
    c.body = ''
  }

  // ---- operations on the files plugin ----

  private name(raw: string): string {
    try {
      return checkName(raw, '', 'path')
    } catch (error) {
      throw new DavError(400, undefined, (error as Error).message)
    }
  }

  private folderOrConflict(c: RequestContext, parent: DavNode | DavRoot | undefined): DavNode {
    if (!parent || (parent.kind === 'node' && !parent.node.is_folder)) throw new DavError(409, undefined, 'The folder to put it in does not exist.')
    if (parent.kind === 'root') throw new DavError(403, undefined, `Files live in folders: make a folder under ${PREFIX}/ first (MKCOL).`)
    this.guard.writable(c, parent)
    return parent
  }

  /** The folder a node is in (it exists: the node was resolved through it, or it is a root's real folder). */
  private async parentOf(c: RequestContext, n: DavNode): Promise<Loaded> {
    if (!n.node.parent_id) throw new DavError(409)
    const entity = await this.ctx.access.find(c.site, n.node.parent_id)
    const node = entity ? await this.store.node(c.site, entity.id) : undefined
    if (!entity || !node) throw new DavError(409)
    return { entity, node }
  }

  private async parentResolved(c: RequestContext, n: DavNode, roots: RootEntry[]): Promise<DavNode | DavRoot | undefined> {
    const r = await this.tree.resolve(c, n.segments.slice(0, -1), roots)
    return r.kind === 'missing' ? undefined : r
  }

  private async createFolder(c: RequestContext, parent: DavNode | DavRoot, rawName: string): Promise<EntityRecord> {
    const name = this.name(rawName)
    const inFolder = parent.kind === 'node' ? parent : undefined
    if (inFolder) this.guard.writable(c, inFolder)
    const user = c.viewer.user!
    const { entity } = await this.ctx.content.create(
      {
        site: c.site,
        viewer: c.viewer,
        kind: 'folder',
        title: name,
        containerId: inFolder ? inFolder.entity.containerId : null,
        // Inside a folder: its sharing. At the top: private until shared.
        systemAccess: inFolder ? accessOf(inFolder.entity) : { read: [], write: [] },
      },
      async (m, e) => {
        if (inFolder) {
          if (await this.store.child(inFolder.entity.id, name, m)) throw new DavError(405, undefined, `"${name}" exists already.`)
        } else {
          await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`files-dav-root:${user.id}`])
          const clash = await m.query(
            `SELECT 1 FROM files_node n JOIN entity e ON e.id = n.entity_id WHERE n.parent_id IS NULL AND n.deleted_at IS NULL AND e.owner_id = $1 AND e.container_id IS NULL AND e.site_id = $2 AND lower(n.name) = lower($3)`,
            [user.id, c.site.id, name],
          )
          if (clash.length > 0) throw new DavError(405, undefined, `"${name}" exists already.`)
        }
        await m.query('INSERT INTO files_node (entity_id, site_id, parent_id, name, is_folder, manage) VALUES ($1, $2, $3, $4, true, $5)', [
          e.id,
          c.site.id,
          inFolder?.entity.id ?? null,
          name,
          inFolder?.node.manage ?? [],
        ])
      },
    )
    await this.store.audit(c.site, 'folder.create', { accountId: user.id }, entity.id, { name, via: 'dav' })
    return entity
  }

  private async toTrash(c: RequestContext, n: DavNode): Promise<void> {
    await trash(this.ctx, this.store, this.guard, shim(c, n.entity.id), n.node.is_folder ? 'folder' : 'file')
    await this.locks.removeTree(n.entity.id)
  }

  private async subtreeSize(id: string): Promise<number> {
    const rows = await this.ctx.db.query(
      `WITH RECURSIVE sub AS (SELECT entity_id FROM files_node WHERE parent_id = $1 AND deleted_at IS NULL
         UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id WHERE n.deleted_at IS NULL)
       SELECT count(*)::int AS n FROM sub`,
      [id],
    )
    return rows[0].n
  }

  /** Copies a file or folder (with everything readable in it when `deep`) into a folder or the root. */
  private async copyNode(c: RequestContext, source: DavNode, into: DavNode | DavRoot, name: string, deep: boolean): Promise<void> {
    if (!source.node.is_folder) {
      if (into.kind === 'root') throw new DavError(403, undefined, `Files live in folders: copy it into a folder under ${PREFIX}/.`)
      const v = await this.store.version(source.entity.id, source.node.version)
      if (!v) throw new DavError(404)
      const entity = await this.save(c, into, name, await this.store.open(c.site, v), '')
      await this.dead.copy(source.entity.id, entity.id)
      return
    }
    const folder = await this.createFolder(c, into, name)
    await this.dead.copy(source.entity.id, folder.id)
    if (!deep) return
    const node = await this.store.node(c.site, folder.id)
    const copy: DavNode = { kind: 'node', entity: folder, node: node!, segments: [] }
    let after: { isFolder: boolean; name: string; id: string } | undefined
    while (true) {
      const page = await this.tree.children(c, source.entity.id, PAGE, after)
      for (const p of page) await this.copyNode(c, { kind: 'node', entity: p.entity, node: p.node, segments: [] }, copy, p.node.name, true)
      if (page.length < PAGE) break
      const last = page[page.length - 1]!
      after = { isFolder: last.node.is_folder, name: last.node.name, id: last.entity.id }
    }
  }

  /** Renames or moves; between a group and another space it copies and trashes the original. */
  private async moveNode(c: RequestContext, source: DavNode, into: DavNode | DavRoot, name: string): Promise<void> {
    const kind = source.node.is_folder ? 'folder' : 'file'
    const sameParent = source.segments.slice(0, -1).join('/').toLowerCase() === (into.kind === 'root' ? '' : into.segments.join('/').toLowerCase())
    if (sameParent) {
      if (name !== source.node.name) await moveOrShare(this.ctx, this.store, this.guard, shim(c, source.entity.id, { name }), kind)
    } else if (into.kind === 'root') {
      throw new DavError(403, undefined, `Only folders made at the top stay at the top of ${PREFIX}/; move it into a folder.`)
    } else if ((into.entity.containerId ?? null) !== (source.entity.containerId ?? null)) {
      await this.copyNode(c, source, into, name, true)
      await trash(this.ctx, this.store, this.guard, shim(c, source.entity.id), kind)
    } else {
      await moveOrShare(this.ctx, this.store, this.guard, shim(c, source.entity.id, { name, parentId: into.entity.id }), kind)
    }
    // Locks belong to where the resource was; they do not travel with it.
    await this.locks.removeTree(source.entity.id)
  }

  // ---- bodies ----

  private async readXml(c: RequestContext): Promise<XmlElement | undefined> {
    if (!hasBody(c)) return undefined
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of c.req) {
      size += (chunk as Buffer).length
      if (size > XML_LIMIT) throw new HttpProblem({ status: 413, detail: `An XML body is at most ${XML_LIMIT} bytes.`, code: 'TOO_LARGE' })
      chunks.push(chunk as Buffer)
    }
    const text = Buffer.concat(chunks).toString('utf8')
    if (text.trim() === '') return undefined
    try {
      return parseXml(text)
    } catch (error) {
      throw new DavError(400, undefined, (error as Error).message)
    }
  }
}

function hasBody(c: RequestContext): boolean {
  const length = c.get('content-length')
  if (length !== '') return Number(length) > 0
  return c.get('transfer-encoding') !== ''
}

/** The route-shaped context the JSON API's trash and move functions take. */
function shim<B>(c: RequestContext, id: string, body?: B): RouteContext<B, unknown, { id: string }> {
  return { site: c.site, viewer: c.viewer, log: c.log, input: { params: { id }, body: (body ?? {}) as B, query: {} } } as unknown as RouteContext<B, unknown, { id: string }>
}
