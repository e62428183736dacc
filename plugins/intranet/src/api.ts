// The intranet plugin's hook: other plugins contribute dashboard widgets through it.
import { defineHooks, filter, type JsonSchema, type Site, type Viewer } from '@plein/core'

export interface WidgetType {
  /** `<plugin>.<name>`, e.g. `news.latest`. */
  type: string
  title: { nl: string; en: string }
  /** JSON Schema of the widget's settings (with defaults); checked when an administrator places it. */
  config?: JsonSchema
  /** The widget's data for this viewer: only what they may read. */
  load(site: Site, viewer: Viewer, config: Record<string, unknown>): Promise<unknown>
  /**
   * The named view (defined by the widget's plugin) that renders the widget on the dashboard page, with props
   * `{ data, config }` (`data`: what load returned). Without one, the page shows a generic list of `data.items`.
   */
  view?: string
}

export const intranetHooks = defineHooks('intranet', () => ({
  widgets: filter<WidgetType[], [Site]>({
    since: '1.0.0',
    description: 'Add the dashboard widget types your plugin offers; a widget appears only on sites where its plugin is enabled.',
  }),
}))
