// The search plugin's per-site settings.
import { CANDIDATES } from './postgres-engine.js'

export const searchSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rankedMatches: {
      type: 'integer',
      minimum: 20,
      maximum: 5000,
      default: CANDIDATES,
      description:
        'How many of the newest matches the viewer may read are ranked by relevance (and can be paged through). Fewer makes every search cheaper; older items stay findable with a date, type or group filter.',
    },
  },
} as const

export interface SearchSettings {
  rankedMatches: number
}
