// Files pages: my files, a group's files, a folder (breadcrumbs, paged contents, upload, new folder, rename,
// share, delete), a file (versions, share, public links) and the trash. Forms work without JavaScript: POST with
// the CSRF token, redirect after post, errors next to their field. Every action goes through the API's own rules.
import { ENTITY_SQL, HttpProblem, decodeKey, encodeKey, problems, type ItemJson, type PluginContext, type RequestContext, type RouteContext, type View } from '@plein/core'
import type { FilesGuard, Loaded } from './guard.js'
import { saveParts, type SaveFile } from './multipart.js'
import { restore } from './routes/files.js'
import { createFolder, folderChildren, moveOrShare, trash } from './routes/folders.js'
import { createLink, linkJson, type LinkRow } from './routes/links.js'
import type { FileStore } from './service.js'

const messages = {
  nl: {
    'files.nav': 'Bestanden', 'files.mine': 'Mijn bestanden', 'files.shared': 'Gedeeld met mij', 'files.groups': 'Groepen', 'files.trash': 'Prullenbak', 'files.crumbs': 'Kruimelpad',
    'files.name': 'Naam', 'files.size': 'Grootte', 'files.modified': 'Gewijzigd', 'files.type': 'Soort', 'files.folder': 'map', 'files.empty': 'Deze map is leeg.', 'files.none': 'Nog geen mappen.', 'files.more': 'Volgende',
    'files.contents': 'Inhoud van {name}', 'files.upload': 'Bestanden uploaden', 'files.upload.field': 'Bestanden', 'files.upload.hint': 'Een bestaande naam krijgt een nieuwe versie.', 'files.upload.submit': 'Uploaden',
    'files.upload.done': '{n} bestand(en) opgeslagen.', 'files.upload.none': 'Kies een bestand om te uploaden.',
    'files.newFolder': 'Nieuwe map', 'files.newFolder.name': 'Naam van de map', 'files.newFolder.submit': 'Map maken', 'files.name.missing': 'Vul een naam in.',
    'files.rename': 'Naam wijzigen', 'files.rename.name': 'Nieuwe naam', 'files.rename.submit': 'Naam opslaan',
    'files.delete': 'Naar de prullenbak', 'files.delete.hint': 'Je kunt het tot {days} dagen terugzetten vanuit de prullenbak.',
    'files.restore': 'Terugzetten', 'files.trash.empty': 'De prullenbak is leeg.', 'files.trash.deleted': 'Verwijderd',
    'files.share': 'Delen', 'files.share.with': 'Gedeeld met', 'files.share.nobody': 'Alleen jij (en beheerders) hebben toegang.', 'files.share.email': 'E-mailadres van een persoon', 'files.share.group': 'Of een groep', 'files.share.noGroup': '— geen groep —',
    'files.share.permission': 'Recht', 'files.share.read': 'lezen', 'files.share.write': 'lezen en wijzigen', 'files.share.manage': 'lezen, wijzigen en delen', 'files.share.submit': 'Delen', 'files.share.remove': 'Niet meer delen',
    'files.share.unknown': 'Er is geen account met dit e-mailadres.', 'files.share.pick': 'Vul een e-mailadres in of kies een groep.', 'files.share.done': 'Gedeeld.',
    'files.file': 'Bestand', 'files.download': 'Downloaden', 'files.versions': 'Versies', 'files.version': 'Versie', 'files.current': 'huidige', 'files.by': 'Door',
    'files.links': 'Openbare links', 'files.links.none': 'Geen links.', 'files.links.new': 'Link maken', 'files.links.password': 'Wachtwoord (niet verplicht)', 'files.links.expires': 'Verloopt op (niet verplicht)',
    'files.links.max': 'Hoe vaak te downloaden (niet verplicht)', 'files.links.made': 'Link gemaakt; kopieer hem nu, hij wordt niet nog eens getoond: {url}', 'files.links.revoke': 'Intrekken',
    'files.links.status': 'Status', 'files.links.active': 'actief', 'files.links.revoked': 'ingetrokken', 'files.links.downloads': '{n} keer gedownload', 'files.links.protected': 'met wachtwoord', 'files.links.until': 'tot {date}',
    'files.group.title': 'Bestanden van {name}', 'files.group.link': 'Bestanden van deze groep', 'files.owner': 'Eigenaar', 'files.done': 'Opgeslagen.',
  },
  en: {
    'files.nav': 'Files', 'files.mine': 'My files', 'files.shared': 'Shared with me', 'files.groups': 'Groups', 'files.trash': 'Trash', 'files.crumbs': 'Breadcrumbs',
    'files.name': 'Name', 'files.size': 'Size', 'files.modified': 'Modified', 'files.type': 'Type', 'files.folder': 'folder', 'files.empty': 'This folder is empty.', 'files.none': 'No folders yet.', 'files.more': 'Next',
    'files.contents': 'Contents of {name}', 'files.upload': 'Upload files', 'files.upload.field': 'Files', 'files.upload.hint': 'An existing name gets a new version.', 'files.upload.submit': 'Upload',
    'files.upload.done': '{n} file(s) saved.', 'files.upload.none': 'Choose a file to upload.',
    'files.newFolder': 'New folder', 'files.newFolder.name': 'Folder name', 'files.newFolder.submit': 'Create folder', 'files.name.missing': 'Enter a name.',
    'files.rename': 'Rename', 'files.rename.name': 'New name', 'files.rename.submit': 'Save name',
    'files.delete': 'Move to trash', 'files.delete.hint': 'You can restore it from the trash for {days} days.',
    'files.restore': 'Restore', 'files.trash.empty': 'The trash is empty.', 'files.trash.deleted': 'Deleted',
    'files.share': 'Share', 'files.share.with': 'Shared with', 'files.share.nobody': 'Only you (and administrators) have access.', 'files.share.email': "A person's e-mail address", 'files.share.group': 'Or a group', 'files.share.noGroup': '— no group —',
    'files.share.permission': 'Permission', 'files.share.read': 'read', 'files.share.write': 'read and change', 'files.share.manage': 'read, change and share', 'files.share.submit': 'Share', 'files.share.remove': 'Stop sharing',
    'files.share.unknown': 'There is no account with this e-mail address.', 'files.share.pick': 'Enter an e-mail address or choose a group.', 'files.share.done': 'Shared.',
    'files.file': 'File', 'files.download': 'Download', 'files.versions': 'Versions', 'files.version': 'Version', 'files.current': 'current', 'files.by': 'By',
    'files.links': 'Public links', 'files.links.none': 'No links.', 'files.links.new': 'Create link', 'files.links.password': 'Password (optional)', 'files.links.expires': 'Expires on (optional)',
    'files.links.max': 'Download limit (optional)', 'files.links.made': 'Link created; copy it now, it is not shown again: {url}', 'files.links.revoke': 'Revoke',
    'files.links.status': 'Status', 'files.links.active': 'active', 'files.links.revoked': 'revoked', 'files.links.downloads': 'downloaded {n} times', 'files.links.protected': 'password', 'files.links.until': 'until {date}',
    'files.group.title': 'Files of {name}', 'files.group.link': "This group's files", 'files.owner': 'Owner', 'files.done': 'Saved.',
  },
}

type UIOf = Parameters<View>[0]['ui']
const dateOf = (ui: UIOf, d: Date | string) => new Date(d).toLocaleDateString(ui.locale === 'en' ? 'en-GB' : 'nl-NL', { day: 'numeric', month: 'short', year: 'numeric' })
function sizeOf(ui: UIOf, n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${new Intl.NumberFormat(ui.locale === 'en' ? 'en-GB' : 'nl-NL', { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v)} ${units[i]}`
}
const Csrf: View = ({ ui }) => <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />

interface Crumb {
  label: string
  href: string
}
type Message = { kind: 'ok' | 'error' | 'info'; text: string }
type Errors = Record<string, string>

const Crumbs: View<{ crumbs: Crumb[] }> = ({ ui, crumbs }) => (
  <nav aria-label={ui.t('files.crumbs')} class="plein-subnav plein-crumbs">
    <ul>
      {crumbs.map((c, i) => (
        <li>
          <a class="utrecht-link" href={c.href} aria-current={i === crumbs.length - 1 ? 'page' : undefined}>
            {c.label}
          </a>
        </li>
      ))}
    </ul>
  </nav>
)

/** The table of a folder's (or a space's) contents, with a link to the next page. */
const Table: View<{ items: ItemJson[]; caption: string; next: string | null; empty: string }> = ({ ui, items, caption, next, empty }) =>
  items.length === 0 ? (
    <p class="utrecht-paragraph">{empty}</p>
  ) : (
    <>
      <table class="plein-table utrecht-table">
        <caption class="utrecht-table__caption">{caption}</caption>
        <thead class="utrecht-table__header">
          <tr class="utrecht-table__row">
            <th class="utrecht-table__header-cell" scope="col">{ui.t('files.name')}</th>
            <th class="utrecht-table__header-cell" scope="col">{ui.t('files.type')}</th>
            <th class="utrecht-table__header-cell" scope="col">{ui.t('files.size')}</th>
            <th class="utrecht-table__header-cell" scope="col">{ui.t('files.modified')}</th>
          </tr>
        </thead>
        <tbody class="utrecht-table__body">
          {items.map(i => (
            <tr class="utrecht-table__row">
              <td class="utrecht-table__cell">
                <a class="utrecht-link" href={i.url}>
                  {String(i.name ?? i.title)}
                  {i.type === 'folder' ? '/' : ''}
                </a>
              </td>
              <td class="utrecht-table__cell">{i.type === 'folder' ? ui.t('files.folder') : String(i.mime ?? '')}</td>
              <td class="utrecht-table__cell">{i.type === 'folder' ? '' : sizeOf(ui, Number(i.size ?? 0))}</td>
              <td class="utrecht-table__cell">
                <time dateTime={new Date(i.updatedAt).toISOString()}>{dateOf(ui, i.updatedAt)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <p>
          <a class="utrecht-link" href={`${ui.path}?cursor=${encodeURIComponent(next)}`}>
            {ui.t('files.more')}
          </a>
        </p>
      ) : null}
    </>
  )

const NewFolder: View<{ parentId?: string; containerId?: string; values?: Record<string, string>; errors?: Errors }> = ({ ui, parentId, containerId, values = {}, errors = {} }) => (
  <section class="plein-section" aria-labelledby="new-folder-heading">
    <h2 class="utrecht-heading-2" id="new-folder-heading">
      {ui.t('files.newFolder')}
    </h2>
    <form class="plein-form" method="post" action="/files/folders" novalidate>
      <Csrf ui={ui} />
      {parentId ? <input type="hidden" name="parentId" value={parentId} /> : null}
      {containerId ? <input type="hidden" name="containerId" value={containerId} /> : null}
      {ui.view('kernel.field', { name: 'folderName', label: ui.t('files.newFolder.name'), value: values.folderName, error: errors.folderName, required: true })}
      <div>
        <button class="utrecht-button utrecht-button--secondary-action" type="submit">
          {ui.t('files.newFolder.submit')}
        </button>
      </div>
    </form>
  </section>
)

/** Rename, share and delete of a file or folder, as far as the viewer may. */
interface ManageProps {
  item: ItemJson
  canWrite: boolean
  canManage: boolean
  shares: Array<{ token: string; label: string; permission: string }>
  groups: Array<{ id: string; title: string }>
  values?: Record<string, string>
  errors?: Errors
  trashDays: number
}
const Share: View<ManageProps> = ({ ui, item, canManage, shares, groups, values = {}, errors = {} }) => {
  const base = `/files/items/${item.id}`
  return (
    <>
      <section class="plein-section" aria-labelledby="share-heading">
        <h2 class="utrecht-heading-2" id="share-heading">
          {ui.t('files.share.with')}
        </h2>
        {shares.length === 0 ? <p class="utrecht-paragraph">{ui.t('files.share.nobody')}</p> : null}
        <ul class="plein-items">
          {shares.map(s => (
            <li>
              {s.label} <span class="plein-meta">({ui.t(`files.share.${s.permission}`)})</span>{' '}
              {canManage ? (
                <form class="plein-inline-form" method="post" action={`${base}/unshare`}>
                  <Csrf ui={ui} />
                  <input type="hidden" name="token" value={s.token} />
                  <button class="utrecht-button utrecht-button--subtle" type="submit" aria-label={`${ui.t('files.share.remove')}: ${s.label}`}>
                    {ui.t('files.share.remove')}
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
        {canManage ? (
          <form class="plein-form" method="post" action={`${base}/share`} novalidate>
            <h3 class="utrecht-heading-3">{ui.t('files.share')}</h3>
            <Csrf ui={ui} />
            {ui.view('kernel.field', { name: 'email', label: ui.t('files.share.email'), type: 'email', value: values.email, error: errors.email, autocomplete: 'off' })}
            {groups.length > 0 ? (
              <div class="utrecht-form-field">
                <label class="utrecht-form-label" for="field-group">
                  {ui.t('files.share.group')}
                </label>
                <select class="utrecht-select" id="field-group" name="group">
                  <option value="">{ui.t('files.share.noGroup')}</option>
                  {groups.map(g => (
                    <option value={g.id} selected={values.group === g.id}>
                      {g.title}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
            <div class="utrecht-form-field">
              <label class="utrecht-form-label" for="field-permission">
                {ui.t('files.share.permission')}
              </label>
              <select class="utrecht-select" id="field-permission" name="permission">
                {['read', 'write', 'manage'].map(p => (
                  <option value={p} selected={(values.permission ?? 'read') === p}>
                    {ui.t(`files.share.${p}`)}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <button class="utrecht-button utrecht-button--primary-action" type="submit">
                {ui.t('files.share.submit')}
              </button>
            </div>
          </form>
        ) : null}
      </section>
    </>
  )
}

const Edit: View<ManageProps> = ({ ui, item, canWrite, values = {}, errors = {}, trashDays }) => {
  const base = `/files/items/${item.id}`
  return (
    <>
      {canWrite ? (
        <section class="plein-section" aria-labelledby="rename-heading">
          <h2 class="utrecht-heading-2" id="rename-heading">
            {ui.t('files.rename')}
          </h2>
          <form class="plein-form" method="post" action={`${base}/rename`} novalidate>
            <Csrf ui={ui} />
            {ui.view('kernel.field', { name: 'newName', label: ui.t('files.rename.name'), value: values.newName ?? String(item.name ?? item.title), error: errors.newName, required: true })}
            <div>
              <button class="utrecht-button utrecht-button--secondary-action" type="submit">
                {ui.t('files.rename.submit')}
              </button>
            </div>
          </form>
          <form method="post" action={`${base}/delete`}>
            <Csrf ui={ui} />
            <p class="plein-meta">{ui.t('files.delete.hint', { days: trashDays })}</p>
            <button class="utrecht-button utrecht-button--secondary-action" type="submit">
              {ui.t('files.delete')}
            </button>
          </form>
        </section>
      ) : null}
    </>
  )
}

interface FolderProps extends Omit<ManageProps, 'item'> {
  folder: ItemJson
  crumbs: Crumb[]
  items: ItemJson[]
  next: string | null
  message?: Message
}
const Folder: View<FolderProps> = props => {
  const { ui, folder, crumbs, items, next, message, canWrite, errors = {} } = props
  return (
    <>
      <Crumbs ui={ui} crumbs={crumbs} />
      {message ? ui.view('kernel.alert', message) : null}
      <Table ui={ui} items={items} next={next} caption={ui.t('files.contents', { name: String(folder.name ?? folder.title) })} empty={ui.t('files.empty')} />
      {canWrite ? (
        <section class="plein-section" aria-labelledby="upload-heading">
          <h2 class="utrecht-heading-2" id="upload-heading">
            {ui.t('files.upload')}
          </h2>
          {/* The token comes first: the server checks it before it stores a byte of the files after it. */}
          <form class="plein-form" method="post" action={`/files/folders/${folder.id}/upload`} enctype="multipart/form-data" novalidate>
            <Csrf ui={ui} />
            <div class={`utrecht-form-field${errors.file ? ' utrecht-form-field--invalid' : ''}`}>
              <label class="utrecht-form-label" for="field-file">
                {ui.t('files.upload.field')}
              </label>
              <p class="utrecht-form-field-description" id="field-file-hint">
                {ui.t('files.upload.hint')}
              </p>
              {errors.file ? (
                <p class="utrecht-form-field-error-message plein-field-error" id="field-file-error">
                  {errors.file}
                </p>
              ) : null}
              <input
                class="utrecht-textbox"
                id="field-file"
                name="file"
                type="file"
                multiple
                aria-invalid={errors.file ? 'true' : undefined}
                aria-describedby={errors.file ? 'field-file-hint field-file-error' : 'field-file-hint'}
              />
            </div>
            <div>
              <button class="utrecht-button utrecht-button--primary-action" type="submit">
                {ui.t('files.upload.submit')}
              </button>
            </div>
          </form>
        </section>
      ) : null}
      {canWrite ? <NewFolder ui={ui} parentId={folder.id} values={props.values} errors={errors} /> : null}
      <Share {...props} item={folder} />
      <Edit {...props} item={folder} />
    </>
  )
}

interface FileProps extends Omit<ManageProps, 'item'> {
  file: ItemJson
  crumbs: Crumb[]
  versions: Array<{ version: number; size: number; createdAt: Date; by: string | null; current: boolean }>
  links: Array<ReturnType<typeof linkJson>> | null
  message?: Message
}
const File: View<FileProps> = props => {
  const { ui, file, crumbs, versions, links, message, canWrite, canManage, values = {}, errors = {} } = props
  return (
    <>
      <Crumbs ui={ui} crumbs={crumbs} />
      {message ? ui.view('kernel.alert', message) : null}
      <p class="plein-meta">
        {String(file.mime ?? '')} · {sizeOf(ui, Number(file.size ?? 0))} · {ui.t('files.version')} {String(file.version)} · {ui.t('files.modified')} {dateOf(ui, file.updatedAt)}
        {file.owner ? ` · ${ui.t('files.owner')}: ${file.owner.name ?? ''}` : ''}
      </p>
      <p>
        <a class="utrecht-button-link utrecht-button-link--primary-action" href={`/api/v1/files/${file.id}/content`} download={String(file.name ?? file.title)}>
          {ui.t('files.download')}
        </a>
      </p>
      <Share {...props} item={file} />
      <section class="plein-section" aria-labelledby="versions-heading">
        <h2 class="utrecht-heading-2" id="versions-heading">
          {ui.t('files.versions')}
        </h2>
        <table class="plein-table utrecht-table">
          <thead class="utrecht-table__header">
            <tr class="utrecht-table__row">
              <th class="utrecht-table__header-cell" scope="col">{ui.t('files.version')}</th>
              <th class="utrecht-table__header-cell" scope="col">{ui.t('files.size')}</th>
              <th class="utrecht-table__header-cell" scope="col">{ui.t('files.modified')}</th>
              <th class="utrecht-table__header-cell" scope="col">{ui.t('files.by')}</th>
              <th class="utrecht-table__header-cell" scope="col">
                <span class="plein-skip">{ui.t('files.download')}</span>
              </th>
            </tr>
          </thead>
          <tbody class="utrecht-table__body">
            {versions.map(v => (
              <tr class="utrecht-table__row">
                <td class="utrecht-table__cell">
                  {v.version}
                  {v.current ? ` (${ui.t('files.current')})` : ''}
                </td>
                <td class="utrecht-table__cell">{sizeOf(ui, v.size)}</td>
                <td class="utrecht-table__cell">{dateOf(ui, v.createdAt)}</td>
                <td class="utrecht-table__cell">{v.by ?? ''}</td>
                <td class="utrecht-table__cell">
                  <ul class="plein-actions">
                    <li>
                      <a class="utrecht-link" href={`/api/v1/files/${file.id}/versions/${v.version}/content`} aria-label={`${ui.t('files.download')}: ${ui.t('files.version')} ${v.version}`}>
                        {ui.t('files.download')}
                      </a>
                    </li>
                    {canWrite && !v.current ? (
                      <li>
                        <form class="plein-inline-form" method="post" action={`/files/items/${file.id}/versions/${v.version}/restore`}>
                          <Csrf ui={ui} />
                          <button class="utrecht-button utrecht-button--subtle" type="submit" aria-label={`${ui.t('files.restore')}: ${ui.t('files.version')} ${v.version}`}>
                            {ui.t('files.restore')}
                          </button>
                        </form>
                      </li>
                    ) : null}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {canManage && links ? (
        <section class="plein-section" aria-labelledby="links-heading">
          <h2 class="utrecht-heading-2" id="links-heading">
            {ui.t('files.links')}
          </h2>
          {links.length === 0 ? <p class="utrecht-paragraph">{ui.t('files.links.none')}</p> : null}
          <ul class="plein-items">
            {links.map(l => (
              <li>
                {dateOf(ui, l.createdAt)} · {ui.t(l.revoked ? 'files.links.revoked' : 'files.links.active')}
                {l.expiresAt ? ` · ${ui.t('files.links.until', { date: dateOf(ui, l.expiresAt) })}` : ''}
                {l.hasPassword ? ` · ${ui.t('files.links.protected')}` : ''} · {ui.t('files.links.downloads', { n: l.downloads })}
                {l.maxDownloads ? ` / ${l.maxDownloads}` : ''}{' '}
                {l.revoked ? null : (
                  <form class="plein-inline-form" method="post" action={`/files/items/${file.id}/links/${l.id}/revoke`}>
                    <Csrf ui={ui} />
                    <button class="utrecht-button utrecht-button--subtle" type="submit">
                      {ui.t('files.links.revoke')}
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
          <form class="plein-form" method="post" action={`/files/items/${file.id}/links`} novalidate>
            <h3 class="utrecht-heading-3">{ui.t('files.links.new')}</h3>
            <Csrf ui={ui} />
            {ui.view('kernel.field', { name: 'password', label: ui.t('files.links.password'), type: 'password', error: errors.password, autocomplete: 'new-password' })}
            {ui.view('kernel.field', { name: 'expiresAt', label: ui.t('files.links.expires'), type: 'date', value: values.expiresAt, error: errors.expiresAt })}
            {ui.view('kernel.field', { name: 'maxDownloads', label: ui.t('files.links.max'), type: 'number', value: values.maxDownloads, error: errors.maxDownloads })}
            <div>
              <button class="utrecht-button utrecht-button--secondary-action" type="submit">
                {ui.t('files.links.new')}
              </button>
            </div>
          </form>
        </section>
      ) : null}
      <Edit {...props} item={file} />
    </>
  )
}

const Space: View<{ sections: Array<{ heading: string; caption: string; items: ItemJson[]; next: string | null; empty: string }>; groups: Array<{ id: string; title: string }>; containerId?: string; canCreate: boolean; values?: Record<string, string>; errors?: Errors; crumbs?: Crumb[] }> = ({
  ui,
  sections,
  groups,
  containerId,
  canCreate,
  values,
  errors,
  crumbs,
}) => (
  <>
    {crumbs ? <Crumbs ui={ui} crumbs={crumbs} /> : null}
    <ul class="plein-actions">
      <li>
        <a class="utrecht-link" href="/files/trash">
          {ui.t('files.trash')}
        </a>
      </li>
    </ul>
    {sections.map((s, i) => (
      <section class="plein-section" aria-labelledby={`space-${i}`}>
        <h2 class="utrecht-heading-2" id={`space-${i}`}>
          {s.heading}
        </h2>
        <Table ui={ui} items={s.items} caption={s.caption} next={s.next} empty={s.empty} />
      </section>
    ))}
    {groups.length > 0 ? (
      <section class="plein-section" aria-labelledby="space-groups">
        <h2 class="utrecht-heading-2" id="space-groups">
          {ui.t('files.groups')}
        </h2>
        <ul class="plein-items">
          {groups.map(g => (
            <li>
              <a class="utrecht-link" href={`/files/groups/${g.id}`}>
                {g.title}
              </a>
            </li>
          ))}
        </ul>
      </section>
    ) : null}
    {canCreate ? <NewFolder ui={ui} containerId={containerId} values={values} errors={errors} /> : null}
  </>
)

const Trash: View<{ items: Array<ItemJson & { deletedAt: Date }> }> = ({ ui, items }) =>
  items.length === 0 ? (
    <p class="utrecht-paragraph">{ui.t('files.trash.empty')}</p>
  ) : (
    <ul class="plein-items">
      {items.map(i => (
        <li>
          {String(i.name ?? i.title)}
          {i.type === 'folder' ? '/' : ''} <span class="plein-meta">· {ui.t('files.trash.deleted')} {dateOf(ui, i.deletedAt)}</span>{' '}
          <form class="plein-inline-form" method="post" action={`/files/items/${i.id}/restore`}>
            <Csrf ui={ui} />
            <button class="utrecht-button utrecht-button--secondary-action" type="submit" aria-label={`${ui.t('files.restore')}: ${String(i.name ?? i.title)}`}>
              {ui.t('files.restore')}
            </button>
          </form>
        </li>
      ))}
    </ul>
  )

const uuidParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }
const cursorQuery = { type: 'object', properties: { cursor: { type: 'string', maxLength: 1500 } } }
const PAGE = 50
const isRootKey = (v: unknown[]): v is [string, string] => v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && /^[0-9a-f-]{36}$/.test(v[1])

export function filesPages(ctx: PluginContext, store: FileStore, guard: FilesGuard, save: SaveFile): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('files.space', Space)
  ctx.views.define('files.folder', Folder)
  ctx.views.define('files.file', File)
  ctx.views.define('files.trash', Trash)
  ctx.hooks.kernel.navigation.tap((items, _site, viewer, locale) => (viewer.user ? [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['files.nav'], href: '/files' }] : items))
  const t = (c: RequestContext, key: string, vars?: Record<string, string | number>) => ctx.i18n.t(c, key, vars)
  const signIn = (c: RequestContext) => c.redirect(`/auth/sign-in?next=${encodeURIComponent(c.path)}`)

  /** Root folders of a space (own or a group's) the viewer may read, by name, a page at a time. */
  const roots = async (c: RequestContext, where: { ownerId?: string; containerId?: string }, raw?: string) => {
    const cursor = decodeKey(raw, isRootKey)
    const readable = ctx.access.readableWhere(c.viewer, c.site, 'e', 1)
    const params: unknown[] = [...readable.params]
    const scope = where.containerId ? `e.container_id = $${params.push(where.containerId)}` : `e.container_id IS NULL AND e.owner_id = $${params.push(where.ownerId)}`
    const after = cursor ? `AND (lower(n.name), n.entity_id) > ($${params.push(cursor[0])}, $${params.push(cursor[1])}::uuid)` : ''
    const rows = await ctx.db.query(
      `SELECT ${ENTITY_SQL.columns('e')}, n.name FROM files_node n JOIN entity e ON e.id = n.entity_id
        WHERE n.site_id = $${params.push(c.site.id)} AND n.parent_id IS NULL AND n.is_folder AND n.deleted_at IS NULL AND ${readable.sql} AND ${scope} ${after}
        ORDER BY lower(n.name), n.entity_id LIMIT $${params.push(PAGE + 1)}`,
      params,
    )
    const more = rows.length > PAGE
    const shown = rows.slice(0, PAGE)
    const last = shown[shown.length - 1]
    return { items: await ctx.content.serialize(shown.map((r: any) => ENTITY_SQL.fromRow(r)), c.viewer, c.site), next: more && last ? encodeKey([String(last.name).toLowerCase(), String(last.id)]) : null }
  }

  /** Items shared with the viewer from someone else's own space: readable, and their folder is not. */
  const sharedWithMe = async (c: RequestContext) => {
    const mine = ctx.access.readableWhere(c.viewer, c.site, 'e', 1)
    const parent = ctx.access.readableWhere(c.viewer, c.site, 'pe', mine.params.length + 1)
    const me = mine.params.length + parent.params.length + 1
    const rows = await ctx.db.query(
      `SELECT ${ENTITY_SQL.columns('e')} FROM files_node n JOIN entity e ON e.id = n.entity_id
        WHERE n.site_id = e.site_id AND n.deleted_at IS NULL AND e.published_at IS NOT NULL AND e.kind IN ('folder', 'file') AND ${mine.sql}
          AND e.container_id IS NULL AND e.owner_id <> $${me}
          AND (n.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM files_node pn JOIN entity pe ON pe.id = pn.entity_id WHERE pn.entity_id = n.parent_id AND pn.deleted_at IS NULL AND ${parent.sql}))
        ORDER BY lower(n.name), e.id LIMIT 100`,
      [...mine.params, ...parent.params, c.viewer.user!.id],
    )
    return ctx.content.serialize(rows.map((r: any) => ENTITY_SQL.fromRow(r)), c.viewer, c.site)
  }

  /** Titles of the groups behind the viewer's group tokens (to share with, or to browse). */
  const myGroups = async (c: RequestContext): Promise<Array<{ id: string; title: string }>> => {
    const ids = [...c.viewer.tokens].filter(tk => tk.startsWith('group:')).map(tk => tk.slice(6))
    if (ids.length === 0) return []
    return ctx.db.query(`SELECT id, title FROM entity WHERE id = ANY($1::uuid[]) AND site_id = $2 AND kind = 'group' ORDER BY lower(title) LIMIT 200`, [ids, c.site.id])
  }

  /** The way up to an item: its readable ancestors (one query), under the space it lives in. */
  const crumbsOf = async (c: RequestContext, item: Loaded): Promise<Crumb[]> => {
    const rows: Array<Record<string, unknown> & { depth: number }> = await ctx.db.query(
      `WITH RECURSIVE up AS (
         SELECT entity_id, parent_id, 0 AS depth FROM files_node WHERE entity_id = $1
         UNION ALL SELECT n.entity_id, n.parent_id, up.depth + 1 FROM files_node n JOIN up ON n.entity_id = up.parent_id WHERE up.depth < 100
       ) SELECT ${ENTITY_SQL.columns('e')}, up.depth FROM up JOIN entity e ON e.id = up.entity_id ORDER BY up.depth DESC`,
      [item.entity.id],
    )
    const chain: Crumb[] = []
    for (const r of rows) {
      const e = ENTITY_SQL.fromRow(r as any)
      if (!ctx.access.canRead(c.viewer, e, c.site)) {
        chain.length = 0
        continue
      }
      chain.push({ label: e.title, href: e.kind === 'folder' ? `/files/folders/${e.id}` : `/files/${e.id}` })
    }
    const top = rows[0] ? ENTITY_SQL.fromRow(rows[0] as any) : item.entity
    if (top.containerId) {
      const group = await ctx.access.find(c.site, top.containerId)
      if (group && ctx.access.canRead(c.viewer, group, c.site)) return [{ label: t(c, 'files.group.title', { name: group.title }), href: `/files/groups/${group.id}` }, ...chain]
      return chain
    }
    return [{ label: t(c, top.ownerId === c.viewer.user?.id ? 'files.mine' : 'files.shared'), href: '/files' }, ...chain]
  }

  /** Who an item is shared with (not its owner), by permission, with names in two queries. */
  const sharesOf = async (c: RequestContext, item: Loaded) => {
    const tokens = [...new Set([...item.entity.readAccess, ...item.entity.writeAccess, ...item.node.manage])].filter(tk => tk !== `user:${item.entity.ownerId}`)
    const users = await ctx.users.byIds(tokens.filter(tk => tk.startsWith('user:')).map(tk => tk.slice(5)))
    const groupIds = tokens.filter(tk => tk.startsWith('group:')).map(tk => tk.slice(6))
    const groups: Array<{ id: string; title: string }> = groupIds.length ? await ctx.db.query('SELECT id, title FROM entity WHERE id = ANY($1::uuid[]) AND site_id = $2', [groupIds, c.site.id]) : []
    const label = (tk: string) => {
      if (tk.startsWith('user:')) return users.get(tk.slice(5))?.name ?? tk
      if (tk.startsWith('group:')) return groups.find(g => g.id === tk.slice(6))?.title ?? tk
      return tk
    }
    return tokens.map(token => ({
      token,
      label: label(token),
      permission: item.node.manage.includes(token) ? 'manage' : item.entity.writeAccess.includes(token) ? 'write' : 'read',
    }))
  }

  const managing = async (c: RequestContext, item: Loaded) => {
    const canWrite = !!c.viewer.user && ctx.access.canWrite(c.viewer, item.entity, c.site)
    const canManage = canWrite && (c.viewer.isAdmin || item.entity.ownerId === c.viewer.user!.id || item.node.manage.some(tk => c.viewer.tokens.has(tk)))
    return { canWrite, canManage, shares: await sharesOf(c, item), groups: canManage ? await myGroups(c) : [], trashDays: store.settings(c.site).trashDays }
  }

  type SpaceExtra = { cursor?: string; errors?: Errors; values?: Record<string, string>; status?: number }
  /** My own folders, what others shared with me, my groups. */
  const minePage = async (c: RequestContext, extra: SpaceExtra) => {
    const own = await roots(c, { ownerId: c.viewer.user!.id }, extra.cursor)
    await ctx.views.page(c, {
      title: t(c, 'files.nav'),
      view: 'files.space',
      status: extra.status,
      props: {
        canCreate: true,
        groups: c.site.isEnabled('groups') ? await myGroups(c) : [],
        errors: extra.errors,
        values: extra.values,
        sections: [
          { heading: t(c, 'files.mine'), caption: t(c, 'files.mine'), items: own.items, next: own.next, empty: t(c, 'files.none') },
          { heading: t(c, 'files.shared'), caption: t(c, 'files.shared'), items: await sharedWithMe(c), next: null, empty: t(c, 'files.share.nobody') },
        ],
      },
    })
  }
  /** A group's top-level folders (404 for a group the viewer cannot see); members may add folders. */
  const groupPage = async (c: RequestContext, id: string, extra: SpaceExtra) => {
    const group = await ctx.access.get(c.viewer, c.site, id, 'group')
    const page = await roots(c, { containerId: group.id }, extra.cursor)
    await ctx.views.page(c, {
      title: t(c, 'files.group.title', { name: group.title }),
      view: 'files.space',
      status: extra.status,
      props: {
        canCreate: c.viewer.tokens.has(`group:${group.id}`),
        containerId: group.id,
        groups: [],
        errors: extra.errors,
        values: extra.values,
        crumbs: [{ label: group.title, href: `/groups/${group.id}` }],
        sections: [{ heading: t(c, 'files.nav'), caption: t(c, 'files.group.title', { name: group.title }), items: page.items, next: page.next, empty: t(c, 'files.none') }],
      },
    })
  }

  const folderPage = async (c: RequestContext, id: string, extra: { message?: Message; errors?: Errors; values?: Record<string, string>; status?: number; cursor?: string } = {}) => {
    const folder = await guard.load(c, id, 'folder')
    const [json] = await ctx.content.serialize([folder.entity], c.viewer, c.site)
    const children = await folderChildren(ctx, c, folder.entity.id, PAGE, extra.cursor)
    await ctx.views.page(c, {
      title: folder.node.name,
      view: 'files.folder',
      status: extra.status,
      props: { folder: json, crumbs: await crumbsOf(c, folder), items: children.items, next: children.nextCursor, ...(await managing(c, folder)), ...extra },
    })
  }

  const filePage = async (c: RequestContext, id: string, extra: { message?: Message; errors?: Errors; values?: Record<string, string>; status?: number } = {}) => {
    const file = await guard.load(c, id, 'file')
    const [json] = await ctx.content.serialize([file.entity], c.viewer, c.site)
    const rows = await store.versions(file.entity.id)
    const people = await ctx.users.byIds(rows.map(r => r.created_by).filter((x): x is string => x !== null))
    const versions = rows.map(r => ({ version: r.version, size: Number(r.size), createdAt: r.created_at, by: r.created_by ? (people.get(r.created_by)?.name ?? null) : null, current: r.version === file.node.version }))
    const manage = await managing(c, file)
    const links: LinkRow[] | null = manage.canManage ? await ctx.db.query('SELECT * FROM files_link WHERE entity_id = $1 ORDER BY created_at DESC LIMIT 100', [file.entity.id]) : null
    await ctx.views.page(c, {
      title: file.node.name,
      view: 'files.file',
      status: extra.status,
      props: { file: json, crumbs: await crumbsOf(c, file), versions, links: links?.map(linkJson) ?? null, ...manage, ...extra },
    })
  }

  /** The page an item's actions come back to: the file's own, or the folder's. */
  const back = (item: Loaded) => (item.node.is_folder ? `/files/folders/${item.entity.id}` : `/files/${item.entity.id}`)
  const again = (c: RequestContext, item: Loaded, extra: Parameters<typeof folderPage>[2]) => (item.node.is_folder ? folderPage(c, item.entity.id, extra) : filePage(c, item.entity.id, extra))
  /** A refusal of the API's rules, shown on the page (4xx); anything else is a real error. */
  const refusal = (error: unknown) => {
    if (error instanceof HttpProblem && error.status < 500) return error
    throw error
  }
  /** Runs an API action with this page's input (the same checks as the JSON API). */
  const asApi = <B,>(c: RouteContext, body: B, id: string) => {
    ;(c as RouteContext<B, unknown, { id: string }>).input = { body, query: {}, params: { id } }
    return c as unknown as RouteContext<B, unknown, { id: string }>
  }

  ctx.routes(router => {
    router.get<unknown, { cursor?: string }>('files.page.mine', '/files', { hidden: true, query: cursorQuery }, async c => {
      if (!c.viewer.user) return signIn(c)
      await minePage(c, { cursor: c.input.query.cursor })
    })

    router.get('files.page.trash', '/files/trash', { hidden: true }, async c => {
      if (!c.viewer.user) return signIn(c)
      const readable = ctx.access.readableWhere(c.viewer, c.site, 'e', 1)
      const rows = await ctx.db.query(
        `SELECT ${ENTITY_SQL.columns('e')}, n.deleted_at FROM files_node n JOIN entity e ON e.id = n.entity_id
          WHERE n.site_id = $${readable.params.length + 2} AND n.deleted_at IS NOT NULL AND ${readable.sql} AND e.write_access && $${readable.params.length + 1}::text[]
          ORDER BY n.deleted_at DESC LIMIT 100`,
        [...readable.params, [...c.viewer.tokens], c.site.id],
      )
      const items = await ctx.content.serialize(rows.map((r: any) => ENTITY_SQL.fromRow(r)), c.viewer, c.site)
      await ctx.views.page(c, { title: t(c, 'files.trash'), view: 'files.trash', props: { items: items.map((i, n) => ({ ...i, deletedAt: rows[n].deleted_at })) } })
    })

    router.get<unknown, { cursor?: string }, { id: string }>('files.page.group', '/files/groups/:id', { hidden: true, params: uuidParams, query: cursorQuery }, async c => {
      await groupPage(c, c.input.params.id, { cursor: c.input.query.cursor })
    })

    const folderQuery = { type: 'object', properties: { ...cursorQuery.properties, uploaded: { type: 'integer', minimum: 0, maximum: 100 } } }
    router.get<unknown, { cursor?: string; uploaded?: number }, { id: string }>('files.page.folder', '/files/folders/:id', { hidden: true, params: uuidParams, query: folderQuery }, async c => {
      const { cursor, uploaded } = c.input.query
      await folderPage(c, c.input.params.id, { cursor, message: uploaded !== undefined ? { kind: 'ok', text: t(c, 'files.upload.done', { n: uploaded }) } : undefined })
    })

    router.get<unknown, unknown, { id: string }>('files.page.file', '/files/:id', { hidden: true, params: uuidParams }, async c => {
      await filePage(c, c.input.params.id)
    })

    router.post<{ folderName?: string; parentId?: string; containerId?: string }>(
      'files.page.createFolder',
      '/files/folders',
      { hidden: true, auth: true, form: { type: 'object', properties: { folderName: { type: 'string', maxLength: 300 }, parentId: { type: 'string', format: 'uuid' }, containerId: { type: 'string', format: 'uuid' } } } },
      async c => {
        const { folderName = '', parentId, containerId } = c.input.body
        const shown = async (errors: Errors, status: number) => {
          const extra = { errors, values: { folderName }, status }
          if (parentId) return folderPage(c, parentId, extra)
          return containerId ? groupPage(c, containerId, extra) : minePage(c, extra)
        }
        if (!folderName.trim()) return shown({ folderName: t(c, 'files.name.missing') }, 400)
        // The API's own code does the work, with its rules (write access, names, the group's membership).
        try {
          const created = await createFolder(ctx, store, guard, asApi(c, { name: folderName, ...(parentId ? { parentId } : {}), ...(containerId && !parentId ? { containerId } : {}) }, ''))
          c.redirect(`/files/folders/${created.id}`)
        } catch (error) {
          const p = refusal(error)
          return shown({ folderName: p.detail }, p.status)
        }
      },
    )

    router.post<unknown, unknown, { id: string }>('files.page.upload', '/files/folders/:id/upload', { hidden: true, auth: true, csrf: false, params: uuidParams }, async c => {
      const folder = await guard.load(c, c.input.params.id, 'folder')
      guard.writable(c, folder)
      try {
        const { saved } = await saveParts(c, folder, save)
        c.status = 303
        c.redirect(`/files/folders/${folder.entity.id}?uploaded=${saved.length}`)
      } catch (error) {
        const p = refusal(error)
        if (p.code === 'CSRF_TOKEN_INVALID') throw p
        await folderPage(c, folder.entity.id, { errors: { file: p.code === 'NO_FILE' ? t(c, 'files.upload.none') : p.detail }, status: p.status })
      }
    })

    const form = (properties: Record<string, unknown>) => ({ hidden: true, auth: true, params: uuidParams, form: { type: 'object', properties } })

    router.post<{ newName?: string }, unknown, { id: string }>('files.page.rename', '/files/items/:id/rename', form({ newName: { type: 'string', maxLength: 300 } }), async c => {
      const item = await guard.load(c, c.input.params.id)
      const newName = c.input.body.newName ?? ''
      if (!newName.trim()) return again(c, item, { errors: { newName: t(c, 'files.name.missing') }, values: { newName }, status: 400 })
      try {
        await moveOrShare(ctx, store, guard, asApi(c, { name: newName }, item.entity.id), item.node.is_folder ? 'folder' : 'file')
      } catch (error) {
        const p = refusal(error)
        return again(c, item, { errors: { newName: p.detail }, values: { newName }, status: p.status })
      }
      c.redirect(back(item))
    })

    router.post<unknown, unknown, { id: string }>('files.page.delete', '/files/items/:id/delete', form({}), async c => {
      const item = await guard.load(c, c.input.params.id)
      await trash(ctx, store, guard, asApi(c, {}, item.entity.id), item.node.is_folder ? 'folder' : 'file')
      c.redirect(item.node.parent_id ? `/files/folders/${item.node.parent_id}` : item.entity.containerId ? `/files/groups/${item.entity.containerId}` : '/files')
    })

    router.post<unknown, unknown, { id: string }>('files.page.restore', '/files/items/:id/restore', form({}), async c => {
      await restore(ctx, store, guard, asApi(c, {}, c.input.params.id))
      c.redirect('/files/trash')
    })

    router.post<{ email?: string; group?: string; permission?: 'read' | 'write' | 'manage' }, unknown, { id: string }>(
      'files.page.share',
      '/files/items/:id/share',
      form({ email: { type: 'string', maxLength: 320 }, group: { anyOf: [{ type: 'string', format: 'uuid' }, { const: '' }] }, permission: { enum: ['read', 'write', 'manage'] } }),
      async c => {
        const item = await guard.load(c, c.input.params.id)
        const values = { email: c.input.body.email ?? '', group: c.input.body.group ?? '', permission: c.input.body.permission ?? 'read' }
        const fail = (errors: Errors, status = 400) => again(c, item, { errors, values, status })
        let token: string
        if (values.email.trim()) {
          const rows: Array<{ id: string }> = await ctx.db.query('SELECT id FROM kernel_account WHERE lower(email) = lower($1)', [values.email.trim()])
          if (!rows[0]) return fail({ email: t(c, 'files.share.unknown') })
          token = `user:${rows[0].id}`
        } else if (values.group) {
          token = `group:${values.group}`
        } else {
          return fail({ email: t(c, 'files.share.pick') })
        }
        const without = (list: string[]) => list.filter(x => x !== token)
        const read = [...without(item.entity.readAccess), token]
        const write = values.permission === 'read' ? without(item.entity.writeAccess) : [...without(item.entity.writeAccess), token]
        const manage = values.permission === 'manage' ? [...without(item.node.manage), token] : without(item.node.manage)
        try {
          await moveOrShare(ctx, store, guard, asApi(c, { access: { read, write }, manage }, item.entity.id), item.node.is_folder ? 'folder' : 'file')
        } catch (error) {
          const p = refusal(error)
          return fail({ email: p.detail }, p.status)
        }
        c.redirect(back(item))
      },
    )

    router.post<{ token?: string }, unknown, { id: string }>('files.page.unshare', '/files/items/:id/unshare', form({ token: { type: 'string', maxLength: 100 } }), async c => {
      const item = await guard.load(c, c.input.params.id)
      const token = c.input.body.token ?? ''
      const without = (list: string[]) => list.filter(x => x !== token)
      await moveOrShare(ctx, store, guard, asApi(c, { access: { read: without(item.entity.readAccess), write: without(item.entity.writeAccess) }, manage: without(item.node.manage) }, item.entity.id), item.node.is_folder ? 'folder' : 'file')
      c.redirect(back(item))
    })

    router.post<unknown, unknown, { id: string; version: number }>(
      'files.page.restoreVersion',
      '/files/items/:id/versions/:version/restore',
      { hidden: true, auth: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, version: { type: 'integer', minimum: 1, maximum: 2147483647 } } }, form: { type: 'object', properties: {} } },
      async c => {
        const file = await guard.load(c, c.input.params.id, 'file')
        guard.writable(c, file)
        const old = await store.version(file.entity.id, c.input.params.version)
        if (!old) throw problems.notFound('No such version.', { code: 'VERSION_NOT_FOUND' })
        const parent = await guard.load(c, file.node.parent_id!, 'folder')
        await save(c, parent, file.node.name, await store.open(c.site, old), '', Number(old.size))
        c.status = 303
        c.redirect(`/files/${file.entity.id}`)
      },
    )

    router.post<{ password?: string; expiresAt?: string; maxDownloads?: string }, unknown, { id: string }>(
      'files.page.link',
      '/files/items/:id/links',
      form({ password: { type: 'string', maxLength: 200 }, expiresAt: { anyOf: [{ type: 'string', format: 'date' }, { const: '' }] }, maxDownloads: { anyOf: [{ type: 'integer', minimum: 1, maximum: 1000000 }, { const: '' }] } }),
      async c => {
        const item = await guard.load(c, c.input.params.id, 'file')
        const { password = '', expiresAt = '', maxDownloads = '' } = c.input.body
        const values = { expiresAt, maxDownloads: String(maxDownloads) }
        if (password && password.length < 4) return filePage(c, item.entity.id, { errors: { password: t(c, 'auth.password.short').replace('10', '4') }, values, status: 400 })
        guard.manageable(c, item)
        try {
          // A date is the end of that day (in UTC): a link "until 1 March" works all of 1 March.
          const link = await createLink(ctx, store, c, item, {
            ...(password ? { password } : {}),
            ...(expiresAt ? { expiresAt: new Date(`${expiresAt}T23:59:59Z`).toISOString() } : {}),
            ...(maxDownloads !== '' ? { maxDownloads: Number(maxDownloads) } : {}),
          })
          // Shown once, here: the token is stored hashed and cannot be shown again (so no redirect with it in the URL).
          return filePage(c, item.entity.id, { message: { kind: 'ok', text: t(c, 'files.links.made', { url: link.url }) }, status: 201 })
        } catch (error) {
          const p = refusal(error)
          return filePage(c, item.entity.id, { errors: { expiresAt: p.detail }, values, status: p.status })
        }
      },
    )

    router.post<unknown, unknown, { id: string; linkId: string }>(
      'files.page.revokeLink',
      '/files/items/:id/links/:linkId/revoke',
      { hidden: true, auth: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, linkId: { type: 'string', format: 'uuid' } } }, form: { type: 'object', properties: {} } },
      async c => {
        const item = await guard.load(c, c.input.params.id)
        guard.manageable(c, item)
        await ctx.db.query('UPDATE files_link SET revoked_at = now() WHERE id = $1 AND entity_id = $2 AND revoked_at IS NULL', [c.input.params.linkId, item.entity.id])
        await store.audit(c.site, 'link.revoke', { accountId: c.viewer.user!.id, linkId: c.input.params.linkId }, item.entity.id)
        c.redirect(back(item))
      },
    )
  })
}

