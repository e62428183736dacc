// The intranet's data: the widget types of a site, the dashboard layout, the menu and the announcements. The
// JSON API and the web pages both go through here.
import { createAjv, type PluginContext, type ProblemFieldError, type Site, type Viewer } from '@plein/core'
import { intranetHooks, type WidgetType } from './api.js'

export interface Placed {
  id: string
  type: string
  column: 'main' | 'side'
  config: Record<string, unknown>
}

export interface MenuItem {
  label: string
  url: string
  children?: MenuItem[]
}

export interface Announcement {
  id: string
  text: string
  level: 'info' | 'warning' | 'error'
  startsAt: Date
  endsAt: Date
}

export interface LoadedWidget {
  id: string
  type: string
  column: 'main' | 'side'
  title: { nl: string; en: string }
  config: Record<string, unknown>
  data: unknown
  view?: string
}

const ajv = createAjv({ useDefaults: true })

const toAnnouncement = (r: any): Announcement => ({ id: r.id, text: r.text, level: r.level, startsAt: r.starts_at, endsAt: r.ends_at })

/** The intranet's own widgets: quick links (from the settings of the widget) and the announcement of now. */
const builtIn = (store: IntranetStore): WidgetType[] => [
  {
    type: 'intranet.quickLinks',
    title: { nl: 'Snelkoppelingen', en: 'Quick links' },
    view: 'intranet.widget.quickLinks',
    config: {
      type: 'object',
      properties: { links: { type: 'array', maxItems: 50, default: [], items: { type: 'object', required: ['label', 'url'], properties: { label: { type: 'string', maxLength: 100 }, url: { type: 'string', maxLength: 2000, pattern: '^(https?://|/)' } } } } },
    },
    load: async (_s, _v, config) => ({ links: config.links }),
  },
  {
    type: 'intranet.announcements',
    title: { nl: 'Mededelingen', en: 'Announcements' },
    view: 'intranet.widget.announcements',
    load: async site => ({ items: await store.current(site) }),
  },
]

export class IntranetStore {
  constructor(private readonly ctx: PluginContext) {}

  /** The widget types this site offers (its own and those of its enabled plugins), by type. */
  async types(site: Site): Promise<Map<string, WidgetType>> {
    const hooks = this.ctx.hooks.of(intranetHooks)
    return new Map((await hooks.widgets.call(site, builtIn(this), site)).map(w => [w.type, w]))
  }

  async layout(site: Site): Promise<Placed[]> {
    const rows = await this.ctx.db.query('SELECT layout FROM intranet_dashboard WHERE site_id = $1', [site.id])
    return rows[0]?.layout ?? []
  }

  /** Each placed widget with its data for this viewer; a widget whose plugin is off on this site is left out. */
  async dashboard(site: Site, viewer: Viewer): Promise<LoadedWidget[]> {
    const [layout, available] = await Promise.all([this.layout(site), this.types(site)])
    const widgets: LoadedWidget[] = []
    for (const w of layout) {
      const type = available.get(w.type)
      if (!type) continue
      widgets.push({ id: w.id, type: w.type, column: w.column, title: type.title, config: w.config, data: await type.load(site, viewer, w.config), view: type.view })
    }
    return widgets
  }

  /**
   * Checks an arrangement against the site's widget types and their config schemas (defaults filled in) and
   * stores it; every problem (pointers under /widgets) when it is not valid.
   */
  async setLayout(site: Site, widgets: ReadonlyArray<{ id?: string; type: string; column?: 'main' | 'side'; config?: Record<string, unknown> }>): Promise<{ layout: Placed[] } | { errors: ProblemFieldError[] }> {
    const available = await this.types(site)
    const errors: ProblemFieldError[] = []
    const layout: Placed[] = widgets.map((w, i) => {
      const type = available.get(w.type)
      if (!type) {
        errors.push({ in: 'body', location: { pointer: `/widgets/${i}/type` }, detail: `"${w.type}" is not a widget type on this site`, code: 'widget' })
        return { id: w.id ?? crypto.randomUUID(), type: w.type, column: w.column ?? 'main', config: w.config ?? {} }
      }
      const config = structuredClone(w.config ?? {})
      if (type.config) {
        const validate = ajv.compile(type.config as object)
        if (!validate(config)) for (const e of validate.errors ?? []) errors.push({ in: 'body', location: { pointer: `/widgets/${i}/config${e.instancePath}` }, detail: e.message ?? 'is invalid', code: e.keyword })
      }
      return { id: w.id ?? crypto.randomUUID(), type: w.type, column: w.column ?? 'main', config }
    })
    if (errors.length > 0) return { errors }
    await this.ctx.db.query(
      'INSERT INTO intranet_dashboard (site_id, layout) VALUES ($1, $2) ON CONFLICT (site_id) DO UPDATE SET layout = EXCLUDED.layout, updated_at = now()',
      [site.id, JSON.stringify(layout)],
    )
    return { layout }
  }

  async menu(site: Site): Promise<MenuItem[]> {
    const rows = await this.ctx.db.query('SELECT items FROM intranet_menu WHERE site_id = $1', [site.id])
    return rows[0]?.items ?? []
  }

  async setMenu(site: Site, items: MenuItem[]): Promise<void> {
    await this.ctx.db.query('INSERT INTO intranet_menu (site_id, items) VALUES ($1, $2) ON CONFLICT (site_id) DO UPDATE SET items = EXCLUDED.items, updated_at = now()', [site.id, JSON.stringify(items)])
  }

  /** Announcements whose time is now (by the kernel's clock), newest start first. */
  async current(site: Site): Promise<Announcement[]> {
    const rows = await this.ctx.db.query(
      'SELECT id, text, level, starts_at, ends_at FROM intranet_announcement WHERE site_id = $1 AND starts_at <= $2 AND ends_at > $2 ORDER BY starts_at DESC LIMIT 10',
      [site.id, this.ctx.clock.now()],
    )
    return rows.map(toAnnouncement)
  }

  /** Every announcement, also past and future (for administrators), newest start first. */
  async announcements(site: Site): Promise<Announcement[]> {
    const rows = await this.ctx.db.query('SELECT id, text, level, starts_at, ends_at FROM intranet_announcement WHERE site_id = $1 ORDER BY starts_at DESC LIMIT 200', [site.id])
    return rows.map(toAnnouncement)
  }

  async announce(site: Site, by: string, input: { text: string; level: Announcement['level']; startsAt: Date | string; endsAt: Date | string }): Promise<string> {
    const rows = await this.ctx.db.query(
      'INSERT INTO intranet_announcement (site_id, text, level, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [site.id, input.text, input.level, input.startsAt, input.endsAt, by],
    )
    return rows[0].id
  }

  async removeAnnouncement(site: Site, id: string): Promise<boolean> {
    const [, n] = (await this.ctx.db.query('DELETE FROM intranet_announcement WHERE id = $1 AND site_id = $2', [id, site.id])) as unknown as [unknown, number]
    return n > 0
  }
}
