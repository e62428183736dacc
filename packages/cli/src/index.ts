// @plein/cli as a library: run a command programmatically (tests, tools).
export { main, USAGE, type Io } from './main.js'
export { installedPlugins } from './commands/plugins.js'
