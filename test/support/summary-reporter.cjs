// Mocha's spec output, then one plain line CI reads: "N passed, M failed, K skipped".
'use strict'
const Mocha = require('mocha')
const { Spec } = Mocha.reporters
const { EVENT_RUN_END } = Mocha.Runner.constants

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options)
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || this.stats
      const line = `${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`
      process.stdout.write(`\n${line}\n`)
      if (process.env.PLEIN_TEST_SUMMARY_FILE) require('node:fs').appendFileSync(process.env.PLEIN_TEST_SUMMARY_FILE, line + '\n')
    })
  }
}
module.exports = SummaryReporter
