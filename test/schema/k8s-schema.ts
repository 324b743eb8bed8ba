/**
 * Kubernetes structural schemas (CRD `openAPIV3Schema`s and the core OpenAPI v3 definitions, as
 * committed in test/schema/data/) compiled by Ajv in strict mode, with the API server's reading of
 * them:
 *
 * - an object schema that declares `properties`, has no `additionalProperties` and no
 *   `x-kubernetes-preserve-unknown-fields: true` is closed: `additionalProperties: false` (a
 *   field it does not declare would be pruned, or rejected under strict field validation).
 *   Nodes under allOf/anyOf/oneOf/not only add value checks (structural schemas forbid declaring
 *   fields there), so they stay open. `type: object` without properties is free-form.
 * - `x-kubernetes-int-or-string` and the core IntOrString become `type: [integer, string]`; the
 *   core Quantity becomes `type: [string, number]` with the `quantity` string format (the same
 *   pattern controller-gen writes into CRDs for resource.Quantity).
 * - `x-kubernetes-embedded-resource` declares apiVersion, kind and metadata.
 * - `x-kubernetes-list-type: set` is `uniqueItems`; `map` is the `k8sListMapKeys` keyword below.
 * - `x-kubernetes-validations` (CEL) is the `k8sCel` keyword, evaluated by @bufbuild/cel (see
 *   cel.ts) after the node's children, on the defaulted value (`useDefaults`, as the API server
 *   defaults before it validates).
 * - Annotations without a validation meaning (patch strategy, map type, unions, ...) are dropped.
 *
 * Why this rewrite is written here: Ajv validates JSON Schema, and no npm package turns the
 * Kubernetes dialect (the x-kubernetes-* extensions, "closed unless preserve-unknown-fields") into
 * it; the rules above are the whole of it.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { celErrors, CelRule } from './cel';

/** A node of a structural schema, as committed. */
export type SchemaNode = { [key: string]: any };

/** `$id` of the core definitions inside the Ajv instance. */
export const CORE_ID = 'k8s-core';
export const QUANTITY_DEF = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING_DEF = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const OBJECT_META_DEF = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const POD_TEMPLATE_SPEC_DEF = 'io.k8s.api.core.v1.PodTemplateSpec';

/** resource.Quantity in serialized form (the pattern controller-gen puts on Quantity fields). */
export const QUANTITY_PATTERN = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** Extensions that carry no validation (read by apply/patch, clients or docs only). */
const ANNOTATIONS = new Set([
  'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key', 'x-kubernetes-map-type', 'x-kubernetes-unions',
  'x-kubernetes-group-version-kind', 'x-kubernetes-list-map-keys', // list-map-keys is read with list-type
]);
const HANDLED = new Set([
  'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type', 'x-kubernetes-validations',
]);

export interface ConvertOptions {
  /** Where core `$ref`s (`#/components/schemas/X`) point: inside the core document, or from outside it. */
  readonly coreRef: (name: string) => string;
  /**
   * Extra JSON Schema (e.g. a `$ref` to the core PodTemplateSpec) to apply at a node, by the node's
   * path in walkSchema notation (`.spec.roles[].template`).
   */
  readonly augment?: (at: string, node: SchemaNode) => SchemaNode | undefined;
  /** Drop `default`s (see coreDocument). */
  readonly dropDefaults?: boolean;
}

/** Converts one structural schema node (and its children) to strict JSON Schema. */
export function toJsonSchema(node: SchemaNode, options: ConvertOptions, at = '', inJunction = false): SchemaNode {
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description' || ANNOTATIONS.has(k) || HANDLED.has(k) || (k === 'default' && options.dropDefaults)) continue;
    if (k.startsWith('x-')) throw new Error(`schema extension ${k} at ${at || '<root>'} has no meaning here yet: teach test/schema/k8s-schema.ts`);
    switch (k) {
      case 'properties':
        out.properties = Object.fromEntries(Object.entries(v as SchemaNode).map(([p, c]) => [p, toJsonSchema(c, options, `${at}.${p}`, inJunction)]));
        break;
      case 'items':
        out.items = toJsonSchema(v, options, `${at}[]`, inJunction);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof v === 'object' ? toJsonSchema(v, options, `${at}{}`, inJunction) : v;
        break;
      case 'not':
        out.not = toJsonSchema(v, options, at, true);
        break;
      case 'allOf': case 'anyOf': case 'oneOf':
        out[k] = (v as SchemaNode[]).map((c) => toJsonSchema(c, options, at, true));
        break;
      case '$ref': {
        const m = /^#\/components\/schemas\/(.+)$/.exec(v);
        if (!m) throw new Error(`unexpected $ref ${v}`);
        out.$ref = options.coreRef(m[1]);
        break;
      }
      case 'format':
        if (v !== 'int-or-string') out.format = v; // the core IntOrString: its type says it
        break;
      default:
        out[k] = v;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    out.type = ['integer', 'string'];
    // controller-gen also writes anyOf [integer, string]: the type says it already.
    if (Array.isArray(out.anyOf) && out.anyOf.every((b: SchemaNode) => Object.keys(b).length === 1 && (b.type === 'integer' || b.type === 'string'))) delete out.anyOf;
  }
  if (node['x-kubernetes-embedded-resource'] === true) {
    out.type = 'object';
    out.properties = {
      apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: options.coreRef(OBJECT_META_DEF) }, ...out.properties,
    };
    out.required = [...new Set([...(out.required ?? []), 'apiVersion', 'kind'])];
  }
  const listType = node['x-kubernetes-list-type'];
  if (listType === 'set') out.uniqueItems = true;
  if (listType === 'map') out.k8sListMapKeys = node['x-kubernetes-list-map-keys'] ?? [];
  const rules = node['x-kubernetes-validations'];
  if (Array.isArray(rules) && rules.length > 0) {
    out.k8sCel = { at, rules: rules.map((r: any): CelRule => ({ rule: String(r.rule), message: r.message, messageExpression: r.messageExpression })), node };
  }
  const closed = out.properties !== undefined && out.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true;
  if (closed && !inJunction) {
    if (out.type === undefined) out.type = 'object';
    out.additionalProperties = false;
  }
  const extra = options.augment?.(at, node);
  if (extra) out.allOf = [...(out.allOf ?? []), extra];
  return out;
}

/**
 * The core definitions as one JSON Schema document with `$defs`. Their `default`s are dropped:
 * in the published OpenAPI of built-in types they only mark Go zero values (`maxReplicas:
 * {default: 0}`), the API server does not default built-in objects from the schema, and a
 * missing required field must stay missing.
 */
export function coreDocument(schemas: Record<string, SchemaNode>): SchemaNode {
  const coreRef = (name: string) => `#/$defs/${name}`;
  const defs: Record<string, SchemaNode> = {};
  for (const [name, def] of Object.entries(schemas)) {
    if (name === QUANTITY_DEF) defs[name] = { type: ['string', 'number'], format: 'quantity' };
    else if (name === INT_OR_STRING_DEF) defs[name] = { type: ['integer', 'string'] };
    else defs[name] = toJsonSchema(def, { coreRef, dropDefaults: true }, `#${name}`);
  }
  return { $id: CORE_ID, $defs: defs };
}

/** One Ajv for everything: strict mode, Kubernetes formats and the two keywords. */
export function newAjv(): Ajv {
  const ajv = new Ajv({
    strict: true,
    // Kubernetes int-or-string and Quantity fields are union types.
    allowUnionTypes: true,
    allErrors: true,
    // The API server applies the schemas' defaults before it validates (and before CEL runs):
    // validate a copy.
    useDefaults: true,
  });
  addFormats(ajv, ['date-time', 'byte', 'int32', 'int64']);
  ajv.addFormat('quantity', { type: 'string', validate: (s: string) => QUANTITY_PATTERN.test(s) });
  ajv.addKeyword({
    keyword: 'k8sListMapKeys',
    type: 'array',
    schemaType: 'array',
    errors: true,
    validate: function listMapKeys(keys: string[], data: unknown[]): boolean {
      const seen = new Map<string, number>();
      const errs: Partial<ErrorObject>[] = [];
      data.forEach((item: any, i) => {
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
    schemaType: 'object',
    post: true, // after the children, so that `self` sees their defaults
    errors: true,
    validate: function cel(spec: { at: string; rules: CelRule[]; node: SchemaNode }, data: unknown): boolean {
      const errs = celErrors(spec.rules, data, spec.node).map((message): Partial<ErrorObject> => ({ keyword: 'k8sCel', message, params: {} }));
      (cel as any).errors = errs;
      return errs.length === 0;
    },
  });
  return ajv;
}

export type { ValidateFunction };

/** Visits every schema node with its path (`.spec.roles[]`), not descending into $refs. */
export function walkSchema(node: SchemaNode, at: string, f: (node: SchemaNode, at: string) => void): void {
  if (!node || typeof node !== 'object') return;
  f(node, at);
  for (const [k, c] of Object.entries(node.properties ?? {})) walkSchema(c as SchemaNode, `${at}.${k}`, f);
  if (node.items) walkSchema(node.items, `${at}[]`, f);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') walkSchema(node.additionalProperties, `${at}{}`, f);
  for (const k of ['allOf', 'anyOf', 'oneOf']) (node[k] ?? []).forEach((c: SchemaNode) => walkSchema(c, at, f));
}

/**
 * Moves repeated subschemas (the Container, Probe, PodSpec... copies inside a CRD) to `$defs`, so
 * that Ajv compiles each once (several times faster for the RoleBasedGroup CRDs). Ajv has no
 * such option; the result validates exactly like the input.
 */
export function dedupeSubschemas(root: SchemaNode): SchemaNode {
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
  const defs: Record<string, SchemaNode> = {};
  const names = new Map<string, string>();
  const mapChildren = (n: SchemaNode, f: (c: SchemaNode) => SchemaNode): SchemaNode => {
    const o = { ...n };
    if (n.properties) o.properties = Object.fromEntries(Object.entries(n.properties).map(([p, c]) => [p, f(c as SchemaNode)]));
    for (const k of ['items', 'additionalProperties', 'not']) if (n[k] && typeof n[k] === 'object') o[k] = f(n[k]);
    for (const k of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(n[k])) o[k] = n[k].map(f);
    return o;
  };
  const rewrite = (n: SchemaNode, top: boolean): SchemaNode => {
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
  if (Object.keys(defs).length > 0) out.$defs = defs;
  return out;
}
