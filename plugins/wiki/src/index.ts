// @plein/plugin-wiki: a tree of pages in a site or group, every edit a revision, diffs and restore, links by id.
import { definePlugin, htmlToText } from '@plein/core'
import { commentsHooks } from '@plein/plugin-comments/api'
import { searchHooks } from '@plein/plugin-search/api'
import { WikiCreatePages1765300000000 } from './migrations/WikiCreatePages1765300000000.js'
import { wikiPages } from './pages.js'
import { pageRoutes } from './routes/pages.js'
import { revisionRoutes } from './routes/revisions.js'
import { WikiService } from './service.js'
import { wikiSettings } from './settings.js'
import { wikiSeeder } from './seed.js'

export { wikiLinkTargets, type WikiPageJson, type WikiRevisionJson } from './api.js'

export const wikiPlugin = definePlugin({
  id: 'wiki',
  url: import.meta.url,
  // Group pages need no code of the groups plugin (containers are the kernel's); listed so that a site's
  // groups boot first and their hooks (resolveContainer, keep-inside rules) are in place.
  optionalDependencies: { comments: '^1.0.0', search: '^1.0.0', groups: '^1.0.0' },
  settings: wikiSettings,
  migrations: [WikiCreatePages1765300000000],
  seed: wikiSeeder,
  register(ctx) {
    const wiki = new WikiService(ctx)
    ctx.content.kind({
      kind: 'wiki',
      url: e => `/wiki/${e.id}`,
      load: (entities, viewer, site) => wiki.fields(entities, viewer, site),
    })
    ctx.hooks.of(commentsHooks).commentable.tap(kinds => [...kinds, 'wiki'])
    ctx.hooks.of(searchHooks).document.tap(async (document, entity) => {
      if (entity.kind !== 'wiki') return document
      const page = await wiki.stored(entity.id)
      return page ? { ...document, body: `${document.body} ${htmlToText(page.body)}`.trim() } : document
    })
    // Revisions are personal data of their authors: part of their export (GDPR art. 15/20).
    ctx.hooks.identity.exportAccount.tap(async (data, account) => ({
      ...data,
      wiki: {
        revisions: await ctx.db.query(
          `SELECT r.entity_id AS "pageId", e.site_id AS "siteId", r.rev, r.title, r.summary, r.created_at AS "createdAt"
             FROM wiki_revision r JOIN entity e ON e.id = r.entity_id WHERE r.author_id = $1 ORDER BY r.created_at`,
          [account.id],
        ),
      },
    }))
    pageRoutes(ctx, wiki)
    revisionRoutes(ctx, wiki)
    wikiPages(ctx, wiki)
  },
})

export default wikiPlugin
