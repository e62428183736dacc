// Services: a plugin provides a typed service; its dependants get it by the same ref; others are refused.
import { expect } from 'chai'
import { createServiceRef, definePlugin, type PluginContext } from '@plein/core'
import { bootError, prepare, problemOf } from './support/kit.js'

interface Greeter {
  greet(name: string): string
}
const greeterRef = createServiceRef<Greeter>('greetings.greeter')

function greetings(made: { count: number }) {
  return definePlugin({
    id: 'greetings',
    register(ctx) {
      ctx.provide(greeterRef, () => {
        made.count++
        return { greet: name => `Hallo ${name}` }
      })
    },
  })
}

describe('services', () => {
  it('gives a dependant the service its dependency provides, made once on first use', async () => {
    const made = { count: 0 }
    const got: Greeter[] = []
    const user = (id: string) =>
      definePlugin({ id, dependencies: { greetings: '*' }, register: ctx => void got.push(ctx.services.get(greeterRef)) })
    await prepare([user('one'), user('two'), greetings(made)])
    expect(made.count).to.equal(1)
    expect(got).to.have.length(2)
    expect(got[0]).to.equal(got[1])
    expect(got[0]!.greet('Ada')).to.equal('Hallo Ada')
  })

  it('does not make a service nobody asks for', async () => {
    const made = { count: 0 }
    await prepare([greetings(made)])
    expect(made.count).to.equal(0)
  })

  it('refuses a service to a plugin that does not depend on its provider', async () => {
    const stranger = definePlugin({ id: 'stranger', register: ctx => void ctx.services.get(greeterRef) })
    const error = await bootError(prepare([greetings({ count: 0 }), stranger]))
    const problem = problemOf(error, 'HOOK_OWNER_NOT_DEPENDENCY')
    expect(problem.plugin).to.equal('stranger')
    expect(problem.message).to.include('"stranger"').and.include('"greetings"').and.include('services').and.include('dependencies')
  })

  it('finds an optional dependency’s service when it is installed, and undefined when not', async () => {
    let found: Greeter | undefined | 'unset' = 'unset'
    const curious = definePlugin({ id: 'curious', optionalDependencies: { greetings: '*' }, register: ctx => void (found = ctx.services.find(greeterRef)) })
    await prepare([curious])
    expect(found).to.equal(undefined)
    await prepare([curious, greetings({ count: 0 })])
    expect((found as unknown as Greeter).greet('Bob')).to.equal('Hallo Bob')
  })

  it('says which service is missing when a dependency does not provide it', async () => {
    const absentRef = createServiceRef<Greeter>('greetings.absent')
    const needy = definePlugin({ id: 'needy', dependencies: { greetings: '*' }, register: ctx => void ctx.services.get(absentRef) })
    const problem = problemOf(await bootError(prepare([greetings({ count: 0 }), needy])), 'PLUGIN_REGISTER_FAILED')
    expect(problem.plugin).to.equal('needy')
    expect(problem.message).to.include('greetings.absent')
  })

  it('lets a plugin provide services only under its own id, once, and only in register()', async () => {
    const thief = definePlugin({ id: 'thief', register: ctx => ctx.provide(greeterRef, () => ({ greet: () => '' })) })
    expect(problemOf(await bootError(prepare([thief])), 'PLUGIN_REGISTER_FAILED').message).to.include('"greetings.greeter"')

    const twice = definePlugin({
      id: 'greetings',
      register(ctx) {
        ctx.provide(greeterRef, () => ({ greet: () => '' }))
        ctx.provide(greeterRef, () => ({ greet: () => '' }))
      },
    })
    expect(problemOf(await bootError(prepare([twice])), 'PLUGIN_REGISTER_FAILED').message).to.include('provided twice')

    let saved: PluginContext | undefined
    await prepare([definePlugin({ id: 'greetings', register: ctx => void (saved = ctx) })])
    expect(() => saved!.provide(greeterRef, () => ({ greet: () => '' }))).to.throw(/only possible in register\(\)/)
  })

  it('lets a dependant provide a pluggable ref of its dependency, which the owner finds; strangers and the owner may not', async () => {
    const slotRef = createServiceRef<Greeter>('greetings.slot', { pluggable: true })
    // The owner looks it up after every plugin has registered (the provider registers after it).
    let saved: PluginContext | undefined
    const owner = definePlugin({ id: 'greetings', register: ctx => void (saved = ctx) })
    const filler = (id: string) => definePlugin({ id, dependencies: { greetings: '*' }, register: ctx => ctx.provide(slotRef, () => ({ greet: name => `Dag ${name} (${id})` })) })
    await prepare([owner])
    expect(saved!.services.find(slotRef)).to.equal(undefined)
    await prepare([filler('dutch'), owner])
    expect(saved!.services.find(slotRef)!.greet('Ada')).to.equal('Dag Ada (dutch)')

    const twice = problemOf(await bootError(prepare([owner, filler('dutch'), filler('flemish')])), 'PLUGIN_REGISTER_FAILED')
    expect(twice.message).to.include('provided twice').and.include('"dutch"').and.include('"flemish"')
    const stranger = definePlugin({ id: 'stranger', register: ctx => ctx.provide(slotRef, () => ({ greet: () => '' })) })
    expect(problemOf(await bootError(prepare([owner, stranger])), 'PLUGIN_REGISTER_FAILED').message).to.include('"stranger"').and.include('dependencies')
    const itself = definePlugin({ id: 'greetings', register: ctx => ctx.provide(slotRef, () => ({ greet: () => '' })) })
    expect(problemOf(await bootError(prepare([itself])), 'PLUGIN_REGISTER_FAILED').message).to.include('plug point')
  })

  it('checks service ids when the ref is made', () => {
    expect(() => createServiceRef('no-dot')).to.throw(TypeError)
    expect(createServiceRef('blog.posts').id).to.equal('blog.posts')
  })
})
