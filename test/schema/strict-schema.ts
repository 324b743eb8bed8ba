/**
 * Strict schema validation of synthesized manifests, as the API server would apply it.
 *
 * - Custom resources are checked against the `openAPIV3Schema` of the upstream CRD, read at test
 *   time from `$SHARED_CRDS` (default `<repo>/../shared/crds`; the files are never copied into the
 *   repo). A RoleBasedGroup is checked against the CRD of the controller release named by its
 *   `cdk8s-sglang-pd/rbg-target` annotation: v0.4 -> `rbg-v0.4-rolebasedgroups.yaml` (v1alpha1),
 *   v0.6 -> `rbg-v0.6-rolebasedgroups.yaml` (v1alpha1), v0.7 -> `workloads.x-k8s.io_rolebasedgroups.yaml`
 *   (v1alpha2). Other kinds are looked up by group/kind/version in the CRD folder and `addons/`.
 * - Core objects (Service, PersistentVolume, ...) are checked by the validators that the
 *   `kubernetes-models` package compiled from the Kubernetes OpenAPI spec.
 *
 * Strictness (a field the schema does not declare is an error, because the API server prunes it
 * or rejects it under strict field validation):
 * - CRD schemas are rewritten before Ajv compiles them: every object schema without
 *   `x-kubernetes-preserve-unknown-fields: true` and without its own `additionalProperties` gets
 *   `additionalProperties: false` (except inside allOf/anyOf/oneOf/not, which only add value
 *   checks in structural schemas); `x-kubernetes-int-or-string` becomes integer|string;
 *   `x-kubernetes-embedded-resource` admits apiVersion/kind/metadata; `x-kubernetes-list-type`
 *   set/map become uniqueness checks; the CEL rules (`x-kubernetes-validations`) become the
 *   explicit checks of CEL_RULES below; the top-level `metadata` is checked as ObjectMeta.
 * - The kubernetes-models validators accept unknown fields, so they are run on a Proxy that
 *   records which properties the compiled validator reads at every node. The compiled code reads
 *   every declared property (`data.x !== undefined && ...`) and enumerates the keys of maps
 *   (`additionalProperties`); a key it never read, in an object whose keys it did not enumerate,
 *   is undeclared and reported. Objects it never looked into (free-form types) are left alone.
 *
 * The package `kubernetes-models` is ESM-only and Jest (on Node < 24.9) cannot require ESM, so its
 * files are compiled to CommonJS with @swc/core and evaluated by the small loader below.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { builtinModules } from 'module';
import { transformSync } from '@swc/core';
import Ajv, { ErrorObject, FormatDefinition, ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';

/** A synthesized Kubernetes object. */
export type Manifest = { [key: string]: any };

/** Annotation naming the RBG controller release a RoleBasedGroup is written for. */
export const RBG_TARGET_ANNOTATION = 'cdk8s-sglang-pd/rbg-target';

/** Options of validateManifest. */
export interface ValidateOptions {
  /** Validate a RoleBasedGroup against this release's CRD instead of the annotated one. */
  readonly rbgRelease?: RbgRelease;
}

export type RbgRelease = 'v0.4' | 'v0.6' | 'v0.7';

/** The CRD file and version each controller release serves for RoleBasedGroup. */
export const RBG_CRDS: Readonly<Record<RbgRelease, { file: string; version: string }>> = {
  'v0.4': { file: 'rbg-v0.4-rolebasedgroups.yaml', version: 'v1alpha1' },
  'v0.6': { file: 'rbg-v0.6-rolebasedgroups.yaml', version: 'v1alpha1' },
  'v0.7': { file: 'workloads.x-k8s.io_rolebasedgroups.yaml', version: 'v1alpha2' },
};

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const RBG_GROUP = 'workloads.x-k8s.io';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Validates one object. Returns human-readable errors, each `Kind/name path: message` with a
 * JSON path such as `spec.roles[0].template.spec.containers[0].bogus`; empty when valid.
 * Throws when the CRD folder is missing.
 */
export function validateManifest(obj: Manifest, options: ValidateOptions = {}): string[] {
  const label = `${str(obj?.kind) ?? '<no kind>'}/${str(obj?.metadata?.name) ?? '<no name>'}`;
  return rawErrors(obj, options).map((e) => `${label} ${e.path || '<root>'}: ${e.message}`);
}

/** Validates every object (see validateManifest). */
export function validateManifests(objs: readonly Manifest[], options: ValidateOptions = {}): string[] {
  return objs.flatMap((o) => validateManifest(o, options));
}

/** Which schema validateManifest applies to `obj`, e.g. `crd:rbg-v0.4-rolebasedgroups.yaml#v1alpha1`. */
export function schemaSource(obj: Manifest, options: ValidateOptions = {}): string {
  const sel = selectSchema(obj, options);
  if (sel.kind === 'crd') return `crd:${path.relative(sharedCrdsDir(), sel.file)}#${sel.version}`;
  if (sel.kind === 'core') return `kubernetes-models:${sel.schemaName}`;
  return `none: ${sel.message}`;
}

/** The raw `openAPIV3Schema` of a CRD version, as read from the shared folder. */
export function crdOpenApiSchema(file: string, version: string): any {
  return crdVersion(resolveCrdFile(file), version).schema.openAPIV3Schema;
}

/** Folder holding the upstream CRDs: `$SHARED_CRDS`, else `<repo>/../shared/crds`. */
export function sharedCrdsDir(): string {
  const env = process.env.SHARED_CRDS;
  return env ? path.resolve(env) : path.resolve(REPO_ROOT, '..', 'shared', 'crds');
}

// ---------------------------------------------------------------------------------------------
// CEL rules of the CRDs, implemented by hand (Ajv cannot run CEL)
// ---------------------------------------------------------------------------------------------

/**
 * Every `x-kubernetes-validations` rule of the RoleBasedGroup CRDs this library targets
 * (grep of the shared CRDs), keyed by the rule text with whitespace collapsed:
 *
 * rbg-v0.4-rolebasedgroups.yaml (v1alpha1): no CEL rules.
 *
 * rbg-v0.6-rolebasedgroups.yaml (v1alpha1) and v1alpha1 of the current CRD, on `spec.roles[]`:
 *   1. templateRef is not supported for InstanceSet workloads
 *   2. templateRef is not supported for LeaderWorkerSet workloads
 *   3. template or templateRef must be set for non-InstanceSet workloads
 *   4. template and templateRef are mutually exclusive
 *
 * workloads.x-k8s.io_rolebasedgroups.yaml v1alpha2:
 *   5. `spec.roles[]`: standalonePattern and leaderWorkerPattern are mutually exclusive
 *   6. `spec.roles[]`: leaderWorkerPattern.sharedServiceSelection=LeaderOnly only with the
 *      RoleInstanceSet workload-type annotation
 *   7. `spec.roles[].standalonePattern` and `.leaderWorkerPattern`: template and templateRef are
 *      mutually exclusive
 *   8. `spec.roles[].leaderWorkerPattern.restartPolicyConfig` and
 *      `.customComponentsPattern.restartPolicyConfig`: maxDelaySeconds >= baseDelaySeconds
 *
 * All of them are implemented here and run wherever the CRD declares them (the schema rewrite
 * turns each `x-kubernetes-validations` list into a `k8sCel` keyword). A rule without an
 * implementation (the add-on CRDs have many) is skipped; `unimplementedCelRules` lists them, and
 * the tests require the RoleBasedGroup list to be empty. Checks the CEL rules do not express but
 * the controller relies on (exactly one pattern per role, one of template/templateRef,
 * templateRef.patch, dependencies) are in `rbgSemanticErrors`.
 */
export const CEL_RULES: Readonly<Record<string, (self: any) => boolean>> = {
  "!has(self.templateRef) || !has(self.workload) || self.workload.kind != 'InstanceSet'":
    (s) => !has(s, 'templateRef') || !has(s, 'workload') || s.workload.kind !== 'InstanceSet',
  "!has(self.templateRef) || !has(self.workload) || self.workload.kind != 'LeaderWorkerSet'":
    (s) => !has(s, 'templateRef') || !has(s, 'workload') || s.workload.kind !== 'LeaderWorkerSet',
  "(has(self.template) != has(self.templateRef)) || (has(self.workload) && self.workload.kind == 'InstanceSet')":
    (s) => has(s, 'template') !== has(s, 'templateRef') || (has(s, 'workload') && s.workload.kind === 'InstanceSet'),
  '!(has(self.template) && has(self.templateRef))':
    (s) => !(has(s, 'template') && has(s, 'templateRef')),
  '!(has(self.standalonePattern) && has(self.leaderWorkerPattern))':
    (s) => !(has(s, 'standalonePattern') && has(s, 'leaderWorkerPattern')),
  "!has(self.leaderWorkerPattern) || !has(self.leaderWorkerPattern.sharedServiceSelection) || self.leaderWorkerPattern.sharedServiceSelection != 'LeaderOnly' || !has(self.annotations) || !('rbg.workloads.x-k8s.io/role-workload-type' in self.annotations) || self.annotations['rbg.workloads.x-k8s.io/role-workload-type'] == 'workloads.x-k8s.io/v1alpha2/RoleInstanceSet'":
    (s) => !has(s, 'leaderWorkerPattern') || !has(s.leaderWorkerPattern, 'sharedServiceSelection')
      || s.leaderWorkerPattern.sharedServiceSelection !== 'LeaderOnly' || !has(s, 'annotations')
      || !('rbg.workloads.x-k8s.io/role-workload-type' in s.annotations)
      || s.annotations['rbg.workloads.x-k8s.io/role-workload-type'] === 'workloads.x-k8s.io/v1alpha2/RoleInstanceSet',
  '!has(self.baseDelaySeconds) || !has(self.maxDelaySeconds) || self.maxDelaySeconds >= self.baseDelaySeconds':
    (s) => !has(s, 'baseDelaySeconds') || !has(s, 'maxDelaySeconds') || s.maxDelaySeconds >= s.baseDelaySeconds,
};

/** CEL rules of a CRD version that have no implementation in CEL_RULES. */
export function unimplementedCelRules(file: string, version: string): string[] {
  const out: string[] = [];
  walkSchema(crdOpenApiSchema(file, version), '', (node, at) => {
    for (const r of node['x-kubernetes-validations'] ?? []) {
      if (!CEL_RULES[normalizeRule(r.rule)]) out.push(`${at || '<root>'}: ${r.rule}`);
    }
  });
  return out;
}

/** Every CEL rule of a CRD version, with the schema path it sits on. */
export function celRules(file: string, version: string): { path: string; rule: string; message?: string }[] {
  const out: { path: string; rule: string; message?: string }[] = [];
  walkSchema(crdOpenApiSchema(file, version), '', (node, at) => {
    for (const r of node['x-kubernetes-validations'] ?? []) out.push({ path: at, rule: normalizeRule(r.rule), message: r.message });
  });
  return out;
}

function normalizeRule(rule: string): string {
  return rule.replace(/\s+/g, ' ').trim();
}

function has(o: any, key: string): boolean {
  return o !== null && typeof o === 'object' && o[key] !== undefined && o[key] !== null;
}

/**
 * Controller-level rules of RoleBasedGroup roles that neither the OpenAPI schema nor the CEL rules
 * express (FACTS §2): exactly one of standalonePattern/leaderWorkerPattern/customComponentsPattern
 * per v1alpha2 role, one of template/templateRef in a pattern, templateRef with a patch, and
 * dependencies naming other existing roles without cycles.
 */
function rbgSemanticErrors(obj: Manifest): PathError[] {
  const errors: PathError[] = [];
  const roles: any[] = Array.isArray(obj?.spec?.roles) ? obj.spec.roles : [];
  const v1alpha2 = str(obj.apiVersion)?.endsWith('/v1alpha2') ?? false;
  const names = new Set(roles.map((r) => r?.name).filter((n) => typeof n === 'string'));
  roles.forEach((role, i) => {
    if (!role || typeof role !== 'object') return;
    const at = `spec.roles[${i}]`;
    if (v1alpha2) {
      const patterns = ['standalonePattern', 'leaderWorkerPattern', 'customComponentsPattern'].filter((p) => has(role, p));
      if (patterns.length !== 1) {
        errors.push({ path: at, message: `must set exactly one of standalonePattern, leaderWorkerPattern, customComponentsPattern (has ${patterns.join(', ') || 'none'})` });
      }
      for (const p of ['standalonePattern', 'leaderWorkerPattern']) {
        const pat = role[p];
        if (!has(role, p) || typeof pat !== 'object') continue;
        if (!has(pat, 'template') && !has(pat, 'templateRef')) {
          errors.push({ path: `${at}.${p}`, message: 'must set template or templateRef' });
        }
        if (has(pat, 'templateRef') && !has(pat.templateRef, 'patch')) {
          errors.push({ path: `${at}.${p}.templateRef.patch`, message: 'templateRef needs a patch (use {})' });
        }
      }
    }
    const deps = Array.isArray(role.dependencies) ? role.dependencies : [];
    deps.forEach((d: unknown, j: number) => {
      if (d === role.name) errors.push({ path: `${at}.dependencies[${j}]`, message: `role "${role.name}" depends on itself` });
      else if (typeof d === 'string' && !names.has(d)) errors.push({ path: `${at}.dependencies[${j}]`, message: `unknown role "${d}"` });
    });
  });
  // Cycle detection over the dependency graph (depth-first, three colours).
  const deps = new Map<string, string[]>(roles.filter((r) => typeof r?.name === 'string')
    .map((r) => [r.name, (Array.isArray(r.dependencies) ? r.dependencies : []).filter((d: unknown) => typeof d === 'string' && d !== r.name)]));
  const state = new Map<string, 1 | 2>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      errors.push({ path: 'spec.roles', message: `dependency cycle ${[...trail.slice(trail.indexOf(n)), n].join(' -> ')}` });
      return;
    }
    state.set(n, 1);
    for (const d of deps.get(n) ?? []) if (deps.has(d)) visit(d, [...trail, n]);
    state.set(n, 2);
  };
  for (const n of deps.keys()) visit(n, []);
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

interface PathError {
  /** JSON path, e.g. `spec.roles[0].name`; empty for the root. */
  readonly path: string;
  readonly message: string;
}

type Selection =
  | { kind: 'crd'; file: string; version: string }
  | { kind: 'core'; schemaName: string; schemaFile: string }
  | { kind: 'none'; message: string };

function rawErrors(obj: Manifest, options: ValidateOptions): PathError[] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [{ path: '', message: 'must be an object' }];
  const errors: PathError[] = [];
  if (typeof obj.apiVersion !== 'string' || !obj.apiVersion) errors.push({ path: 'apiVersion', message: 'required string is missing' });
  if (typeof obj.kind !== 'string' || !obj.kind) errors.push({ path: 'kind', message: 'required string is missing' });
  if (errors.length > 0) return errors;

  const sel = selectSchema(obj, options);
  if (sel.kind === 'none') return [{ path: '', message: sel.message }];
  if (sel.kind === 'crd') {
    const validate = crdValidator(sel.file, sel.version);
    validate(obj);
    errors.push(...ajvErrors(validate.errors ?? [], obj));
    errors.push(...coreErrors(objectMetaValidator(), obj.metadata, 'metadata'));
    if (obj.apiVersion.startsWith(`${RBG_GROUP}/`) && obj.kind === 'RoleBasedGroup') errors.push(...rbgSemanticErrors(obj));
  } else {
    errors.push(...coreErrors(coreValidator(sel.schemaFile), obj, ''));
  }
  errors.push(...metadataErrors(obj.metadata));
  return dedupeErrors(errors);
}

function selectSchema(obj: Manifest, options: ValidateOptions): Selection {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];

  if (group === RBG_GROUP && kind === 'RoleBasedGroup') {
    const annotated = obj.metadata?.annotations?.[RBG_TARGET_ANNOTATION];
    const release = options.rbgRelease ?? annotated;
    if (release === undefined) {
      // Not written by this library: the current upstream CRD serves both versions.
      return { kind: 'crd', file: resolveCrdFile(RBG_CRDS['v0.7'].file), version };
    }
    const target = RBG_CRDS[release as RbgRelease];
    if (!target) return { kind: 'none', message: `annotation ${RBG_TARGET_ANNOTATION}="${release}" names no known release (${Object.keys(RBG_CRDS).join(', ')})` };
    if (target.version !== version) {
      return { kind: 'none', message: `controller ${release} serves RoleBasedGroup ${target.version}, not ${version} (annotation ${RBG_TARGET_ANNOTATION})` };
    }
    return { kind: 'crd', file: resolveCrdFile(target.file), version };
  }

  const file = crdIndex().get(`${group}/${kind}`);
  if (file) {
    const versions = crdVersions(file);
    if (!versions.some((v) => v.name === version && v.served !== false)) {
      return { kind: 'none', message: `${path.basename(file)} does not serve ${kind} ${version} (serves ${versions.filter((v) => v.served !== false).map((v) => v.name).join(', ')})` };
    }
    return { kind: 'crd', file, version };
  }

  const core = coreSchemaName(group, version, kind);
  if (core) return { kind: 'core', ...core };
  return { kind: 'none', message: `no schema for ${apiVersion} ${kind}: neither a CRD in ${sharedCrdsDir()} nor a kind of kubernetes-models` };
}

// ---------------------------------------------------------------------------------------------
// Shared CRD folder
// ---------------------------------------------------------------------------------------------

function requireCrdDir(): string {
  const dir = sharedCrdsDir();
  const missing = Object.values(RBG_CRDS).map((c) => c.file).filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0 || !fs.existsSync(path.join(dir, 'addons'))) {
    throw new Error(
      `Strict schema validation needs the upstream CRDs, which are not committed to this repo. `
      + `Looked in ${dir} (set SHARED_CRDS to override; default <repo>/../shared/crds). `
      + `It must hold ${Object.values(RBG_CRDS).map((c) => c.file).join(', ')} and an addons/ folder `
      + `(Prometheus Operator, Gateway API, Inference Extension and Fluid CRDs)`
      + (missing.length > 0 && fs.existsSync(dir) ? `; missing: ${missing.join(', ')}` : '') + '.',
    );
  }
  return dir;
}

function resolveCrdFile(file: string): string {
  return path.isAbsolute(file) ? file : path.join(requireCrdDir(), file);
}

let crdIndexCache: { dir: string; index: Map<string, string> } | undefined;

/** `group/Kind` -> CRD file, from the header (before `versions:`) of every CRD file. */
function crdIndex(): Map<string, string> {
  const dir = requireCrdDir();
  if (crdIndexCache?.dir === dir) return crdIndexCache.index;
  const index = new Map<string, string>();
  const rbgReleaseFiles = new Set(Object.values(RBG_CRDS).map((c) => c.file));
  for (const sub of ['', 'addons']) {
    const folder = path.join(dir, sub);
    for (const name of fs.readdirSync(folder).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      if (sub === '' && rbgReleaseFiles.has(name) && name.startsWith('rbg-')) continue;
      const file = path.join(folder, name);
      let text = readHead(file, 64 * 1024);
      let cut = text.search(/^ {2}versions:/m);
      if (cut < 0) {
        text = fs.readFileSync(file, 'utf8');
        cut = text.search(/^ {2}versions:/m);
      }
      const head = parseYaml(cut >= 0 ? text.slice(0, cut) : text);
      if (head?.kind !== 'CustomResourceDefinition') continue;
      index.set(`${head.spec.group}/${head.spec.names.kind}`, file);
    }
  }
  crdIndexCache = { dir, index };
  return index;
}

/** The first `bytes` bytes of a file (the CRD header sits at the top). */
function readHead(file: string, bytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

const crdDocs = new Map<string, any>();

function crdVersions(file: string): any[] {
  let doc = crdDocs.get(file);
  if (!doc) {
    doc = parseCrdFile(file);
    crdDocs.set(file, doc);
  }
  return doc?.spec?.versions ?? [];
}

/**
 * Parses a CRD file. YAML parsing is the slowest step (about 1 s for the three RoleBasedGroup
 * CRDs), so the result is kept as JSON in the OS temp folder, keyed by the SHA-256 of the file
 * content: never stale, and ignored when unwritable. STRICT_SCHEMA_NO_CACHE=1 disables it.
 */
function parseCrdFile(file: string): any {
  const text = fs.readFileSync(file, 'utf8');
  if (process.env.STRICT_SCHEMA_NO_CACHE) return parseYaml(text, { uniqueKeys: false });
  const hash = createHash('sha256').update(text).digest('hex');
  const cached = path.join(os.tmpdir(), 'cdk8s-sglang-pd-crd-cache', `${hash}.json`);
  try {
    return JSON.parse(fs.readFileSync(cached, 'utf8'));
  } catch {
    // not cached yet (or unreadable): parse below
  }
  const doc = parseYaml(text, { uniqueKeys: false });
  try {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(doc));
    fs.renameSync(tmp, cached);
  } catch {
    // a read-only temp folder only costs speed
  }
  return doc;
}

function crdVersion(file: string, version: string): any {
  const versions = crdVersions(file);
  const v = versions.find((x: any) => x.name === version);
  if (!v) throw new Error(`${path.basename(file)} does not define version ${version} (has ${versions.map((x: any) => x.name).join(', ')})`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// CRD schema -> strict JSON schema -> Ajv
// ---------------------------------------------------------------------------------------------

let ajvInstance: Ajv | undefined;
const crdValidators = new Map<string, ValidateFunction>();

function crdValidator(file: string, version: string): ValidateFunction {
  const key = `${file}#${version}`;
  let v = crdValidators.get(key);
  if (v) return v;
  const entry = crdVersion(file, version);
  if (entry.served === false) throw new Error(`${path.basename(file)} does not serve ${version}`);
  const schema = dedupeSubschemas(toStrictSchema(entry.schema.openAPIV3Schema, true, false));
  const ajv = getAjv();
  collectFormats(schema).forEach((f) => { if (!ajv.formats[f]) ajv.addFormat(f, true); });
  v = ajv.compile(schema);
  crdValidators.set(key, v);
  return v;
}

function getAjv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: false, formats: kubernetesFormats() });
  ajv.addKeyword({
    keyword: 'k8sListMapKeys',
    type: 'array',
    schemaType: 'array',
    errors: true,
    validate: function listMapKeys(keys: string[], data: any[]): boolean {
      const seen = new Map<string, number>();
      const errs: Partial<ErrorObject>[] = [];
      data.forEach((item, i) => {
        if (!item || typeof item !== 'object') return;
        const k = JSON.stringify(keys.map((key) => item[key]));
        const first = seen.get(k);
        if (first !== undefined) {
          errs.push({ keyword: 'k8sListMapKeys', message: `duplicate entry: items ${first} and ${i} have the same ${keys.join('/')} ${k}`, params: { keys } });
        } else seen.set(k, i);
      });
      (listMapKeys as any).errors = errs;
      return errs.length === 0;
    },
  });
  ajv.addKeyword({
    keyword: 'k8sCel',
    schemaType: 'array',
    errors: true,
    validate: function cel(rules: { rule: string; message?: string }[], data: any): boolean {
      if (!data || typeof data !== 'object') return true;
      const errs: Partial<ErrorObject>[] = [];
      for (const r of rules) {
        const impl = CEL_RULES[r.rule];
        if (impl && !impl(data)) errs.push({ keyword: 'k8sCel', message: `${r.message ?? 'CEL rule failed'} (x-kubernetes-validations: ${r.rule})`, params: { rule: r.rule } });
      }
      (cel as any).errors = errs;
      return errs.length === 0;
    },
  });
  ajvInstance = ajv;
  return ajv;
}

/** Numeric and string formats as the API server understands them. */
function kubernetesFormats(): Record<string, FormatDefinition<number> | FormatDefinition<string>> {
  return {
    'int32': { type: 'number', validate: (x: number) => Number.isInteger(x) && x >= -2147483648 && x <= 2147483647 },
    'int64': { type: 'number', validate: (x: number) => Number.isInteger(x) },
    'float': { type: 'number', validate: (x: number) => Number.isFinite(x) },
    'double': { type: 'number', validate: (x: number) => Number.isFinite(x) },
    'date-time': { type: 'string', validate: (x: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(x) && !Number.isNaN(Date.parse(x)) },
  };
}

const EMBEDDED_METADATA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    namespace: { type: 'string' },
    generateName: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' } },
  },
};

/**
 * Rewrites a structural CRD schema into a strict JSON schema for Ajv (see the file comment).
 * `inJunctor`: the node sits under allOf/anyOf/oneOf/not, where it only adds value checks.
 */
function toStrictSchema(node: any, isRoot: boolean, inJunctor: boolean): any {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const out: any = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-') || k === 'description' || k === 'example' || k === 'externalDocs') continue;
    if (k === 'properties') {
      out.properties = {};
      for (const [p, c] of Object.entries(v as object)) out.properties[p] = toStrictSchema(c, false, inJunctor);
    } else if (k === 'items' || k === 'not') {
      out[k] = toStrictSchema(v, false, inJunctor || k === 'not');
    } else if (k === 'additionalProperties') {
      out[k] = typeof v === 'object' ? toStrictSchema(v, false, inJunctor) : v;
    } else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') {
      out[k] = (v as any[]).map((c) => toStrictSchema(c, false, true));
    } else {
      out[k] = v;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (!out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node['x-kubernetes-embedded-resource'] === true) {
    out.type = 'object';
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: EMBEDDED_METADATA, ...out.properties };
    out.required = [...new Set([...(out.required ?? []), 'apiVersion', 'kind'])];
  }
  const listType = node['x-kubernetes-list-type'];
  if (listType === 'set') out.uniqueItems = true;
  if (listType === 'map' && Array.isArray(node['x-kubernetes-list-map-keys'])) out.k8sListMapKeys = node['x-kubernetes-list-map-keys'];
  const cel = node['x-kubernetes-validations'];
  if (Array.isArray(cel) && cel.length > 0) out.k8sCel = cel.map((r: any) => ({ rule: normalizeRule(String(r.rule)), message: r.message }));
  if (isRoot && out.properties?.metadata) {
    // Top-level ObjectMeta is checked separately, with the Kubernetes ObjectMeta schema.
    out.properties.metadata = { type: 'object' };
  }
  const isObject = out.type === 'object' || (out.properties && out.type === undefined);
  if (isObject && !inJunctor && node['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * Moves repeated subschemas (the Container, Probe, PodSpec... copies of a CRD) to `$defs`, so Ajv
 * compiles each once: 3-6x faster compilation of the RoleBasedGroup CRDs.
 */
function dedupeSubschemas(root: any): any {
  const keyOf = new Map<object, string>();
  const count = new Map<string, number>();
  const ser = (n: any): string => {
    if (!n || typeof n !== 'object') return JSON.stringify(n);
    const known = keyOf.get(n);
    if (known !== undefined) return known;
    const s = Array.isArray(n)
      ? `[${n.map(ser).join(',')}]`
      : `{${Object.keys(n).sort().map((k) => `${JSON.stringify(k)}:${ser(n[k])}`).join(',')}}`;
    keyOf.set(n, s);
    if (!Array.isArray(n)) count.set(s, (count.get(s) ?? 0) + 1);
    return s;
  };
  ser(root);
  const defs: Record<string, any> = {};
  const names = new Map<string, string>();
  const mapChildren = (n: any, f: (c: any) => any): any => {
    const o = { ...n };
    if (n.properties) o.properties = Object.fromEntries(Object.entries(n.properties).map(([p, c]) => [p, f(c)]));
    for (const k of ['items', 'additionalProperties', 'not']) if (n[k] && typeof n[k] === 'object') o[k] = f(n[k]);
    for (const k of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(n[k])) o[k] = n[k].map(f);
    return o;
  };
  const rewrite = (n: any, top: boolean): any => {
    if (!n || typeof n !== 'object') return n;
    const s = keyOf.get(n)!;
    if (!top && (count.get(s) ?? 0) > 1 && s.length > 300) {
      let name = names.get(s);
      if (!name) {
        name = `s${names.size}`;
        names.set(s, name);
        defs[name] = mapChildren(n, (c) => rewrite(c, false));
      }
      return { $ref: `#/$defs/${name}` };
    }
    return mapChildren(n, (c) => rewrite(c, false));
  };
  const out = rewrite(root, true);
  out.$defs = defs;
  return out;
}

function collectFormats(schema: any): Set<string> {
  const found = new Set<string>();
  const walk = (n: any): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      if (typeof n.format === 'string') found.add(n.format);
      Object.values(n).forEach(walk);
    }
  };
  walk(schema);
  return found;
}

function walkSchema(node: any, at: string, f: (node: any, at: string) => void): void {
  if (!node || typeof node !== 'object') return;
  f(node, at);
  for (const [k, c] of Object.entries(node.properties ?? {})) walkSchema(c, `${at}.${k}`, f);
  if (node.items) walkSchema(node.items, `${at}[]`, f);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') walkSchema(node.additionalProperties, `${at}{}`, f);
  for (const k of ['allOf', 'anyOf', 'oneOf']) (node[k] ?? []).forEach((c: any) => walkSchema(c, at, f));
}

// ---------------------------------------------------------------------------------------------
// Core objects: kubernetes-models' compiled validators + read tracking
// ---------------------------------------------------------------------------------------------

type CompiledValidator = ((data: unknown) => boolean) & { errors?: Partial<ErrorObject>[] | null };

const coreValidators = new Map<string, CompiledValidator>();

function kubernetesModelsDir(): string {
  return packageDir('kubernetes-models', REPO_ROOT);
}

/** The `_schemas` module a kubernetes-models kind uses, from the model file's import. */
function coreSchemaName(group: string, version: string, kind: string): { schemaName: string; schemaFile: string } | undefined {
  if (!/^[A-Za-z0-9]+$/.test(kind) || !/^[a-z0-9]+$/.test(version) || !/^[a-z0-9.-]*$/.test(group)) return undefined;
  const root = kubernetesModelsDir();
  const model = path.join(root, group, version, `${kind}.js`);
  if (!fs.existsSync(model)) return undefined;
  const m = /_schemas\/(\w+)\.js/.exec(fs.readFileSync(model, 'utf8'));
  if (!m) return undefined;
  return { schemaName: m[1], schemaFile: path.join(root, '_schemas', `${m[1]}.js`) };
}

function coreValidator(schemaFile: string): CompiledValidator {
  let v = coreValidators.get(schemaFile);
  if (!v) {
    v = loadEsm(schemaFile).validate as CompiledValidator;
    if (typeof v !== 'function') throw new Error(`${schemaFile} exports no validate function`);
    coreValidators.set(schemaFile, v);
  }
  return v;
}

function objectMetaValidator(): CompiledValidator {
  const file = resolveModule('@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta', kubernetesModelsDir());
  return coreValidator(file);
}

interface ReadTrack {
  readonly reads: Set<string>;
  enumerated: boolean;
}

/**
 * Runs a compiled validator on `data` (found at `base` in the manifest) and reports its errors
 * plus every field it never read, i.e. every field its schema does not declare.
 */
function coreErrors(validate: CompiledValidator, data: unknown, base: string): PathError[] {
  if (data === undefined) return [];
  const tracks = new WeakMap<object, ReadTrack>();
  const proxies = new WeakMap<object, any>();
  const wrap = (target: any): any => {
    if (!target || typeof target !== 'object') return target;
    const known = proxies.get(target);
    if (known) return known;
    const track: ReadTrack = { reads: new Set(), enumerated: false };
    tracks.set(target, track);
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        if (typeof key === 'string') track.reads.add(key);
        return wrap(Reflect.get(t, key, receiver));
      },
      has(t, key) {
        if (typeof key === 'string') track.reads.add(key);
        return Reflect.has(t, key);
      },
      ownKeys(t) {
        track.enumerated = true;
        return Reflect.ownKeys(t);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };
  const ok = validate(wrap(data));
  const errors: PathError[] = ok ? [] : compiledErrors(validate.errors ?? [], data, base);
  const walk = (node: any, at: string): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((c, i) => walk(c, `${at}[${i}]`));
      return;
    }
    const track = tracks.get(node);
    if (!track) return; // never inspected: its parent already failed
    if (!track.enumerated && track.reads.size === 0) return; // free-form object (no declared fields)
    for (const key of Object.keys(node)) {
      const child = joinPath(at, key);
      if (!track.enumerated && !track.reads.has(key)) {
        errors.push({ path: child, message: UNKNOWN_FIELD });
      } else {
        walk(node[key], child);
      }
    }
  };
  walk(data, base);
  return errors;
}

const UNKNOWN_FIELD = 'unknown field: the schema does not declare it (the API server would prune it, or reject it with strict field validation)';

/** ObjectMeta rules the API server applies to every top-level object. */
function metadataErrors(meta: any): PathError[] {
  if (meta === undefined || meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    return [{ path: 'metadata', message: 'required object is missing' }];
  }
  const errors: PathError[] = [];
  if (typeof meta.name !== 'string' || meta.name === '') {
    errors.push({ path: 'metadata.name', message: 'required: every object needs a name' });
  } else if (meta.name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(meta.name)) {
    errors.push({ path: 'metadata.name', message: `"${meta.name}" is not a DNS-1123 subdomain` });
  }
  for (const field of ['labels', 'annotations']) {
    const map = meta[field];
    if (map === undefined) continue;
    if (!map || typeof map !== 'object' || Array.isArray(map)) continue; // reported by ObjectMeta
    for (const [k, v] of Object.entries(map)) {
      const at = joinPath(`metadata.${field}`, k);
      if (!isQualifiedName(k)) errors.push({ path: at, message: `"${k}" is not a valid ${field === 'labels' ? 'label' : 'annotation'} key` });
      if (field === 'labels' && typeof v === 'string' && !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) {
        errors.push({ path: at, message: `"${v}" is not a valid label value` });
      }
      if (field === 'labels' && typeof v === 'string' && v.length > 63) errors.push({ path: at, message: 'label value longer than 63 characters' });
    }
  }
  return errors;
}

function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (name.length === 0 || name.length > 63 || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0];
    return prefix.length > 0 && prefix.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Error formatting
// ---------------------------------------------------------------------------------------------

function ajvErrors(errors: ErrorObject[], root: unknown): PathError[] {
  return collapseAnyOf(errors).map((e) => ({ path: errorPath(e, root, ''), message: errorMessage(e, root) }));
}

function compiledErrors(errors: Partial<ErrorObject>[], data: unknown, base: string): PathError[] {
  return collapseAnyOf(errors as ErrorObject[]).map((e) => ({ path: errorPath(e, data, base), message: errorMessage(e, data) }));
}

/**
 * Folds the per-branch errors of a failed anyOf/oneOf into one error ("must be integer or string").
 * Branch errors are the ones under the junction's schemaPath (Ajv-compiled CRD schemas) or, for
 * the kubernetes-models validators whose branches live in other functions, the run of errors at
 * the same instance path that Ajv pushed just before the junction error.
 */
function collapseAnyOf(errors: ErrorObject[]): ErrorObject[] {
  const consumed = new Set<number>();
  const replaced = new Map<number, ErrorObject>();
  errors.forEach((e, i) => {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') return;
    const branches: number[] = [];
    errors.forEach((b, j) => {
      if (j !== i && b.instancePath === e.instancePath && b.schemaPath.startsWith(`${e.schemaPath}/`)) branches.push(j);
    });
    if (branches.length === 0) {
      for (let j = i - 1; j >= 0 && errors[j].instancePath === e.instancePath && !consumed.has(j); j--) branches.push(j);
    }
    branches.forEach((j) => consumed.add(j));
    const parts = [...new Set(branches.sort((a, b) => a - b).map((j) => errors[j]).map((b) => (b.keyword === 'type' ? `must be ${b.params.type}` : errorMessage(b, undefined).replace(/ \(got .*\)$/, ''))))];
    const allTypes = branches.every((j) => errors[j].keyword === 'type');
    const message = parts.length === 0 ? e.message ?? `must match a schema in ${e.keyword}`
      : allTypes ? `must be ${branches.map((j) => String(errors[j].params.type)).filter((t, k, a) => a.indexOf(t) === k).join(' or ')}`
        : `must satisfy one of: ${parts.join(' | ')}`;
    replaced.set(i, { ...e, keyword: 'junction', message } as ErrorObject);
  });
  return errors.flatMap((e, i) => (consumed.has(i) ? [] : [replaced.get(i) ?? e]));
}

function errorPath(e: ErrorObject, root: unknown, base: string): string {
  const at = pointerToPath(e.instancePath ?? '', root, base);
  if (e.keyword === 'required') return joinPath(at, String(e.params.missingProperty));
  if (e.keyword === 'additionalProperties') return joinPath(at, String(e.params.additionalProperty));
  return at;
}

function errorMessage(e: ErrorObject, root: unknown): string {
  const p = e.params ?? {};
  const got = () => describeValue(valueAt(root, e.instancePath ?? ''));
  switch (e.keyword) {
    case 'additionalProperties': return UNKNOWN_FIELD;
    case 'required': return 'required field is missing';
    case 'type': return `must be ${p.type} (got ${got()})`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${got()})`;
    case 'format': return `must match format "${p.format}" (got ${got()})`;
    case 'pattern': return `must match pattern ${p.pattern} (got ${got()})`;
    case 'junction': return `${e.message} (got ${got()})`;
    default: return e.message ?? `fails ${e.keyword} ${JSON.stringify(p)} (got ${got()})`;
  }
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  const s = JSON.stringify(v);
  return `${typeof v} ${s && s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
}

function decodePointer(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: any = root;
  for (const seg of decodePointer(pointer)) cur = cur === null || cur === undefined ? undefined : cur[seg];
  return cur;
}

function pointerToPath(pointer: string, root: unknown, base: string): string {
  let cur: any = root;
  let at = base;
  for (const seg of decodePointer(pointer)) {
    at = Array.isArray(cur) && /^\d+$/.test(seg) ? `${at}[${seg}]` : joinPath(at, seg);
    cur = cur === null || cur === undefined ? undefined : cur[seg];
  }
  return at;
}

function joinPath(at: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return at ? `${at}.${key}` : key;
  return `${at}[${JSON.stringify(key)}]`;
}

function dedupeErrors(errors: PathError[]): PathError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.path}\0${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

// ---------------------------------------------------------------------------------------------
// Minimal ESM loader for kubernetes-models inside Jest
// ---------------------------------------------------------------------------------------------

const esmCache = new Map<string, { exports: any }>();

function loadEsm(file: string): any {
  const cached = esmCache.get(file);
  if (cached) return cached.exports;
  const source = fs.readFileSync(file, 'utf8');
  const { code } = transformSync(source, {
    filename: file,
    swcrc: false,
    configFile: false,
    jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: false,
  });
  const mod = { exports: {} as any };
  esmCache.set(file, mod);
  const dir = path.dirname(file);
  const localRequire = (spec: string): any => loadModule(resolveModule(spec, dir));
  const fn = new Function('exports', 'require', 'module', '__filename', '__dirname', `${code}\n//# sourceURL=${file}`);
  fn(mod.exports, localRequire, mod, file, dir);
  return mod.exports;
}

function loadModule(file: string): any {
  if (file.endsWith('.json')) return JSON.parse(fs.readFileSync(file, 'utf8'));
  return isEsm(file) ? loadEsm(file) : require(file);
}

function isEsm(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
    if (path.dirname(dir) === dir) return false;
  }
}

/** Resolves an import specifier the way Node's ESM loader does for these packages. */
function resolveModule(spec: string, fromDir: string): string {
  if (spec.startsWith('node:') || builtinModules.includes(spec)) {
    throw new Error(`the ESM loader does not support built-in module ${spec}`);
  }
  if (spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec)) {
    return withExtension(path.resolve(fromDir, spec));
  }
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const sub = parts.slice(spec.startsWith('@') ? 2 : 1).join('/');
  const root = packageDir(name, fromDir);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const target = pkg.exports !== undefined ? resolveExports(pkg.exports, sub ? `./${sub}` : '.') : undefined;
  if (target) return path.join(root, target);
  if (sub) return withExtension(path.join(root, sub));
  return withExtension(path.join(root, pkg.module && pkg.type === 'module' ? pkg.module : pkg.main ?? 'index.js'));
}

function resolveExports(exportsField: any, subpath: string): string | undefined {
  const pick = (t: any): string | undefined => {
    if (typeof t === 'string') return t;
    if (Array.isArray(t)) return t.map(pick).find((x) => x !== undefined);
    if (t && typeof t === 'object') {
      for (const cond of ['import', 'node', 'default', 'require']) if (t[cond] !== undefined) return pick(t[cond]);
    }
    return undefined;
  };
  const isSubpathMap = exportsField && typeof exportsField === 'object' && !Array.isArray(exportsField)
    && Object.keys(exportsField).some((k) => k.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? pick(exportsField) : undefined;
  if (exportsField[subpath] !== undefined) return pick(exportsField[subpath]);
  for (const [k, t] of Object.entries(exportsField)) {
    const star = k.indexOf('*');
    if (star < 0) continue;
    const pre = k.slice(0, star);
    const post = k.slice(star + 1);
    if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= pre.length + post.length) {
      const match = subpath.slice(pre.length, subpath.length - post.length);
      return pick(t)?.replace(/\*/g, match);
    }
  }
  return undefined;
}

function withExtension(file: string): string {
  for (const candidate of [file, `${file}.js`, `${file}.mjs`, `${file}.cjs`, path.join(file, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`cannot resolve ${file}`);
}

function packageDir(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find package ${name} from ${fromDir} (is it installed? npm ci)`);
  }
}
