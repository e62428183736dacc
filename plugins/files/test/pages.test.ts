// The files web pages through HTTP, as a browser without JavaScript uses them: forms post (with the CSRF
// token), redirect after post, errors next to their field; who sees which page; sharing, versions, links, trash.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { raw } from './helpers.js'

const BOUNDARY = '----plein-pages-boundary'
const FORM = 'application/x-www-form-urlencoded'

/** A multipart body as a browser sends the upload form: the token first, then the file(s). */
function uploadBody(csrf: string | undefined, files: Array<{ name: string; content: string }>): Buffer {
  const parts: string[] = []
  if (csrf !== undefined) parts.push(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`)
  for (const f of files) parts.push(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: text/plain\r\n\r\n${f.content}\r\n`)
  return Buffer.from(`${parts.join('')}--${BOUNDARY}--\r\n`)
}

describe('files: web pages', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let alice: SignedUp
  let bob: SignedUp

  before(async function () {
    this.timeout(180_000)
    tk = await createTestKernel({ plugins: [filesPlugin, groupsPlugin] })
    await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice Archief', email: 'alice@example.org' })
    bob = await tk.signUp({ name: 'Bob Beleid', email: 'bob@example.org' })
  })
  after(() => tk?.close())

  /** A form post as the browser sends it: the token as the `_csrf` field, no header. */
  const submit = (client: TestClient, path: string, fields: Record<string, string>, csrf = true) =>
    client.post(path, undefined, {
      raw: new URLSearchParams({ ...(csrf ? { _csrf: client.csrfToken! } : {}), ...fields }).toString(),
      headers: { 'content-type': FORM, 'x-csrf-token': '', accept: 'text/html' },
    })
  const upload = (client: TestClient, folderId: string, files: Array<{ name: string; content: string }>, csrf = true) =>
    client.post(`/files/folders/${folderId}/upload`, undefined, {
      raw: uploadBody(csrf ? client.csrfToken : undefined, files),
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'x-csrf-token': '', accept: 'text/html' },
    })
  const page = (client: TestClient, path: string) => client.get(path, { headers: { accept: 'text/html' } })
  const location = (res: TestResponse) => String(res.headers.location ?? '')
  const h1 = (html: string) => /<h1[^>]*>([^<]*)<\/h1>/.exec(html)?.[1]

  let folderId = ''
  let fileId = ''

  it('my files: the page, a new folder through the form (and its error state), the CSRF token required', async () => {
    const mine = await page(alice.client, '/files')
    expect(mine.status).to.equal(200)
    expect(h1(mine.text)).to.equal('Bestanden')
    expect(mine.text).to.contain('Mijn bestanden').and.contain('href="/files"')
    // Not signed in: to the sign-in page first.
    const anonymous = await page(tk.client(), '/files')
    expect(anonymous.status).to.equal(302)
    expect(location(anonymous)).to.equal('/auth/sign-in?next=%2Ffiles')

    expect((await submit(alice.client, '/files/folders', { folderName: 'Projectplan' }, false)).status).to.equal(403)
    const empty = await submit(alice.client, '/files/folders', { folderName: '' })
    expect(empty.status).to.equal(400)
    expect(h1(empty.text)).to.equal('Bestanden')
    expect(empty.text).to.match(/id="field-folderName-error"[^>]*>Vul een naam in\./)
    const made = await submit(alice.client, '/files/folders', { folderName: 'Projectplan' })
    expect(made.status, made.text).to.equal(302)
    folderId = /^\/files\/folders\/([0-9a-f-]{36})$/.exec(location(made))![1]!
    const folder = await page(alice.client, `/files/folders/${folderId}`)
    expect(folder.status).to.equal(200)
    expect(h1(folder.text)).to.equal('Projectplan')
    expect(folder.text).to.contain('Deze map is leeg.').and.contain('enctype="multipart/form-data"')
    expect((await page(alice.client, '/files')).text).to.contain(`/files/folders/${folderId}`)

    // An empty name inside a folder: the folder page again, the error next to the field.
    const sub = await submit(alice.client, '/files/folders', { folderName: ' ', parentId: folderId })
    expect(sub.status).to.equal(400)
    expect(sub.text).to.match(/id="field-folderName-error"[^>]*>Vul een naam in\./)
  })

  it('uploads through the multipart form (without JavaScript): redirect after post, the files listed, errors next to the field', async () => {
    expect((await upload(alice.client, folderId, [{ name: 'plan.txt', content: 'Versie een' }], false)).status).to.equal(403)
    const res = await upload(alice.client, folderId, [
      { name: 'plan.txt', content: 'Versie een' },
      { name: 'begroting.csv', content: 'post;bedrag\nzaal;100\n' },
    ])
    expect(res.status, res.text).to.equal(303)
    expect(location(res)).to.equal(`/files/folders/${folderId}?uploaded=2`)
    const folder = await page(alice.client, location(res))
    expect(folder.text).to.contain('2 bestand(en) opgeslagen.').and.contain('plan.txt').and.contain('begroting.csv')
    fileId = /href="\/files\/([0-9a-f-]{36})">plan\.txt/.exec(folder.text)![1]!
    // Nothing chosen: the page again with the error at the file field.
    const none = await upload(alice.client, folderId, [])
    expect(none.status).to.equal(400)
    expect(none.text).to.match(/id="field-file-error"[^>]*>Kies een bestand om te uploaden\./)
    // The same name again is a new version.
    await upload(alice.client, folderId, [{ name: 'plan.txt', content: 'Versie twee' }])
    const file = await page(alice.client, `/files/${fileId}`)
    expect(file.status).to.equal(200)
    expect(h1(file.text)).to.equal('plan.txt')
    expect(file.text).to.contain(`/api/v1/files/${fileId}/versions/1/content`).and.contain('2 (huidige)')
    // Restore version 1: it becomes version 3, with version 1's bytes.
    const restored = await submit(alice.client, `/files/items/${fileId}/versions/1/restore`, {})
    expect(restored.status).to.equal(303)
    expect((await alice.client.get(`/api/v1/files/${fileId}/content`)).text).to.equal('Versie een')
    expect((await alice.client.get(`/api/v1/files/${fileId}`)).body.version).to.equal(3)
  })

  it('another person cannot see my folder or file pages, until I share the folder with them', async () => {
    expect((await page(bob.client, `/files/folders/${folderId}`)).status).to.equal(404)
    expect((await page(bob.client, `/files/${fileId}`)).status).to.equal(404)
    expect((await page(bob.client, '/files')).text).to.not.contain('Projectplan')
    // Bob may not share it either.
    expect((await submit(bob.client, `/files/items/${folderId}/share`, { email: 'bob@example.org', permission: 'read' })).status).to.equal(404)

    const unknown = await submit(alice.client, `/files/items/${folderId}/share`, { email: 'niemand@example.org', permission: 'read' })
    expect(unknown.status).to.equal(400)
    expect(unknown.text).to.match(/id="field-email-error"[^>]*>Er is geen account met dit e-mailadres\./)
    const shared = await submit(alice.client, `/files/items/${folderId}/share`, { email: 'BOB@example.org', permission: 'read' })
    expect(shared.status, shared.text).to.equal(302)
    expect(location(shared)).to.equal(`/files/folders/${folderId}`)
    expect((await page(alice.client, `/files/folders/${folderId}`)).text).to.contain('Bob Beleid').and.contain('(lezen)')

    const seen = await page(bob.client, `/files/folders/${folderId}`)
    expect(seen.status).to.equal(200)
    expect(seen.text).to.contain('plan.txt').and.not.contain('enctype="multipart/form-data"')
    expect((await page(bob.client, `/files/${fileId}`)).status).to.equal(200)
    expect((await page(bob.client, '/files')).text).to.contain('Gedeeld met mij').and.contain(`/files/folders/${folderId}`)
    // Read only: no uploads, no renames.
    expect((await upload(bob.client, folderId, [{ name: 'bob.txt', content: 'x' }])).status).to.equal(403)
    expect((await submit(bob.client, `/files/items/${fileId}/rename`, { newName: 'van-bob.txt' })).status).to.equal(403)

    // Stop sharing: gone again.
    const stop = await submit(alice.client, `/files/items/${folderId}/unshare`, { token: `user:${bob.user.id}` })
    expect(stop.status).to.equal(302)
    expect((await page(bob.client, `/files/${fileId}`)).status).to.equal(404)
  })

  it('public links from the file page: made (shown once), used up, revoked', async () => {
    const made = await submit(alice.client, `/files/items/${fileId}/links`, { password: '', expiresAt: '', maxDownloads: '1' })
    expect(made.status).to.equal(201)
    const url = /(http:\/\/[^ <]+\/s\/[A-Za-z0-9_-]{22})/.exec(made.text)![1]!
    const path = new URL(url).pathname
    expect((await raw(tk.url, path)).body.toString()).to.equal('Versie een')
    expect((await raw(tk.url, path)).status).to.equal(410)
    const past = await submit(alice.client, `/files/items/${fileId}/links`, { expiresAt: '2001-01-01' })
    expect(past.status).to.equal(400)
    expect(past.text).to.match(/id="field-expiresAt-error"/)
    const second = await submit(alice.client, `/files/items/${fileId}/links`, { password: 'geheim-woord' })
    const linkPath = new URL(/(http:\/\/[^ <]+\/s\/[A-Za-z0-9_-]{22})/.exec(second.text)![1]!).pathname
    expect((await raw(tk.url, linkPath)).status).to.equal(401)
    const links = (await alice.client.get(`/api/v1/files/${fileId}/links`)).body.items
    const active = links.find((l: any) => l.hasPassword && !l.revoked)
    expect((await submit(alice.client, `/files/items/${fileId}/links/${active.id}/revoke`, {})).status).to.equal(302)
    expect((await raw(tk.url, linkPath, { basic: ['x', 'geheim-woord'] })).status).to.equal(410)
  })

  it('rename, delete to the trash and restore from the trash page', async () => {
    const renamed = await submit(alice.client, `/files/items/${fileId}/rename`, { newName: 'plan-definitief.txt' })
    expect(renamed.status).to.equal(302)
    expect(h1((await page(alice.client, `/files/${fileId}`)).text)).to.equal('plan-definitief.txt')
    const taken = await submit(alice.client, `/files/items/${fileId}/rename`, { newName: 'begroting.csv' })
    expect(taken.status).to.equal(409)
    expect(taken.text).to.match(/id="field-newName-error"/)
    const deleted = await submit(alice.client, `/files/items/${fileId}/delete`, {})
    expect(location(deleted)).to.equal(`/files/folders/${folderId}`)
    expect((await page(alice.client, `/files/${fileId}`)).status).to.equal(404)
    const trash = await page(alice.client, '/files/trash')
    expect(trash.text).to.contain('plan-definitief.txt')
    expect((await page(bob.client, '/files/trash')).text).to.not.contain('plan-definitief.txt')
    expect(location(await submit(alice.client, `/files/items/${fileId}/restore`, {}))).to.equal('/files/trash')
    expect((await page(alice.client, `/files/${fileId}`)).status).to.equal(200)
  })

  it("a group's files: members create folders there, others do not see them", async () => {
    const group = (await alice.client.post('/api/v1/groups', { name: 'Werkgroep', membership: 'closed' })).body
    const made = await submit(alice.client, '/files/folders', { folderName: 'Notulen', containerId: group.id })
    expect(made.status, made.text).to.equal(302)
    const groupPage = await page(alice.client, `/files/groups/${group.id}`)
    expect(h1(groupPage.text)).to.equal('Bestanden van Werkgroep')
    expect(groupPage.text).to.contain('Notulen')
    expect((await page(alice.client, '/files')).text).to.contain(`/files/groups/${group.id}`)
    const outsider = await page(bob.client, `/files/groups/${group.id}`)
    expect(outsider.text).to.not.contain('Notulen')
  })
})
