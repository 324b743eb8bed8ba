#!/usr/bin/env node
/**
 * Regenerates imports/ (the RoleBasedGroup L1 classes) from the controller releases' own CRDs.
 *
 *   npm run import:offline     from ../shared/rbg/<tag>/ (or $RBG_SOURCES/<tag>/)
 *   npm run import             from the pinned upstream URLs (needs network)
 *   node scripts/gen-imports.mjs --check    regenerates into a temporary folder and fails when
 *                                            imports/ differs
 *
 * For each target release, the CRD is checked against its pinned SHA-256, reduced to the one API
 * version the library emits for that release, stripped of every schema `description` (the
 * generated classes carry them as doc comments: most of their size and parse time) and of the
 * fields the library never writes (`unused` below), and handed
 * to the project's own cdk8s-cli (`cdk8s import NAME:=file.yaml`) in a temporary folder, offline
 * and without touching cdk8s.yaml. The output gets a first line naming the upstream tag.
 *
 * The table below is the single source of what is imported; cdk8s.yaml's `imports:` lists the
 * same pinned URLs and local files (checked here), for readers and for cdk8s tooling.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CRD_PATH = 'config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml';
const UPSTREAM = 'https://raw.githubusercontent.com/sgl-project/rbg';

/**
 * One generated module per RbgTarget family; `version` is the only API version it keeps. `unused`
 * are the fields of that version the library never writes, left out of the generated types: role
 * templates shared between roles (`spec.roleTemplates` and the `templateRef`/`templatePatch` that
 * point into them: each role gets its own pod template) and engine runtime profiles
 * (`roles[].engineRuntimes`). The first is a whole pod template's worth of types: without them the
 * v0.7 module is about a third smaller and loads about 4 ms faster on every synth. A path that
 * the CRD does not have fails the script.
 */
const TARGETS = [
  {
    name: 'rbg', tag: 'v0.7.0', version: 'v1alpha2', sha256: '2fee53e34680e43d88c1bb551c6cb2cf4b8519ec581d8f28f0d4e19f06532be6',
    unused: ['spec.roleTemplates', 'spec.roles[].engineRuntimes', 'spec.roles[].standalonePattern.templateRef', 'spec.roles[].leaderWorkerPattern.templateRef'],
  },
  {
    name: 'rbgv06', tag: 'v0.6.0', version: 'v1alpha1', sha256: '717301eddd5098f2afae2d27c5c5afcea54c826b36a0d2fe37fa4b302bdf2009',
    unused: ['spec.roleTemplates', 'spec.roles[].engineRuntimes', 'spec.roles[].templateRef', 'spec.roles[].templatePatch'],
  },
  {
    name: 'rbgv04', tag: 'v0.4.0', version: 'v1alpha1', sha256: '033409e77fd6202410aaf3acb4dcb30345a71abe62acb7156a1cc4fb7ba53506',
    unused: ['spec.roles[].engineRuntimes'],
  },
];
const GROUP = 'workloads.x-k8s.io';
const moduleFile = (t) => `${t.name}-${GROUP}.ts`;
const upstreamUrl = (t) => `${UPSTREAM}/${t.tag}/${CRD_PATH}`;
const DEFAULT_SOURCES = path.join('..', 'shared', 'rbg');
const localPath = (t, root = process.env.RBG_SOURCES ?? DEFAULT_SOURCES) => path.join(root, t.tag, CRD_PATH);

function fail(message) {
  process.stderr.write(`gen-imports: ${message}\n`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const upstream = argv.includes('--upstream');
const check = argv.includes('--check');
for (const a of argv) if (!['--upstream', '--check'].includes(a)) fail(`unknown option ${a}`);

/** The CRD's bytes, from the local release tree or the pinned URL, verified against `sha256`. */
async function readCrd(t) {
  let bytes;
  let from;
  if (upstream) {
    from = upstreamUrl(t);
    const res = await fetch(from);
    if (!res.ok) fail(`${from}: HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } else {
    from = path.resolve(ROOT, localPath(t));
    if (!fs.existsSync(from)) {
      fail(`${from} not found. Set RBG_SOURCES to a folder holding <tag>/${CRD_PATH} for ${TARGETS.map((x) => x.tag).join(', ')}, or run 'npm run import' (network).`);
    }
    bytes = fs.readFileSync(from);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== t.sha256) fail(`${from}: SHA-256 ${sha}, expected ${t.sha256} (the ${t.tag} release's CRD)`);
  return bytes.toString('utf8');
}

/** Deletes `description` from a JSON schema and every schema nested in it (not from property names). */
function stripDescriptions(schema) {
  if (Array.isArray(schema)) {
    for (const s of schema) stripDescriptions(s);
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  delete schema.description;
  for (const k of ['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf']) stripDescriptions(schema[k]);
  for (const k of ['properties', 'patternProperties']) {
    if (schema[k] && typeof schema[k] === 'object') for (const s of Object.values(schema[k])) stripDescriptions(s);
  }
}

/** Deletes the property at `dotted` (segments ending in `[]` step into array items) from `schema`. */
function dropField(t, schema, dotted) {
  const segments = dotted.split('.');
  let node = schema;
  for (const [i, seg] of segments.entries()) {
    const name = seg.replace(/\[\]$/, '');
    const props = node?.properties;
    if (props === undefined || !(name in props)) fail(`${t.tag}: the CRD has no ${segments.slice(0, i + 1).join('.')} (unused: ${dotted})`);
    if (i === segments.length - 1) {
      delete props[name];
      return;
    }
    node = seg.endsWith('[]') ? props[name].items : props[name];
  }
}

/** The CRD reduced to `t.version`, descriptions and `t.unused` fields stripped. */
function preprocess(t, text) {
  const crd = YAML.parse(text);
  if (crd?.kind !== 'CustomResourceDefinition' || crd.spec?.group !== GROUP || crd.spec?.names?.kind !== 'RoleBasedGroup') {
    fail(`${t.tag}: not the RoleBasedGroup CRD of ${GROUP}`);
  }
  const versions = crd.spec.versions.filter((v) => v.name === t.version);
  if (versions.length !== 1 || versions[0].served === false) fail(`${t.tag}: the CRD does not serve ${t.version}`);
  crd.spec.versions = versions;
  stripDescriptions(versions[0].schema.openAPIV3Schema);
  for (const dotted of t.unused) dropField(t, versions[0].schema.openAPIV3Schema, dotted);
  return YAML.stringify(crd, { lineWidth: 0 });
}

/** Runs the project's cdk8s-cli in `work` (no cdk8s.yaml there), writing NAME-*.ts to `out`. */
function cdk8sImport(work, out, specs) {
  const cli = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
  for (const spec of specs) {
    const r = spawnSync(process.execPath, [cli, 'import', '--language', 'typescript', '--output', out, '--no-save', '--no-check-upgrade', spec], {
      cwd: work,
      encoding: 'utf8',
    });
    if (r.status !== 0) fail(`cdk8s import ${spec} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
}

/** cdk8s.yaml must list exactly the table's pinned URLs and local files. */
function checkCdk8sYaml() {
  const config = YAML.parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
  const want = [...TARGETS.map((t) => `${t.name}:=${upstreamUrl(t)}`), ...TARGETS.map((t) => `${t.name}:=${localPath(t, DEFAULT_SOURCES)}`)];
  const have = config.imports ?? [];
  if (JSON.stringify(have) !== JSON.stringify(want)) fail(`cdk8s.yaml imports: must be\n${want.map((w) => `  - ${w}`).join('\n')}`);
}

async function main() {
  checkCdk8sYaml();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-imports-'));
  try {
    const out = path.join(work, 'imports');
    const specs = [];
    for (const t of TARGETS) {
      const file = path.join(work, `${t.name}.yaml`);
      fs.writeFileSync(file, preprocess(t, await readCrd(t)));
      specs.push(`${t.name}:=${file}`);
    }
    cdk8sImport(work, out, specs);
    let stale = false;
    for (const t of TARGETS) {
      const generated = path.join(out, moduleFile(t));
      if (!fs.existsSync(generated)) fail(`cdk8s import wrote no ${moduleFile(t)} (got ${fs.readdirSync(out).join(', ')})`);
      const header = `// RoleBasedGroup ${t.version} of sgl-project/rbg ${t.tag} (${CRD_PATH}), descriptions stripped, `
        + `without the fields the library never writes (${t.unused.join(', ')}). `
        + 'Generated by scripts/gen-imports.mjs (npm run import:offline); do not edit.\n';
      const text = header + fs.readFileSync(generated, 'utf8');
      const target = path.join(ROOT, 'imports', moduleFile(t));
      if (check) {
        if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== text) {
          process.stderr.write(`gen-imports: imports/${moduleFile(t)} is not what the script generates\n`);
          stale = true;
        }
      } else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
        process.stdout.write(`imports/${moduleFile(t)}: ${t.tag} ${t.version}, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB\n`);
      }
    }
    if (stale) fail('run npm run import:offline');
    if (check) process.stdout.write('gen-imports: imports/ is current\n');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
