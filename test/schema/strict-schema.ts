/**
 * Strict schema validation of synthesized manifests, as the API server would apply it, against
 * the schemas committed in test/schema/data/ (written by `npm run gen:schemas` from the pinned
 * upstream CRDs and the Kubernetes OpenAPI documents; test/schema/data.test.ts checks that they
 * are what the script gives). Nothing outside the clone is read.
 *
 * - A RoleBasedGroup is checked against the CRD of the controller release named by its
 *   `cdk8s-sglang-pd/rbg-target` annotation (v0.4 and v0.6: v1alpha1, v0.7: v1alpha2, each from
 *   that release's tag). Other custom resources are picked by group, kind and version.
 * - Core objects are checked against the definitions of the Kubernetes OpenAPI v3 documents of
 *   the kube-apiserver version the e2e runs. A pod template inside a RoleBasedGroup is checked
 *   against the core PodTemplateSpec as well as against the CRD's copy of it.
 * - The top-level metadata of every object is checked as ObjectMeta, plus the name and label
 *   rules the API server applies (metadataErrors); RoleBasedGroups also get the controller rules
 *   that neither the schema nor the CEL rules express (rbgSemanticErrors).
 *
 * How the schemas are read (closed objects, int-or-string, quantities, list types, CEL):
 * k8s-schema.ts and cel.ts. Ajv runs in strict mode, so a schema keyword or format it does not
 * know fails loudly instead of being ignored.
 *
 * Written here rather than taken from a library: metadataErrors (the apimachinery name and label
 * rules, which no published schema carries) and rbgSemanticErrors (rules of the RBG controller);
 * no npm package implements either.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ErrorObject, ValidateFunction } from 'ajv';
import { CelRule } from './cel';
import {
  CORE_ID, OBJECT_META_DEF, POD_TEMPLATE_SPEC_DEF, SchemaNode, coreDocument, dedupeSubschemas, newAjv, toJsonSchema, walkSchema,
} from './k8s-schema';

/** A synthesized Kubernetes object. */
export type Manifest = { [key: string]: any };

/** Annotation naming the RBG controller release a RoleBasedGroup is written for. */
export const RBG_TARGET_ANNOTATION = 'cdk8s-sglang-pd/rbg-target';

export type RbgRelease = 'v0.4' | 'v0.6' | 'v0.7';

/** Options of validateManifest. */
export interface ValidateOptions {
  /** Validate a RoleBasedGroup against this release's CRD instead of the annotated one. */
  readonly rbgRelease?: RbgRelease;
}

export const DATA_DIR = path.join(__dirname, 'data');
const RBG_GROUP = 'workloads.x-k8s.io';

/** One committed CRD version (test/schema/data/crd/...). */
export interface CrdData {
  readonly source: { repo: string; tag: string; commit: string; path: string; blob: string };
  readonly rbgRelease?: RbgRelease;
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly scope: string;
  readonly version: string;
  readonly storage: boolean;
  readonly schema: SchemaNode;
}

/** The committed core definitions (test/schema/data/core/...). */
export interface CoreData {
  readonly source: { module: string; version: string; sum: string; path: string; files: string[] };
  /** `group/version/Kind` (`v1/Kind` for the core group) -> definition name. */
  readonly kinds: Record<string, string>;
  readonly components: { schemas: Record<string, SchemaNode> };
}

interface Index {
  readonly crds: { file: string; group: string; kind: string; version: string; rbgRelease?: RbgRelease }[];
  readonly core: { file: string }[];
}

const readJson = (file: string): any => JSON.parse(fs.readFileSync(path.join(DATA_DIR, file), 'utf8'));

let indexCache: Index | undefined;
export function schemaIndex(): Index {
  return (indexCache ??= readJson('index.json') as Index);
}

const crdCache = new Map<string, CrdData>();
/** A committed CRD version by its data file (`crd/<group>/<Kind>.<version>@<tag>.json`). */
export function crdData(file: string): CrdData {
  let d = crdCache.get(file);
  if (!d) {
    d = readJson(file) as CrdData;
    crdCache.set(file, d);
  }
  return d;
}

let coreCache: CoreData | undefined;
export function coreData(): CoreData {
  if (!coreCache) {
    const files = schemaIndex().core;
    if (files.length !== 1) throw new Error(`expected one core schema file in ${DATA_DIR}/index.json, found ${files.length}`);
    coreCache = readJson(files[0].file) as CoreData;
  }
  return coreCache;
}

/** The data file of the RoleBasedGroup CRD of each controller release. */
export function rbgSchemaFile(release: RbgRelease): string {
  const e = schemaIndex().crds.find((c) => c.rbgRelease === release);
  if (!e) throw new Error(`no RoleBasedGroup schema for RBG ${release} in ${DATA_DIR}/index.json`);
  return e.file;
}

/** Every CEL rule of a CRD version, with the schema path it sits on. */
export function celRules(file: string): (CelRule & { path: string })[] {
  const out: (CelRule & { path: string })[] = [];
  walkSchema(crdData(file).schema, '', (node, at) => {
    for (const r of node['x-kubernetes-validations'] ?? []) out.push({ path: at, rule: String(r.rule).replace(/\s+/g, ' ').trim(), message: r.message });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Validates one object. Returns human-readable errors, each `Kind/name path: message` with a
 * JSON path such as `spec.roles[0].template.spec.containers[0].bogus`; empty when valid.
 */
export function validateManifest(obj: Manifest, options: ValidateOptions = {}): string[] {
  const label = `${str(obj?.kind) ?? '<no kind>'}/${str(obj?.metadata?.name) ?? '<no name>'}`;
  return rawErrors(obj, options).map((e) => `${label} ${e.path || '<root>'}: ${e.message}`);
}

/** Validates every object (see validateManifest). */
export function validateManifests(objs: readonly Manifest[], options: ValidateOptions = {}): string[] {
  return objs.flatMap((o) => validateManifest(o, options));
}

/**
 * Which schema validateManifest applies to `obj`: `crd:<data file without .json>` (e.g.
 * `crd:workloads.x-k8s.io/RoleBasedGroup.v1alpha2@v0.7.0`), `core:<definition>@<kubernetes
 * version>`, or `none: <why>`.
 */
export function schemaSource(obj: Manifest, options: ValidateOptions = {}): string {
  const sel = selectSchema(obj, options);
  if (sel.kind === 'crd') return `crd:${sel.file.replace(/^crd\//, '').replace(/\.json$/, '')}`;
  if (sel.kind === 'core') return `core:${sel.definition}@${coreData().source.version}`;
  return `none: ${sel.message}`;
}

/** Paths (walkSchema notation) of a CRD where the core PodTemplateSpec is checked too. */
export function podTemplatePaths(file: string): string[] {
  const out: string[] = [];
  walkSchema(crdData(file).schema, '', (node, at) => {
    if (isPodTemplate(node, at)) out.push(at);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Controller-level rules
// ---------------------------------------------------------------------------------------------

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
  | { kind: 'crd'; file: string }
  | { kind: 'core'; definition: string }
  | { kind: 'none'; message: string };

function rawErrors(obj: Manifest, options: ValidateOptions): PathError[] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [{ path: '', message: 'must be an object' }];
  const errors: PathError[] = [];
  if (typeof obj.apiVersion !== 'string' || !obj.apiVersion) errors.push({ path: 'apiVersion', message: 'required string is missing' });
  if (typeof obj.kind !== 'string' || !obj.kind) errors.push({ path: 'kind', message: 'required string is missing' });
  if (errors.length > 0) return errors;

  const sel = selectSchema(obj, options);
  if (sel.kind === 'none') return [{ path: '', message: sel.message }];
  const validate = sel.kind === 'crd' ? crdValidator(sel.file) : coreValidator(sel.definition);
  const defaulted = structuredClone(obj); // Ajv fills in the defaults
  validate(defaulted);
  errors.push(...(validate.errors ?? []).map((e) => ({ path: errorPath(e, defaulted), message: errorMessage(e, defaulted) })));
  if (sel.kind === 'crd' && obj.apiVersion.startsWith(`${RBG_GROUP}/`) && obj.kind === 'RoleBasedGroup') errors.push(...rbgSemanticErrors(obj));
  errors.push(...metadataErrors(obj.metadata));
  return dedupeErrors(errors);
}

function selectSchema(obj: Manifest, options: ValidateOptions): Selection {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const crds = schemaIndex().crds.filter((c) => c.group === group && c.kind === kind);

  if (group === RBG_GROUP && kind === 'RoleBasedGroup') {
    const annotated = obj.metadata?.annotations?.[RBG_TARGET_ANNOTATION];
    const release = options.rbgRelease ?? annotated;
    if (release === undefined) {
      // Not written by this library: the newest targeted release that serves this version.
      const newest = crds.filter((c) => c.version === version).pop();
      return newest ? { kind: 'crd', file: newest.file } : { kind: 'none', message: `no targeted RBG release serves RoleBasedGroup ${version}` };
    }
    const target = crds.find((c) => c.rbgRelease === release);
    if (!target) return { kind: 'none', message: `annotation ${RBG_TARGET_ANNOTATION}="${release}" names no known release (${crds.map((c) => c.rbgRelease).join(', ')})` };
    if (target.version !== version) {
      return { kind: 'none', message: `controller ${release} serves RoleBasedGroup ${target.version}, not ${version} (annotation ${RBG_TARGET_ANNOTATION})` };
    }
    return { kind: 'crd', file: target.file };
  }

  if (crds.length > 0) {
    const served = crds.find((c) => c.version === version);
    if (!served) return { kind: 'none', message: `the committed ${kind} CRD schemas are of ${crds.map((c) => c.version).join(', ')}, not ${version}` };
    return { kind: 'crd', file: served.file };
  }

  const definition = coreData().kinds[`${group ? `${group}/` : ''}${version}/${kind}`];
  if (definition) return { kind: 'core', definition };
  return { kind: 'none', message: `no schema for ${apiVersion} ${kind}: neither a committed CRD nor a core kind in ${DATA_DIR}` };
}

// ---------------------------------------------------------------------------------------------
// Ajv
// ---------------------------------------------------------------------------------------------

let ajvInstance: ReturnType<typeof newAjv> | undefined;
const validators = new Map<string, ValidateFunction>();

function getAjv(): ReturnType<typeof newAjv> {
  if (!ajvInstance) {
    ajvInstance = newAjv();
    ajvInstance.addSchema(coreDocument(coreData().components.schemas));
  }
  return ajvInstance;
}

const coreRef = (name: string): string => `${CORE_ID}#/$defs/${name}`;

function isPodTemplate(node: SchemaNode, at: string): boolean {
  return /\.template$/.test(at) && node.type === 'object' && node.properties?.metadata !== undefined
    && node.properties?.spec?.properties?.containers !== undefined;
}

function crdValidator(file: string): ValidateFunction {
  let v = validators.get(file);
  if (!v) {
    const schema = toJsonSchema(crdData(file).schema, {
      coreRef,
      augment: (at, node) => (isPodTemplate(node, at) ? { $ref: coreRef(POD_TEMPLATE_SPEC_DEF) } : undefined),
    });
    // Top-level metadata is ObjectMeta (CRDs declare only `type: object` there).
    schema.properties = { ...schema.properties, metadata: { $ref: coreRef(OBJECT_META_DEF) } };
    schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])];
    v = getAjv().compile(dedupeSubschemas(schema));
    validators.set(file, v);
  }
  return v;
}

function coreValidator(definition: string): ValidateFunction {
  let v = validators.get(definition);
  if (!v) {
    v = getAjv().compile({
      type: 'object',
      allOf: [{ $ref: coreRef(definition) }],
      properties: { apiVersion: true, kind: true, metadata: true }, // declared by the definition
      required: ['apiVersion', 'kind', 'metadata'],
    });
    validators.set(definition, v);
  }
  return v;
}

/** ObjectMeta rules the API server applies to every top-level object. */
function metadataErrors(meta: any): PathError[] {
  if (meta === undefined || meta === null || typeof meta !== 'object' || Array.isArray(meta)) return [];
  const errors: PathError[] = [];
  if (typeof meta.name !== 'string' || meta.name === '') {
    errors.push({ path: 'metadata.name', message: 'required: every object needs a name' });
  } else if (meta.name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(meta.name)) {
    errors.push({ path: 'metadata.name', message: `"${meta.name}" is not a DNS-1123 subdomain` });
  }
  for (const field of ['labels', 'annotations']) {
    const map = meta[field];
    if (!map || typeof map !== 'object' || Array.isArray(map)) continue; // the schema reports it
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

const UNKNOWN_FIELD = 'unknown field: the schema does not declare it (the API server would prune it, or reject it with strict field validation)';

function errorPath(e: ErrorObject, root: unknown): string {
  const at = pointerToPath(e.instancePath ?? '', root);
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
    case 'type': return `must be ${String(p.type).split(',').join(' or ')} (got ${got()})`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${got()})`;
    case 'format': return `must match format "${p.format}" (got ${got()})`;
    case 'pattern': return `must match pattern ${p.pattern} (got ${got()})`;
    default: return `${e.message ?? `fails ${e.keyword} ${JSON.stringify(p)}`}${e.keyword.startsWith('k8s') ? '' : ` (got ${got()})`}`;
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

function pointerToPath(pointer: string, root: unknown): string {
  let cur: any = root;
  let at = '';
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
