/**
 * The CRDs' CEL rules (`x-kubernetes-validations`), evaluated by @bufbuild/cel, a CEL
 * implementation that passes the cel-spec conformance suite.
 *
 * What is written here, because it is how the API server binds `self` and no CEL library knows
 * the Kubernetes schema (apiextensions-apiserver's "CEL type mapping"):
 * - `self` is typed by the structural schema of the node the rule sits on: `integer` (and the
 *   integer side of int-or-string) is a CEL int, `number` a double; object fields are selected
 *   by their escaped names (`namespace` -> `__namespace__`, `-` -> `__dash__`, ...), while the keys
 *   of maps (`additionalProperties`) are used as they are.
 * - A rule that reads `oldSelf` is a transition rule: the API server runs it on updates only, and
 *   these checks are of objects being created, so it does not apply.
 * - Strings with format date-time, date, duration or byte would be CEL timestamps, durations or
 *   bytes; no rule of the committed CRDs reads one, so instead of guessing, reaching one throws.
 */
import { CelResult, celEnv, isCelError, parse, plan } from '@bufbuild/cel';

/** One entry of `x-kubernetes-validations`. */
export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
}

type SchemaNode = { [key: string]: any };
type Program = (bindings: { self: unknown }) => CelResult;

const env = celEnv();
const programs = new Map<string, Program>();

/** Parses and plans a rule once; throws on a rule the library cannot parse or plan. */
export function compileRule(rule: string): Program {
  let p = programs.get(rule);
  if (!p) {
    p = plan(env, parse(rule)) as Program;
    programs.set(rule, p);
  }
  return p;
}

/** Whether a rule is a transition rule (reads `oldSelf`). */
export function isTransitionRule(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

/** Errors of the rules on one schema node for `data`, the value at that node. */
export function celErrors(rules: readonly CelRule[], data: unknown, node: SchemaNode): string[] {
  if (data === null || data === undefined) return [];
  const self = toCel(data, node);
  const errors: string[] = [];
  for (const r of rules) {
    if (isTransitionRule(r.rule)) continue;
    const result = compileRule(r.rule)({ self });
    const rule = r.rule.replace(/\s+/g, ' ').trim();
    if (isCelError(result)) errors.push(`CEL rule could not be evaluated: ${result.message} (x-kubernetes-validations: ${rule})`);
    else if (result !== true) errors.push(`${r.message ?? `failed rule: ${rule}`} (x-kubernetes-validations: ${rule})`);
  }
  return errors;
}

const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** The name under which CEL sees an object field, or undefined when it cannot see it. */
export function escapeFieldName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

const UNTYPED_FORMATS = new Set(['date-time', 'date', 'duration', 'byte']);

/** A JSON value as the CEL value the API server binds for it under schema `node`. */
export function toCel(value: unknown, node: SchemaNode | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => toCel(v, node?.items));
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (node?.properties) {
      const out = new Map<string, unknown>();
      for (const [k, v] of entries) {
        const child = node.properties[k];
        if (child === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) continue; // pruned
        const name = escapeFieldName(k);
        if (name !== undefined) out.set(name, toCel(v, child));
      }
      return out;
    }
    const child = typeof node?.additionalProperties === 'object' ? node.additionalProperties : undefined;
    return new Map(entries.map(([k, v]) => [k, toCel(v, child)]));
  }
  if (typeof value === 'number') {
    const integral = Number.isInteger(value);
    if (node?.['x-kubernetes-int-or-string'] === true || node?.type === 'integer' || node?.type === undefined) return integral ? BigInt(value) : value;
    return value;
  }
  if (typeof value === 'string' && node?.format !== undefined && UNTYPED_FORMATS.has(node.format)) {
    throw new Error(`a CEL rule reads a string of format ${node.format}, which test/schema/cel.ts does not type yet`);
  }
  return value;
}
