// What other plugins may use of the blog plugin: its hooks and the post type.
import { decision, defineHooks, event, type Denial, type EntityRecord, type Site, type Viewer } from '@plein/core'

export interface BlogPost {
  entity: EntityRecord
  body: string
  excerpt: string
  tags: string[]
  status: 'draft' | 'published'
}

export const blogHooks = defineHooks('blog', () => ({
  beforePublish: decision<[EntityRecord, Viewer, Site], Denial>({ since: '1.0.0', description: 'Veto publishing a post (e.g. moderation).' }),
  published: event<[EntityRecord, Site]>({ since: '1.0.0', description: 'A post became visible to its readers (after commit).' }),
}))
