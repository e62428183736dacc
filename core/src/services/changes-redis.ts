// Change notices through Redis pub/sub (REDIS_URL), for installations that would rather not hold a PostgreSQL
// connection per process for LISTEN. Same contract as the PostgreSQL bus: this process is told at once, the
// others within a second, and after a lost connection every listener gets RESYNC.
import { createHash, randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { LocalListeners, RESYNC, type ChangeBus } from './changes.js'

interface Clients {
  publisher: { isReady: boolean; publish(channel: string, message: string): Promise<number>; close(): Promise<void>; destroy(): void }
  subscriber: { isReady: boolean; close(): Promise<void>; destroy(): void }
}

/** `channel` tells installations that share one Redis apart (the kernel derives it from the database). */
export function createRedisChangeBus(url: string, channel: string, log: Logger): ChangeBus {
  const origin = randomUUID()
  const local = new LocalListeners(log)
  let clients: Clients | undefined
  let closed = false
  // A notice this process could not send: once Redis is back, everyone is told to start afresh.
  let missed = false
  let subscribedNow = () => false

  const started = (async () => {
    // Loaded only when REDIS_URL is set.
    const { createClient } = await import('@redis/client')
    const options = {
      url,
      // Commands fail at once while disconnected rather than wait in a queue (a request must not hang on this).
      disableOfflineQueue: true,
      socket: { connectTimeout: 3000, reconnectStrategy: (retries: number) => Math.min(250 * 2 ** retries, 5000) },
    }
    // Connection names tell operators (CLIENT LIST) which installation's channel a connection serves.
    const tag = redisChannelTag(channel)
    const publisher = createClient({ ...options, name: `plein-changes-pub-${tag}-${origin}` })
    const subscriber = createClient({ ...options, name: `plein-changes-sub-${tag}-${origin}` })
    clients = { publisher, subscriber }
    let subscribed = false
    publisher.on('error', error => log.warn({ err: error }, 'change notices (Redis): publishing connection failed; reconnecting'))
    subscriber.on('error', error => log.warn({ err: error }, 'change notices (Redis): listening connection failed; reconnecting'))
    subscriber.on('ready', () => {
      if (!subscribed) return
      log.info('change notices (Redis): listening again; caches start afresh')
      local.deliverAll(RESYNC)
    })
    publisher.on('ready', () => {
      if (!missed) return
      missed = false
      publisher.publish(channel, JSON.stringify({ o: origin, r: true })).catch(() => (missed = true))
    })
    await Promise.all([publisher.connect(), subscriber.connect()])
    await subscriber.subscribe(channel, payload => {
      try {
        const { o, t, m, r } = JSON.parse(payload) as { o: string; t?: string; m?: unknown; r?: boolean }
        if (o === origin) return
        if (r) local.deliverAll(RESYNC)
        else if (t) local.deliver(t, m)
      } catch {
        // not ours
      }
    })
    subscribed = true
    subscribedNow = () => subscriber.isReady
  })()
  started.catch(error => {
    if (!closed) log.error({ err: error }, 'change notices (Redis): cannot connect')
  })

  return {
    async publish(topic, message) {
      local.deliver(topic, message)
      const publisher = clients?.publisher
      if (!publisher?.isReady) {
        missed = true
        log.warn({ topic }, 'change notices (Redis): not connected; other processes will drop their caches when it is back')
        return
      }
      try {
        await publisher.publish(channel, JSON.stringify({ o: origin, t: topic, m: message }))
      } catch (error) {
        missed = true
        log.warn({ err: error, topic }, 'change notices (Redis): publishing failed; other processes will drop their caches when it is back')
      }
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    listening: () => subscribedNow(),
    async close() {
      if (closed) return
      closed = true
      for (const client of [clients?.publisher, clients?.subscriber]) {
        if (!client) continue
        // A client still trying to connect has nothing to finish: stop it at once.
        if (client.isReady) await client.close().catch(() => client.destroy())
        else client.destroy()
      }
    },
  }
}

/** A short, stable tag of a change channel, used in the Redis connection names. */
export const redisChannelTag = (channel: string): string => createHash('sha256').update(channel).digest('hex').slice(0, 12)
