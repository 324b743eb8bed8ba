/*
 * The package works as a library, installed the way the README says, with no network and an
 * empty npm cache:
 *
 * - `npm pack` (which builds through `prepack`) gives a tarball with LICENSE, README, compiled
 *   JavaScript, type declarations and the flag catalog, and no install-time script.
 * - Installed offline into fresh apps outside the repository, next to its peer dependencies
 *   (linked from this repository's node_modules: an empty cache has nothing to install them from),
 *   it synthesizes main.ts's chart byte for byte like the in-repo app, and the consumer app of
 *   examples/consumer-app/ (the README's) synthesizes with `cdk8s synth` exactly like its
 *   main.ts run against ../lib.
 *
 * npm runs with --legacy-peer-deps because its tree builder fails ("Cannot read properties of
 * null (reading 'matches')") when linked folders provide peer dependencies; the peer ranges are
 * checked here instead.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as semver from 'semver';
import { parseAllDocuments } from 'yaml';
import { synthesize } from '../lib';
import { SglangPdChart } from '../main';
import { validateManifests } from './schema/strict-schema';

const ROOT = path.resolve(__dirname, '..');
const CONSUMER_SRC = path.join(ROOT, 'examples', 'consumer-app');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PEERS = ['cdk8s', 'constructs'];
const REPO_PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; license: string; scripts: Record<string, string>; devDependencies: Record<string, string>;
};

jest.setTimeout(240_000);

let work: string;
let npmCache: string;
let tarball: string;
let files: string[];
let app: string;
let consumer: string;

/**
 * The environment of child processes: without what `npm test` / `npx jest` set for this
 * repository (an inherited npm_config_local_prefix would make `npm install` in a temporary app
 * install into the repository), with a new empty npm cache, offline, and without cdk8s-cli's
 * upgrade check (a request to the registry).
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(npm_config_.*|npm_package_.*|npm_lifecycle_.*|npm_command|npm_execpath|npm_node_execpath|INIT_CWD)$/i.test(k)) delete env[k];
  }
  return {
    ...env,
    npm_config_cache: npmCache,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    CDK8S_CHECK_UPGRADE: 'false',
  };
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** A package of this repository's node_modules, as a dependency spec. */
const local = (name: string): string => `file:${path.join(ROOT, 'node_modules', name)}`;

/** Installs `dir`'s package.json offline: the tarball, and everything else linked from node_modules. */
function installOffline(dir: string): void {
  run(NPM, ['install', '--offline', '--no-package-lock', '--ignore-scripts', '--install-links=false', '--legacy-peer-deps'], dir);
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-sglang-pd-package-'));
  npmCache = path.join(work, 'npm-cache');
  fs.mkdirSync(npmCache);
  const packed = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', work], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, packed[0].filename);
  files = packed[0].files.map((f) => f.path).sort();

  // A fresh cdk8s app outside the repository running main.ts itself, importing the package.
  app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
    name: 'main-app',
    version: '0.0.0',
    private: true,
    dependencies: { 'cdk8s-sglang-pd': `file:${tarball}`, ...Object.fromEntries(PEERS.map((p) => [p, local(p)])), '@types/node': local('@types/node') },
  }, null, 2));
  installOffline(app);
  const main = fs.readFileSync(path.join(ROOT, 'main.ts'), 'utf8');
  const consumerMain = main.replace(/from '\.\/lib';/, "from 'cdk8s-sglang-pd';");
  if (consumerMain === main) throw new Error("main.ts no longer imports from './lib'; update this test");
  fs.writeFileSync(path.join(app, 'main.ts'), consumerMain);
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, esModuleInterop: true, skipLibCheck: true, types: ['node'], outDir: 'js' },
    files: ['main.ts'],
  }, null, 2));
  run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
  run(process.execPath, [path.join('js', 'main.js')], app);

  // The README's consumer app, as committed, with the dependencies pointed at the tarball and
  // at this repository's node_modules; then `cdk8s synth` as its README says.
  consumer = path.join(work, 'consumer-app');
  fs.cpSync(CONSUMER_SRC, consumer, { recursive: true, filter: (src) => !/[/\\](node_modules|build|dist)$/.test(src) });
  const pkg = JSON.parse(fs.readFileSync(path.join(consumer, 'package.json'), 'utf8'));
  for (const deps of [pkg.dependencies, pkg.devDependencies]) {
    for (const name of Object.keys(deps)) deps[name] = name === REPO_PKG.name ? `file:${tarball}` : local(name);
  }
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify(pkg, null, 2));
  installOffline(consumer);
  run(path.join(consumer, 'node_modules', '.bin', 'cdk8s'), ['synth'], consumer);
});

afterAll(() => {
  if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  test('holds LICENSE, README, compiled JavaScript, declarations, the flag catalog and the generated imports, and no sources, tests or examples', () => {
    for (const f of [
      'LICENSE', 'package.json', 'README.md',
      'build/lib/index.js', 'build/lib/index.d.ts',
      'build/lib/serving/pd-serving-group.js', 'build/lib/serving/pd-serving-group.d.ts',
      'build/lib/sglang/flags.js', 'build/lib/sglang/flag-catalog.json',
      'build/imports/rbg-workloads.x-k8s.io.js', 'build/imports/rbgv06-workloads.x-k8s.io.js', 'build/imports/rbgv04-workloads.x-k8s.io.js',
    ]) {
      expect(files).toContain(f);
    }
    const unexpected = files.filter((f) => !/^build\/(lib\/.+\.(js|d\.ts|json)|imports\/[^/]+\.js)$/.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  test('LICENSE is the Apache License 2.0 that package.json names', () => {
    const text = fs.readFileSync(path.join(app, 'node_modules', REPO_PKG.name, 'LICENSE'), 'utf8');
    expect(REPO_PKG.license).toBe('Apache-2.0');
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
    expect(text).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });

  test('ships no script that npm runs on install (they would need files the tarball does not hold)', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', REPO_PKG.name, 'package.json'), 'utf8'));
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare', 'dependencies'];
    expect(Object.keys(installed.scripts ?? {}).filter((s) => lifecycle.includes(s))).toEqual([]);
    expect(REPO_PKG.scripts.build).toBeDefined(); // `npm run build` still builds, and `npm pack` runs it
    expect(REPO_PKG.scripts.prepack).toBe('npm run build');
  });

  test('the public declarations do not reference the generated imports (whose .d.ts are not shipped)', () => {
    const dts = files.filter((f) => f.endsWith('.d.ts'));
    expect(dts.length).toBeGreaterThan(5);
    for (const f of dts) {
      const text = fs.readFileSync(path.join(app, 'node_modules', REPO_PKG.name, f), 'utf8');
      expect({ file: f, importsImports: /from ['"][./]*imports\//.test(text) || /import\(['"][./]*imports\//.test(text) }).toEqual({ file: f, importsImports: false });
    }
  });

  test('cdk8s and constructs are the peer dependencies, resolved from the app, in range', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', REPO_PKG.name, 'package.json'), 'utf8'));
    expect(Object.keys(installed.peerDependencies ?? {}).sort()).toEqual(PEERS);
    expect(installed.dependencies ?? {}).toEqual({});
    expect(fs.existsSync(path.join(app, 'node_modules', REPO_PKG.name, 'node_modules'))).toBe(false);
    for (const p of PEERS) {
      const version = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', p, 'package.json'), 'utf8')).version;
      expect({ peer: p, version, inRange: semver.satisfies(version, installed.peerDependencies[p]) }).toEqual({ peer: p, version, inRange: true });
    }
  });
});

/** Every file of two folders, compared byte for byte. */
function expectSameFiles(produced: string, expected: string, names: string[]): void {
  const list = fs.readdirSync(produced).sort();
  expect(list).toEqual(fs.readdirSync(expected).sort());
  expect(list).toEqual(expect.arrayContaining(names));
  for (const f of list) {
    const identical = fs.readFileSync(path.join(produced, f)).equals(fs.readFileSync(path.join(expected, f)));
    expect({ file: f, identical }).toEqual({ file: f, identical: true });
  }
}

test("the installed package synthesizes main.ts's chart byte-identical to the in-repo app", () => {
  const outdir = path.join(work, 'in-repo');
  const repoApp = new App({ outdir });
  new SglangPdChart(repoApp, 'sglang-pd');
  synthesize(repoApp, { log: () => undefined });
  expectSameFiles(path.join(app, 'dist'), outdir, ['sglang-pd.k8s.yaml', 'capacity-report.md']);
});

describe('examples/consumer-app (the README consumer app)', () => {
  test('pins the versions this repository is tested with, TypeScript 5.9, and the tarball `npm pack` writes', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(CONSUMER_SRC, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({
      ...Object.fromEntries(PEERS.map((p) => [p, REPO_PKG.devDependencies[p]])),
      [REPO_PKG.name]: `file:../../${path.basename(tarball)}`,
    });
    expect(pkg.devDependencies).toEqual(Object.fromEntries(['@types/node', 'cdk8s-cli', 'typescript'].map((p) => [p, REPO_PKG.devDependencies[p]])));
    expect(pkg.devDependencies.typescript).toMatch(/^5\.9\.\d+$/);
    expect(pkg.scripts.synth).toBe('cdk8s synth');
  });

  test('`cdk8s synth` writes the manifests and the capacity report, strictly valid, in namespace llm', () => {
    const dist = path.join(consumer, 'dist');
    expect(fs.readdirSync(dist).sort()).toEqual(['capacity-report.md', 'serving.k8s.yaml']);
    const objs = parseAllDocuments(fs.readFileSync(path.join(dist, 'serving.k8s.yaml'), 'utf8')).map((d) => d.toJSON());
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PersistentVolume/llm-model', 'PersistentVolumeClaim/llm-model', 'RoleBasedGroup/sglang-pd', 'CoordinatedPolicy/sglang-pd', 'Service/sglang-pd',
      'NetworkPolicy/sglang-pd-router', 'NetworkPolicy/sglang-pd-prefill', 'NetworkPolicy/sglang-pd-decode',
    ]);
    expect(objs.filter((o) => o.kind !== 'PersistentVolume').map((o) => o.metadata.namespace)).toEqual(Array(7).fill('llm'));
    expect(validateManifests(objs)).toEqual([]);
  });

  test('its output is byte-identical to its main.ts run against ../lib', () => {
    const outdir = path.join(work, 'consumer-in-repo');
    const saved = process.env.CDK8S_OUTDIR;
    const log = jest.spyOn(process.stderr, 'write').mockImplementation(() => true); // the capacity table
    process.env.CDK8S_OUTDIR = outdir;
    try {
      // jest.config.js maps the package name to ../lib.
      jest.isolateModules(() => require(path.join(CONSUMER_SRC, 'main.ts')));
    } finally {
      log.mockRestore();
      if (saved === undefined) delete process.env.CDK8S_OUTDIR;
      else process.env.CDK8S_OUTDIR = saved;
    }
    expectSameFiles(path.join(consumer, 'dist'), outdir, ['serving.k8s.yaml', 'capacity-report.md']);
  });

  test('the README shows its main.ts as it is', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const main = fs.readFileSync(path.join(CONSUMER_SRC, 'main.ts'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${main}\`\`\``);
  });
});
