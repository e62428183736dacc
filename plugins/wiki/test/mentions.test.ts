// With the notifications plugin: an @mention in a page's body (the serialized `body`) notifies the person
// mentioned — when they may read the page.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { notificationsPlugin } from '@plein/plugin-notifications'
import { wikiPlugin } from '@plein/plugin-wiki'
import { createPage } from './helpers.js'

describe('wiki: mentions notify', () => {
  let tk: TestKernel
  let alice: SignedUp
  let bob: SignedUp
  let carol: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [wikiPlugin, notificationsPlugin] })
    await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    carol = await tk.signUp({ name: 'Carol' })
  })
  after(() => tk?.close())

  const mentionedIn = async (who: SignedUp, pageId: string) => {
    const res = await who.client.get('/api/v1/notifications?limit=100')
    expect(res.status, res.text).to.equal(200)
    return res.body.items.filter((n: any) => n.kind === 'item.mentioned' && n.item?.id === pageId)
  }

  it('notifies people mentioned in a page they may read, and nobody else', async function () {
    this.timeout(20_000)
    const mention = (who: SignedUp) => `@[${who.user.name}](${who.user.id})`
    const page = await createPage(alice.client, {
      title: 'Overleg',
      body: `<p>Vraag voor ${mention(bob)} en ${mention(carol)}</p>`,
      access: { read: [`user:${alice.user.id}`, `user:${bob.user.id}`] },
    })
    let found: any[] = []
    for (let i = 0; i < 100 && found.length === 0; i++) {
      found = await mentionedIn(bob, page.id)
      if (found.length === 0) await new Promise(r => setTimeout(r, 100))
    }
    expect(found).to.have.length(1)
    expect(found[0].actor.id).to.equal(alice.user.id)
    // Carol is mentioned but may not read the page: she hears nothing of it.
    expect(await mentionedIn(carol, page.id)).to.deep.equal([])
  })
})
