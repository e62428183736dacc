// Orders plugins so every plugin comes after the ones it depends on; ties broken by id.

export interface Node {
  id: string
  /** Ids this node must come after (present ones only). */
  after: string[]
}

export type OrderResult = { ok: true; order: string[] } | { ok: false; cycles: string[][] }

export function topologicalOrder(nodes: Node[]): OrderResult {
  const indegree = new Map<string, number>()
  const dependants = new Map<string, string[]>()
  for (const n of nodes) {
    indegree.set(n.id, 0)
    dependants.set(n.id, [])
  }
  for (const n of nodes) {
    for (const dep of n.after) {
      if (!indegree.has(dep)) continue
      indegree.set(n.id, indegree.get(n.id)! + 1)
      dependants.get(dep)!.push(n.id)
    }
  }
  // Kahn's algorithm with a sorted ready list: the order never depends on config order.
  const ready = [...indegree].filter(([, d]) => d === 0).map(([id]) => id).sort()
  const order: string[] = []
  while (ready.length > 0) {
    const id = ready.shift()!
    order.push(id)
    for (const next of dependants.get(id)!) {
      const d = indegree.get(next)! - 1
      indegree.set(next, d)
      if (d === 0) insertSorted(ready, next)
    }
  }
  if (order.length === nodes.length) return { ok: true, order }
  return { ok: false, cycles: findCycles(nodes.filter(n => !order.includes(n.id))) }
}

function insertSorted(list: string[], id: string): void {
  let i = 0
  while (i < list.length && list[i]! < id) i++
  list.splice(i, 0, id)
}

/** Every distinct cycle among the remaining nodes, each starting at its smallest id: a → b → a. */
function findCycles(nodes: Node[]): string[][] {
  const byId = new Map(nodes.map(n => [n.id, n]))
  const cycles: string[][] = []
  const seen = new Set<string>()
  for (const start of [...byId.keys()].sort()) {
    const stack: string[] = []
    const onStack = new Set<string>()
    const visit = (id: string): void => {
      stack.push(id)
      onStack.add(id)
      for (const dep of [...(byId.get(id)?.after ?? [])].sort()) {
        if (!byId.has(dep)) continue
        if (dep === start) {
          const cycle = [...stack, start]
          const key = [...new Set(cycle)].sort().join(',')
          if (!seen.has(key)) {
            seen.add(key)
            cycles.push(cycle)
          }
        } else if (!onStack.has(dep) && dep > start) {
          visit(dep)
        }
      }
      stack.pop()
      onStack.delete(id)
    }
    visit(start)
    if (cycles.length >= 10) break
  }
  return cycles
}
