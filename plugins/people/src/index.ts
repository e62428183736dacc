// @plein/plugin-people: the employee directory — per-site profile fields with their own visibility, search by
// name, department and skill, profile pages with groups and recent content, CSV import and export.
import { definePlugin } from '@plein/core'
import { intranetHooks } from '@plein/plugin-intranet/api'
import { peopleServiceRef } from './api.js'
import { mayUse, viewerLevel } from './fields.js'
import { PeopleCreateProfile1765300000100 } from './migrations/PeopleCreateProfile1765300000100.js'
import { peoplePages, profilePages } from './pages.js'
import { directoryRoutes, profileRoutes } from './routes/people.js'
import { transferRoutes } from './routes/transfer.js'
import { PeopleStore } from './service.js'
import { peopleSettings } from './settings.js'

export { peopleServiceRef, type FieldDefinition, type FieldType, type FieldValue, type PeopleService, type PersonJson, type Visibility } from './api.js'
export { csvRecord, parseCsv } from './csv.js'

export const peoplePlugin = definePlugin({
  id: 'people',
  url: import.meta.url,
  // With groups, a profile page shows the person's groups (those the viewer may see); with the intranet, a
  // people-search widget on its dashboard.
  optionalDependencies: { groups: '^1.0.0', intranet: '^1.0.0' },
  settings: peopleSettings,
  migrations: [PeopleCreateProfile1765300000100],
  register(ctx) {
    const store = new PeopleStore(ctx)
    ctx.provide(peopleServiceRef, () => ({
      async search(site, viewer, options) {
        if (!mayUse(viewerLevel(viewer, site), store.settings(site).directory)) return []
        const page = await store.list(viewer, site, { q: options.q, limit: options.limit })
        return page.items.map(row => store.json(site, viewer, row))
      },
    }))
    ctx.hooks.of(intranetHooks).widgets.tap(widgets => [
      ...widgets,
      {
        type: 'people.search',
        title: { nl: 'Collega zoeken', en: 'Find a colleague' },
        view: 'people.widget.search',
        config: { type: 'object', properties: { count: { type: 'integer', minimum: 0, maximum: 20, default: 5, description: 'Newest colleagues shown.' } } },
        load: async (site, viewer, config) => {
          const level = viewerLevel(viewer, site)
          if (!mayUse(level, store.settings(site).directory)) return { available: false }
          const fields = store.fields(site)
          const filters = [
            ...(fields.department && mayUse(level, fields.department.visibility) ? ['department'] : []),
            ...(fields.skills && mayUse(level, fields.skills.visibility) ? ['skill'] : []),
          ]
          const count = Number(config.count ?? 5)
          const newest = count > 0 ? await store.newest(site, count) : []
          return { available: true, search: '/api/v1/people', filters, newest: newest.map(row => store.json(site, viewer, row)) }
        },
      },
    ])
    // Profiles are personal data: part of the account's export (GDPR art. 15/20). Deleting the account deletes
    // them (foreign key), and so does deleting a site.
    ctx.hooks.identity.exportAccount.tap(async (data, account) => ({
      ...data,
      people: await ctx.db.query('SELECT site_id AS "siteId", data AS "fields", updated_at AS "updatedAt" FROM people_profile WHERE account_id = $1', [account.id]),
    }))
    // Order matters: /people/me, /people/fields, /people/import and /people/export before /people/:userId.
    directoryRoutes(ctx, store)
    transferRoutes(ctx, store)
    profileRoutes(ctx, store)
    peoplePages(ctx, store)
    profilePages(ctx, store)
  },
})

export default peoplePlugin
