// The intranet dashboard's "my groups" widget (when the site has the intranet): the groups the viewer is a member of.
import { ENTITY_SQL, type PluginContext, type View } from '@plein/core'
import { intranetHooks } from '@plein/plugin-intranet/api'
import type { GroupsStore } from './store.js'

const messages = {
  nl: { 'groups.widget.none': 'Je bent nog geen lid van een groep.', 'groups.widget.all': 'Alle groepen', 'groups.widget.signIn': 'Log in om je groepen te zien.' },
  en: { 'groups.widget.none': 'You are not a member of any group yet.', 'groups.widget.all': 'All groups', 'groups.widget.signIn': 'Sign in to see your groups.' },
}

interface MineData {
  signedIn: boolean
  items: Array<{ id: string; name: string; url: string }>
}

const Mine: View<{ data: MineData }> = ({ ui, data }) => (
  <>
    {!data.signedIn ? (
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href="/auth/sign-in?next=/intranet">
          {ui.t('groups.widget.signIn')}
        </a>
      </p>
    ) : data.items.length === 0 ? (
      <p class="utrecht-paragraph">{ui.t('groups.widget.none')}</p>
    ) : (
      <ul>
        {data.items.map(g => (
          <li>
            <a class="utrecht-link" href={g.url}>
              {g.name}
            </a>
          </li>
        ))}
      </ul>
    )}
    <p>
      <a class="utrecht-link" href="/groups">
        {ui.t('groups.widget.all')}
      </a>
    </p>
  </>
)

export function groupWidgets(ctx: PluginContext, store: GroupsStore): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('groups.widget.mine', Mine)
  ctx.hooks.of(intranetHooks).widgets.tap(widgets => [
    ...widgets,
    {
      type: 'groups.mine',
      title: { nl: 'Mijn groepen', en: 'My groups' },
      view: 'groups.widget.mine',
      config: { type: 'object', properties: { count: { type: 'integer', minimum: 1, maximum: 50, default: 10 } } },
      load: async (site, viewer, config): Promise<MineData> => {
        if (!viewer.user) return { signedIn: false, items: [] }
        const ids = await store.groupsOf(site, viewer.user.id)
        if (ids.length === 0) return { signedIn: true, items: [] }
        const where = ctx.access.readableWhere(viewer, site, 'e', 1)
        const params = [...where.params, ids, Number(config.count ?? 10)]
        const rows: any[] = await ctx.db.query(
          `SELECT ${ENTITY_SQL.columns('e')} FROM entity e WHERE e.kind = 'group' AND e.id = ANY($${params.length - 1}::uuid[]) AND ${where.sql}
            ORDER BY lower(e.title), e.id LIMIT $${params.length}`,
          params,
        )
        return { signedIn: true, items: rows.map(ENTITY_SQL.fromRow).map(e => ({ id: e.id, name: e.title, url: ctx.content.urlOf(e) })) }
      },
    },
  ])
}
