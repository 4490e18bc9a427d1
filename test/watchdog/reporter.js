// A Jest reporter for the watchdog (run.js): it appends one JSON line per test file started
// and finished to TEST_WATCHDOG_LOG, so that a run stopped at its deadline can say which
// files were still running, and since when.
const { appendFileSync } = require('node:fs');

class WatchdogReporter {
  constructor() {
    this.log = process.env.TEST_WATCHDOG_LOG;
  }

  write(entry) {
    if (!this.log) return;
    try {
      appendFileSync(this.log, `${JSON.stringify({ ...entry, at: Date.now() })}\n`);
    } catch {
      // The watchdog is a diagnosis; a failed write must not fail the run.
    }
  }

  onTestFileStart(test) {
    this.write({ event: 'start', path: test.path });
  }

  onTestFileResult(test, result) {
    this.write({ event: 'end', path: test.path, failed: result.numFailingTests });
  }

  onTestCaseStart(test, testCase) {
    this.write({ event: 'case', path: test.path, name: testCase.fullName });
  }
}

module.exports = WatchdogReporter;
