/*
 * The committed schemas (test/schema/data/) are exactly what scripts/gen-schemas.mjs derives from
 * the pinned upstream inputs.
 *
 * NEEDS: ../shared beside the clone (or SHARED=DIR) for the CRDs, and Go with the Go module cache
 * or proxy for the k8s.io/kubernetes module (the OpenAPI documents). A user's clone has neither,
 * so there the check is reported as SKIPPED (never as passed); under CI=true (`.ci/run`, which
 * has ../shared) a missing input fails the test instead.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = path.resolve(ROOT, process.env.SHARED ?? '../shared');
const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
const missing = [...(fs.existsSync(SHARED) ? [] : [`${SHARED} (set SHARED=DIR)`]), ...(hasGo ? [] : ['go'])];
const required = process.env.CI === 'true' || process.env.CI === '1';

const check = missing.length === 0 || required ? test : test.skip;
const title = missing.length === 0 || required
  ? 'test/schema/data is what `npm run gen:schemas` derives from ../shared and k8s.io/kubernetes'
  : `SKIPPED: test/schema/data is what \`npm run gen:schemas\` derives (needs ${missing.join(' and ')}; CI runs it)`;

if (missing.length > 0 && !required) {
  // Also say it where a plain `npm test` shows it, not only in the skipped count.
  process.stderr.write(`test/schema/data.test.ts: ${title}\n`);
}

check(title, () => {
  if (missing.length > 0) throw new Error(`CI=true but the inputs of scripts/gen-schemas.mjs are missing: ${missing.join(', ')}`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'gen-schemas.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stdout).toMatch(/^gen-schemas: test\/schema\/data\/ is up to date \(\d+ files\)\n$/);
}, 120_000);
