// The notifications plugin's per-site settings.
export const notificationsSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    defaultEmail: { enum: ['immediate', 'daily', 'weekly', 'never'], default: 'daily', description: 'E-mail for people who chose nothing.' },
    digestHourUtc: { type: 'integer', minimum: 0, maximum: 23, default: 6, description: 'Digests go out from this hour (UTC) on.' },
  },
} as const

export interface NotificationsSettings {
  defaultEmail: 'immediate' | 'daily' | 'weekly' | 'never'
  digestHourUtc: number
}
