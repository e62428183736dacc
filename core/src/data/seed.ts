// Seed data at scale (`plein seed`): the kernel writes accounts, then each enabled plugin's seeder writes
// its own tables in bulk, in plugin dependency order. Everything derives from the seed number, so the same
// seed gives the same rows, and a second run with the same seed inserts nothing (ON CONFLICT DO NOTHING).
import { createHash } from 'node:crypto'
import type { EntityManager } from 'typeorm'
import { LOGGED_IN_TOKEN, PUBLIC_TOKEN, siteToken, userToken } from '../access/viewer.js'
import type { ServiceRef } from '../services/refs.js'
import type { Site } from '../tenancy/site.js'
import type { Database } from './database.js'

/** How much to generate. */
export interface SeedScale {
  users: number
  groups: number
  subsites: number
  /** Content items (blogs, news, wiki pages …), shared among the plugins that seed items by their weight. */
  items: number
  /** Average comments per commentable item. */
  commentsPerItem: number
}

/** The Pleio scale: what one installation must hold on one machine. */
export const PLEIO_SCALE: Readonly<SeedScale> = Object.freeze({ users: 100_000, groups: 5_000, subsites: 300, items: 1_000_000, commentsPerItem: 1 })

/** A scale `factor` times the Pleio scale (at least a handful of each). */
export function scaleBy(factor: number): SeedScale {
  const at = (n: number, min: number) => Math.max(min, Math.round(n * factor))
  return { users: at(PLEIO_SCALE.users, 10), groups: at(PLEIO_SCALE.groups, 2), subsites: at(PLEIO_SCALE.subsites, 1), items: at(PLEIO_SCALE.items, 10), commentsPerItem: PLEIO_SCALE.commentsPerItem }
}

/** Every seeded account signs in with this password. Seed data is for tests and benchmarks, never production. */
export const SEED_PASSWORD = 'plein-seed-password'

/** A deterministic random stream (mulberry32). */
export class SeedRandom {
  private state: number
  constructor(seed: number, stream: string) {
    this.state = createHash('sha256').update(`${seed}:${stream}`).digest().readUInt32LE(0)
  }

  /** A number in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!
  }

  /** A rank in [0, n) with a Zipf-like skew: rank 0 the most likely. */
  zipf(n: number, s = 1): number {
    // Inverse of the continuous approximation of the harmonic sum, exact enough for skewed test data.
    const u = this.next()
    if (s === 1) return Math.min(n - 1, Math.floor(Math.exp(u * Math.log(n + 1)) - 1))
    const a = 1 - s
    return Math.min(n - 1, Math.floor(Math.pow(u * (Math.pow(n + 1, a) - 1) + 1, 1 / a) - 1))
  }

  /** `count` distinct indexes in [0, n). */
  distinct(n: number, count: number): number[] {
    if (count >= n) return Array.from({ length: n }, (_, i) => i)
    const chosen = new Set<number>()
    while (chosen.size < count) chosen.add(this.int(n))
    return [...chosen]
  }

  /** One word of the seed vocabulary, drawn as natural language draws them (Zipf: a few very common, a long tail). */
  word(): string {
    return SEED_VOCABULARY[this.zipf(SEED_VOCABULARY.length, 1.05)]!
  }

  words(count: number): string {
    const out: string[] = []
    for (let i = 0; i < count; i++) out.push(this.word())
    return out.join(' ')
  }

  /** A title: 3–8 words, capitalised. */
  title(): string {
    const t = this.words(3 + this.int(6))
    return t.charAt(0).toUpperCase() + t.slice(1)
  }

  /** Sanitized HTML of 1–`max` paragraphs. */
  html(max = 4): string {
    const paragraphs: string[] = []
    for (let i = 1 + this.int(max); i > 0; i--) paragraphs.push(`<p>${this.title()} ${this.words(15 + this.int(40))}.</p>`)
    return paragraphs.join('')
  }
}

// Dutch and English words a government collaboration site talks about.
const WORDS = (
  'gemeente beleid burger overleg project verslag vergadering agenda begroting subsidie wijk buurt omgevingswet ' +
  'participatie duurzaamheid energie woningbouw mobiliteit fiets verkeer onderwijs zorg jeugd werk inkomen ' +
  'veiligheid klimaat water natuur groen digitaal dienstverlening privacy informatie archief openbaarheid ' +
  'samenwerking provincie rijk waterschap raad college wethouder ambtenaar team afdeling kennis netwerk ' +
  'policy citizen meeting project report budget housing transport energy climate safety education health ' +
  'digital service privacy open data archive cooperation network knowledge council team department region ' +
  'plan proposal decision draft review update results planning strategy programme evaluation research ' +
  'nieuw oud groot klein snel goed belangrijk lokaal regionaal landelijk openbaar intern extern ' +
  'the and for with about from our your this that new first next public local national'
).split(' ')

/**
 * The words seeded text is made of, most common first: the roots, then Dutch-style compounds of two roots
 * (woningbouwbeleid, klimaatoverleg …): ~20,000 words, so that a search term matches some items, not all.
 */
const ROOTS = [...new Set(WORDS)]
const STEMS = ROOTS.filter(w => w.length >= 4)
export const SEED_VOCABULARY: readonly string[] = Object.freeze([...ROOTS, ...STEMS.flatMap(a => STEMS.filter(b => b !== a).map(b => a + b))])

/** One site the seed writes to. */
export interface SeedSite {
  id: string
  /** Root site: true. */
  root: boolean
  plugins: readonly string[]
  /** Seeded accounts that are members of this site (subsites); empty for the root (every account may use it). */
  members: readonly number[]
}

/** A content item for the shared entity table. */
export interface SeedEntity {
  id: string
  siteId: string
  kind: string
  ownerId: string
  containerId?: string | null
  title: string
  read: string[]
  /** The owner is added as a writer. */
  write?: string[]
  /** null: a draft. */
  publishedAt: Date | null
  createdAt: Date
  /** The item's plain text (what its search document's body is), for columns computed at insert (computeEntityColumn). */
  text?: string
}

/** How an item of seeded content is shared: the mix `plein seed` writes. */
export type SeedAccess = 'public' | 'logged_in' | 'site' | 'group' | 'private'

/** A container content may be placed in (e.g. a group), with its members as indexes into `users`. */
export interface SeedContainer {
  id: string
  siteId: string
  /** The token its members hold (e.g. `group:<id>`): content in it is readable by this token. */
  token: string
  members: readonly number[]
}

/** Where and how one seeded item lives: site, container, owner, access and times. */
export interface SeedPlacement {
  site: SeedSite
  container: SeedContainer | null
  ownerIndex: number
  ownerId: string
  access: SeedAccess
  read: string[]
  publishedAt: Date | null
  createdAt: Date
}

/**
 * The access mix of seeded items: 35 % in a container (readable by its members only), 30 % public,
 * 23 % signed-in users, 7 % site members (subsites; signed-in on the root), 5 % private drafts.
 */
export const SEED_ACCESS_MIX: ReadonlyArray<readonly [SeedAccess, number]> = [
  ['group', 0.35],
  ['public', 0.3],
  ['logged_in', 0.23],
  ['site', 0.07],
  ['private', 0.05],
]

/** What a plugin's seeder gets: the scale, deterministic randomness and ids, the accounts and sites, bulk writes. */
export interface SeedContext {
  readonly pluginId: string
  readonly seed: number
  readonly scale: Readonly<SeedScale>
  /** This plugin's share of `scale.items` (by its seeder's `items` weight). */
  readonly items: number
  /** The fixed "now" of the seed: timestamps are before it, so the same seed gives the same rows. */
  readonly now: Date
  readonly db: Database
  readonly root: Site
  /** Seeded account ids; index 0 is the root site's administrator. */
  readonly users: readonly string[]
  /** The root site first, then every subsite seeded so far. */
  readonly sites: readonly SeedSite[]
  /** A random stream of its own (per plugin and `name`): adding a plugin does not change another's data. */
  rng(name?: string): SeedRandom
  /** The deterministic UUID of the `index`-th thing named `name` (per plugin). */
  id(name: string, index: number): string
  /** A time in the `years` before `now`, skewed towards recent. */
  pastTime(rng: SeedRandom, years?: number): Date
  /** Access lists of a kind of sharing, for an item owned by `ownerId` on `site` (optionally in group `groupId`). */
  access(kind: SeedAccess, ownerId: string, site: SeedSite, groupId?: string): { read: string[]; write: string[]; draft: boolean }
  /** Adds sites (the subsites plugin) so that later seeders write to them too. */
  addSites(sites: SeedSite[]): void
  /** Containers seeded so far (e.g. groups), biggest first. */
  readonly containers: readonly SeedContainer[]
  /** Adds containers (the groups plugin) that later seeders place content in. */
  addContainers(containers: SeedContainer[]): void
  /**
   * Where the next item goes, by SEED_ACCESS_MIX: busy containers and the root site more often (Zipf-like),
   * the owner a member of its container or site, created in the past (a draft has no publication time).
   */
  place(rng: SeedRandom): SeedPlacement
  /**
   * Inserts rows in batches (one multi-row INSERT … SELECT FROM unnest(…) per batch, ON CONFLICT DO NOTHING).
   * `columns` maps column name to its PostgreSQL type (`uuid`, `text`, `text[]`, `timestamptz`, `jsonb`, …).
   * Returns how many rows were new.
   */
  insert(table: string, columns: Record<string, string>, rows: unknown[][], options?: { batch?: number; manager?: EntityManager }): Promise<number>
  /** Inserts entity rows (the shared content table), each with its owner as a writer. Returns how many were new. */
  entities(rows: SeedEntity[], manager?: EntityManager): Promise<number>
  /**
   * Has every entity row written after this get `column` computed in its INSERT by the SQL `expression`
   * builds from the SQL of its title and of its plain text (`SeedEntity.text`), e.g. the search plugin's
   * vector: one write per row instead of an insert and an update. `columns` has the SQL of every other
   * entity column by name (`site_id`, `created_at`, …).
   */
  computeEntityColumn(column: string, expression: (title: string, text: string, columns: Readonly<Record<string, string>>) => string): void
  /**
   * Writes `count` content items of `kind` in batches: each item placed by `place` and described by `make`;
   * per batch its entity rows and what `write` adds (the plugin's own rows) commit in one transaction, then
   * `after` sees the batch (to index it, comment on it …). Ids are `id(kind, index)`. Reports progress.
   */
  contentItems<T extends { title: string; text?: string }>(
    kind: string,
    count: number,
    make: (placement: SeedPlacement, rng: SeedRandom, index: number) => T,
    write: (m: EntityManager, batch: Array<SeedItem<T>>) => Promise<void>,
    after?: (batch: Array<SeedItem<T>>) => Promise<void>,
  ): Promise<void>
  /** Reports progress of a step (rendered as a progress bar by `plein seed`). */
  progress(done: number, total: number, step?: string): void
  /** Offers a service to the seeders that run after this one (e.g. search offers bulk indexing). */
  provide<T>(ref: ServiceRef<T>, value: T): void
  /** What an earlier seeder provided, if its plugin is enabled. */
  use<T>(ref: ServiceRef<T>): T | undefined
}

export type SeedStage = 'services' | 'sites' | 'containers' | 'content'
export const SEED_STAGES: readonly SeedStage[] = ['services', 'sites', 'containers', 'content']

/**
 * Items per batch of SeedContext.contentItems. Two batches may be written at once and commit in either
 * order: a row may refer to rows of its own batch or of batches two or more before it, not of the one before.
 */
export const SEED_BATCH_SIZE = 5000

/** One item written by SeedContext.contentItems. */
export interface SeedItem<T> {
  entity: SeedEntity
  placement: SeedPlacement
  made: T
}

/** What a plugin contributes to `plein seed` (its manifest's `seed`). */
export interface PluginSeeder {
  /**
   * When it runs: `services` (offers bulk helpers to later seeders, e.g. search indexing), `sites`
   * (subsites), `containers` (groups), then `content` (the default). Within a stage, in plugin dependency order.
   */
  stage?: SeedStage
  /** Relative share of the content items this plugin writes (e.g. blog 4, news 1); absent: none. */
  items?: number
  /** Writes this plugin's rows; runs in plugin dependency order. */
  run?(seed: SeedContext): Promise<void>
  /** Runs after every plugin's `run`, in the same order (e.g. comments on the items others wrote). */
  finish?(seed: SeedContext): Promise<void>
}

export interface SeedOptions {
  seed?: number
  scale?: Partial<SeedScale>
  onProgress?: (event: { plugin: string; step: string; done: number; total: number }) => void
}

export interface SeedReport {
  seed: number
  scale: SeedScale
  /** New rows per table (0 everywhere on a repeated run). */
  inserted: Record<string, number>
  ms: number
}

/** The one precomputed scrypt hash every seeded account shares (of SEED_PASSWORD, N=2^15, r=8, p=1). */
export const SEED_PASSWORD_HASH = 'scrypt$32768$8$1$cGxlaW4tc2VlZC1zYWx0$wSA7TWErwKoSjs7PHnBhHY84UfXW6eNLP9MyJCGkGi4'

const SEED_NOW = new Date('2026-01-01T00:00:00Z')

/** The deterministic UUID (version-4 shaped) of a name. */
export function seedUuid(seed: number, name: string): string {
  const h = createHash('sha256').update(`${seed}:${name}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** A PostgreSQL array literal of strings. */
export function pgArray(values: readonly string[]): string {
  return `{${values.map(v => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`
}

const IDENT = /^[a-z_][a-z0-9_]*$/
const TYPE = /^[a-z ]+(\[\])?$/

export async function insertRows(
  runner: { query(sql: string, params: unknown[]): Promise<any> },
  table: string,
  columns: Record<string, string>,
  rows: unknown[][],
): Promise<number> {
  if (rows.length === 0) return 0
  const names = Object.keys(columns)
  if (!IDENT.test(table) || !names.every(n => IDENT.test(n)) || !Object.values(columns).every(t => TYPE.test(t))) {
    throw new Error(`seed: bad table or column name in ${table}`)
  }
  // unnest() flattens arrays of arrays, so array columns travel as text literals and are cast back.
  const params = names.map((_, c) => rows.map(r => {
    const v = r[c]
    return Array.isArray(v) ? pgArray(v as string[]) : v === undefined ? null : v
  }))
  const inputs = names.map((n, c) => (columns[n]!.endsWith('[]') ? `$${c + 1}::text[]` : `$${c + 1}::${columns[n]}[]`))
  const select = names.map((n, c) => (columns[n]!.endsWith('[]') ? `c${c}::${columns[n]}` : `c${c}`))
  const result = await runner.query(
    `INSERT INTO ${table} (${names.join(', ')}) SELECT ${select.join(', ')} FROM unnest(${inputs.join(', ')}) AS t (${names.map((_, c) => `c${c}`).join(', ')})
     ON CONFLICT DO NOTHING RETURNING 1`,
    params,
  )
  return Array.isArray(result) ? (Array.isArray(result[0]) ? result[0].length : result.length) : 0
}

export interface SeedPlugin {
  id: string
  seeder?: PluginSeeder
}

/** Runs a seed: accounts, then every plugin's `run`, then every plugin's `finish`. */
export async function runSeed(db: Database, root: Site, plugins: readonly SeedPlugin[], options: SeedOptions = {}): Promise<SeedReport> {
  const started = Date.now()
  const seed = options.seed ?? 1
  const scale: SeedScale = { ...PLEIO_SCALE, ...options.scale }
  const inserted: Record<string, number> = {}
  const services = new Map<string, unknown>()
  const sites: SeedSite[] = [{ id: root.id, root: true, plugins: root.plugins, members: [] }]
  const containers: SeedContainer[] = []
  const computed: Array<{ column: string; expression: (title: string, text: string, columns: Readonly<Record<string, string>>) => string }> = []
  const users = Array.from({ length: scale.users }, (_, i) => seedUuid(seed, `kernel:account:${i}`))
  const weights = plugins.map(p => p.seeder?.items ?? 0)
  const total = weights.reduce((a, b) => a + b, 0)
  // Shares that add up to scale.items exactly.
  let given = 0
  let weightSoFar = 0
  const shares = weights.map(w => {
    weightSoFar += w
    const upTo = total === 0 ? 0 : Math.round((scale.items * weightSoFar) / total)
    const share = upTo - given
    given = upTo
    return share
  })
  const count = (table: string, n: number) => {
    inserted[table] = (inserted[table] ?? 0) + n
  }

  const contextFor = (pluginId: string, items: number): SeedContext => {
  const ctx: SeedContext = {
    pluginId,
    seed,
    scale,
    items,
    now: SEED_NOW,
    db,
    root,
    users,
    sites,
    rng: (name = '') => new SeedRandom(seed, `${pluginId}:${name}`),
    id: (name, index) => seedUuid(seed, `${pluginId}:${name}:${index}`),
    pastTime(rng, years = 3) {
      // Squared: more recent content than old.
      const back = Math.pow(rng.next(), 2) * years * 365 * 86_400_000
      return new Date(SEED_NOW.getTime() - Math.round(back) - 1000)
    },
    access(kind, ownerId, site, groupId) {
      switch (kind) {
        case 'public':
          return { read: [PUBLIC_TOKEN], write: [], draft: false }
        case 'logged_in':
          return { read: [LOGGED_IN_TOKEN], write: [], draft: false }
        case 'site':
          return { read: [site.root ? LOGGED_IN_TOKEN : siteToken(site.id)], write: [], draft: false }
        case 'group':
          return { read: [groupId ? `group:${groupId}` : LOGGED_IN_TOKEN], write: [], draft: false }
        case 'private':
          return { read: [userToken(ownerId)], write: [], draft: true }
      }
    },
    addSites(added) {
      sites.push(...added)
    },
    containers,
    addContainers(added) {
      containers.push(...added)
    },
    place(rng) {
      const r = rng.next()
      let access: SeedAccess = 'public'
      let upTo = 0
      for (const [kind, share] of SEED_ACCESS_MIX) {
        upTo += share
        if (r < upTo) {
          access = kind
          break
        }
      }
      if (access === 'group' && containers.length === 0) access = 'logged_in'
      let site: SeedSite
      let container: SeedContainer | null = null
      let ownerIndex: number
      if (access === 'group') {
        container = containers[rng.zipf(containers.length, 0.8)]!
        site = sites.find(x => x.id === container!.siteId) ?? sites[0]!
        ownerIndex = container.members.length > 0 ? rng.pick(container.members) : rng.int(users.length)
      } else {
        // Half of everything on the root site, the rest over the subsites, the first ones busiest.
        site = sites.length === 1 || rng.next() < 0.5 ? sites[0]! : sites[1 + rng.zipf(sites.length - 1, 0.7)]!
        ownerIndex = site.members.length > 0 ? rng.pick(site.members) : rng.int(users.length)
      }
      const ownerId = users[ownerIndex]!
      const lists = ctx.access(access, ownerId, site, container?.id)
      const read = access === 'group' && container ? [container.token] : lists.read
      const createdAt = ctx.pastTime(rng)
      return { site, container, ownerIndex, ownerId, access, read, publishedAt: lists.draft ? null : createdAt, createdAt }
    },
    async insert(table, columns, rows, opts = {}) {
      const batch = opts.batch ?? 5000
      let n = 0
      for (let i = 0; i < rows.length; i += batch) {
        n += await insertRows(opts.manager ?? db, table, columns, rows.slice(i, i + batch))
      }
      count(table, n)
      return n
    },
    async entities(rows, manager) {
      const n = await insertEntities(manager ?? db, rows, computed)
      count('entity', n)
      return n
    },
    computeEntityColumn(column, expression) {
      if (!IDENT.test(column) || column in ENTITY_COLUMNS) throw new Error(`seed: "${column}" cannot be a computed entity column`)
      computed.push({ column, expression })
    },
    async contentItems(kind, n, make, write, after) {
      const rng = ctx.rng(`items:${kind}`)
      const batchSize = SEED_BATCH_SIZE
      // Two batches in flight: while one waits on the database (building search vectors is most of the
      // work), the next is generated and written on another connection.
      const inFlight: Array<Promise<void>> = []
      let done = 0
      ctx.progress(0, n, kind)
      for (let from = 0; from < n; from += batchSize) {
        const batch: Array<SeedItem<any>> = []
        for (let i = from; i < Math.min(n, from + batchSize); i++) {
          const placement = ctx.place(rng)
          const made = make(placement, rng, i)
          const entity: SeedEntity = {
            id: ctx.id(kind, i),
            siteId: placement.site.id,
            kind,
            ownerId: placement.ownerId,
            containerId: placement.container?.id ?? null,
            title: made.title,
            read: placement.read,
            publishedAt: placement.publishedAt,
            createdAt: placement.createdAt,
            text: made.text,
          }
          batch.push({ entity, placement, made })
        }
        const job = (async () => {
          await db.transaction(async m => {
            await ctx.entities(batch.map(b => b.entity), m)
            await write(m, batch)
          })
          if (after) await after(batch)
          done += batch.length
          ctx.progress(done, n, kind)
        })()
        job.catch(() => undefined) // awaited below; this only keeps a failure from being reported as unhandled meanwhile
        inFlight.push(job)
        if (inFlight.length >= 2) await inFlight.shift()
      }
      await Promise.all(inFlight)
    },
    progress(done, n, step = pluginId) {
      options.onProgress?.({ plugin: pluginId, step, done, total: n })
    },
    provide(ref, value) {
      services.set(ref.id, value)
    },
    use<T>(ref: ServiceRef<T>) {
      return services.get(ref.id) as T | undefined
    },
  }
  return ctx
  }

  const kernel = contextFor('kernel', 0)
  await seedAccounts(kernel, users)
  const contexts = SEED_STAGES.flatMap(stage =>
    plugins.map((p, i) => [p, i] as const).filter(([p]) => (p.seeder?.stage ?? 'content') === stage).map(([p, i]) => [p, contextFor(p.id, shares[i]!)] as const),
  )
  for (const [p, ctx] of contexts) if (p.seeder?.run) await p.seeder.run(ctx)
  for (const [p, ctx] of contexts) if (p.seeder?.finish) await p.seeder.finish(ctx)
  // Fresh planner statistics: right after a bulk load they say the tables are (nearly) empty.
  const filled = Object.entries(inserted).filter(([, n]) => n > 0).map(([table]) => table)
  if (filled.length > 0) await db.query(`ANALYZE ${filled.join(', ')}`)
  return { seed, scale, inserted, ms: Date.now() - started }
}

const ENTITY_COLUMNS = {
  id: 'uuid',
  site_id: 'uuid',
  kind: 'text',
  owner_id: 'uuid',
  container_id: 'uuid',
  title: 'text',
  read_access: 'text[]',
  write_access: 'text[]',
  published_at: 'timestamptz',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
}

/** Entity rows in one statement, with the computed columns built from title and text in the same INSERT. */
async function insertEntities(
  runner: { query(sql: string, params: unknown[]): Promise<any> },
  rows: SeedEntity[],
  computed: ReadonlyArray<{ column: string; expression: (title: string, text: string, columns: Readonly<Record<string, string>>) => string }>,
): Promise<number> {
  if (computed.length === 0) return insertRows(runner, 'entity', ENTITY_COLUMNS, rows.map(entityValues))
  if (rows.length === 0) return 0
  const names = Object.keys(ENTITY_COLUMNS)
  const types = Object.values(ENTITY_COLUMNS)
  const values = rows.map(entityValues)
  const params = [...names.map((_, c) => values.map(r => (Array.isArray(r[c]) ? pgArray(r[c] as string[]) : r[c]))), rows.map(r => r.text ?? '')]
  const inputs = [...types.map((t, c) => (t.endsWith('[]') ? `$${c + 1}::text[]` : `$${c + 1}::${t}[]`)), `$${names.length + 1}::text[]`]
  const column = (t: string, c: number) => (t.endsWith('[]') ? `c${c}::${t}` : `c${c}`)
  const byName = Object.fromEntries(names.map((name, c) => [name, column(types[c]!, c)]))
  const select = [...types.map(column), ...computed.map(x => x.expression(`c${names.indexOf('title')}`, 'body_text', byName))]
  const result = await runner.query(
    `INSERT INTO entity (${[...names, ...computed.map(x => x.column)].join(', ')})
     SELECT ${select.join(', ')} FROM unnest(${inputs.join(', ')}) AS t (${[...names.map((_, c) => `c${c}`), 'body_text'].join(', ')})
     ON CONFLICT DO NOTHING RETURNING 1`,
    params,
  )
  return Array.isArray(result) ? (Array.isArray(result[0]) ? result[0].length : result.length) : 0
}

const entityValues = (e: SeedEntity): unknown[] => [
  e.id,
  e.siteId,
  e.kind,
  e.ownerId,
  e.containerId ?? null,
  e.title,
  [...new Set(e.read)],
  [...new Set([userToken(e.ownerId), ...(e.write ?? [])])],
  e.publishedAt,
  e.createdAt,
  e.createdAt,
]

const FIRST = ['Anna', 'Bram', 'Charlotte', 'Daan', 'Emma', 'Finn', 'Julia', 'Lucas', 'Mila', 'Noah', 'Sophie', 'Sem', 'Tess', 'Levi', 'Sara', 'Jesse', 'Fatima', 'Mohammed', 'Yara', 'Thomas']
const LAST = ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'El Amrani', 'Yilmaz', 'Dekker']

/** Accounts `seed-<n>@example.org` (index 0: the root site's administrator), all with SEED_PASSWORD. */
async function seedAccounts(ctx: SeedContext, users: readonly string[]): Promise<void> {
  const rng = ctx.rng('accounts')
  const batch = 10_000
  ctx.progress(0, users.length, 'accounts')
  for (let i = 0; i < users.length; i += batch) {
    const rows: unknown[][] = []
    for (let j = i; j < Math.min(users.length, i + batch); j++) {
      const created = ctx.pastTime(rng, 5)
      rows.push([users[j], `seed-${j}@example.org`, `${rng.pick(FIRST)} ${rng.pick(LAST)}`, SEED_PASSWORD_HASH, created, created, created])
    }
    await ctx.insert(
      'kernel_account',
      { id: 'uuid', email: 'text', name: 'text', password_hash: 'text', email_verified_at: 'timestamptz', created_at: 'timestamptz', updated_at: 'timestamptz' },
      rows,
    )
    ctx.progress(Math.min(users.length, i + batch), users.length, 'accounts')
  }
  if (users.length > 0) {
    await ctx.insert('kernel_site_member', { site_id: 'uuid', account_id: 'uuid', role: 'text', status: 'text' }, [[ctx.root.id, users[0], 'admin', 'member']])
  }
}
