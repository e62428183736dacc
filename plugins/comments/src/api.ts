// What other plugins may use of the comments plugin: its hooks and the shape of a comment.
import { createServiceRef, defineHooks, event, filter, type EntityRecord, type Page, type Site } from '@plein/core'

export interface Comment {
  id: string
  siteId: string
  entityId: string
  parentId: string | null
  authorId: string | null
  body: string
  removed: boolean
  createdAt: Date
  updatedAt: Date
}

export const commentsHooks = defineHooks('comments', () => ({
  commentable: filter<string[], [Site]>({
    since: '1.0.0',
    description: 'The content kinds people may comment on; a plugin adds its own kind (the comments plugin knows no other plugin).',
  }),
  commented: event<[Comment, Site]>({ since: '1.0.0', description: 'A comment was posted (after commit).' }),
}))

export interface CommentsService {
  /** Comments on an item, oldest first (the caller has checked the item is readable). */
  list(site: Site, entity: EntityRecord, limit: number, cursor?: string): Promise<Page<Comment>>
}

export const commentsServiceRef = createServiceRef<CommentsService>('comments.list')
