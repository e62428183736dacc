// Shared pieces of the files routes: schemas, JSON of nodes, access propagation down a folder tree.
import { accessSchema, itemSchema, type AccessLists, type EntityRecord } from '@plein/core'
import type { EntityManager } from 'typeorm'

export const uuid = { type: 'string', format: 'uuid' }
export const name = { type: 'string', minLength: 1, maxLength: 255 }
export const manage = { type: 'array', maxItems: 100, uniqueItems: true, items: accessSchema.properties.read.items, description: 'Tokens that may share further (the manage level).' }

export const nodeSchema = {
  ...itemSchema,
  properties: {
    ...itemSchema.properties,
    name: { type: 'string' },
    parentId: { type: ['string', 'null'] },
    size: { type: 'integer' },
    mime: { type: ['string', 'null'] },
    version: { type: 'integer' },
    sha256: { type: ['string', 'null'] },
    deleted: { type: 'boolean' },
    manage: { type: 'array', items: { type: 'string' } },
  },
}

/** Shares of a folder hold for everything in it: new access for the whole subtree, owners stay writers. */
export async function propagateAccess(m: EntityManager, folderId: string, access: AccessLists, manageTokens: string[] | undefined): Promise<void> {
  await m.query(
    `WITH RECURSIVE sub AS (
       SELECT entity_id FROM files_node WHERE parent_id = $1
       UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id
     )
     UPDATE entity e SET read_access = $2::text[],
       write_access = ARRAY(SELECT DISTINCT t FROM unnest($3::text[] || CASE WHEN e.owner_id IS NULL THEN '{}'::text[] ELSE ARRAY['user:' || e.owner_id] END) t),
       updated_at = now()
      WHERE e.id IN (SELECT entity_id FROM sub)`,
    [folderId, access.read, access.write],
  )
  if (manageTokens) {
    await m.query(
      `WITH RECURSIVE sub AS (
         SELECT entity_id FROM files_node WHERE parent_id = $1
         UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id
       ) UPDATE files_node SET manage = $2::text[] WHERE entity_id IN (SELECT entity_id FROM sub)`,
      [folderId, manageTokens],
    )
  }
}

/** Is `candidate` the folder itself or inside it? (a folder cannot move into itself) */
export async function isInside(m: { query: (sql: string, p: unknown[]) => Promise<any> }, folderId: string, candidate: string): Promise<boolean> {
  const rows = await m.query(
    `WITH RECURSIVE up AS (
       SELECT entity_id, parent_id FROM files_node WHERE entity_id = $2
       UNION ALL SELECT n.entity_id, n.parent_id FROM files_node n JOIN up ON n.entity_id = up.parent_id
     ) SELECT 1 FROM up WHERE entity_id = $1 LIMIT 1`,
    [folderId, candidate],
  )
  return rows.length > 0
}

export const accessOf = (e: EntityRecord): AccessLists => ({ read: e.readAccess, write: e.writeAccess })
