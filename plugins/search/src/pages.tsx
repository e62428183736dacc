// The search page: a form that works without JavaScript, and highlighted results.
import type { PluginContext, Site, View, Viewer } from '@plein/core'
import type { SearchQuery } from './api.js'
import type { SearchResultItem } from './results.js'

const messages = {
  nl: { 'search.nav': 'Zoeken', 'search.title': 'Zoeken', 'search.label': 'Zoekwoorden', 'search.submit': 'Zoeken', 'search.none': 'Niets gevonden voor “{q}”.', 'search.more': 'Meer resultaten' },
  en: { 'search.nav': 'Search', 'search.title': 'Search', 'search.label': 'Search terms', 'search.submit': 'Search', 'search.none': 'Nothing found for “{q}”.', 'search.more': 'More results' },
}

const Results: View<{ q: string; items: SearchResultItem[]; next: string | null }> = ({ ui, q, items, next }) => (
  <>
    <form class="plein-form" method="get" action="/search" role="search">
      {ui.view('kernel.field', { name: 'q', label: ui.t('search.label'), type: 'search', value: q })}
      <div>
        <button class="utrecht-button utrecht-button--primary-action" type="submit">
          {ui.t('search.submit')}
        </button>
      </div>
    </form>
    {q && items.length === 0 ? <p class="utrecht-paragraph">{ui.t('search.none', { q })}</p> : null}
    <ul class="plein-items">
      {items.map(i => (
        <li>
          <a class="utrecht-link" href={i.url}>
            {i.title || String(i.name ?? '')}
          </a>{' '}
          <span class="plein-meta">{i.type}</span>
          {/* The snippet is escaped text with <mark> around the matched words. */}
          <p class="utrecht-paragraph" dangerouslySetInnerHTML={{ __html: i.snippet }} />
        </li>
      ))}
    </ul>
    {next ? (
      <a class="utrecht-link" href={`/search?q=${encodeURIComponent(q)}&cursor=${encodeURIComponent(next)}`}>
        {ui.t('search.more')}
      </a>
    ) : null}
  </>
)

export function searchPages(ctx: PluginContext, search: (viewer: Viewer, site: Site, query: SearchQuery) => Promise<{ items: SearchResultItem[]; nextCursor: string | null }>): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('search.results', Results)
  ctx.hooks.kernel.navigation.tap((items, _s, _v, locale) => [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['search.nav'], href: '/search' }])
  ctx.routes(router =>
    router.get<unknown, { q?: string; cursor?: string }>('search.page', '/search', { hidden: true, query: { type: 'object', properties: { q: { type: 'string', maxLength: 200 }, cursor: { type: 'string', maxLength: 200 } } } }, async c => {
      const q = (c.input.query.q ?? '').trim()
      let items: SearchResultItem[] = []
      let next: string | null = null
      if (q) {
        const result = await search(c.viewer, c.site, { q, kinds: ctx.content.enabledKinds(c.site), limit: 20, cursor: c.input.query.cursor })
        items = result.items
        next = result.nextCursor
      }
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'search.title'), view: 'search.results', props: { q, items, next } })
    }),
  )
}
