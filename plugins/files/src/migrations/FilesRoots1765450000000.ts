import type { MigrationInterface, QueryRunner } from 'typeorm'

/** Top-level folders by name (the "my files" and group files pages, the WebDAV root): however many files sit below them. */
export class FilesRoots1765450000000 implements MigrationInterface {
  name = 'FilesRoots1765450000000'
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX files_node_roots ON files_node (site_id, lower(name), entity_id) WHERE parent_id IS NULL AND deleted_at IS NULL')
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX files_node_roots')
  }
}
