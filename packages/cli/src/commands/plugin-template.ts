// The files `plein create-plugin` writes: a small, complete plugin that a developer grows into their own.
// Every file uses only the public API of @plein/core; the test boots it alone with @plein/testing.

export interface TemplateNames {
  /** kebab-case plugin id, e.g. `hello-world`. */
  id: string
  /** npm package name. */
  packageName: string
  /** `@plein/core` peer range, e.g. `^1.0.0`. */
  kernelRange: string
  /** Milliseconds since 1970, for the migration's name. */
  timestamp: number
  /** In a Plein checkout's workspace (plugins/<id>): the root provides mocha, tsx and the kernel. */
  workspace: boolean
  /** devDependencies of a standalone package (the kernel and the test kit, mocha, chai, tsx …). */
  devDependencies: Record<string, string>
}

const camel = (id: string) => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
const pascal = (id: string) => camel(id).replace(/^[a-z]/, c => c.toUpperCase())

export function derivedNames(id: string) {
  const snake = id.replace(/-/g, '_')
  return {
    camel: camel(id),
    pascal: pascal(id),
    plugin: `${camel(id)}Plugin`,
    hooks: `${camel(id)}Hooks`,
    settingsType: `${pascal(id)}Settings`,
    settingsSchema: `${camel(id)}Settings`,
    entity: `${pascal(id)}Note`,
    kind: `${id}-note`,
    table: `${snake}_note`,
    apiPath: `/api/v1/${id}/notes`,
    pagePath: `/${id}`,
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n'

/** Every file of a new plugin, by path relative to its folder. */
export function pluginFiles(t: TemplateNames): Record<string, string> {
  const n = derivedNames(t.id)
  const migration = `${n.pascal}CreateNote${t.timestamp}`
  const exportsField = {
    '.': { source: './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
    './api': { source: './src/api.ts', types: './dist/api.d.ts', default: './dist/api.js' },
  }
  const pkg: Record<string, unknown> = {
    name: t.packageName,
    version: '0.1.0',
    description: `The ${t.id} plugin for Plein.`,
    type: 'module',
    license: 'EUPL-1.2',
    // What the kernel loads when a site.json names this plugin by path; by package name it uses "exports".
    main: './src/index.ts',
    exports: exportsField,
    files: ['dist', 'src'],
    scripts: t.workspace
      ? { build: 'tsc -p tsconfig.build.json', test: 'mocha' }
      : { build: 'tsc -p tsconfig.build.json', typecheck: 'tsc --noEmit', test: 'mocha' },
    plein: { plugin: t.id },
    peerDependencies: { '@plein/core': t.kernelRange },
  }
  if (!t.workspace) pkg.devDependencies = t.devDependencies

  const files: Record<string, string> = {
    'package.json': json(pkg),
    '.mocharc.json': json({
      // tsx runs the TypeScript sources; "source" makes @plein/* packages resolve to their src/ (no build needed).
      'node-option': ['import=tsx', 'conditions=source'],
      extension: ['ts'],
      spec: ['test/**/*.test.ts'],
      timeout: 30000,
    }),
    'tsconfig.build.json': json(
      t.workspace
        ? {
            extends: '../../tsconfig.json',
            compilerOptions: { rootDir: 'src', outDir: 'dist', customConditions: [], types: ['node'], noEmit: false },
            include: ['src'],
          }
        : {
            extends: './tsconfig.json',
            compilerOptions: { rootDir: 'src', outDir: 'dist', customConditions: [], types: ['node'], noEmit: false, declaration: true },
            include: ['src'],
          },
    ),
    'src/index.ts': indexTs(t, n, migration),
    'src/api.ts': apiTs(t, n),
    'src/settings.ts': settingsTs(t, n),
    [`src/entities/${n.entity}.ts`]: entityTs(n),
    [`src/migrations/${migration}.ts`]: migrationTs(n, migration),
    'src/notes.ts': notesTs(n),
    'src/routes/notes.ts': routesTs(t, n),
    'src/views/page.ts': pageTs(t, n),
    [`test/${t.id}.test.ts`]: testTs(t, n),
    'README.md': readme(t, n),
  }
  if (!t.workspace) {
    files['tsconfig.json'] = json({
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        customConditions: ['source'],
        strict: true,
        esModuleInterop: true,
        resolveJsonModule: true,
        skipLibCheck: true,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        types: ['node', 'mocha'],
        noEmit: true,
      },
      include: ['src', 'test'],
    })
    files['.gitignore'] = 'node_modules/\ndist/\n'
  }
  return files
}

type Names = ReturnType<typeof derivedNames>

const indexTs = (t: TemplateNames, n: Names, migration: string) => `// ${t.packageName}: notes — a small content kind to grow into your own plugin.
import { definePlugin } from '@plein/core'
import { ${n.hooks} } from './api.js'
import { ${n.entity} } from './entities/${n.entity}.js'
import { ${migration} } from './migrations/${migration}.js'
import { NoteStore } from './notes.js'
import { noteRoutes } from './routes/notes.js'
import { ${n.settingsSchema}, type ${n.settingsType} } from './settings.js'
import { pageRoutes } from './views/page.js'

export { ${n.hooks}, NOTE_KIND } from './api.js'

export const ${n.plugin} = definePlugin({
  id: '${t.id}',
  // The kernel reads this plugin's version and its @plein/core range from the package.json next to it.
  url: import.meta.url,
  settings: ${n.settingsSchema},
  entities: [${n.entity}],
  migrations: [${migration}],
  hooks: ${n.hooks},
  // Synchronous wiring only: taps, routes, content kinds. The database is there from start() on.
  register(ctx) {
    const notes = new NoteStore(ctx)
    ctx.content.kind({
      kind: '${n.kind}',
      url: e => \`${n.pagePath}#\${e.id}\`,
      // A note's own fields, for a whole page of notes in one query.
      load: entities => notes.fields(entities.map(e => e.id)),
    })

    // A filter tap: every note in every answer (lists, the activity stream) gets the site's greeting.
    ctx.hooks.entity.serialize.tap((items, entities, _viewer, site) => {
      const { greeting } = ctx.settings<${n.settingsType}>(site)
      return items.map((item, i) => (entities[i]!.kind === '${n.kind}' ? { ...item, greeting } : item))
    })

    noteRoutes(ctx, notes)
    pageRoutes(ctx)
  },
})

export default ${n.plugin}
`

const apiTs = (t: TemplateNames, n: Names) => `// What other plugins may use of ${t.id}: its hooks and its content kind. They import it as '${t.packageName}/api'.
import { defineHooks, event, type EntityRecord, type Site } from '@plein/core'

/** The \`type\` of this plugin's items in API answers. */
export const NOTE_KIND = '${n.kind}'

export const ${n.hooks} = defineHooks('${t.id}', () => ({
  noteCreated: event<[EntityRecord, Site]>({ since: '0.1.0', description: 'A note was created (after commit).' }),
}))
`

const settingsTs = (t: TemplateNames, n: Names) => `// The per-site settings of ${t.id}: a JSON Schema with defaults. The kernel checks each site's settings against it at boot.
export const ${n.settingsSchema} = {
  type: 'object',
  additionalProperties: false,
  properties: {
    greeting: { type: 'string', minLength: 1, maxLength: 100, default: 'Hallo', description: 'Shown with every note.' },
    maxNoteLength: { type: 'integer', minimum: 1, maximum: 10000, default: 2000, description: 'Longest note body, in characters.' },
  },
} as const

export interface ${n.settingsType} {
  greeting: string
  maxNoteLength: number
}
`

const entityTs = (n: Names) => `// A note's own row. The shared columns (site, owner, title, access, times) live in the kernel's entity table.
import { Column, Entity, PrimaryColumn } from '@plein/core'

export class ${n.entity} {
  entityId!: string
  body!: string
}

// TypeORM's decorators, applied as plain calls rather than with @ syntax: they then mean the same whoever compiles
// this file (tsc, or tsx in a site that loads this package's sources through its "source" export, with a tsconfig
// that is not this one). Every column names its type, as no compiler here emits decorator metadata.
Entity({ name: '${n.table}' })(${n.entity})
PrimaryColumn({ type: 'uuid', name: 'entity_id' })(${n.entity}.prototype, 'entityId')
Column({ type: 'text' })(${n.entity}.prototype, 'body')
`

const migrationTs = (n: Names, migration: string) => `// Hand-written, and never edited once released: a change to the table is a new migration.
import type { MigrationInterface, QueryRunner } from '@plein/core'

export class ${migration} implements MigrationInterface {
  name = '${migration}'

  async up(q: QueryRunner): Promise<void> {
    await q.query(\`CREATE TABLE ${n.table} (
      entity_id uuid PRIMARY KEY REFERENCES entity (id) ON DELETE CASCADE,
      body text NOT NULL
    )\`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ${n.table}')
  }
}
`

const notesTs = (n: Names) => `// Notes in the database: the SQL lives next to the entity it reads.
import type { EntityManager, PluginContext } from '@plein/core'
import { ${n.entity} } from './entities/${n.entity}.js'

export class NoteStore {
  constructor(private readonly ctx: PluginContext) {}

  /** Writes a note's own row inside the transaction that creates its entity row. */
  async insert(m: EntityManager, entityId: string, body: string): Promise<void> {
    await m.getRepository(${n.entity}).insert({ entityId, body })
  }

  /** The own fields of many notes in one query: entity id → fields merged into the item's JSON. */
  async fields(ids: string[]): Promise<Map<string, { body: string }>> {
    if (ids.length === 0) return new Map()
    const rows: Array<{ entity_id: string; body: string }> = await this.ctx.db.query(
      'SELECT entity_id, body FROM ${n.table} WHERE entity_id = ANY($1::uuid[])',
      [ids],
    )
    return new Map(rows.map(r => [r.entity_id, { body: r.body }]))
  }
}
`

const routesTs = (t: TemplateNames, n: Names) => `// ${n.apiPath}: list, write and read notes. Handlers are thin: validate (the schemas), act, shape the answer.
import { accessSchema, HttpProblem, itemSchema, pageOf, pageQueryProperties, type PluginContext } from '@plein/core'
import { ${n.hooks}, NOTE_KIND } from '../api.js'
import type { NoteStore } from '../notes.js'
import type { ${n.settingsType} } from '../settings.js'

const uuid = { type: 'string', format: 'uuid' }

/** A note as the API shows it: every content item's fields plus its own. */
export const noteSchema = {
  ...itemSchema,
  required: [...itemSchema.required, 'body'],
  properties: { ...itemSchema.properties, body: { type: 'string' }, greeting: { type: 'string' } },
}

interface CreateBody {
  title: string
  body: string
  access?: { read?: string[]; write?: string[] }
}

export function noteRoutes(ctx: PluginContext, notes: NoteStore): void {
  const hooks = ctx.hooks.of(${n.hooks})

  ctx.routes(router => {
    router.get<unknown, { limit: number; cursor?: string }>(
      '${t.id}.notes.list',
      '${n.apiPath}',
      {
        summary: 'Notes you may read, newest first.',
        query: { type: 'object', properties: pageQueryProperties },
        responses: { 200: { description: 'A page of notes.', schema: pageOf(noteSchema) } },
      },
      // ctx.content.page applies the access model: only what this viewer may read on this site.
      async c => ctx.content.page(c.viewer, c.site, { kinds: [NOTE_KIND], limit: c.input.query.limit, cursor: c.input.query.cursor }),
    )

    router.post<CreateBody>(
      '${t.id}.notes.create',
      '${n.apiPath}',
      {
        summary: 'Write a note.',
        auth: true,
        body: {
          type: 'object',
          required: ['title', 'body'],
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\\\S' },
            body: { type: 'string', minLength: 1, maxLength: 10000 },
            access: accessSchema,
          },
        },
        responses: { 201: { description: 'The new note.', schema: noteSchema } },
      },
      async c => {
        const { title, body, access } = c.input.body
        // A limit that depends on the site's settings, answered in the same form as a schema error.
        const { maxNoteLength } = ctx.settings<${n.settingsType}>(c.site)
        if (body.length > maxNoteLength) {
          throw new HttpProblem({
            status: 400,
            detail: \`A note on this site has at most \${maxNoteLength} characters.\`,
            code: 'NOTE_TOO_LONG',
            errors: [{ in: 'body', location: { pointer: '/body' }, detail: \`must have at most \${maxNoteLength} characters\`, code: 'maxLength' }],
          })
        }
        // The entity row and the note's own row commit together; access is checked and defaulted by the kernel
        // (401 when not signed in, 403 for a group the author is not in).
        const { entity } = await ctx.content.create(
          { site: c.site, viewer: c.viewer, kind: NOTE_KIND, title: title.trim(), access },
          (m, e) => notes.insert(m, e.id, body),
        )
        await hooks.noteCreated.call(c.site, entity, c.site)
        c.status = 201
        return (await ctx.content.serialize([entity], c.viewer, c.site))[0]
      },
    )

    router.get<unknown, unknown, { id: string }>(
      '${t.id}.notes.get',
      '${n.apiPath}/:id',
      {
        summary: 'One note.',
        params: { type: 'object', properties: { id: uuid } },
        responses: { 200: { description: 'The note.', schema: noteSchema } },
      },
      async c => {
        // 404 when it does not exist, is on another site, or this viewer may not read it.
        const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, NOTE_KIND)
        return (await ctx.content.serialize([entity], c.viewer, c.site))[0]
      },
    )
  })
}
`

const pageTs = (t: TemplateNames, n: Names) => `// GET ${n.pagePath}: a plain server-rendered page of the newest notes: a hidden route that returns HTML,
// with every value from the database or the request escaped by escapeHtml. It needs no JSX setup; pages in
// the site's layout (navigation, theme, translations, overridable by themes) are named views registered
// with ctx.views — see "Pages" in docs/plugins.md.
import { escapeHtml, type PluginContext } from '@plein/core'
import { NOTE_KIND } from '../api.js'
import type { ${n.settingsType} } from '../settings.js'

export function pageRoutes(ctx: PluginContext): void {
  ctx.routes(router => {
    router.get('${t.id}.page', '${n.pagePath}', { hidden: true }, async c => {
      const { greeting } = ctx.settings<${n.settingsType}>(c.site)
      const page = await ctx.content.page(c.viewer, c.site, { kinds: [NOTE_KIND], limit: 20 })
      const items = page.items
        .map(note => \`<li id="\${escapeHtml(note.id)}"><h2>\${escapeHtml(note.title)}</h2><p>\${escapeHtml(String(note.body ?? ''))}</p></li>\`)
        .join('')
      c.type = 'text/html; charset=utf-8'
      return \`<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>\${escapeHtml(greeting)} · \${escapeHtml(c.site.name)}</title></head>
<body><main><h1>\${escapeHtml(greeting)}</h1>\${items ? \`<ul>\${items}</ul>\` : '<p>Nog geen notities.</p>'}</main></body></html>\`
    })
  })
}
`

const testTs = (t: TemplateNames, n: Names) => `// ${t.id}: boots the plugin alone on a real kernel, database and HTTP port, and proves what it promises.
import { expect } from 'chai'
import { definePlugin, type EntityRecord } from '@plein/core'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { ${n.hooks} } from '../src/api.js'
import { ${n.plugin} } from '../src/index.js'

// Another plugin, as a third party would write one: it depends on ${t.id} and taps its hook.
const heard: EntityRecord[] = []
const listener = definePlugin({
  id: '${t.id}-listener',
  version: '1.0.0',
  kernel: '*',
  dependencies: { '${t.id}': '*' },
  register(ctx) {
    ctx.hooks.of(${n.hooks}).noteCreated.tap(entity => {
      heard.push(entity)
    })
  },
})

describe('${t.id}', () => {
  let tk: TestKernel
  let ann: SignedUp
  let bob: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({
      plugins: [${n.plugin}, listener],
      settings: { '${t.id}': { greeting: 'Hoi', maxNoteLength: 50 } },
    })
    ann = await tk.signUp({ name: 'Ann' })
    bob = await tk.signUp({ name: 'Bob' })
  })
  after(() => tk?.close())

  it('writes a note: 201 with the item fields, its body and the site greeting', async () => {
    const res = await ann.client.post('${n.apiPath}', { title: '  First  ', body: 'Hello', access: { read: ['public'] } })
    expect(res.status, res.text).to.equal(201)
    expect(res.body).to.include({ type: '${n.kind}', title: 'First', body: 'Hello', greeting: 'Hoi' })
    expect(res.body.owner).to.include({ id: ann.user.id })
    expect(res.body.access.write).to.deep.equal([\`user:\${ann.user.id}\`])
    const read = await tk.client().get(\`${n.apiPath}/\${res.body.id}\`)
    expect(read.status, read.text).to.equal(200)
    expect(read.body.body).to.equal('Hello')
  })

  it('answers one 400 naming every bad field', async () => {
    const res = await ann.client.post('${n.apiPath}', { title: '', body: 'x', colour: 'red' })
    expect(res.status).to.equal(400)
    expect(String(res.headers['content-type'])).to.match(/^application\\/problem\\+json/)
    const pointers = res.body.errors.map((e: { location: { pointer: string } }) => e.location.pointer)
    expect(pointers).to.include.members(['/title', '/colour'])
  })

  it("refuses a body longer than the site's maxNoteLength setting", async () => {
    const res = await ann.client.post('${n.apiPath}', { title: 'Long', body: 'x'.repeat(51) })
    expect(res.status).to.equal(400)
    expect(res.body.code).to.equal('NOTE_TOO_LONG')
    expect(res.body.errors[0].location).to.deep.equal({ pointer: '/body' })
  })

  it('asks anonymous visitors to sign in before writing', async () => {
    const res = await tk.client().post('${n.apiPath}', { title: 'Hi', body: 'there' })
    expect(res.status).to.equal(401)
  })

  it('keeps a private note from others: absent from their list, 404 when fetched', async () => {
    const res = await ann.client.post('${n.apiPath}', { title: 'Private', body: 'Only me', access: { read: [] } })
    expect(res.status, res.text).to.equal(201)
    const theirs = await bob.client.get('${n.apiPath}?limit=100')
    expect(theirs.body.items.map((i: { id: string }) => i.id)).not.to.include(res.body.id)
    expect((await bob.client.get(\`${n.apiPath}/\${res.body.id}\`)).status).to.equal(404)
    const mine = await ann.client.get('${n.apiPath}?limit=100')
    expect(mine.body.items.map((i: { id: string }) => i.id)).to.include(res.body.id)
  })

  it('tells the plugins that depend on it through its noteCreated hook', async () => {
    const res = await bob.client.post('${n.apiPath}', { title: 'Heard', body: 'Listen' })
    expect(res.status, res.text).to.equal(201)
    expect(heard.map(e => e.id)).to.include(res.body.id)
  })

  it('renders its page with every value escaped', async () => {
    await ann.client.post('${n.apiPath}', { title: '<script>alert(1)</script>', body: 'a & b', access: { read: ['public'] } })
    const res = await tk.client().get('${n.pagePath}', { headers: { accept: 'text/html' } })
    expect(res.status).to.equal(200)
    expect(String(res.headers['content-type'])).to.match(/^text\\/html/)
    expect(res.text).to.contain('<h1>Hoi</h1>')
    expect(res.text).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(res.text).to.contain('a &amp; b')
    expect(res.text).not.to.contain('<script>')
  })
})
`

const readme = (t: TemplateNames, n: Names) => `# ${t.packageName}

A Plein plugin (id \`${t.id}\`), made with \`plein create-plugin\`. It adds notes: a content kind
(\`${n.kind}\`) with its own table (\`${n.table}\`), JSON routes under \`${n.apiPath}\`, a page at
\`${n.pagePath}\`, a setting (\`greeting\`), a tap on \`entity.serialize\` and a hook of its own
(\`${t.id}.noteCreated\`). Replace the notes with what your plugin is for.

\`\`\`
npm test              # mocha: boots the plugin alone on a real kernel and database
${t.workspace ? '' : 'npm run typecheck     # tsc --noEmit\n'}npm run build         # dist/ for publishing
\`\`\`

Enable it on a site in \`site.json\`: \`"plugins": { "${t.packageName}": {} }\` (installed package) or
\`"plugins": { "<path to this folder>": {} }\`. The plugin guide: docs/plugins.md in the Plein repository.
`
