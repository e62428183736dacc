// Entry point of the `plein` command.
import cluster from 'node:cluster'
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2))
// A worker of `plein start --workers N`: its channel to the primary would keep it alive once all else is closed.
cluster.worker?.disconnect()
