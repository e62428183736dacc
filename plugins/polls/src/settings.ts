// The polls plugin's per-site settings (JSON Schema with defaults; the kernel checks them at boot and per subsite).
export const pollsSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    whoMayCreate: {
      enum: ['members', 'admins'],
      default: 'members',
      description: 'members: every signed-in account that may write content here; admins: site administrators only.',
    },
    defaultShowResults: {
      enum: ['afterVote', 'afterClose'],
      default: 'afterVote',
      description: 'When voters see the results of a new poll that does not say: once they voted, or once it closed.',
    },
    allowEmailVotes: {
      type: 'boolean',
      default: true,
      description: 'Whether public polls on this site may take votes from people without an account, confirmed through a mailed link.',
    },
    confirmationHours: { type: 'integer', minimum: 1, maximum: 168, default: 48, description: 'How long a mailed confirmation link works.' },
    maxOptions: { type: 'integer', minimum: 2, maximum: 100, default: 20, description: 'Most options a poll may have.' },
  },
} as const

export interface PollsSettings {
  whoMayCreate: 'members' | 'admins'
  defaultShowResults: 'afterVote' | 'afterClose'
  allowEmailVotes: boolean
  confirmationHours: number
  maxOptions: number
}
