// Typed service references: a plugin provides a service under a ref; its dependants get it by the same ref.

export interface ServiceRefOptions {
  /**
   * A plug point rather than an offer: the owner defines the interface and uses the service (with
   * `services.find`, falling back to its own default); one plugin that depends on the owner provides it.
   */
  pluggable?: boolean
}

export interface ServiceRef<T> {
  readonly id: string
  /** Provided by a plugin that depends on the owner, not by the owner (see ServiceRefOptions). */
  readonly pluggable?: boolean
  /** Type carrier only; never set. */
  readonly __type?: T
}

const serviceIdPattern = /^[a-z][a-z0-9-]*\.[a-z][A-Za-z0-9.]*$/

/** `createServiceRef<PostsService>('blog.posts')`: the id is `<plugin id>.<thing>`. */
export function createServiceRef<T>(id: string, options: ServiceRefOptions = {}): ServiceRef<T> {
  if (!serviceIdPattern.test(id)) throw new TypeError(`createServiceRef: "${id}" must look like "<plugin>.<thing>"`)
  return Object.freeze(options.pluggable ? { id, pluggable: true } : { id }) as ServiceRef<T>
}

export const serviceOwner = (ref: ServiceRef<unknown>) => ref.id.slice(0, ref.id.indexOf('.'))
