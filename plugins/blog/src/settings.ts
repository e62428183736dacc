// The blog plugin's per-site settings.
export const blogSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    feedSize: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Posts in the Atom feed.' },
    excerptLength: { type: 'integer', minimum: 50, maximum: 2000, default: 300, description: 'Characters of an excerpt made from the body.' },
  },
} as const

export interface BlogSettings {
  feedSize: number
  excerptLength: number
}
