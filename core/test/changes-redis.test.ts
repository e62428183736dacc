// Change notices through Redis pub/sub (REDIS_URL): reach the other process within a second, not this one twice,
// and after a lost connection every listener is told to start afresh. Needs a Redis server (REDIS_URL, or the
// one at 127.0.0.1:6379); skipped without one.
import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { createClient } from '@redis/client'
import { createLogger, isResync } from '@plein/core'
import { createRedisChangeBus, redisChannelTag } from '../src/services/changes-redis.js'
import type { ChangeBus } from '../src/services/changes.js'

const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
const log = createLogger({ level: process.env.PLEIN_TEST_LOG ?? 'silent', pretty: false })

async function until<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(r => setTimeout(r, 20))
  }
}

describe('change notices through Redis', function () {
  this.timeout(30_000)
  const channel = `plein:changes:test:${randomUUID()}`
  let a: ChangeBus
  let b: ChangeBus
  let admin: ReturnType<typeof createClient>
  /** The listening connections of this test's channel (another process's tests may share the Redis server). */
  const listeners = async () =>
    String(await admin.sendCommand(['CLIENT', 'LIST']))
      .split('\n')
      .filter(line => line.includes(`name=plein-changes-sub-${redisChannelTag(channel)}-`))
      .map(line => /\bid=(\d+)/.exec(line)![1]!)

  before(async function () {
    admin = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } })
    admin.on('error', () => undefined)
    try {
      await admin.connect()
    } catch {
      console.log(`    (skipped: no Redis server at ${url})`)
      this.skip()
    }
    a = createRedisChangeBus(url, channel, log)
    b = createRedisChangeBus(url, channel, log)
  })
  after(async () => {
    await a?.close()
    await b?.close()
    if (admin?.isOpen) await admin.close()
  })

  it('tells this process at once and the other within a second, each once', async () => {
    const seenA: unknown[] = []
    const seenB: unknown[] = []
    a.subscribe('subsites', m => seenA.push(m))
    b.subscribe('subsites', m => seenB.push(m))
    // Both buses subscribe in the background: send until the other one hears.
    const t0 = Date.now()
    for (let i = 0; seenB.length === 0 && i < 100; i++) {
      await a.publish('subsites', { id: `warm-${i}` })
      await new Promise(r => setTimeout(r, 50))
    }
    expect(seenB.length).to.be.above(0)
    seenA.length = 0
    seenB.length = 0
    const sent = Date.now()
    await a.publish('subsites', { id: 's1', hosts: ['team.example.org'] })
    expect(seenA).to.deep.equal([{ id: 's1', hosts: ['team.example.org'] }])
    await until(() => (seenB.length > 0 ? true : undefined), 1000)
    expect(Date.now() - sent).to.be.below(1000)
    expect(seenB).to.deep.equal([{ id: 's1', hosts: ['team.example.org'] }])
    await new Promise(r => setTimeout(r, 200))
    expect(seenA).to.have.length(1)
    expect(Date.now() - t0).to.be.below(10_000)
  })

  it('tells every listener to start afresh after its connection was cut', async () => {
    const seen: unknown[] = []
    b.subscribe('other-topic', m => seen.push(m))
    // This test's two buses only: cutting whatever else listens on a shared Redis would disturb others.
    const ids = await listeners()
    expect(ids.length).to.be.at.least(2)
    // Cut both buses' listeners: each must resync.
    for (const id of ids) await admin.sendCommand(['CLIENT', 'KILL', 'ID', id])
    await until(() => (seen.some(isResync) ? true : undefined), 10_000)
  })
})
