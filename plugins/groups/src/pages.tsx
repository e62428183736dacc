// Group pages: the list, a group with its activity and members, join and leave buttons, and a form to create one.
import { problems, type ItemJson, type PluginContext, type View } from '@plein/core'
import { isGroupAdmin, type GroupGuard } from './guard.js'
import { groupManagePages } from './manage.js'
import type { GroupService } from './service.js'
import type { GroupsStore } from './store.js'

const messages = {
  nl: {
    'groups.nav': 'Groepen', 'groups.title': 'Groepen', 'groups.none': 'Nog geen groepen.', 'groups.new': 'Nieuwe groep', 'groups.name': 'Naam', 'groups.description': 'Beschrijving',
    'groups.membership': 'Lidmaatschap', 'groups.open': 'Open: iedereen kan lid worden', 'groups.closed': 'Besloten: aanvragen worden beoordeeld', 'groups.create': 'Groep maken',
    'groups.join': 'Lid worden', 'groups.request': 'Lidmaatschap aanvragen', 'groups.pending': 'Je aanvraag wacht op goedkeuring.', 'groups.leave': 'Groep verlaten', 'groups.members': 'Leden ({n})', 'groups.activity': 'Activiteit', 'groups.membersOnly': 'Alleen leden zien wat er in deze groep gebeurt.',
    'groups.name.missing': 'Geef de groep een naam.', 'groups.writeBlog': 'Schrijf een blog in deze groep', 'groups.role.owner': 'eigenaar', 'groups.role.admin': 'beheerder', 'groups.role.member': 'lid', 'groups.activity.none': 'Nog niets in deze groep.',
    'groups.events': 'Agenda van deze groep',
  },
  en: {
    'groups.nav': 'Groups', 'groups.title': 'Groups', 'groups.none': 'No groups yet.', 'groups.new': 'New group', 'groups.name': 'Name', 'groups.description': 'Description',
    'groups.membership': 'Membership', 'groups.open': 'Open: anyone can join', 'groups.closed': 'Closed: requests are reviewed', 'groups.create': 'Create group',
    'groups.join': 'Join', 'groups.request': 'Ask to join', 'groups.pending': 'Your request waits for approval.', 'groups.leave': 'Leave group', 'groups.members': 'Members ({n})', 'groups.activity': 'Activity', 'groups.membersOnly': 'Only members see what happens in this group.',
    'groups.name.missing': 'Give the group a name.', 'groups.writeBlog': 'Write a blog post in this group', 'groups.role.owner': 'owner', 'groups.role.admin': 'administrator', 'groups.role.member': 'member', 'groups.activity.none': 'Nothing in this group yet.',
    'groups.events': 'Events of this group',
  },
}

const List: View<{ items: ItemJson[] }> = ({ ui, items }) => (
  <>
    {ui.viewer.user ? (
      <p>
        <a class="utrecht-button-link utrecht-button-link--primary-action" href="/groups/new">
          {ui.t('groups.new')}
        </a>
      </p>
    ) : null}
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('groups.none')}</p> : null}
    <ul class="plein-items">
      {items.map(g => (
        <li>
          <h2 class="utrecht-heading-3">
            <a class="utrecht-link" href={g.url}>
              {g.title}
            </a>
          </h2>
          <p class="plein-meta">
            {ui.t(g.membership === 'open' ? 'groups.open' : 'groups.closed')} · {ui.t('groups.members', { n: Number(g.memberCount ?? 0) })}
          </p>
          <p class="utrecht-paragraph">{String(g.description ?? '')}</p>
        </li>
      ))}
    </ul>
  </>
)

const Group: View<{ group: ItemJson; activity: ItemJson[] | null; members: Array<{ id: string; name: string; role: string }> | null; canAdmin?: boolean }> = ({ ui, group, activity, members, canAdmin = false }) => (
  <>
    <p class="utrecht-paragraph">{String(group.description ?? '')}</p>
    {ui.viewer.user ? (
      group.viewerStatus === 'member' ? (
        group.viewerRole === 'owner' ? null : (
          <form method="post" action={`/groups/${group.id}/leave`}>
            <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
            <button class="utrecht-button utrecht-button--secondary-action" type="submit">
              {ui.t('groups.leave')}
            </button>
          </form>
        )
      ) : group.viewerStatus === 'pending' ? (
        ui.view('kernel.alert', { kind: 'info', text: ui.t('groups.pending') })
      ) : group.viewerStatus === 'invited' ? (
        ui.view('groups.invited', { group })
      ) : (
        <form method="post" action={`/groups/${group.id}/join`}>
          <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
          <button class="utrecht-button utrecht-button--primary-action" type="submit">
            {ui.t(group.membership === 'open' || group.viewerStatus === 'invited' ? 'groups.join' : 'groups.request')}
          </button>
        </form>
      )
    ) : null}
    {ui.view('groups.links', { group, canAdmin, inside: activity !== null })}
    {/* Writing in the group: the blog plugin's form takes the group (and checks membership again). */}
    {group.viewerStatus === 'member' && ui.site.isEnabled('blog') ? (
      <p>
        <a class="utrecht-button-link utrecht-button-link--secondary-action" href={`/blogs/new?group=${group.id}`}>
          {ui.t('groups.writeBlog')}
        </a>
      </p>
    ) : null}
    {/* The group's events: the events plugin lists only those the viewer may read. */}
    {ui.site.isEnabled('events') ? (
      <p>
        <a class="utrecht-link" href={`/events?group=${group.id}`}>
          {ui.t('groups.events')}
        </a>
      </p>
    ) : null}
    {activity === null ? (
      <p class="utrecht-paragraph">{ui.t('groups.membersOnly')}</p>
    ) : (
      <section aria-labelledby="activity-heading">
        <h2 class="utrecht-heading-2" id="activity-heading">
          {ui.t('groups.activity')}
        </h2>
        {activity.length === 0 ? <p class="utrecht-paragraph">{ui.t('groups.activity.none')}</p> : null}
        <ul class="plein-items">
          {activity.map(i => (
            <li>
              <a class="utrecht-link" href={i.url}>
                {i.title}
              </a>{' '}
              <span class="plein-meta">{i.type}</span>
            </li>
          ))}
        </ul>
      </section>
    )}
    {members ? (
      <section aria-labelledby="members-heading">
        <h2 class="utrecht-heading-2" id="members-heading">
          {ui.t('groups.members', { n: Number(group.memberCount ?? members.length) })}
        </h2>
        <ul>
          {members.map(m => (
            <li>
              {m.name} <span class="plein-meta">({ui.t(`groups.role.${m.role}`)})</span>
            </li>
          ))}
        </ul>
      </section>
    ) : null}
  </>
)

const Form: View<{ values?: Record<string, string>; errors?: Record<string, string> }> = ({ ui, values = {}, errors = {} }) => (
  <form class="plein-form" method="post" action="/groups/new" novalidate>
    {ui.view('kernel.formErrors', { errors })}
    <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
    {ui.view('kernel.field', { name: 'name', label: ui.t('groups.name'), value: values.name, error: errors.name, required: true })}
    {ui.view('kernel.field', { name: 'description', label: ui.t('groups.description'), type: 'textarea', value: values.description })}
    <fieldset class="utrecht-form-fieldset">
      <legend class="utrecht-form-fieldset__legend">{ui.t('groups.membership')}</legend>
      <p>
        <input class="utrecht-radio-button utrecht-radio-button--html-input" type="radio" id="membership-open" name="membership" value="open" checked={values.membership !== 'closed'} />{' '}
        <label class="utrecht-form-label" for="membership-open">
          {ui.t('groups.open')}
        </label>
      </p>
      <p>
        <input class="utrecht-radio-button utrecht-radio-button--html-input" type="radio" id="membership-closed" name="membership" value="closed" checked={values.membership === 'closed'} />{' '}
        <label class="utrecht-form-label" for="membership-closed">
          {ui.t('groups.closed')}
        </label>
      </p>
    </fieldset>
    {ui.view('kernel.submit', { label: ui.t('groups.create') })}
  </form>
)

export function groupPages(ctx: PluginContext, store: GroupsStore, guard: GroupGuard, service: GroupService): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('groups.list', List)
  ctx.views.define('groups.group', Group)
  ctx.views.define('groups.form', Form)
  groupManagePages(ctx, store, guard, service)
  ctx.hooks.kernel.navigation.tap((items, _s, _v, locale) => [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['groups.nav'], href: '/groups' }])
  const uuid = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }

  ctx.routes(router => {
    router.get('groups.page.list', '/groups', { hidden: true }, async c => {
      const page = await ctx.content.page(c.viewer, c.site, { kinds: ['group'], limit: 50 })
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'groups.title'), view: 'groups.list', props: { items: page.items } })
    })
    router.get('groups.page.new', '/groups/new', { hidden: true }, async c => {
      if (!c.viewer.user) return c.redirect('/auth/sign-in?next=/groups/new')
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'groups.new'), view: 'groups.form' })
    })
    router.post<{ name?: string; description?: string; membership?: string }>(
      'groups.page.create',
      '/groups/new',
      { hidden: true, form: { type: 'object', properties: { name: { type: 'string', maxLength: 200 }, description: { type: 'string', maxLength: 20000 }, membership: { enum: ['open', 'closed'] } } } },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        const values = { name: c.input.body.name ?? '', description: c.input.body.description ?? '', membership: c.input.body.membership ?? 'open' }
        if (!values.name.trim()) return ctx.views.page(c, { title: ctx.i18n.t(c, 'groups.new'), view: 'groups.form', status: 400, props: { values, errors: { name: ctx.i18n.t(c, 'groups.name.missing') } } })
        // The same service as the API: one place decides what creating a group means.
        const id = await service.create(c, { name: values.name, description: values.description, membership: c.input.body.membership as 'open' | 'closed' | undefined })
        c.redirect(`/groups/${id}`)
      },
    )
    router.get<unknown, unknown, { id: string }>('groups.page.group', '/groups/:id', { hidden: true, params: uuid }, async c => {
      const group = await guard.load(c, c.input.params.id)
      const [json] = await ctx.content.serialize([group.entity], c.viewer, c.site)
      const inside = c.viewer.isAdmin || group.membership?.status === 'member' || (!group.fields.hidden && group.fields.membership === 'open')
      const activity = inside ? (await ctx.content.page(c.viewer, c.site, { kinds: ctx.content.enabledKinds(c.site).filter(k => k !== 'group'), containerId: group.entity.id, limit: 20 })).items : null
      const members = inside ? (await store.members(group.entity.id, 'member', { limit: 50 })).items.map(r => ({ id: r.account_id, name: r.name, role: r.role })) : null
      await ctx.views.page(c, { title: group.entity.title, view: 'groups.group', props: { group: json, activity, members, canAdmin: isGroupAdmin(c, group) } })
    })
    // The buttons post here; the service does the work (the API's rules), then back to the group page.
    router.post<unknown, unknown, { id: string }>('groups.page.join', '/groups/:id/join', { hidden: true, params: uuid, form: { type: 'object', properties: {} } }, async c => {
      await service.join(c, c.input.params.id)
      c.redirect(`/groups/${c.input.params.id}`)
    })
    router.post<unknown, unknown, { id: string }>('groups.page.leave', '/groups/:id/leave', { hidden: true, params: uuid, form: { type: 'object', properties: {} } }, async c => {
      if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
      await service.removeMember(c, c.input.params.id, c.viewer.user.id)
      c.redirect(`/groups/${c.input.params.id}`)
    })
  })
}
