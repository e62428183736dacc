// The groups plugin's per-site settings.
export const groupsSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    defaultMembership: { enum: ['open', 'closed'], default: 'open', description: 'Membership of a new group when its creator does not choose.' },
    whoMayCreate: { enum: ['everyone', 'admins'], default: 'everyone', description: 'Who may create groups: every signed-in account, or site administrators.' },
    deletedGroupContent: {
      enum: ['archive', 'delete'],
      default: 'archive',
      description: "When a group is deleted: archive its content (kept, visible to its authors only) or delete it.",
    },
  },
} as const

export interface GroupsSettings {
  defaultMembership: 'open' | 'closed'
  whoMayCreate: 'everyone' | 'admins'
  deletedGroupContent: 'archive' | 'delete'
}
