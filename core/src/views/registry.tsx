// Named views: every page and component has a name; plugins add theirs, and a theme, another plugin or a
// site builder (per site) can override any of them without forking.
import type { ComponentChildren, VNode } from 'preact'
import { renderToString } from 'preact-render-to-string'
import type { Viewer } from '../access/viewer.js'
import type { RequestContext } from '../http/context.js'
import type { Site } from '../tenancy/site.js'
import type { Catalogue, Locale } from './i18n.js'

/** What every view gets besides its own props: translation, the site, the viewer, the CSRF token. */
export interface UI {
  locale: Locale
  t(key: string, vars?: Record<string, string | number>): string
  site: Site
  viewer: Viewer
  /** For forms: put it in a hidden `_csrf` field. */
  csrfToken: string | undefined
  /** The path of this request (for "current page" marks and redirects back). */
  path: string
  /** Renders another named view (so overrides apply at every level). */
  view(name: string, props?: Record<string, unknown>): VNode
  /** Main menu items plugins added through the kernel.navigation hook. */
  navigation: Array<{ label: string; href: string }>
  /** Notices at the top of every page that plugins added through the kernel.banners hook. */
  banners?: Array<{ kind: 'info' | 'warning' | 'error'; text: string }>
}

export type View<P = Record<string, unknown>> = (props: P & { ui: UI; children?: ComponentChildren }) => VNode | null

interface Entry {
  owner: string
  view: View<any>
  /** Site keys an override is limited to (undefined: every site). */
  sites?: readonly string[]
}

export class ViewRegistry {
  private readonly views = new Map<string, Entry[]>()

  define(owner: string, name: string, view: View<any>): void {
    if (!/^[a-z][a-z0-9-]*(\.[a-zA-Z0-9-]+)+$/.test(name)) throw new TypeError(`View name "${name}" must look like "<plugin>.<view>"`)
    const list = this.views.get(name) ?? []
    if (list.some(e => e.sites === undefined && e.owner === owner)) throw new TypeError(`View "${name}" is defined twice by "${owner}"`)
    list.unshift({ owner, view })
    this.views.set(name, list)
  }

  /** Replaces a view everywhere, or only on the sites named by key ('root' or a subsite's key). Later overrides win. */
  override(owner: string, name: string, view: View<any>, options: { sites?: readonly string[] } = {}): void {
    const list = this.views.get(name) ?? []
    list.unshift({ owner, view, sites: options.sites })
    this.views.set(name, list)
  }

  resolve(name: string, site: Site): View<any> {
    const list = this.views.get(name)
    const entry = list?.find(e => (e.sites === undefined || e.sites.includes(site.key)) && (e.owner === 'kernel' || site.isEnabled(e.owner)))
    if (!entry) throw new Error(`No view named "${name}" on this site`)
    return entry.view
  }

  names(): string[] {
    return [...this.views.keys()].sort()
  }
}

export interface PageOptions {
  title: string
  /** The named view that fills <main>. */
  view: string
  props?: Record<string, unknown>
  status?: number
  /** Other representations of this page (an Atom feed …): `<link rel="alternate">` in the head. */
  alternates?: Array<{ type: string; href: string; title: string }>
}

export function makeUI(registry: ViewRegistry, catalogue: Catalogue, c: RequestContext, locale: Locale, navigation: UI['navigation'] = [], banners: UI['banners'] = []): UI {
  const ui: UI = {
    navigation,
    banners,
    locale,
    t: (key, vars) => catalogue.t(locale, key, vars),
    site: c.site,
    viewer: c.viewer,
    csrfToken: c.auth.kind === 'session' ? c.auth.csrfToken : undefined,
    path: c.path,
    view: (name, props = {}) => {
      const V = registry.resolve(name, c.site)
      return <V {...props} ui={ui} />
    },
  }
  return ui
}

/** Renders a full HTML page: the `kernel.layout` view around the page's own view. */
export function renderPage(ui: UI, options: PageOptions, stylesheet: string, themeStylesheet?: string): string {
  const html = renderToString(ui.view('kernel.layout', { title: options.title, stylesheet, themeStylesheet, alternates: options.alternates, main: ui.view(options.view, options.props ?? {}) }))
  return `<!doctype html>${html}`
}
