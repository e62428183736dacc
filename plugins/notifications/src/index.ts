// @plein/plugin-notifications: follows, in-app notifications, @mentions, e-mail at once or as digests.
import { definePlugin, type Site } from '@plein/core'
import { commentsHooks } from '@plein/plugin-comments/api'
import { groupsHooks, groupsServiceRef } from '@plein/plugin-groups/api'
import { notificationsServiceRef } from './api.js'
import { NotificationsCreate1765000000000 } from './migrations/NotificationsCreate1765000000000.js'
import { NotificationsDigestBySite1765200000000 } from './migrations/NotificationsDigestBySite1765200000000.js'
import { notificationPages } from './pages.js'
import { notificationRoutes } from './routes.js'
import { mentions, Notifications } from './service.js'
import { notificationsSettings } from './settings.js'

export { notificationsServiceRef, type NotificationsService, type NotifyInput, type NotificationKind } from './api.js'
export { mentions, digestMoment } from './service.js'

interface FanOut {
  entityId: string
  kind: 'item.created' | 'item.commented'
  actorId: string | null
  /** For comments: its text, for @mentions. */
  text?: string
}

export const notificationsPlugin = definePlugin({
  id: 'notifications',
  url: import.meta.url,
  optionalDependencies: { comments: '^1.0.0', groups: '^1.0.0' },
  settings: notificationsSettings,
  migrations: [NotificationsCreate1765000000000, NotificationsDigestBySite1765200000000],
  register(ctx) {
    const notifications = new Notifications(ctx)
    ctx.provide(notificationsServiceRef, () => ({
      notify: input => notifications.notify(input),
      follow: (site, accountId, targetId) => notifications.follow(site, accountId, targetId),
    }))

    // Who hears of it is worked out in a job, never in the request: a group can have thousands of followers.
    ctx.jobs.define<FanOut>('notifications.fanout', async job => {
      const site = job.site as Site
      const entity = (await notifications.entities(site, [job.payload.entityId])).get(job.payload.entityId)
      if (!entity) return
      const targets = job.payload.kind === 'item.created' ? [entity.containerId, entity.ownerId] : [entity.id]
      const followers = await notifications.followers(site, targets.filter((x): x is string => x !== null))
      await notifications.notify({ site, to: followers, kind: job.payload.kind, entityId: entity.id, actorId: job.payload.actorId })
      let text = job.payload.text
      if (text === undefined) {
        const [item] = await ctx.content.serialize([entity], { user: null, tokens: new Set(), isAdmin: true }, site)
        text = typeof item?.body === 'string' ? item.body : ''
      }
      const mentioned = mentions(text)
      if (mentioned.length > 0) await notifications.notify({ site, to: mentioned, kind: 'item.mentioned', entityId: entity.id, actorId: job.payload.actorId })
    })
    // Sending waits on the mail server more than on this process: several at a time (a digest run is thousands).
    ctx.jobs.define<{ ids: string[] }>(
      'notifications.mail',
      async job => {
        await notifications.mail(job.site as Site, job.payload.ids)
      },
      { concurrency: 8 },
    )
    ctx.jobs.define('notifications.digest', async job => {
      const queued = await notifications.queueDigests()
      if (queued > 0) job.log.info({ queued }, 'digests queued')
    })
    ctx.jobs.every('notifications.digest', 15 * 60)

    // Authors follow what they write; new items reach the followers of their group and of their author.
    ctx.hooks.entity.created.tap(async (entity, site) => {
      if (entity.ownerId) await notifications.follow(site, entity.ownerId, entity.id)
      if (entity.kind === 'group') return
      await ctx.jobs.enqueue('notifications.fanout', { entityId: entity.id, kind: 'item.created', actorId: entity.ownerId } satisfies FanOut, { site })
    })

    ctx.hooks.of(commentsHooks).commented.tap(async (comment, site) => {
      if (comment.authorId) await notifications.follow(site, comment.authorId, comment.entityId)
      await ctx.jobs.enqueue(
        'notifications.fanout',
        { entityId: comment.entityId, kind: 'item.commented', actorId: comment.authorId, text: comment.body } satisfies FanOut,
        { site },
      )
    })

    const groups = ctx.hooks.of(groupsHooks)
    groups.requestCreated.tap(async event => {
      const service = ctx.services.find(groupsServiceRef)
      if (!service) return
      const admins = await service.admins(event.site, event.groupId)
      await notifications.notify({ site: event.site, to: admins, kind: 'group.request', entityId: event.groupId, actorId: event.accountId })
    })
    groups.invited.tap(async event => {
      if (!event.accountId) return
      // A hidden group's invitee cannot read the group yet: the notification carries its name, not the item.
      const group = (await notifications.entities(event.site, [event.groupId])).get(event.groupId)
      await notifications.notify({ site: event.site, to: [event.accountId], kind: 'group.invited', actorId: event.actorId, data: { groupId: event.groupId, title: group?.title ?? '' } })
    })

    // A deleted (sub)site takes its follows, notifications and preferences along, in the deleting transaction.
    ctx.hooks.kernel.beforeSiteDelete.tap(async (site, m) => {
      for (const table of ['notifications_notification', 'notifications_follow', 'notifications_preference']) {
        await m.query(`DELETE FROM ${table} WHERE site_id = $1`, [site.id])
      }
      return undefined
    })

    ctx.hooks.identity.exportAccount.tap(async (data, account) => ({
      ...data,
      notifications: {
        follows: await ctx.db.query('SELECT site_id AS "siteId", target_id AS "targetId", created_at AS "since" FROM notifications_follow WHERE account_id = $1', [account.id]),
        preferences: await ctx.db.query('SELECT site_id AS "siteId", email FROM notifications_preference WHERE account_id = $1', [account.id]),
      },
    }))

    notificationRoutes(ctx, notifications)
    notificationPages(ctx, notifications)
  },
})

export default notificationsPlugin
