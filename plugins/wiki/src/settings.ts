// The wiki plugin's per-site settings.
export const wikiSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxDepth: {
      type: 'integer',
      minimum: 1,
      maximum: 50,
      default: 20,
      description: 'How deep the page tree may grow (a top-level page is at depth 1).',
    },
  },
} as const

export interface WikiSettings {
  maxDepth: number
}
