// Sample content for the example intranet, made once on first start — through the site's own JSON API,
// as any client would, so it shows how the plugins are used and needs no plugin's internals.
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { definePlugin, type PluginContext } from '@plein/core'

const EDITOR = { email: 'redactie@intranet.voorbeeld.example', name: 'Redactie Intranet' }

interface Session {
  cookie: string
  csrf: string
}

function call(port: number, host: string, method: string, path: string, body?: unknown, session?: Session): Promise<{ status: number; json: any; cookie?: string }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          host,
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {}),
        },
      },
      res => {
        let text = ''
        res.on('data', d => (text += d))
        res.on('end', () => {
          const cookie = (res.headers['set-cookie'] ?? []).map(c => c.split(';')[0]).find(c => c.startsWith('plein_session='))
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined, cookie })
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

async function seed(ctx: PluginContext, port: number): Promise<void> {
  const site = ctx.rootSite
  const existing = await ctx.db.query('SELECT 1 FROM entity WHERE site_id = $1 LIMIT 1', [site.id])
  if (existing.length > 0) return
  const host = site.hosts[0]!
  const api = (method: string, path: string, body?: unknown, session?: Session) => call(port, host, method, path, body, session)
  // The editor is an administrator by site.json; the password is random and never shown: to sign in as the
  // editor, ask for a password reset (the link is in the log and in data/mail/ when no SMTP is set up).
  const password = randomBytes(24).toString('base64url')
  const registered = await api('POST', '/api/v1/auth/register', { ...EDITOR, password })
  if (registered.status !== 201 && registered.status !== 409) throw new Error(`sample content: register answered ${registered.status}`)
  const login = await api('POST', '/api/v1/auth/login', { email: EDITOR.email, password })
  if (login.status !== 200 || !login.cookie) return ctx.log.warn('sample content: the editor account exists already with another password; skipped')
  const s: Session = { cookie: login.cookie, csrf: login.json.csrfToken }
  const must = async (r: Promise<{ status: number; json: any }>, what: string) => {
    const res = await r
    if (res.status >= 300) throw new Error(`sample content: ${what} answered ${res.status}: ${JSON.stringify(res.json)}`)
    return res.json
  }
  const day = 86_400_000
  const at = (days: number, hour: number) => new Date(Math.floor(Date.now() / day) * day + days * day + hour * 3_600_000).toISOString()

  const team = await must(api('POST', '/api/v1/groups', { name: 'Team Communicatie', description: 'Nieuwsbrieven, het intranet en de website.', membership: 'closed' }, s), 'group')
  await must(api('POST', '/api/v1/groups', { name: 'Fietsclub', description: 'Samen naar het werk fietsen, en op vrijdag een rondje.', membership: 'open' }, s), 'group')
  await must(api('POST', '/api/v1/news', { title: 'Nieuw intranet live', lead: 'Vanaf vandaag vind je alles op één plek.', body: '<p>Het nieuwe intranet is live. Nieuws, de wiki, de smoelenboek en de agenda staan nu bij elkaar.</p>', featured: true, categories: ['organisatie'] }, s), 'news')
  await must(api('POST', '/api/v1/news', { title: 'Kerstborrel 19 december', body: '<p>Iedereen is welkom in de kantine.</p>', categories: ['personeel'] }, s), 'news')
  await must(api('POST', '/api/v1/events', { title: 'Kerstborrel', description: '<p>Met muziek en hapjes.</p>', startsAt: at(21, 15), endsAt: at(21, 18), location: 'Kantine, 1e verdieping', capacity: 120 }, s), 'event')
  await must(api('POST', '/api/v1/events', { title: 'Werkoverleg Communicatie', startsAt: at(3, 8), endsAt: at(3, 9), onlineUrl: 'https://meet.voorbeeld.example/communicatie', containerId: team.id }, s), 'event')
  const handbook = await must(api('POST', '/api/v1/wiki', { title: 'Personeelshandboek', body: '<p>Alles over werken bij de gemeente.</p>' }, s), 'wiki')
  await must(api('POST', '/api/v1/wiki', { title: 'Thuiswerken', body: `<p>Afspraken over thuiswerken. Zie ook het <a href="/wiki/${handbook.id}">personeelshandboek</a>.</p>`, parentId: handbook.id }, s), 'wiki')
  await must(api('POST', '/api/v1/blogs', { title: 'Een week met de nieuwe werkplek', body: '<p>Mijn ervaringen met de nieuwe laptops en het intranet.</p>', tags: ['werkplek'] }, s), 'blog')
  await must(
    api('PUT', '/api/v1/intranet/dashboard', {
      widgets: [
        { type: 'news.latest', column: 'main', config: { count: 5 } },
        { type: 'events.upcoming', column: 'side', config: { count: 5 } },
        { type: 'intranet.quickLinks', column: 'side', config: { links: [{ label: 'Wiki', url: '/wiki' }, { label: 'Smoelenboek', url: '/people' }, { label: 'Bestanden', url: '/files' }] } },
        { type: 'intranet.announcements', column: 'main' },
      ],
    }, s),
    'dashboard',
  )
  await must(api('PUT', '/api/v1/intranet/menu', { items: [{ label: 'Nieuws', url: '/news' }, { label: 'Agenda', url: '/events' }, { label: 'Wiki', url: '/wiki' }, { label: 'Groepen', url: '/groups' }] }, s), 'menu')
  await must(api('POST', '/api/v1/intranet/announcements', { text: 'Welkom op het nieuwe intranet!', level: 'info', startsAt: new Date().toISOString(), endsAt: at(14, 0) }, s), 'announcement')
  await api('POST', '/api/v1/auth/logout', undefined, s)
  ctx.log.info({ editor: EDITOR.email }, 'sample content created; to sign in as the editor, ask for a password reset for that address')
}

export default definePlugin({
  id: 'sample-content',
  url: import.meta.url,
  register(ctx) {
    ctx.hooks.kernel.started.tap(async ({ port }) => {
      if (port === 0) return
      await seed(ctx, port).catch(error => ctx.log.error({ err: error }, 'sample content could not be created'))
    })
  },
})
