/* Jest global teardown (jest.config.js): removes the temp folder of test/jest-global-setup.js. */
const fs = require('fs');

module.exports = async function globalTeardown(globalConfig) {
  const dir = process.env.CDK8S_SGLANG_PD_TEST_TMPDIR;
  const saved = process.env.CDK8S_SGLANG_PD_SAVED_TMPDIR;
  if (saved) process.env.TMPDIR = saved;
  else delete process.env.TMPDIR;
  if (dir && !globalConfig.watch && !globalConfig.watchAll) fs.rmSync(dir, { recursive: true, force: true });
};
