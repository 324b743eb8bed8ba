/*
 * The published package works as a library: `npm pack` (which builds through `prepack`) gives a
 * tarball with compiled JavaScript and type declarations and nothing else; installed offline from
 * the npm cache into a fresh cdk8s app outside the repository, next to its peer dependencies, it
 * synthesizes main.ts's chart byte for byte like the in-repo app.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { synthesize } from '../lib';
import { SglangPdChart } from '../main';

const ROOT = path.resolve(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

jest.setTimeout(180_000);

let work: string;
let tarball: string;
let files: string[];
let app: string;

/**
 * The environment of child processes, without what `npm test` / `npx jest` set for this
 * repository: an inherited npm_config_local_prefix would make `npm install` in the temporary app
 * install into the repository instead. npm's own settings (cache, registry, userconfig) stay.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  for (const k of Object.keys(env)) {
    if (/^(npm_config_local_prefix|npm_config_global|npm_package_.*|npm_lifecycle_.*|npm_command|INIT_CWD)$/i.test(k)) delete env[k];
  }
  return env;
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-sglang-pd-package-'));
  const packed = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', work], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, packed[0].filename);
  files = packed[0].files.map((f) => f.path).sort();

  // A fresh cdk8s app outside the repository: the tarball plus the peer dependencies at the
  // versions the repository pins, installed from the npm cache only.
  app = path.join(work, 'app');
  fs.mkdirSync(app);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const peers = Object.fromEntries(['cdk8s', 'cdk8s-plus-28', 'constructs'].map((p) => [p, pkg.devDependencies[p]]));
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
    name: 'consumer-app',
    version: '0.0.0',
    private: true,
    dependencies: { 'cdk8s-sglang-pd': `file:${tarball}`, ...peers },
  }, null, 2));
  run(NPM, ['install', '--prefix', app, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], app);

  // main.ts itself, importing the package instead of ./lib.
  const main = fs.readFileSync(path.join(ROOT, 'main.ts'), 'utf8');
  const consumer = main.replace(/from '\.\/lib';/, "from 'cdk8s-sglang-pd';");
  if (consumer === main) throw new Error("main.ts no longer imports from './lib'; update this test");
  fs.writeFileSync(path.join(app, 'main.ts'), consumer);
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, esModuleInterop: true,
      skipLibCheck: true, typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'], outDir: 'js',
    },
    files: ['main.ts'],
  }, null, 2));
  run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
  run(process.execPath, [path.join('js', 'main.js')], app);
});

afterAll(() => {
  if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
});

test('the tarball holds compiled JavaScript, declarations, the flag catalog and the generated imports, and no sources, tests or examples', () => {
  for (const f of [
    'package.json', 'README.md',
    'build/lib/index.js', 'build/lib/index.d.ts',
    'build/lib/pd-serving-group.js', 'build/lib/pd-serving-group.d.ts',
    'build/lib/sglang/flags.js', 'build/lib/sglang/flag-catalog.json',
    'build/imports/rbg-workloads.x-k8s.io.js', 'build/imports/rbgv06-workloads.x-k8s.io.js', 'build/imports/rbgv04-workloads.x-k8s.io.js',
  ]) {
    expect(files).toContain(f);
  }
  const unexpected = files.filter((f) => !/^build\/(lib\/.+\.(js|d\.ts|json)|imports\/[^/]+\.js)$/.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
  expect(unexpected).toEqual([]);
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
});

test('the public declarations do not reference the generated imports (whose .d.ts are not shipped)', () => {
  const dts = files.filter((f) => f.endsWith('.d.ts'));
  expect(dts.length).toBeGreaterThan(5);
  for (const f of dts) {
    const text = fs.readFileSync(path.join(app, 'node_modules', 'cdk8s-sglang-pd', f), 'utf8');
    expect({ file: f, importsImports: /from ['"][./]*imports\//.test(text) || /import\(['"][./]*imports\//.test(text) }).toEqual({ file: f, importsImports: false });
  }
});

test('cdk8s, cdk8s-plus-28 and constructs are peer dependencies, resolved from the app', () => {
  const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'cdk8s-sglang-pd', 'package.json'), 'utf8'));
  expect(Object.keys(installed.peerDependencies ?? {}).sort()).toEqual(['cdk8s', 'cdk8s-plus-28', 'constructs']);
  expect(installed.dependencies ?? {}).toEqual({});
  expect(fs.existsSync(path.join(app, 'node_modules', 'cdk8s-sglang-pd', 'node_modules'))).toBe(false);
});

test("the installed package synthesizes main.ts's chart byte-identical to the in-repo app", () => {
  const outdir = path.join(work, 'in-repo');
  const repoApp = new App({ outdir });
  new SglangPdChart(repoApp, 'sglang-pd');
  synthesize(repoApp, { log: () => undefined });

  const produced = fs.readdirSync(path.join(app, 'dist')).sort();
  expect(produced).toEqual(fs.readdirSync(outdir).sort());
  expect(produced).toEqual(expect.arrayContaining(['sglang-pd.k8s.yaml', 'capacity-report.md']));
  for (const f of produced) {
    const ours = fs.readFileSync(path.join(app, 'dist', f));
    const theirs = fs.readFileSync(path.join(outdir, f));
    expect({ file: f, identical: ours.equals(theirs) }).toEqual({ file: f, identical: true });
  }
});
