#!/usr/bin/env node
// Derives the schemas the strict schema tests (test/schema/) validate against, and writes them as
// compact JSON to test/schema/data/, so that `npm test` needs nothing but the clone.
//
// Inputs (pinned; each input file is checked against the git blob hash of its upstream file):
// - CustomResourceDefinitions from ${SHARED:-../shared} (relative to the repo root): the
//   RoleBasedGroup CRD of each targeted RBG controller release (rbg/<tag>/config/crd/bases/) and
//   the add-on CRDs (crds/addons/). With --upstream DIR, each file is read instead from
//   DIR/<owner>/<repo>@<tag>/<path>: a checkout of the upstream repository at the pinned tag
//   (`git clone --branch <tag> https://github.com/<owner>/<repo> DIR/<owner>/<repo>@<tag>`).
// - The Kubernetes OpenAPI v3 documents (api/openapi-spec/v3/) of the k8s.io/kubernetes Go
//   module at the version scripts/e2e/apiserver/go.mod pins (the kube-apiserver the e2e runs),
//   located with `go mod download -json` in that module (the Go module cache, else the Go module
//   proxy; the download is checked against that module's go.sum). --k8s-openapi DIR reads the
//   documents from DIR instead (then the version is still the pinned one, but unverified).
//
// What is kept: each schema as the API server sees it (types, properties, required, enums,
// patterns, formats, defaults, bounds and every x-kubernetes-* extension, CEL rules included),
// with the documentation stripped (`description` of every schema node). Core schemas keep only
// the definitions reachable from the kinds listed in CORE_KINDS.
//
//   node scripts/gen-schemas.mjs           write test/schema/data/
//   node scripts/gen-schemas.mjs --check   exit 1 if test/schema/data/ differs from what the
//                                          inputs give (exit 2 if an input is missing)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repoRoot, 'test', 'schema', 'data');
const e2eModule = join(repoRoot, 'scripts', 'e2e', 'apiserver');

/**
 * The CRDs. `shared` is the file under ../shared; `repo`/`tag`/`commit`/`path` name the upstream
 * file it is a copy of, `blob` its git blob hash (`git hash-object`). `versions` are the served
 * versions to keep; `release` marks a RoleBasedGroup CRD of one RBG controller release.
 */
const CRDS = [
  {
    release: 'v0.4', shared: 'rbg/v0.4.0/config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml',
    repo: 'sgl-project/rbg', tag: 'v0.4.0', commit: '849757e3d8629d4d96e6653c480aca5a72334d04',
    path: 'config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml', blob: 'c282578e6c25bfe73761050fd98498ba1839ed1d',
    versions: ['v1alpha1'],
  },
  {
    release: 'v0.6', shared: 'rbg/v0.6.0/config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml',
    repo: 'sgl-project/rbg', tag: 'v0.6.0', commit: 'd2cebcf2d5e9efbae26b71f6b93811e04dac22d8',
    path: 'config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml', blob: '17111ae9de2933cff8eb5264d6a42f725228ac07',
    versions: ['v1alpha1'],
  },
  {
    release: 'v0.7', shared: 'rbg/v0.7.0/config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml',
    repo: 'sgl-project/rbg', tag: 'v0.7.0', commit: '01df6fc39e3e979b4adade9ceef16d9fdaa3b48e',
    path: 'config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml', blob: '0dce6c1b22ea6bdbe46d1055af33db9f7bacec93',
    versions: ['v1alpha2'],
  },
  {
    // Lockstep rollout of RBG v0.7 targets (read by that controller only when named like the group).
    shared: 'rbg/v0.7.0/config/crd/bases/workloads.x-k8s.io_coordinatedpolicies.yaml',
    repo: 'sgl-project/rbg', tag: 'v0.7.0', commit: '01df6fc39e3e979b4adade9ceef16d9fdaa3b48e',
    path: 'config/crd/bases/workloads.x-k8s.io_coordinatedpolicies.yaml', blob: '9115a74afd5ecd98f3fad795b380f5c9f27b986a',
    versions: ['v1alpha2'],
  },
  {
    shared: 'crds/addons/monitoring.coreos.com_podmonitors.yaml',
    repo: 'prometheus-operator/prometheus-operator', tag: 'v0.93.0', commit: 'f8fafd475f3d132e239432ae6172de60a6cb6516',
    path: 'example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml', blob: '5c1bde3d4a5f3131fd6c148ab933193b867173f2',
    versions: ['v1'],
  },
  {
    shared: 'crds/addons/monitoring.coreos.com_servicemonitors.yaml',
    repo: 'prometheus-operator/prometheus-operator', tag: 'v0.93.0', commit: 'f8fafd475f3d132e239432ae6172de60a6cb6516',
    path: 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml', blob: 'f5736255990a0e152851fadb55f84d6fd0f91d87',
    versions: ['v1'],
  },
  {
    shared: 'crds/addons/inference.networking.k8s.io_inferencepools.yaml',
    repo: 'kubernetes-sigs/gateway-api-inference-extension', tag: 'v1.6.0', commit: '992e5c292afb248801ce8d9234eb5b9d28eea231',
    path: 'config/crd/bases/inference.networking.k8s.io_inferencepools.yaml', blob: '99b47edc6726e4ad5a8ec6b91287a1c2acb54246',
    versions: ['v1'],
  },
  {
    shared: 'crds/addons/inference.networking.x-k8s.io_inferencepools.yaml',
    repo: 'kubernetes-sigs/gateway-api-inference-extension', tag: 'v1.4.0', commit: '6e787dd396f0228c31cf6fc5187a13c6b4991a0b',
    path: 'config/crd/bases/inference.networking.x-k8s.io_inferencepools.yaml', blob: '9ee8a9b495cb172cbc3b4a8c75e786b91a695309',
    versions: ['v1alpha2'],
  },
  {
    shared: 'crds/addons/gateway.networking.k8s.io_httproutes.yaml',
    repo: 'kubernetes-sigs/gateway-api', tag: 'v1.6.1', commit: '8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3',
    path: 'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml', blob: '32145881f43cbc528911e5640ee37af75e06d9d7',
    versions: ['v1'],
  },
  ...['datasets', 'jindoruntimes', 'dataloads'].map((plural) => ({
    shared: `crds/addons/data.fluid.io_${plural}.yaml`,
    repo: 'fluid-cloudnative/fluid', tag: 'v1.0.8', commit: 'de578cd23c56a83b527ac00586ab1659cf460f68',
    path: `charts/fluid/fluid/crds/data.fluid.io_${plural}.yaml`,
    blob: { datasets: 'b86a95a77cc309643acd52a1eb29073a7a2b7553', jindoruntimes: 'a6f2bf3a5cf8dd06ff23681b20b5f29f48ad1afa', dataloads: '3cd1cb1983ded3dc786f9176528318da04a45ed5' }[plural],
    versions: ['v1alpha1'],
  })),
];

/** Core definitions to keep (with everything they reference), by OpenAPI v3 document. */
const CORE_KINDS = {
  'api__v1_openapi.json': [
    'io.k8s.api.core.v1.Service', 'io.k8s.api.core.v1.PersistentVolume', 'io.k8s.api.core.v1.PersistentVolumeClaim',
    'io.k8s.api.core.v1.Secret', 'io.k8s.api.core.v1.ServiceAccount', 'io.k8s.api.core.v1.ConfigMap',
    'io.k8s.api.core.v1.Pod', 'io.k8s.api.core.v1.PodTemplateSpec',
  ],
  'apis__apps__v1_openapi.json': ['io.k8s.api.apps.v1.Deployment'],
  'apis__autoscaling__v2_openapi.json': ['io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'],
  'apis__networking.k8s.io__v1_openapi.json': ['io.k8s.api.networking.v1.NetworkPolicy'],
  'apis__rbac.authorization.k8s.io__v1_openapi.json': ['io.k8s.api.rbac.v1.Role', 'io.k8s.api.rbac.v1.RoleBinding'],
};
const K8S_MODULE = 'k8s.io/kubernetes';
const K8S_OPENAPI_DIR = 'api/openapi-spec/v3';

class MissingInput extends Error {}

function parseArgs(argv) {
  const opts = { check: false, shared: resolve(repoRoot, process.env.SHARED ?? '../shared'), upstream: undefined, k8sOpenapi: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return resolve(argv[++i]);
    };
    if (a === '--check') opts.check = true;
    else if (a === '--shared') opts.shared = value();
    else if (a === '--upstream') opts.upstream = value();
    else if (a === '--k8s-openapi') opts.k8sOpenapi = value();
    else throw new Error(`unknown argument ${a} (see the header of scripts/gen-schemas.mjs)`);
  }
  return opts;
}

function gitBlobHash(bytes) {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function readCrdSource(src, opts) {
  const file = opts.upstream ? join(opts.upstream, `${src.repo}@${src.tag}`, src.path) : join(opts.shared, src.shared);
  if (!existsSync(file)) throw new MissingInput(`missing input ${file} (${src.repo} ${src.tag}:${src.path})`);
  const bytes = readFileSync(file);
  const blob = gitBlobHash(bytes);
  if (blob !== src.blob) {
    throw new Error(`${file} is not ${src.repo} ${src.tag}:${src.path}: git blob ${blob}, pinned ${src.blob}`);
  }
  return bytes.toString('utf8');
}

const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];

/** A copy of a schema node without documentation; property maps are walked, not stripped. */
function stripDocs(node) {
  if (Array.isArray(node)) return node.map(stripDocs);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description') continue;
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, c]) => [p, stripDocs(c)]));
    } else if (k === 'items' || k === 'not' || (k === 'additionalProperties' && typeof v === 'object')) {
      out[k] = stripDocs(v);
    } else if (SUBSCHEMA_LISTS.includes(k)) {
      out[k] = v.map(stripDocs);
    } else {
      out[k] = v; // values (enum, default, x-kubernetes-validations, ...) are kept as they are
    }
  }
  return out;
}

function crdEntries(opts) {
  const files = [];
  for (const src of CRDS) {
    const doc = parseYaml(readCrdSource(src, opts), { uniqueKeys: false });
    if (doc?.kind !== 'CustomResourceDefinition' || doc.apiVersion !== 'apiextensions.k8s.io/v1') {
      throw new Error(`${src.shared} is not an apiextensions.k8s.io/v1 CustomResourceDefinition`);
    }
    const { group, names, scope } = doc.spec;
    for (const version of src.versions) {
      const v = doc.spec.versions.find((x) => x.name === version);
      if (!v) throw new Error(`${src.shared} has no version ${version}`);
      if (!v.served) throw new Error(`${src.shared} does not serve ${version}`);
      const name = `crd/${group}/${names.kind}.${version}@${src.tag}.json`;
      files.push([name, {
        source: { repo: src.repo, tag: src.tag, commit: src.commit, path: src.path, blob: src.blob },
        ...(src.release ? { rbgRelease: src.release } : {}),
        group, kind: names.kind, plural: names.plural, scope, version,
        storage: v.storage === true, ...(v.deprecated ? { deprecated: true } : {}),
        schema: stripDocs(v.schema.openAPIV3Schema),
      }]);
    }
  }
  return files;
}

/** Version of k8s.io/kubernetes the e2e module pins, and the OpenAPI folder of that module. */
function k8sOpenapi(opts) {
  const goMod = readFileSync(join(e2eModule, 'go.mod'), 'utf8');
  const m = new RegExp(`^\\s*${K8S_MODULE.replace(/\./g, '\\.')} (v\\S+)`, 'm').exec(goMod);
  if (!m) throw new Error(`${relative(repoRoot, e2eModule)}/go.mod does not require ${K8S_MODULE}`);
  const version = m[1];
  const goSum = readFileSync(join(e2eModule, 'go.sum'), 'utf8');
  const sum = new RegExp(`^${K8S_MODULE.replace(/\./g, '\\.')} ${version.replace(/\./g, '\\.')} (h1:\\S+)$`, 'm').exec(goSum)?.[1];
  if (!sum) throw new Error(`${relative(repoRoot, e2eModule)}/go.sum has no hash of ${K8S_MODULE} ${version}`);
  if (opts.k8sOpenapi) return { version, sum, dir: opts.k8sOpenapi, verified: false };
  let info;
  try {
    info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', K8S_MODULE], {
      cwd: e2eModule, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOFLAGS: '-mod=mod' },
    }));
  } catch (e) {
    const why = e.code === 'ENOENT' ? 'go is not installed' : `${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`;
    throw new MissingInput(`cannot get ${K8S_MODULE}@${version} with \`go mod download\` (${why})`);
  }
  if (info.Version !== version || info.Sum !== sum) {
    throw new Error(`go mod download gave ${K8S_MODULE} ${info.Version} ${info.Sum}, go.sum pins ${version} ${sum}`);
  }
  return { version, sum, dir: join(info.Dir, K8S_OPENAPI_DIR), verified: true };
}

function coreEntry(opts) {
  const k8s = k8sOpenapi(opts);
  const definitions = {};
  const kinds = {};
  const from = {};
  for (const [file, roots] of Object.entries(CORE_KINDS)) {
    const path = join(k8s.dir, file);
    if (!existsSync(path)) throw new MissingInput(`missing input ${path}`);
    const schemas = JSON.parse(readFileSync(path, 'utf8')).components.schemas;
    const visit = (name) => {
      const def = schemas[name];
      if (!def) throw new Error(`${file} has no schema ${name}`);
      const stripped = stripDocs(def);
      if (definitions[name] !== undefined) {
        if (JSON.stringify(definitions[name]) !== JSON.stringify(stripped)) throw new Error(`${name} differs between ${from[name]} and ${file}`);
        return;
      }
      definitions[name] = stripped;
      from[name] = file;
      JSON.stringify(def, (k, v) => {
        if (k === '$ref') visit(v.replace(/^#\/components\/schemas\//, ''));
        return v;
      });
    };
    for (const root of roots) {
      visit(root);
      for (const gvk of schemas[root]['x-kubernetes-group-version-kind'] ?? []) {
        kinds[`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`] = root;
      }
    }
  }
  const sorted = Object.fromEntries(Object.keys(definitions).sort().map((k) => [k, definitions[k]]));
  return [`core/kubernetes@${k8s.version}.json`, {
    source: {
      module: K8S_MODULE, version: k8s.version, sum: k8s.sum, path: K8S_OPENAPI_DIR,
      files: Object.keys(CORE_KINDS), pinnedBy: 'scripts/e2e/apiserver/go.mod',
    },
    kinds: Object.fromEntries(Object.keys(kinds).sort().map((k) => [k, kinds[k]])),
    components: { schemas: sorted },
  }];
}

function generate(opts) {
  const files = [...crdEntries(opts), coreEntry(opts)];
  const index = {
    generatedBy: 'scripts/gen-schemas.mjs (npm run gen:schemas); do not edit',
    crds: files.filter(([n]) => n.startsWith('crd/')).map(([file, d]) => ({
      file, group: d.group, kind: d.kind, version: d.version, ...(d.rbgRelease ? { rbgRelease: d.rbgRelease } : {}),
      source: `${d.source.repo}@${d.source.tag}`,
    })),
    core: files.filter(([n]) => n.startsWith('core/')).map(([file, d]) => ({ file, source: `${d.source.module}@${d.source.version}`, kinds: Object.keys(d.kinds) })),
  };
  return new Map([['index.json', index], ...files].map(([n, d]) => [n, `${JSON.stringify(d)}\n`]));
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))]));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  let files;
  try {
    files = generate(opts);
  } catch (e) {
    if (!(e instanceof MissingInput)) throw e;
    process.stderr.write(`gen-schemas: ${e.message}\nThe inputs are ../shared (or SHARED=DIR, or --upstream DIR) and Go with the Go module cache or proxy (or --k8s-openapi DIR).\n`);
    process.exit(2);
  }
  const existing = listFiles(outDir).sort();
  if (opts.check) {
    const stale = [...files.keys()].filter((n) => !existsSync(join(outDir, n)) || readFileSync(join(outDir, n), 'utf8') !== files.get(n));
    const extra = existing.filter((n) => !files.has(n));
    if (stale.length > 0 || extra.length > 0) {
      process.stderr.write(`gen-schemas: test/schema/data/ is stale; run npm run gen:schemas\n${stale.map((n) => `  differs: ${n}\n`).join('')}${extra.map((n) => `  not generated: ${n}\n`).join('')}`);
      process.exit(1);
    }
    process.stdout.write(`gen-schemas: test/schema/data/ is up to date (${files.size} files)\n`);
    return;
  }
  for (const n of existing) if (!files.has(n)) rmSync(join(outDir, n));
  for (const [n, text] of files) {
    mkdirSync(dirname(join(outDir, n)), { recursive: true });
    writeFileSync(join(outDir, n), text);
  }
  process.stdout.write(`gen-schemas: wrote ${files.size} files to test/schema/data/\n`);
}

main();
