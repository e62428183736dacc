// The subsites plugin's settings (on the root site).
const subsite = {
  type: 'object',
  required: ['name', 'host', 'plugins'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    host: { type: 'string', minLength: 1 },
    plugins: { type: 'array', items: { type: 'string' } },
    settings: { type: 'object' },
    membership: { enum: ['open', 'approval', 'invite'] },
    allowedEmailDomains: { type: 'array', items: { type: 'string' } },
    admins: { type: 'array', items: { type: 'string', format: 'email' } },
    theme: { type: 'object' },
    siteSettings: { type: 'object' },
  },
}

export const subsitesSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    initial: {
      type: 'array',
      default: [],
      items: subsite,
      description: 'Subsites created at start when no subsite has their host name yet (example sites for a demo).',
    },
  },
} as const

export interface SubsitesSettings {
  initial: Array<import('./api.js').SubsiteInput>
}
