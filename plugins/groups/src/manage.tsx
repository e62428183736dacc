// Group management pages: members (search, roles, removal), requests, invitations, settings and deleting a group,
// plus the group page's links and the invited person's accept/decline choice. Forms without JavaScript: POST with
// _csrf, redirect after post, errors next to the field. The work is done by the GroupService (the API's rules).
import { HttpProblem, intlLocale, problems, type ItemJson, type PluginContext, type RouteContext, type View } from '@plein/core'
import { isGroupAdmin, isOwner, type GroupGuard, type LoadedGroup } from './guard.js'
import type { GroupService } from './service.js'
import type { GroupsStore } from './store.js'

const messages = {
  nl: {
    'groups.manage': 'Groep', 'groups.manage.members': 'Leden', 'groups.manage.requests': 'Aanvragen', 'groups.manage.invitations': 'Uitnodigingen', 'groups.manage.settings': 'Instellingen',
    'groups.wiki': 'Wiki van deze groep', 'groups.files': 'Bestanden van deze groep', 'groups.back': 'Terug naar {name}',
    'groups.invited': 'Je bent uitgenodigd voor deze groep.', 'groups.accept': 'Uitnodiging aannemen', 'groups.decline': 'Uitnodiging afslaan',
    'groups.members.title': 'Leden van {name}', 'groups.members.search': 'Zoek op naam', 'groups.members.searchSubmit': 'Zoeken', 'groups.members.none': 'Geen leden gevonden.',
    'groups.members.name': 'Naam', 'groups.members.role': 'Rol', 'groups.members.since': 'Sinds', 'groups.members.actions': 'Acties', 'groups.more': 'Meer',
    'groups.members.makeAdmin': 'Beheerder maken', 'groups.members.makeMember': 'Gewoon lid maken', 'groups.members.remove': 'Verwijderen uit de groep', 'groups.members.for': 'voor {name}',
    'groups.requests.title': 'Aanvragen voor {name}', 'groups.requests.none': 'Geen openstaande aanvragen.', 'groups.requests.approve': 'Toelaten', 'groups.requests.reject': 'Afwijzen',
    'groups.invitations.title': 'Uitnodigingen voor {name}', 'groups.invitations.email': 'E-mailadres', 'groups.invitations.hint': 'Heeft de persoon nog geen account, dan krijgt die een e-mail om er een te maken.',
    'groups.invitations.send': 'Uitnodigen', 'groups.invitations.sent': 'Uitnodiging verstuurd.', 'groups.invitations.open': 'Openstaande uitnodigingen', 'groups.invitations.none': 'Geen openstaande uitnodigingen.',
    'groups.invitations.email.missing': 'Vul een e-mailadres in.', 'groups.invitations.email.invalid': 'Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.', 'groups.invitations.already': 'Deze persoon is al lid van de groep.',
    'groups.invitations.waiting': 'wacht op een account',
    'groups.settings.title': 'Instellingen van {name}', 'groups.settings.save': 'Opslaan', 'groups.settings.saved': 'De instellingen zijn opgeslagen.', 'groups.name.long': 'Gebruik hoogstens 200 tekens.',
    'groups.hidden': 'Verborgen: alleen leden en genodigden zien dat de groep bestaat', 'groups.visibility': 'Zichtbaarheid',
    'groups.delete': 'Groep verwijderen', 'groups.delete.title': '{name} verwijderen', 'groups.delete.intro': 'Een verwijderde groep komt niet terug.',
    'groups.delete.warning': 'Weet je het zeker? De groep en alle lidmaatschappen verdwijnen; de inhoud van de groep wordt gearchiveerd of verwijderd, zoals de site is ingesteld.',
    'groups.delete.confirm': 'Ja, verwijder de groep', 'groups.delete.cancel': 'Nee, terug naar de instellingen',
  },
  en: {
    'groups.manage': 'Group', 'groups.manage.members': 'Members', 'groups.manage.requests': 'Requests', 'groups.manage.invitations': 'Invitations', 'groups.manage.settings': 'Settings',
    'groups.wiki': "This group's wiki", 'groups.files': "This group's files", 'groups.back': 'Back to {name}',
    'groups.invited': 'You are invited to this group.', 'groups.accept': 'Accept the invitation', 'groups.decline': 'Decline the invitation',
    'groups.members.title': 'Members of {name}', 'groups.members.search': 'Search by name', 'groups.members.searchSubmit': 'Search', 'groups.members.none': 'No members found.',
    'groups.members.name': 'Name', 'groups.members.role': 'Role', 'groups.members.since': 'Since', 'groups.members.actions': 'Actions', 'groups.more': 'More',
    'groups.members.makeAdmin': 'Make administrator', 'groups.members.makeMember': 'Make ordinary member', 'groups.members.remove': 'Remove from the group', 'groups.members.for': 'for {name}',
    'groups.requests.title': 'Requests for {name}', 'groups.requests.none': 'No open requests.', 'groups.requests.approve': 'Approve', 'groups.requests.reject': 'Reject',
    'groups.invitations.title': 'Invitations for {name}', 'groups.invitations.email': 'E-mail address', 'groups.invitations.hint': 'Someone without an account gets an e-mail to create one.',
    'groups.invitations.send': 'Invite', 'groups.invitations.sent': 'Invitation sent.', 'groups.invitations.open': 'Open invitations', 'groups.invitations.none': 'No open invitations.',
    'groups.invitations.email.missing': 'Enter an e-mail address.', 'groups.invitations.email.invalid': 'Enter a valid e-mail address, like name@example.org.', 'groups.invitations.already': 'This person is already a member of the group.',
    'groups.invitations.waiting': 'waiting for an account',
    'groups.settings.title': 'Settings of {name}', 'groups.settings.save': 'Save', 'groups.settings.saved': 'The settings are saved.', 'groups.name.long': 'Use at most 200 characters.',
    'groups.hidden': 'Hidden: only members and invited people see that the group exists', 'groups.visibility': 'Visibility',
    'groups.delete': 'Delete group', 'groups.delete.title': 'Delete {name}', 'groups.delete.intro': 'A deleted group does not come back.',
    'groups.delete.warning': 'Are you sure? The group and all memberships disappear; its content is archived or deleted, as the site is set up.',
    'groups.delete.confirm': 'Yes, delete the group', 'groups.delete.cancel': 'No, back to the settings',
  },
}

interface GroupRef {
  id: string
  name: string
}
interface Person {
  id: string
  name: string
  role: string
  since: Date
}

const date = (ui: { locale: string }, d: Date) => new Intl.DateTimeFormat(intlLocale(ui.locale), { dateStyle: 'medium' }).format(d)

const Csrf: View = ({ ui }) => <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />

const Back: View<{ group: GroupRef }> = ({ ui, group }) => (
  <p class="utrecht-paragraph">
    <a class="utrecht-link" href={`/groups/${group.id}`}>
      {ui.t('groups.back', { name: group.name })}
    </a>
  </p>
)

/** A one-button form, its button named with the person it acts on (screen readers hear which row it is). */
const ActionButton: View<{ action: string; label: string; who?: string; hidden?: Record<string, string>; primary?: boolean }> = ({ ui, action, label, who, hidden = {}, primary }) => (
  <form class="plein-inline-form" method="post" action={action}>
    <Csrf ui={ui} />
    {Object.entries(hidden).map(([k, v]) => (
      <input type="hidden" name={k} value={v} />
    ))}
    <button class={`utrecht-button utrecht-button--${primary ? 'primary' : 'secondary'}-action`} type="submit">
      {label}
      {who ? <span class="plein-skip"> {ui.t('groups.members.for', { name: who })}</span> : null}
    </button>
  </form>
)

/** On the group page: accept or decline an invitation. */
const Invited: View<{ group: ItemJson }> = ({ ui, group }) => (
  <>
    {ui.view('kernel.alert', { kind: 'info', text: ui.t('groups.invited') })}
    <div class="plein-actions">
      <ActionButton ui={ui} action={`/groups/${group.id}/invitations/accept`} label={ui.t('groups.accept')} primary />
      <ActionButton ui={ui} action={`/groups/${group.id}/invitations/decline`} label={ui.t('groups.decline')} />
    </div>
  </>
)

/** On the group page: its members page, the administrators' pages, and the group's wiki and files when those plugins are on. */
const Links: View<{ group: ItemJson; canAdmin: boolean; inside: boolean }> = ({ ui, group, canAdmin, inside }) => {
  const links: Array<[string, string]> = []
  if (inside) links.push([`/groups/${group.id}/members`, ui.t('groups.manage.members')])
  if (canAdmin) {
    links.push([`/groups/${group.id}/requests`, ui.t('groups.manage.requests')], [`/groups/${group.id}/invitations`, ui.t('groups.manage.invitations')], [`/groups/${group.id}/settings`, ui.t('groups.manage.settings')])
  }
  if (inside && ui.site.isEnabled('wiki')) links.push([`/wiki?group=${group.id}`, ui.t('groups.wiki')])
  if (inside && ui.site.isEnabled('files')) links.push([`/files/groups/${group.id}`, ui.t('groups.files')])
  if (links.length === 0) return null
  return (
    <nav class="plein-subnav" aria-label={ui.t('groups.manage')}>
      <ul>
        {links.map(([href, label]) => (
          <li>
            <a class="utrecht-link" href={href} aria-current={ui.path === href ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}

const Members: View<{ group: GroupRef; items: Person[]; next: string | null; q: string; canAdmin: boolean; owner: boolean }> = ({ ui, group, items, next, q, canAdmin, owner }) => {
  const base = `/groups/${group.id}/members`
  return (
    <>
      <Back ui={ui} group={group} />
      <form class="plein-form" method="get" action={base} role="search">
        {ui.view('kernel.field', { name: 'q', label: ui.t('groups.members.search'), type: 'search', value: q })}
        {ui.view('kernel.submit', { label: ui.t('groups.members.searchSubmit'), secondary: true })}
      </form>
      {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('groups.members.none')}</p> : null}
      {items.length > 0 ? (
        <table class="plein-table">
          <thead>
            <tr>
              <th scope="col">{ui.t('groups.members.name')}</th>
              <th scope="col">{ui.t('groups.members.role')}</th>
              <th scope="col">{ui.t('groups.members.since')}</th>
              {canAdmin ? <th scope="col">{ui.t('groups.members.actions')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map(m => (
              <tr>
                <td>{m.name}</td>
                <td>{ui.t(`groups.role.${m.role}`)}</td>
                <td>{date(ui, m.since)}</td>
                {canAdmin ? (
                  <td>
                    <div class="plein-actions">
                      {owner && m.role !== 'owner' ? (
                        <ActionButton
                          ui={ui}
                          action={`${base}/${m.id}/role`}
                          label={ui.t(m.role === 'admin' ? 'groups.members.makeMember' : 'groups.members.makeAdmin')}
                          who={m.name}
                          hidden={{ role: m.role === 'admin' ? 'member' : 'admin' }}
                        />
                      ) : null}
                      {m.role !== 'owner' && m.id !== ui.viewer.user?.id && (m.role !== 'admin' || owner) ? (
                        <ActionButton ui={ui} action={`${base}/${m.id}/remove`} label={ui.t('groups.members.remove')} who={m.name} />
                      ) : null}
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {ui.view('kernel.more', { path: q ? `${base}?q=${encodeURIComponent(q)}` : base, cursor: next, label: ui.t('groups.more') })}
    </>
  )
}

const Requests: View<{ group: GroupRef; items: Person[]; next: string | null }> = ({ ui, group, items, next }) => (
  <>
    <Back ui={ui} group={group} />
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('groups.requests.none')}</p> : null}
    {items.length > 0 ? (
      <table class="plein-table">
        <thead>
          <tr>
            <th scope="col">{ui.t('groups.members.name')}</th>
            <th scope="col">{ui.t('groups.members.since')}</th>
            <th scope="col">{ui.t('groups.members.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map(r => (
            <tr>
              <td>{r.name}</td>
              <td>{date(ui, r.since)}</td>
              <td>
                <div class="plein-actions">
                  <ActionButton ui={ui} action={`/groups/${group.id}/requests/${r.id}/approve`} label={ui.t('groups.requests.approve')} who={r.name} primary />
                  <ActionButton ui={ui} action={`/groups/${group.id}/requests/${r.id}/reject`} label={ui.t('groups.requests.reject')} who={r.name} />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    ) : null}
    {ui.view('kernel.more', { path: `/groups/${group.id}/requests`, cursor: next, label: ui.t('groups.more') })}
  </>
)

const Invitations: View<{
  group: GroupRef
  accounts: Person[]
  emails: Array<{ email: string; since: Date }>
  next: string | null
  sent?: boolean
  values?: { email?: string }
  errors?: { email?: string }
}> = ({ ui, group, accounts, emails, next, sent, values = {}, errors = {} }) => (
  <>
    <Back ui={ui} group={group} />
    {sent ? ui.view('kernel.alert', { kind: 'ok', text: ui.t('groups.invitations.sent') }) : null}
    <form class="plein-form" method="post" action={`/groups/${group.id}/invitations`} novalidate>
      {errors.email ? ui.view('kernel.alert', { kind: 'error', text: ui.t('error.fix') }) : null}
      <Csrf ui={ui} />
      {ui.view('kernel.field', { name: 'email', label: ui.t('groups.invitations.email'), type: 'email', value: values.email, error: errors.email, hint: ui.t('groups.invitations.hint'), autocomplete: 'off', required: true })}
      {ui.view('kernel.submit', { label: ui.t('groups.invitations.send') })}
    </form>
    <section aria-labelledby="invitations-heading">
      <h2 class="utrecht-heading-2" id="invitations-heading">
        {ui.t('groups.invitations.open')}
      </h2>
      {accounts.length + emails.length === 0 ? <p class="utrecht-paragraph">{ui.t('groups.invitations.none')}</p> : null}
      <ul class="plein-items">
        {accounts.map(a => (
          <li>
            {a.name} <span class="plein-meta">{date(ui, a.since)}</span>
          </li>
        ))}
        {emails.map(e => (
          <li>
            {e.email} <span class="plein-meta">({ui.t('groups.invitations.waiting')}) {date(ui, e.since)}</span>
          </li>
        ))}
      </ul>
      {ui.view('kernel.more', { path: `/groups/${group.id}/invitations`, cursor: next, label: ui.t('groups.more') })}
    </section>
  </>
)

interface SettingsValues {
  name: string
  description: string
  membership: string
  hidden: boolean
}

const Settings: View<{ group: GroupRef; values: SettingsValues; errors?: { name?: string }; saved?: boolean }> = ({ ui, group, values, errors = {}, saved }) => (
  <>
    <Back ui={ui} group={group} />
    {saved ? ui.view('kernel.alert', { kind: 'ok', text: ui.t('groups.settings.saved') }) : null}
    <form class="plein-form" method="post" action={`/groups/${group.id}/settings`} novalidate>
      {errors.name ? ui.view('kernel.alert', { kind: 'error', text: ui.t('error.fix') }) : null}
      <Csrf ui={ui} />
      {ui.view('kernel.field', { name: 'name', label: ui.t('groups.name'), value: values.name, error: errors.name, required: true })}
      {ui.view('kernel.field', { name: 'description', label: ui.t('groups.description'), type: 'textarea', value: values.description })}
      <fieldset class="utrecht-form-fieldset">
        <legend class="utrecht-form-fieldset__legend">{ui.t('groups.membership')}</legend>
        {(['open', 'closed'] as const).map(m => (
          <p>
            <input class="utrecht-radio-button utrecht-radio-button--html-input" type="radio" id={`membership-${m}`} name="membership" value={m} checked={values.membership === m} />{' '}
            <label class="utrecht-form-label" for={`membership-${m}`}>
              {ui.t(`groups.${m}`)}
            </label>
          </p>
        ))}
      </fieldset>
      <fieldset class="utrecht-form-fieldset">
        <legend class="utrecht-form-fieldset__legend">{ui.t('groups.visibility')}</legend>
        <p>
          <input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" id="field-hidden" name="hidden" value="on" checked={values.hidden} />{' '}
          <label class="utrecht-form-label" for="field-hidden">
            {ui.t('groups.hidden')}
          </label>
        </p>
      </fieldset>
      {ui.view('kernel.submit', { label: ui.t('groups.settings.save') })}
    </form>
    <section class="plein-section" aria-labelledby="delete-heading">
      <h2 class="utrecht-heading-2" id="delete-heading">
        {ui.t('groups.delete')}
      </h2>
      <p class="utrecht-paragraph">{ui.t('groups.delete.intro')}</p>
      <p>
        <a class="utrecht-button-link utrecht-button-link--secondary-action" href={`/groups/${group.id}/delete`}>
          {ui.t('groups.delete')}
        </a>
      </p>
    </section>
  </>
)

const Delete: View<{ group: GroupRef }> = ({ ui, group }) => (
  <>
    {ui.view('kernel.alert', { kind: 'warning', text: ui.t('groups.delete.warning') })}
    <form class="plein-form" method="post" action={`/groups/${group.id}/delete`}>
      <Csrf ui={ui} />
      <div class="plein-actions">
        <button class="utrecht-button utrecht-button--primary-action" type="submit">
          {ui.t('groups.delete.confirm')}
        </button>
        <a class="utrecht-link" href={`/groups/${group.id}/settings`}>
          {ui.t('groups.delete.cancel')}
        </a>
      </div>
    </form>
  </>
)

/** Rows per page of the member, request and invitation lists. */
const PAGE = 20
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function groupManagePages(ctx: PluginContext, store: GroupsStore, guard: GroupGuard, service: GroupService): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('groups.invited', Invited)
  ctx.views.define('groups.links', Links)
  ctx.views.define('groups.members', Members)
  ctx.views.define('groups.requests', Requests)
  ctx.views.define('groups.invitations', Invitations)
  ctx.views.define('groups.settings', Settings)
  ctx.views.define('groups.delete', Delete)

  const id = { type: 'string', format: 'uuid' }
  const groupParams = { type: 'object', properties: { id } }
  const memberParams = { type: 'object', properties: { id, userId: id } }
  const cursor = { type: 'string', maxLength: 200 }
  const noFields = { type: 'object', properties: {} }
  const t = (c: RouteContext, key: string, vars?: Record<string, string | number>) => ctx.i18n.t(c, key, vars)
  const ref = (g: LoadedGroup): GroupRef => ({ id: g.entity.id, name: g.entity.title })
  const people = (rows: Array<{ account_id: string; name: string; role: string; created_at: Date }>): Person[] =>
    rows.map(r => ({ id: r.account_id, name: r.name, role: r.role, since: r.created_at }))

  /** A signed-in group administrator's view of the group; visitors go to sign in first (nothing about the group is said). */
  const adminGroup = async (c: RouteContext<unknown, unknown, { id: string }>): Promise<LoadedGroup | undefined> => {
    if (!c.viewer.user) {
      c.redirect(`/auth/sign-in?next=${encodeURIComponent(c.path)}`)
      return undefined
    }
    const group = await guard.load(c, c.input.params.id)
    guard.requireAdmin(c, group)
    return group
  }

  const invitationsPage = async (c: RouteContext<unknown, unknown, { id: string }>, group: LoadedGroup, more: { cursor?: string; sent?: boolean; values?: { email?: string }; errors?: { email?: string } }) => {
    const accounts = await store.members(group.entity.id, 'invited', { limit: PAGE, cursor: more.cursor })
    const emails = more.cursor ? [] : (await store.emailInvites(group.entity.id)).map(i => ({ email: i.email, since: i.createdAt }))
    await ctx.views.page(c, {
      title: t(c, 'groups.invitations.title', { name: group.entity.title }),
      view: 'groups.invitations',
      status: more.errors ? 400 : 200,
      props: { group: ref(group), accounts: people(accounts.items), emails, next: accounts.nextCursor, sent: more.sent, values: more.values, errors: more.errors },
    })
  }

  const settingsValues = (g: LoadedGroup): SettingsValues => ({ name: g.entity.title, description: g.fields.description, membership: g.fields.membership, hidden: g.fields.hidden })

  ctx.routes(router => {
    router.get<unknown, { q?: string; cursor?: string }, { id: string }>(
      'groups.page.members',
      '/groups/:id/members',
      { hidden: true, params: groupParams, query: { type: 'object', properties: { q: { type: 'string', maxLength: 100 }, cursor } } },
      async c => {
        const group = await guard.loadInside(c, c.input.params.id)
        const q = c.input.query.q?.trim() ?? ''
        const page = await store.members(group.entity.id, 'member', { limit: PAGE, cursor: c.input.query.cursor, q: q || undefined })
        await ctx.views.page(c, {
          title: t(c, 'groups.members.title', { name: group.entity.title }),
          view: 'groups.members',
          props: { group: ref(group), items: people(page.items), next: page.nextCursor, q, canAdmin: isGroupAdmin(c, group), owner: isOwner(c, group) },
        })
      },
    )
    router.post<{ role: 'admin' | 'member' }, unknown, { id: string; userId: string }>(
      'groups.page.members.role',
      '/groups/:id/members/:userId/role',
      { hidden: true, params: memberParams, form: { type: 'object', required: ['role'], properties: { role: { enum: ['admin', 'member'] } } } },
      async c => {
        await service.setRole(c, c.input.params.id, c.input.params.userId, c.input.body.role)
        c.redirect(`/groups/${c.input.params.id}/members`)
      },
    )
    router.post<unknown, unknown, { id: string; userId: string }>('groups.page.members.remove', '/groups/:id/members/:userId/remove', { hidden: true, params: memberParams, form: noFields }, async c => {
      await service.removeMember(c, c.input.params.id, c.input.params.userId)
      c.redirect(`/groups/${c.input.params.id}/members`)
    })

    router.get<unknown, { cursor?: string }, { id: string }>('groups.page.requests', '/groups/:id/requests', { hidden: true, params: groupParams, query: { type: 'object', properties: { cursor } } }, async c => {
      const group = await adminGroup(c)
      if (!group) return
      const page = await store.members(group.entity.id, 'pending', { limit: PAGE, cursor: c.input.query.cursor })
      await ctx.views.page(c, { title: t(c, 'groups.requests.title', { name: group.entity.title }), view: 'groups.requests', props: { group: ref(group), items: people(page.items), next: page.nextCursor } })
    })
    for (const action of ['approve', 'reject'] as const) {
      router.post<unknown, unknown, { id: string; userId: string }>(`groups.page.requests.${action}`, `/groups/:id/requests/:userId/${action}`, { hidden: true, params: memberParams, form: noFields }, async c => {
        await service[action](c, c.input.params.id, c.input.params.userId)
        c.redirect(`/groups/${c.input.params.id}/requests`)
      })
    }

    router.get<unknown, { cursor?: string; sent?: string }, { id: string }>(
      'groups.page.invitations',
      '/groups/:id/invitations',
      { hidden: true, params: groupParams, query: { type: 'object', properties: { cursor, sent: { const: '1' } } } },
      async c => {
        const group = await adminGroup(c)
        if (group) await invitationsPage(c, group, { cursor: c.input.query.cursor, sent: c.input.query.sent === '1' })
      },
    )
    router.post<{ email?: string }, unknown, { id: string }>(
      'groups.page.invitations.create',
      '/groups/:id/invitations',
      { hidden: true, params: groupParams, form: { type: 'object', properties: { email: { type: 'string', maxLength: 254 } } } },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        const group = await guard.load(c, c.input.params.id)
        guard.requireAdmin(c, group)
        const email = c.input.body.email?.trim() ?? ''
        const invalid = !email ? 'groups.invitations.email.missing' : EMAIL.test(email) ? undefined : 'groups.invitations.email.invalid'
        if (invalid) return invitationsPage(c, group, { values: { email }, errors: { email: t(c, invalid) } })
        try {
          await service.invite(c, group.entity.id, { email })
        } catch (e) {
          if (e instanceof HttpProblem && e.code === 'ALREADY_MEMBER') return invitationsPage(c, group, { values: { email }, errors: { email: t(c, 'groups.invitations.already') } })
          throw e
        }
        c.redirect(`/groups/${group.entity.id}/invitations?sent=1`)
      },
    )
    router.post<unknown, unknown, { id: string }>('groups.page.invitations.accept', '/groups/:id/invitations/accept', { hidden: true, params: groupParams, form: noFields }, async c => {
      await service.accept(c, c.input.params.id)
      c.redirect(`/groups/${c.input.params.id}`)
    })
    router.post<unknown, unknown, { id: string }>('groups.page.invitations.decline', '/groups/:id/invitations/decline', { hidden: true, params: groupParams, form: noFields }, async c => {
      await service.decline(c, c.input.params.id)
      // A hidden group is gone from view once declined: back to the list.
      c.redirect('/groups')
    })

    router.get<unknown, { saved?: string }, { id: string }>(
      'groups.page.settings',
      '/groups/:id/settings',
      { hidden: true, params: groupParams, query: { type: 'object', properties: { saved: { const: '1' } } } },
      async c => {
        const group = await adminGroup(c)
        if (!group) return
        await ctx.views.page(c, {
          title: t(c, 'groups.settings.title', { name: group.entity.title }),
          view: 'groups.settings',
          props: { group: ref(group), values: settingsValues(group), saved: c.input.query.saved === '1' },
        })
      },
    )
    router.post<{ name?: string; description?: string; membership?: 'open' | 'closed'; hidden?: string }, unknown, { id: string }>(
      'groups.page.settings.save',
      '/groups/:id/settings',
      {
        hidden: true,
        params: groupParams,
        form: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 2000 }, description: { type: 'string', maxLength: 20000 }, membership: { enum: ['open', 'closed'] }, hidden: { const: 'on' } },
        },
      },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        const group = await guard.load(c, c.input.params.id)
        guard.requireAdmin(c, group)
        const body = c.input.body
        const values: SettingsValues = { name: body.name ?? '', description: body.description ?? '', membership: body.membership ?? group.fields.membership, hidden: body.hidden === 'on' }
        const name = values.name.trim()
        const error = !name ? 'groups.name.missing' : name.length > 200 ? 'groups.name.long' : undefined
        if (error) {
          return ctx.views.page(c, {
            title: t(c, 'groups.settings.title', { name: group.entity.title }),
            view: 'groups.settings',
            status: 400,
            props: { group: ref(group), values, errors: { name: t(c, error) } },
          })
        }
        await service.update(c, group.entity.id, { name, description: values.description, membership: values.membership as 'open' | 'closed', hidden: values.hidden })
        c.redirect(`/groups/${group.entity.id}/settings?saved=1`)
      },
    )

    router.get<unknown, unknown, { id: string }>('groups.page.delete', '/groups/:id/delete', { hidden: true, params: groupParams }, async c => {
      const group = await adminGroup(c)
      if (!group) return
      await ctx.views.page(c, { title: t(c, 'groups.delete.title', { name: group.entity.title }), view: 'groups.delete', props: { group: ref(group) } })
    })
    router.post<unknown, unknown, { id: string }>('groups.page.delete.confirm', '/groups/:id/delete', { hidden: true, params: groupParams, form: noFields }, async c => {
      await service.remove(c, c.input.params.id)
      c.redirect('/groups')
    })
  })
}
