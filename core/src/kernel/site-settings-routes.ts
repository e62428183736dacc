// A site's settings for its administrators: GET /api/v1/site/settings, and on the root site
// PATCH /api/v1/site/settings (run-time overrides of site.json, in effect at once in every process).
import type { PluginRouter } from '../http/router.js'
import { escapePointer } from '../validation/ajv.js'
import { HttpProblem } from '../http/problem.js'
import { mergePatch, type RootSettingsView, type RootSiteSettings, type SiteOverrides } from '../tenancy/root-settings.js'
import { requireSiteAdmin } from './audit-routes.js'

const pluginId = { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 100 }

const settingsSchema = {
  type: 'object',
  required: ['editable', 'plugins', 'siteSettings', 'settings', 'overrides', 'updatedAt'],
  properties: {
    editable: { type: 'boolean', description: "False on a subsite: the root site's administrators change its settings." },
    plugins: { type: 'array', items: { type: 'string' }, description: 'Enabled plugin ids, in boot order.' },
    siteSettings: { type: 'object', description: 'Effective kernel settings: site.json, the overrides over it, then the defaults.' },
    settings: { type: 'object', additionalProperties: { type: 'object' }, description: 'Effective settings per plugin id.' },
    overrides: {
      type: 'object',
      description: 'What differs from site.json: siteSettings and settings.<plugin> as JSON merge patches, plugins as { id: on }.',
      properties: { siteSettings: { type: 'object' }, settings: { type: 'object' }, plugins: { type: 'object', additionalProperties: { type: 'boolean' } } },
    },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
}

export interface SiteSettingsPatch {
  plugins?: string[] | null
  settings?: Record<string, Record<string, unknown> | null> | null
  siteSettings?: Record<string, unknown> | null
}

const json = (v: RootSettingsView) => ({ ...v, updatedAt: v.updatedAt ? new Date(v.updatedAt).toISOString() : null })

/**
 * The stored overrides after a PATCH: `siteSettings` and `settings.<id>` are merge patches over what is stored
 * (null resets a field, a plugin or a whole part to site.json's value); `plugins` is the full list to enable.
 */
export function applyPatch(current: SiteOverrides, body: SiteSettingsPatch, rootDefaults: string[], installed: string[]): SiteOverrides {
  const next: SiteOverrides = { ...current }
  if (body.siteSettings === null) delete next.siteSettings
  else if (body.siteSettings) next.siteSettings = mergePatch(current.siteSettings ?? {}, body.siteSettings) as Record<string, unknown>
  if (body.settings === null) delete next.settings
  else if (body.settings) next.settings = mergePatch(current.settings ?? {}, body.settings) as SiteOverrides['settings']
  if (body.plugins === null) delete next.plugins
  else if (body.plugins) {
    const wanted = new Set(body.plugins)
    const plugins: Record<string, boolean> = {}
    for (const id of new Set([...installed, ...body.plugins])) {
      const on = wanted.has(id)
      if (on !== rootDefaults.includes(id) || !installed.includes(id)) plugins[id] = on
    }
    next.plugins = plugins
  }
  return next
}

export function siteSettingsRoutes(router: PluginRouter, root: RootSiteSettings): void {
  router.get(
    'kernel.site.settings',
    '/api/v1/site/settings',
    {
      summary: "This site's settings (administrators): effective values, and on the root site what was changed over site.json.",
      auth: true,
      responses: { 200: { description: 'The settings.', schema: settingsSchema }, 403: { description: 'Not an administrator.' } },
    },
    c => {
      requireSiteAdmin(c)
      return json(root.view(c.site))
    },
  )

  router.patch<SiteSettingsPatch>(
    'kernel.site.settings.update',
    '/api/v1/site/settings',
    {
      summary: "Change the root site's settings at run time (its administrators): over site.json, in effect at once without a restart.",
      description:
        'siteSettings (kernel settings, as site.json "settings") and settings.<plugin> are JSON merge patches: a field set to null goes back to site.json\'s value, ' +
        'and so does a whole part set to null. plugins is the full list of plugins to enable on the root site; their dependencies must be enabled too.',
      auth: true,
      body: {
        type: 'object',
        minProperties: 1,
        additionalProperties: false,
        properties: {
          plugins: { type: ['array', 'null'], maxItems: 200, uniqueItems: true, items: pluginId, description: 'Plugin ids to enable on the root site; null: as in site.json.' },
          settings: { type: ['object', 'null'], maxProperties: 200, additionalProperties: { type: ['object', 'null'] }, description: 'Per plugin id, a merge patch over its settings.' },
          siteSettings: { type: ['object', 'null'], description: 'A merge patch over the kernel settings (membership, auth, access, language, theme, …).' },
        },
      },
      responses: { 200: { description: 'The settings, in effect.', schema: settingsSchema }, 403: { description: 'Not an administrator of the root site.' } },
    },
    async c => {
      requireSiteAdmin(c)
      const body = c.input.body
      const defaults = root.defaults().plugins
      const installed = Object.keys(root.defaults().settings)
      try {
        return json(await root.update(c.site, c.viewer.user!.id, current => applyPatch(current, body, defaults, installed)))
      } catch (error) {
        // A plugin's problem names it by id; the body names it by its place in the list sent.
        if (error instanceof HttpProblem && error.errors && Array.isArray(body.plugins)) {
          const list = body.plugins
          for (const e of error.errors) {
            if (!('pointer' in e.location)) continue
            const m = /^\/plugins\/(.+)$/.exec(e.location.pointer)
            const i = m ? list.findIndex(id => escapePointer(id) === m[1]) : -1
            if (i >= 0) e.location = { pointer: `/plugins/${i}` }
          }
        }
        throw error
      }
    },
  )
}
