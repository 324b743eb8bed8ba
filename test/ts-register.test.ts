/*
 * scripts/ts-register.cjs, the runner of `npm run synth`, loads lib/index.ts as one esbuild bundle
 * of the library (see the file's comment). What a user of the runner relies on:
 * - the bundle exports what the files export, one by one;
 * - each lib/ file exists once per process: a lib/ file required on its own after the bundle is
 *   refused with the runner's message, and a process that starts with such a file gets every lib/
 *   file on its own (so classes stay identical);
 * - stack traces of the bundle name the TypeScript file and line;
 * - the bundle is built again when a file it came from has changed (an edit).
 * Every run uses its own cache folder (TS_REGISTER_CACHE_DIR), so the first run builds the bundle.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

let cacheDir: string;
beforeEach(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-sglang-pd-ts-register-'));
});
afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

/** Runs `script` (CommonJS, in the repository) through the runner; its stdout, stderr and status. */
function runScript(script: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['-r', './scripts/ts-register.cjs', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, TS_REGISTER_CACHE_DIR: cacheDir, ...env },
    encoding: 'utf8',
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const bundleFiles = (): string[] => (fs.existsSync(path.join(cacheDir, 'bundle')) ? fs.readdirSync(path.join(cacheDir, 'bundle')) : []);

test('the bundle exports what the files export', () => {
  // GIVEN the names and kinds of lib/index.ts's exports, loaded as one bundle and file by file
  const exportsOf = "const lib = require('./lib'); console.log(JSON.stringify(Object.keys(lib).sort().map((k) => [k, typeof lib[k]])))";
  const bundled = runScript(exportsOf);
  const files = runScript(exportsOf, { TS_REGISTER_NO_CACHE: '1' });

  // THEN both loaded, the first through a bundle, and they agree
  expect(bundled.status).toBe(0);
  expect(files.status).toBe(0);
  expect(bundleFiles().filter((f) => f.endsWith('.js'))).toHaveLength(1);
  const names = JSON.parse(bundled.stdout) as Array<[string, string]>;
  expect(names).toEqual(JSON.parse(files.stdout));
  expect(names).toEqual(expect.arrayContaining([['PdServingGroup', 'function'], ['synthesize', 'function'], ['RbgTarget', 'function'], ['RouterDiscovery', 'object']]));
});

test('a lib/ file required on its own after the bundle is refused; before it, every file loads on its own', () => {
  // WHEN a lib/ file is required after lib/index.ts
  const after = runScript("require('./lib'); require('./lib/serving/labels')");
  // THEN the runner refuses it, naming the file and the way out
  expect(after.status).not.toBe(0);
  expect(after.stderr).toContain('ts-register: lib/serving/labels.ts is required after lib/index.ts, which this process loaded as one bundle');
  expect(after.stderr).toContain('import the library from lib/index.ts');

  // WHEN the file comes first
  const before = runScript("const v = require('./lib/storage/qwen-model-volume'); const lib = require('./lib'); console.log(lib.QwenModelVolume === v.QwenModelVolume)");
  // THEN lib/index.ts is loaded file by file too: the class is the same object
  expect(before.stderr).toBe('');
  expect(before.stdout.trim()).toBe('true');
});

test('stack traces of the bundle name the TypeScript file', () => {
  // WHEN synthesize() refuses an option, its error's stack is printed
  const r = runScript("const { App } = require('cdk8s'); const lib = require('./lib'); try { lib.synthesize(new App({ outdir: require('os').tmpdir() }), { reportFile: '../x.md' }); } catch (e) { console.log(e.stack); }");
  // THEN the frames point into lib/report/synthesize.ts, not into a bundle
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('reportFile');
  expect(r.stdout).toMatch(/lib\/report\/synthesize\.ts:\d+:\d+/);
  expect(r.stdout).not.toContain('index.bundle.js');
});

test('the bundle is built again when a file it came from has changed', () => {
  // GIVEN a bundle in the cache
  const probe = "const lib = require('./lib'); console.log(typeof lib.synthesize)";
  expect(runScript(probe).stdout.trim()).toBe('function');
  const manifests = bundleFiles().filter((f) => f.endsWith('.json'));
  expect(manifests).toHaveLength(1);
  const manifestPath = path.join(cacheDir, 'bundle', manifests[0]);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { code: string; inputs: Record<string, string> };
  expect(Object.keys(manifest.inputs)).toEqual(expect.arrayContaining(['lib/index.ts', 'lib/report/synthesize.ts']));

  // WHEN the cache says a file had another size or time (as before an edit), the next run builds a new bundle
  fs.writeFileSync(manifestPath, JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, 'lib/report/synthesize.ts': 'edited' } }));
  expect(runScript(probe).stdout.trim()).toBe('function');

  // THEN the manifest names a bundle built from the file as it is
  const rebuilt = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
  expect(rebuilt.inputs['lib/report/synthesize.ts']).toBe(manifest.inputs['lib/report/synthesize.ts']);
  expect(bundleFiles().filter((f) => f.endsWith('.js'))).toEqual([`${manifest.code}.js`]);
});

test('a file saved again (a new modification time) is read again', () => {
  // GIVEN a bundle in the cache
  const probe = "const lib = require('./lib'); console.log(typeof lib.synthesize)";
  expect(runScript(probe).stdout.trim()).toBe('function');
  const manifestPath = path.join(cacheDir, 'bundle', bundleFiles().find((f) => f.endsWith('.json'))!);
  const before = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };

  // WHEN a file of the library gets a new modification time (its bytes unchanged)
  const file = path.join(ROOT, 'lib', 'util', 'json.ts');
  const { atime, mtime } = fs.statSync(file);
  try {
    fs.utimesSync(file, atime, new Date(mtime.getTime() + 1000));
    expect(runScript(probe).stdout.trim()).toBe('function');
  } finally {
    fs.utimesSync(file, atime, mtime);
  }

  // THEN the next run looked at it again: the manifest has the file's new identity
  const after = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
  expect(after.inputs['lib/util/json.ts']).not.toBe(before.inputs['lib/util/json.ts']);
  expect(after.inputs['lib/index.ts']).toBe(before.inputs['lib/index.ts']);
});
