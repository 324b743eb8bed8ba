/*
 * Jest global setup (jest.config.js): points TMPDIR at a fresh folder under the system temp
 * folder before any test runs, so that os.tmpdir() in every test worker and in every process a
 * test starts returns it. test/jest-global-teardown.js removes it, with whatever is left in it
 * (cdk8s' Testing.app() and App() without an outdir leave cdk8s.outdir.* folders behind).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async function globalSetup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-sglang-pd-test-'));
  process.env.CDK8S_SGLANG_PD_SAVED_TMPDIR = process.env.TMPDIR ?? '';
  process.env.CDK8S_SGLANG_PD_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
