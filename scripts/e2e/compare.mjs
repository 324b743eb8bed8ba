#!/usr/bin/env node
// Helper of scripts/e2e/run.sh: reads manifest directories the way `kubectl -f DIR`
// does (the *.yaml, *.yml and *.json files directly in DIR, multi-document YAML)
// and checks them against what the API server stored.
//
//   node compare.mjs inspect DIR
//       key=value lines: files, objects, rbg_target (v0.4 | v0.6 | current | none),
//       kinds (comma list of group/Kind, core group empty).
//   node compare.mjs prepare SRC_DIR DST_DIR NAMESPACE CLUSTER_SCOPED
//       copies SRC_DIR to DST_DIR with metadata.namespace = NAMESPACE on every
//       namespaced object (CLUSTER_SCOPED: comma list of group/Kind, core group empty).
//   node compare.mjs readback DIR SERVER_LIST_JSON
//       every leaf of every local object must be present and equal in the server's
//       copy (`kubectl get -f DIR -o json`), up to the normalizations listed below.
//   node compare.mjs schema DIR CRD_LIST_JSON
//       every field of every custom resource must be declared in the installed CRD's
//       schema for its version (`kubectl get crd -o json`). This catches what the
//       server keeps without complaint where a CRD marks a subtree
//       x-kubernetes-preserve-unknown-fields (RBG: spec.roles).
//
// Per object it prints `PASS <check> <ref>` or `FAIL <check> <ref>` plus one indented line
// per problem, and last `RESULT passed=P failed=F`. Exit code: 0 if F = 0, 1 if F > 0,
// 2 on usage or input errors.
//
// Normalizations allowed by `readback` (each keeps the meaning of the manifest):
//   N1 a local null is "unset" and is not checked (e.g. creationTimestamp: null).
//   N2 a local empty map, list or string may be absent or null on the server
//      (Go's omitempty drops them); a non-empty server value is still compared.
//   N3 resource quantities, only under .resources.limits/.requests, .capacity, .hard,
//      .overhead, .allocatable and emptyDir.sizeLimit, compare by exact value:
//      8 == "8", "0.5" == "500m", "1Gi" == "1024Mi"; numbers anywhere else
//      must match in type and value.
//   N4 Secret stringData.K is stored as data.K = base64(K): compared that way.
//   N5 server lists may be longer only at metadata.finalizers (admission adds
//      kubernetes.io/pv-protection and pvc-protection); elsewhere lengths must match.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { parseAllDocuments } from 'yaml';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function usage(msg) {
  if (msg) process.stderr.write(`compare.mjs: ${msg}\n`);
  process.stderr.write('usage: compare.mjs inspect DIR | prepare SRC DST NS CLUSTER_SCOPED | readback DIR SERVER_JSON | schema DIR CRD_JSON\n');
  process.exit(2);
}

function manifestFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch (e) {
    usage(`cannot read directory ${dir}: ${e.message}`);
  }
  return entries
    .filter((f) => MANIFEST_EXTENSIONS.has(extname(f)) && statSync(join(dir, f)).isFile())
    .sort();
}

// Returns [{file, index, doc (yaml Document or null for JSON), obj}] for every non-empty document.
function loadDir(dir) {
  const out = [];
  for (const file of manifestFiles(dir)) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (extname(file) === '.json') {
      let obj;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        usage(`${file}: invalid JSON: ${e.message}`);
      }
      const items = obj && obj.kind && /List$/.test(obj.kind) && Array.isArray(obj.items) ? obj.items : [obj];
      items.forEach((o, index) => out.push({ file, index, doc: null, obj: o }));
      continue;
    }
    const docs = parseAllDocuments(text);
    docs.forEach((doc, index) => {
      if (doc.errors.length) usage(`${file}: YAML document ${index + 1}: ${doc.errors[0].message}`);
      const obj = doc.toJS({ maxAliasCount: -1 });
      if (obj === null || obj === undefined) return;
      if (obj.kind && /List$/.test(obj.kind) && Array.isArray(obj.items)) {
        obj.items.forEach((o, i) => out.push({ file, index: `${index}.${i}`, doc: null, obj: o }));
      } else {
        out.push({ file, index, doc, obj });
      }
    });
  }
  return out;
}

const groupOf = (apiVersion) => (String(apiVersion || '').includes('/') ? apiVersion.split('/')[0] : '');
const versionOf = (apiVersion) => String(apiVersion || '').split('/').pop();
const refOf = (o) => {
  const m = o.metadata || {};
  const ns = m.namespace ? `${m.namespace}/` : '';
  return `${o.kind}.${groupOf(o.apiVersion) || 'core'}/${ns}${m.name ?? '(no name)'}`;
};
const keyOf = (o) => [groupOf(o.apiVersion), o.kind, o.metadata?.namespace || '', o.metadata?.name || ''].join('|');

// ---------------------------------------------------------------- inspect
const RBG_GROUP = 'workloads.x-k8s.io';
function rbgTargetOf(obj) {
  const ann = obj.metadata?.annotations || {};
  const key = Object.keys(ann).find((k) => k.endsWith('/rbg-target'));
  const version = versionOf(obj.apiVersion);
  if (key === undefined) {
    if (version === 'v1alpha1') {
      process.stderr.write(
        `compare.mjs: ${refOf(obj)} is v1alpha1 without an rbg-target annotation: using the current CRD (v1alpha1 served there, deprecated); annotate it (e.g. sglang-pd.dev/rbg-target: v0.4) to pick another\n`,
      );
    }
    return 'current';
  }
  const m = /^v?0\.(\d+)/.exec(String(ann[key]));
  if (!m) usage(`${refOf(obj)}: annotation ${key}=${ann[key]} is not a release like v0.4, v0.6, v0.7`);
  const minor = Number(m[1]);
  if (minor === 4) return 'v0.4';
  if (minor === 6) return 'v0.6';
  if (minor >= 7) return 'current';
  usage(`${refOf(obj)}: annotation ${key}=${ann[key]}: no CRD file for that release (have v0.4, v0.6, current = v0.8)`);
}

function inspect(dir) {
  const objs = loadDir(dir);
  const targets = new Set();
  for (const { obj } of objs) {
    if (obj.kind === 'RoleBasedGroup' && groupOf(obj.apiVersion) === RBG_GROUP) {
      const t = rbgTargetOf(obj);
      if ((t === 'v0.4' || t === 'v0.6') && versionOf(obj.apiVersion) !== 'v1alpha1') {
        usage(`${refOf(obj)}: rbg-target ${t} but apiVersion ${obj.apiVersion}: the ${t} CRD serves only v1alpha1`);
      }
      targets.add(t);
    }
  }
  if (targets.size > 1) usage(`${dir}: RoleBasedGroups need different CRDs (${[...targets].join(', ')}): split them into separate directories`);
  console.log(`files=${manifestFiles(dir).length}`);
  console.log(`objects=${objs.length}`);
  console.log(`rbg_target=${targets.size ? [...targets][0] : 'none'}`);
  console.log(`kinds=${[...new Set(objs.map(({ obj }) => `${groupOf(obj.apiVersion)}/${obj.kind}`))].sort().join(',')}`);
}

// ---------------------------------------------------------------- prepare
function prepare(src, dst, namespace, clusterScopedList) {
  const clusterScoped = new Set(clusterScopedList.split(',').filter(Boolean));
  mkdirSync(dst, { recursive: true });
  const namespaced = (o) => !clusterScoped.has(`${groupOf(o.apiVersion)}/${o.kind}`);
  for (const file of manifestFiles(src)) {
    const text = readFileSync(join(src, file), 'utf8');
    let outText;
    if (extname(file) === '.json') {
      const obj = JSON.parse(text);
      const items = obj && obj.kind && /List$/.test(obj.kind) && Array.isArray(obj.items) ? obj.items : [obj];
      for (const o of items) if (o && namespaced(o)) (o.metadata ??= {}).namespace = namespace;
      outText = JSON.stringify(obj, null, 2) + '\n';
    } else {
      const docs = parseAllDocuments(text);
      for (const doc of docs) {
        const o = doc.toJS({ maxAliasCount: -1 });
        if (!o || typeof o !== 'object') continue;
        if (o.kind && /List$/.test(o.kind) && Array.isArray(o.items)) {
          o.items.forEach((item, i) => {
            if (item && namespaced(item)) doc.setIn(['items', i, 'metadata', 'namespace'], namespace);
          });
        } else if (namespaced(o)) {
          doc.setIn(['metadata', 'namespace'], namespace);
        }
      }
      outText = docs.map((d) => d.toString({ lineWidth: 0 })).join('---\n');
    }
    writeFileSync(join(dst, file), outText);
  }
  // The copy is what gets applied and compared: prove it says what the original says.
  const before = loadDir(src);
  const after = loadDir(dst);
  const same =
    before.length === after.length &&
    before.every(({ obj }, i) => {
      const expect = structuredClone(obj);
      if (expect && namespaced(expect)) (expect.metadata ??= {}).namespace = namespace;
      return JSON.stringify(canonical(expect)) === JSON.stringify(canonical(after[i].obj));
    });
  if (!same) usage(`prepare: the copy of ${src} in ${dst} differs from the original beyond metadata.namespace`);
}
const canonical = (v) =>
  Array.isArray(v)
    ? v.map(canonical)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
      : v;

// ---------------------------------------------------------------- quantities
const QUANTITY_RE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const DECIMAL_EXP = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXP = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
// Exact value as a fraction [numerator, denominator] of BigInts, or null if not a quantity.
function parseQuantity(v) {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    v = String(v).replace('e+', 'e');
  }
  if (typeof v !== 'string') return null;
  const m = QUANTITY_RE.exec(v.trim());
  if (!m) return null;
  let [, mantissa, exponent, suffix] = m;
  const negative = mantissa.startsWith('-');
  mantissa = mantissa.replace(/^[+-]/, '');
  const [intPart, fracPart = ''] = mantissa.split('.');
  let num = BigInt((intPart || '0') + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  if (negative) num = -num;
  let exp10 = 0;
  if (exponent) exp10 = Number(exponent.slice(1));
  else if (suffix && suffix in BINARY_EXP) num *= 2n ** BigInt(BINARY_EXP[suffix]);
  else exp10 = DECIMAL_EXP[suffix || ''];
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den *= 10n ** BigInt(-exp10);
  return [num, den];
}
const quantitiesEqual = (a, b) => {
  const qa = parseQuantity(a);
  const qb = parseQuantity(b);
  return qa !== null && qb !== null && qa[0] * qb[1] === qb[0] * qa[1];
};
// Path patterns (arrays of keys, '*' = any one key) whose leaves are quantities.
const QUANTITY_PATHS = [
  ['resources', 'limits', '*'],
  ['resources', 'requests', '*'],
  ['capacity', '*'],
  ['hard', '*'],
  ['overhead', '*'],
  ['allocatable', '*'],
  ['emptyDir', 'sizeLimit'],
];
function isQuantityPath(path) {
  return QUANTITY_PATHS.some((pat) => {
    if (path.length < pat.length) return false;
    const tail = path.slice(path.length - pat.length);
    return tail.every((k, i) => typeof k === 'string' && (pat[i] === '*' || pat[i] === k));
  });
}

// ---------------------------------------------------------------- readback
const fmtPath = (path) =>
  path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p) ? `.${p}` : `["${p}"]`)).join('') || '.';
const show = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 120 ? s.slice(0, 117) + '...' : s;
};
const isEmpty = (v) => v === '' || (Array.isArray(v) && v.length === 0) || (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
const YAML11_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF']);

function compareTree(local, server, path, problems, stats) {
  if (local === null || local === undefined) return; // N1
  if (isEmpty(local) && (server === undefined || server === null)) {
    stats.leaves++; // N2
    return;
  }
  if (server === undefined || server === null) {
    problems.push(`MISSING ${fmtPath(path)} (local ${show(local)})`);
    return;
  }
  if (Array.isArray(local)) {
    if (!Array.isArray(server)) {
      problems.push(`CHANGED ${fmtPath(path)}: local is a list, server has ${show(server)}`);
      return;
    }
    const finalizers = path.length === 2 && path[0] === 'metadata' && path[1] === 'finalizers'; // N5
    if (server.length !== local.length && !(finalizers && server.length > local.length)) {
      problems.push(`CHANGED ${fmtPath(path)}: ${local.length} items locally, ${server.length} on the server`);
    }
    local.forEach((item, i) => compareTree(item, server[i], [...path, i], problems, stats));
    return;
  }
  if (typeof local === 'object') {
    if (typeof server !== 'object' || Array.isArray(server)) {
      problems.push(`CHANGED ${fmtPath(path)}: local is a map, server has ${show(server)}`);
      return;
    }
    for (const [k, v] of Object.entries(local)) compareTree(v, server[k], [...path, k], problems, stats);
    return;
  }
  stats.leaves++;
  if (local === server) return;
  if (isQuantityPath(path) && quantitiesEqual(local, server)) return; // N3
  let hint = '';
  if (typeof local === 'string' && typeof server === 'boolean' && YAML11_BOOLS.has(local)) hint = ' (YAML 1.1 boolean: quote it)';
  problems.push(`CHANGED ${fmtPath(path)}: local ${show(local)}, server ${show(server)}${hint}`);
}

function secretForCompare(obj) {
  // N4: stringData is write-only; the server folds it into data as base64.
  if (obj.kind !== 'Secret' || groupOf(obj.apiVersion) !== '' || !obj.stringData) return obj;
  const copy = structuredClone(obj);
  copy.data = { ...(copy.data || {}) };
  for (const [k, v] of Object.entries(copy.stringData)) copy.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  delete copy.stringData;
  return copy;
}

function readJsonList(file, what) {
  let list;
  try {
    list = JSON.parse(readFileSync(file, 'utf8') || '{}');
  } catch (e) {
    usage(`${file}: not the JSON of ${what}: ${e.message}`);
  }
  if (Array.isArray(list.items)) return list.items;
  return list.kind ? [list] : [];
}

function readback(dir, serverFile) {
  const server = new Map();
  for (const o of readJsonList(serverFile, 'kubectl get -o json')) server.set(keyOf(o), o);
  let passed = 0;
  let failed = 0;
  for (const { file, obj } of loadDir(dir)) {
    const ref = refOf(obj);
    let got = server.get(keyOf(obj));
    if (!got) {
      // No namespace locally (applied with `kubectl -n NS`), or a namespace on a cluster-scoped
      // object (the server drops it: reported below as MISSING .metadata.namespace).
      const noNs = (o) => keyOf({ ...o, metadata: { ...o.metadata, namespace: '' } });
      const same = [...server.values()].filter((o) => noNs(o) === noNs(obj));
      if (same.length === 1) got = same[0];
    }
    const problems = [];
    const stats = { leaves: 0 };
    if (!got) problems.push('MISSING the whole object: not returned by the server');
    else compareTree(secretForCompare(obj), got, [], problems, stats);
    if (got && obj.metadata?.namespace && !got.metadata?.namespace) {
      const i = problems.findIndex((p) => p.startsWith('MISSING .metadata.namespace '));
      if (i >= 0) problems[i] += ': the kind is cluster-scoped, so the server drops metadata.namespace';
    }
    if (problems.length === 0) {
      passed++;
      console.log(`PASS readback ${ref} (${stats.leaves} fields, ${file})`);
    } else {
      failed++;
      console.log(`FAIL readback ${ref} (${file})`);
      for (const p of problems) console.log(`    ${p}`);
    }
  }
  console.log(`RESULT passed=${passed} failed=${failed}`);
  return failed;
}

// ---------------------------------------------------------------- schema
// Walks a value against a structural schema and reports keys that the schema does not declare.
// A node with `properties` declares its keys (x-kubernetes-preserve-unknown-fields on a parent
// list, as on RBG spec.roles, does not make them free-form here). A node without properties is
// free-form (preserve-unknown-fields, int-or-string, embedded raw) unless it has additionalProperties.
function schemaWalk(value, schema, path, problems, stats) {
  if (value === null || value === undefined || !schema || typeof schema !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => schemaWalk(v, schema.items, [...path, i], problems, stats));
    return;
  }
  if (typeof value !== 'object') {
    stats.leaves++;
    return;
  }
  const props = schema.properties;
  const addl = schema.additionalProperties;
  for (const [k, v] of Object.entries(value)) {
    if (props && Object.prototype.hasOwnProperty.call(props, k)) {
      schemaWalk(v, props[k], [...path, k], problems, stats);
    } else if (addl && typeof addl === 'object') {
      schemaWalk(v, addl, [...path, k], problems, stats);
    } else if (props || addl === false) {
      problems.push(`UNKNOWN ${fmtPath([...path, k])}: not declared in the CRD schema`);
    } else {
      stats.leaves++; // free-form subtree
    }
  }
}

function schemaCheck(dir, crdFile) {
  const crds = new Map();
  for (const crd of readJsonList(crdFile, 'kubectl get crd -o json')) {
    crds.set(`${crd.spec.group}/${crd.spec.names.kind}`, crd);
  }
  let passed = 0;
  let failed = 0;
  for (const { file, obj } of loadDir(dir)) {
    const crd = crds.get(`${groupOf(obj.apiVersion)}/${obj.kind}`);
    if (!crd) continue; // built-in kinds: the server's strict field validation covers them
    const ref = refOf(obj);
    const problems = [];
    const stats = { leaves: 0 };
    const version = crd.spec.versions.find((v) => v.name === versionOf(obj.apiVersion));
    if (!version) problems.push(`CRD ${crd.metadata.name} does not serve ${versionOf(obj.apiVersion)}`);
    else {
      const root = version.schema?.openAPIV3Schema || {};
      // metadata of the object itself is ObjectMeta, validated strictly by the server.
      const { metadata, ...rest } = obj;
      schemaWalk(rest, { ...root, properties: { ...root.properties, apiVersion: {}, kind: {} } }, [], problems, stats);
    }
    if (problems.length === 0) {
      passed++;
      console.log(`PASS schema ${ref} (${stats.leaves} fields against ${crd.metadata.name} ${versionOf(obj.apiVersion)}, ${file})`);
    } else {
      failed++;
      console.log(`FAIL schema ${ref} (${file})`);
      for (const p of problems) console.log(`    ${p}`);
    }
  }
  console.log(`RESULT passed=${passed} failed=${failed}`);
  return failed;
}

// ---------------------------------------------------------------- main
const [cmd, ...args] = process.argv.slice(2);
switch (cmd) {
  case 'inspect':
    if (args.length !== 1) usage();
    inspect(args[0]);
    break;
  case 'prepare':
    if (args.length !== 4) usage();
    prepare(...args);
    break;
  case 'readback':
    if (args.length !== 2) usage();
    process.exitCode = readback(...args) ? 1 : 0;
    break;
  case 'schema':
    if (args.length !== 2) usage();
    process.exitCode = schemaCheck(...args) ? 1 : 0;
    break;
  default:
    usage(cmd ? `unknown command ${cmd}` : undefined);
}
