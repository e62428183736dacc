// What other plugins may use of the notifications plugin: a service to notify people.
import { createServiceRef, type Site } from '@plein/core'

export type NotificationKind =
  | 'item.created'
  | 'item.commented'
  | 'item.mentioned'
  | 'group.request'
  | 'group.invited'
  | (string & {})

export interface NotifyInput {
  site: Site
  /** Recipients (account ids). The actor is never notified of their own act. */
  to: string[]
  kind: NotificationKind
  /** The item it is about: recipients who may not read it get nothing, now or at sending time. */
  entityId?: string
  actorId?: string | null
  data?: Record<string, unknown>
}

export interface NotificationsService {
  /** Creates in-app notifications (and e-mail by each recipient's preference), checking access per recipient. */
  notify(input: NotifyInput): Promise<number>
  follow(site: Site, accountId: string, targetId: string): Promise<void>
}

export const notificationsServiceRef = createServiceRef<NotificationsService>('notifications.notify')
