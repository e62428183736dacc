// The files plugin's per-site settings. 0 means no limit.
export const filesSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    quotaPerUserBytes: { type: 'integer', minimum: 0, default: 10 * 1024 ** 3, description: "Bytes stored in a person's own folders (all versions), 0: no limit." },
    quotaPerGroupBytes: { type: 'integer', minimum: 0, default: 50 * 1024 ** 3, description: "Bytes stored in a group's folders, 0: no limit." },
    quotaPerSiteBytes: { type: 'integer', minimum: 0, default: 0, description: 'Bytes stored on the whole site, 0: no limit.' },
    trashDays: { type: 'integer', minimum: 1, maximum: 3650, default: 30, description: 'Days deleted files stay in the trash.' },
    maxUploadBytes: { type: 'integer', minimum: 1, default: 10 * 1024 ** 3, description: 'Largest single upload.' },
    stripImageMetadata: { type: 'boolean', default: true, description: 'Remove Exif/XMP/IPTC (JPEG) and text/eXIf chunks (PNG) from uploaded images: location, camera and author data. The JPEG orientation is kept.' },
    indexContents: { type: 'boolean', default: true, description: 'Extract the text of stored files (text, HTML, PDF, office documents) for search. The index then holds plaintext extracts of files that are encrypted at rest.' },
    indexMaxInputBytes: { type: 'integer', minimum: 1, default: 20 * 1024 ** 2, description: 'Files larger than this are found by their name only.' },
    uploadExpiryHours: { type: 'integer', minimum: 1, maximum: 720, default: 24, description: 'Hours an unfinished resumable upload is kept after its last piece arrived.' },
  },
} as const
