// The search plugin's per-site settings.
import { CANDIDATES, MAX_CONCURRENT_SEARCHES } from './postgres-engine.js'

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
    maxConcurrentSearches: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: MAX_CONCURRENT_SEARCHES,
      description:
        'How many searches one Plein process runs on the database at once; more wait their turn (up to 3 s, then 503 SEARCH_BUSY). Keep it below the database connections per process (PLEIN_DB_POOL_SIZE) and near the cores PostgreSQL has.',
    },
  },
} as const

export interface SearchSettings {
  rankedMatches: number
  maxConcurrentSearches: number
}
