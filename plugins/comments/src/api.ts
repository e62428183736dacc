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

/** An item `plein seed` wrote that may get comments. */
export interface CommentsSeedItem {
  id: string
  siteId: string
  createdAt: Date
  /** Indexes (into the seed's accounts) of who may comment: the item's readers; empty: any account. */
  commenters: readonly number[]
}

/** Offered by the comments plugin's seeder: the seeders of commentable kinds hand it their items. */
export interface CommentsSeeder {
  add(items: CommentsSeedItem[]): Promise<void>
}

export const commentsSeederRef = createServiceRef<CommentsSeeder>('comments.seeder')
