#!/usr/bin/env node
// Sums the JSON reports of every suite into the one closing line CI reads: "N passed, N failed".
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailedToRun = 0;
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  if (r.stats && Array.isArray(r.suites)) {
    // Playwright's JSON reporter: expected = passed, unexpected = failed; errors outside tests (e.g. globalSetup).
    passed += r.stats.expected + (r.stats.flaky ?? 0);
    failed += r.stats.unexpected;
    skipped += r.stats.skipped;
    suitesFailedToRun += (r.errors ?? []).length;
    continue;
  }
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  suitesFailedToRun += r.numRuntimeErrorTestSuites ?? 0;
}
if (suitesFailedToRun > 0) {
  console.log(`${suitesFailedToRun} test suite(s) failed to run`);
}
console.log(`${passed} passed, ${failed + suitesFailedToRun} failed, ${skipped} skipped`);
process.exit(failed + suitesFailedToRun > 0 || passed === 0 ? 1 : 0);
