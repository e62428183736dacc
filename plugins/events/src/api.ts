// What other plugins may use of the events plugin.
import { defineHooks, event, type Site } from '@plein/core'

export const eventsHooks = defineHooks('events', () => ({
  promoted: event<[{ eventId: string; accountId: string }, Site]>({ since: '1.0.0', description: 'Someone moved up from the waiting list after a cancellation.' }),
}))
