// SharedCache: entries dropped by key, by tag, on RESYNC; never kept when a change came while loading; not
// used while the change bus does not listen.
import { expect } from 'chai'
import { RESYNC, SharedCache, type ChangeBus, type ChangeListener } from '@plein/core'

/** An in-memory bus whose `listening` the test switches, and that can deliver as if from another process. */
function fakeBus() {
  const listeners = new Map<string, Set<ChangeListener>>()
  const state = { listening: true, published: 0 }
  const deliver = (topic: string, message: unknown) => {
    for (const l of listeners.get(topic) ?? []) l(message)
  }
  const bus: ChangeBus = {
    async publish(topic, message) {
      state.published++
      deliver(topic, message)
    },
    subscribe(topic, listener) {
      const set = listeners.get(topic) ?? new Set()
      set.add(listener)
      listeners.set(topic, set)
      return () => set.delete(listener)
    },
    listening: () => state.listening,
    async close() {},
  }
  return { bus, state, deliver }
}

describe('SharedCache', () => {
  let now = 0
  const make = (bus: ChangeBus, ttlMs = 5000) => new SharedCache<string>({ topic: 't', changes: () => bus, ttlMs, now: () => now })

  it('answers from the cache until its time is up, then reads again', async () => {
    const { bus } = fakeBus()
    const cache = make(bus, 1000)
    let reads = 0
    const load = async () => ({ value: `v${++reads}` })
    expect(await cache.get('k', load)).to.equal('v1')
    now += 999
    expect(await cache.get('k', load)).to.equal('v1')
    now += 1
    expect(await cache.get('k', load)).to.equal('v2')
    // An entry's own shorter life wins.
    expect(await cache.get('short', async () => ({ value: 's1', ttlMs: 10 }))).to.equal('s1')
    now += 10
    expect(await cache.get('short', async () => ({ value: 's2' }))).to.equal('s2')
  })

  it('drops entries by key, by tag, and all of them on RESYNC (a change told by another process)', async () => {
    const { bus, deliver } = fakeBus()
    const cache = make(bus)
    const fill = async () => {
      await cache.get('a', async () => ({ value: 'a', tags: ['account:1'] }))
      await cache.get('b', async () => ({ value: 'b', tags: ['account:2'] }))
    }
    await fill()
    expect(cache.size).to.equal(2)
    await cache.invalidate({ keys: ['a'] })
    expect(cache.peek('a')).to.equal(undefined)
    expect(cache.peek('b')).to.equal('b')
    deliver('t', { tags: ['account:2'] })
    expect(cache.peek('b')).to.equal(undefined)
    await fill()
    deliver('t', RESYNC)
    expect(cache.size).to.equal(0)
  })

  it('keeps nothing read while a change came (the read may be older than the change)', async () => {
    const { bus, deliver } = fakeBus()
    const cache = make(bus)
    const value = await cache.get('k', async () => {
      deliver('t', { keys: ['other'] })
      return { value: 'old' }
    })
    expect(value).to.equal('old')
    expect(cache.peek('k')).to.equal(undefined)
    const many = await cache.getMany(['x', 'y'], async keys => {
      deliver('t', { tags: ['nothing'] })
      return keys.map(key => ({ key, value: key }))
    })
    expect([...many.keys()]).to.deep.equal(['x', 'y'])
    expect(cache.size).to.equal(0)
  })

  it('neither answers from nor fills the cache while the bus does not listen (notices may be missed)', async () => {
    const { bus, state } = fakeBus()
    const cache = make(bus)
    let reads = 0
    const load = async () => ({ value: `v${++reads}` })
    await cache.get('k', load)
    state.listening = false
    expect(await cache.get('k', load)).to.equal('v2')
    expect(await cache.get('k', load)).to.equal('v3')
    state.listening = true
    expect(await cache.get('k', load)).to.equal('v1') // the bus delivers RESYNC when it is back; this fake does not
  })

  it('keeps at most `max` entries, dropping the oldest', async () => {
    const { bus } = fakeBus()
    const cache = new SharedCache<number>({ topic: 't', changes: () => bus, max: 2 })
    for (const n of [1, 2, 3]) await cache.get(String(n), async () => ({ value: n }))
    expect(cache.size).to.equal(2)
    expect(cache.peek('1')).to.equal(undefined)
    expect(cache.peek('3')).to.equal(3)
  })
})
