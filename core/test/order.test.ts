// Boot order: a dependant after its dependencies; ties broken by id, never by config order.
import { expect } from 'chai'
import { definePlugin, type PluginDefinition } from '@plein/core'
// The ordering function itself is internal; it is tested directly because the cases are easier to state here.
import { topologicalOrder } from '../src/plugins/order.js'
import { prepare } from './support/kit.js'

const permutations = <T>(list: T[]): T[][] =>
  list.length <= 1 ? [list] : list.flatMap((x, i) => permutations([...list.slice(0, i), ...list.slice(i + 1)]).map(rest => [x, ...rest]))

describe('plugin order', () => {
  describe('topologicalOrder', () => {
    it('puts every node after the ones it depends on', () => {
      const result = topologicalOrder([
        { id: 'a', after: ['z'] },
        { id: 'z', after: ['m'] },
        { id: 'm', after: [] },
      ])
      expect(result).to.deep.equal({ ok: true, order: ['m', 'z', 'a'] })
    })

    it('breaks ties by id whatever order the nodes come in', () => {
      const nodes = [
        { id: 'delta', after: ['alpha'] },
        { id: 'charlie', after: [] },
        { id: 'bravo', after: ['alpha'] },
        { id: 'alpha', after: [] },
      ]
      for (const shuffled of permutations(nodes)) {
        expect(topologicalOrder(shuffled)).to.deep.equal({ ok: true, order: ['alpha', 'bravo', 'charlie', 'delta'] })
      }
    })

    it('lets a node become ready in id order among the nodes already waiting', () => {
      // 'b' becomes ready after 'a'; it must run before 'c', which was ready from the start.
      expect(topologicalOrder([{ id: 'c', after: [] }, { id: 'b', after: ['a'] }, { id: 'a', after: [] }])).to.deep.equal({ ok: true, order: ['a', 'b', 'c'] })
    })

    it('ignores dependencies that are not among the nodes (optional ones not installed)', () => {
      expect(topologicalOrder([{ id: 'b', after: ['missing'] }, { id: 'a', after: [] }])).to.deep.equal({ ok: true, order: ['a', 'b'] })
    })

    it('reports each cycle once, starting at its smallest id', () => {
      const result = topologicalOrder([
        { id: 'b', after: ['a'] },
        { id: 'a', after: ['b'] },
        { id: 'y', after: ['z'] },
        { id: 'z', after: ['x'] },
        { id: 'x', after: ['y'] },
        { id: 'free', after: [] },
      ])
      expect(result).to.deep.equal({ ok: false, cycles: [['a', 'b', 'a'], ['x', 'y', 'z', 'x']] })
    })
  })

  describe('the kernel', () => {
    const plugins: PluginDefinition[] = [
      definePlugin({ id: 'zeta' }),
      definePlugin({ id: 'alpha', dependencies: { zeta: '*' } }),
      definePlugin({ id: 'mid' }),
      definePlugin({ id: 'beta', optionalDependencies: { alpha: '*' } }),
    ]

    it('boots plugins in dependency order, ties by id, the same for every config order', async () => {
      const orders = [plugins, [...plugins].reverse(), [...plugins.slice(2), ...plugins.slice(0, 2)], [plugins[1]!, plugins[3]!, plugins[0]!, plugins[2]!]]
      for (const shuffled of orders) {
        const kernel = await prepare(shuffled)
        expect(kernel.pluginIds).to.deep.equal(['mid', 'zeta', 'alpha', 'beta'])
        expect(kernel.plan.plugins.map(p => p.id)).to.deep.equal(['mid', 'zeta', 'alpha', 'beta'])
      }
    })

    it('runs register() in that order', async () => {
      const calls: string[] = []
      const track = (def: PluginDefinition) => definePlugin({ ...def, register: () => void calls.push(def.id) })
      await prepare([...plugins].reverse().map(track))
      expect(calls).to.deep.equal(['mid', 'zeta', 'alpha', 'beta'])
    })
  })
})
