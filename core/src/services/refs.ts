// Typed service references: a plugin provides a service under a ref; its dependants get it by the same ref.

export interface ServiceRef<T> {
  readonly id: string
  /** Type carrier only; never set. */
  readonly __type?: T
}

const serviceIdPattern = /^[a-z][a-z0-9-]*\.[a-z][A-Za-z0-9.]*$/

/** `createServiceRef<PostsService>('blog.posts')`: the id is `<plugin id>.<thing>`. */
export function createServiceRef<T>(id: string): ServiceRef<T> {
  if (!serviceIdPattern.test(id)) throw new TypeError(`createServiceRef: "${id}" must look like "<plugin>.<thing>"`)
  return Object.freeze({ id }) as ServiceRef<T>
}

export const serviceOwner = (ref: ServiceRef<unknown>) => ref.id.slice(0, ref.id.indexOf('.'))
