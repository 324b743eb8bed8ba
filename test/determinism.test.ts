/*
 * The manifests are a function of the code only: `npm run synth` (the default app) and
 * `npm run synth:examples` (every example) run twice, in separate processes with different time
 * zones, locales, home directories and unrelated environment variables, write byte-identical trees
 * (same file list, same bytes).
 *
 * The second run also sets CDK8S_DISABLE_SORT, which cdk8s reads in ApiObject.toJson to keep
 * object keys in insertion order: `synthesize()` ignores it (and says so), because a manifest
 * that changes with the environment of whoever synthesizes it would show up as a diff in review.
 * Both scripts honour CDK8S_OUTDIR, so each run writes into its own temporary directory.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);

/** Two environments that differ in everything that could leak into the output. */
const ENVIRONMENTS: Record<string, NodeJS.ProcessEnv> = {
  plain: { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' },
  exotic: {
    TZ: 'Pacific/Chatham', // UTC+12:45 / +13:45
    LANG: 'tr_TR.UTF-8', // dotless i in case mapping
    LC_ALL: 'de_DE.UTF-8', // decimal comma
    LC_NUMERIC: 'ar_EG.UTF-8',
    CDK8S_DISABLE_SORT: '1',
    CDK8S_LEGACY_HASH: '1',
    NODE_ENV: 'production',
    CI: 'true',
    FORCE_COLOR: '3',
    SOURCE_DATE_EPOCH: '0',
    KUBECONFIG: '/nonexistent/kubeconfig',
    POD_NAMESPACE: 'elsewhere',
    SGLANG_HOST_IP: '10.0.0.1',
    USER: 'nobody',
  },
};

/** Relative path -> bytes of every file under `dir`. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), fs.readFileSync(full));
    }
  };
  walk(dir);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

let tmp: string;
const outputs: Record<string, { dir: string; stderr: string }> = {};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sglang-pd-determinism-'));
  // One after the other: the runs share node_modules (and its transpile cache).
  for (const [name, extra] of Object.entries(ENVIRONMENTS)) {
    const dir = path.join(tmp, name);
    const home = path.join(tmp, `${name}-home`);
    fs.mkdirSync(home, { recursive: true });
    // Only PATH is inherited: nothing of this process's environment may matter.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, ...extra, CDK8S_OUTDIR: dir };
    let stderr = '';
    for (const script of ['synth', 'synth:examples']) {
      const r = await run('npm', ['run', '--silent', script], { cwd: ROOT, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
      stderr += r.stderr;
    }
    outputs[name] = { dir, stderr };
  }
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('both runs write the default app and every example', () => {
  const files = [...tree(outputs.plain.dir).keys()];
  expect(files).toEqual(expect.arrayContaining([
    'capacity-report.md',
    'sglang-pd.k8s.yaml',
    ...['kubernetes-discovery', 'qwen3-32b-4p2d-a100', 'qwen3-8b-a10', 'rbg-v04', 'tutorial-2p1d', 'monitoring', 'inference-gateway', 'autoscaling', 'network-isolation', 'placement', 'lockstep-rollout', 'qwen3-235b-multinode-h100', 'fluid-cache']
      .map((e) => `examples/${e}/capacity-report.md`),
  ]));
  expect(files.filter((f) => f.endsWith('.k8s.yaml'))).toHaveLength(14);
});

test('the trees are byte-identical: same files, same contents', () => {
  const a = tree(outputs.plain.dir);
  const b = tree(outputs.exotic.dir);
  expect([...b.keys()]).toEqual([...a.keys()]);
  const differing = [...a.keys()].filter((f) => !a.get(f)!.equals(b.get(f)!));
  expect(differing).toEqual([]);
});

test('CDK8S_DISABLE_SORT is ignored, and synthesize() says so', () => {
  expect(outputs.exotic.stderr).toContain('note: CDK8S_DISABLE_SORT is ignored');
  expect(outputs.plain.stderr).not.toContain('CDK8S_DISABLE_SORT');
});
