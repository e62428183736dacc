// POST /api/v1/folders/:id/files: multipart/form-data uploads (HTML forms, curl -F), streamed like a raw PUT.
import type { PluginContext } from '@plein/core'
import type { FilesGuard } from '../guard.js'
import { saveParts, type SaveFile } from '../multipart.js'
import { nodeSchema, uuid } from './common.js'

export function uploadRoutes(ctx: PluginContext, guard: FilesGuard, save: SaveFile): void {
  ctx.routes(router => {
    router.post<unknown, unknown, { id: string }>(
      'files.upload.multipart',
      '/api/v1/folders/:id/files',
      {
        summary: 'Upload one or more files as multipart/form-data (streamed, encrypted at rest); an existing name gets a new version.',
        description:
          'Each file part is stored as it arrives, through the same checks as PUT …/files/:name: the name comes from the part (or a `name` field ' +
          'before it), the type is sniffed from the bytes, limits and quotas apply while it streams. A cookie session must send its CSRF token ' +
          'as the X-CSRF-Token header or as a `_csrf` field before the first file part (403 otherwise); API tokens need none. Files are saved one ' +
          'by one: when a later part fails, the earlier ones stay saved and the failing one leaves nothing behind.',
        auth: true,
        // The token travels inside the streamed body; readMultipart checks it before storing a byte.
        csrf: false,
        params: { type: 'object', properties: { id: uuid } },
        streamedBody: {
          contentType: 'multipart/form-data',
          description: 'Parts in order: optional `_csrf` and `name` fields, then one or more `file` parts.',
          schema: {
            type: 'object',
            required: ['file'],
            properties: {
              _csrf: { type: 'string', description: "A cookie session's CSRF token (or send X-CSRF-Token); before the first file part." },
              name: { type: 'string', maxLength: 255, description: 'Another name for a single file (before its part).' },
              file: { type: 'array', maxItems: 20, items: { type: 'string', format: 'binary' } },
            },
          },
        },
        responses: {
          200: { description: 'Every file was an existing name: new versions.', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: nodeSchema } } } },
          201: { description: 'The saved files (new files or new versions), in the order of the parts.', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: nodeSchema } } } },
          403: { description: 'No write access, or a cookie session without its CSRF token.' },
          413: { description: 'A file larger than the site takes, or too many parts.' },
          415: { description: 'Not multipart/form-data.' },
          422: { description: 'Refused by a scanner.' },
          507: { description: 'Quota used up, or the storage is full.' },
        },
      },
      async c => {
        const folder = await guard.load(c, c.input.params.id, 'folder')
        guard.writable(c, folder)
        const { saved, created } = await saveParts(c, folder, save)
        c.status = created ? 201 : 200
        return { items: await ctx.content.serialize(saved, c.viewer, c.site) }
      },
    )
  })
}
