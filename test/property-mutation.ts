/*
 * Changes after construction, for the property test (test/property.test.ts):
 *
 * - mutations: calls on roles (`addEnv`, `addExtraArgs`, `addNodeSelector`, `addPodAnnotation`,
 *   `addDependency`) with good and bad values, kept as data in the spec (`AppSpec.mutations`);
 * - tamper edits: changes to the arrays and objects the caller passed as props (`AppSpec.tamper`),
 *   which the library must have copied.
 *
 * `foldMutations` moves the calls that have a prop of the same meaning (env, extraArgs,
 * nodeSelector) into the props: the property test requires the folded spec, built without tamper
 * edits, to give the same outcome (the same problems, or the same bytes) as the spec built and then
 * changed. The other calls (annotations, dependencies) have oracles of their own.
 */
import fc from 'fast-check';
import { SglangRole } from '../lib';
import {
  AppSpec, Built, EXPANSION_TEXT, GroupSpec, Mutation, RoleKey, RoleRef, ServerSpec, TamperEdit, YAML11_TEXT,
  badExtraArgs, buildApp, configurations, isBadExtraArgs, isValidExtraArgs, markBadExtraArgs, markValidExtraArgs, validExtraArgs,
} from './property-support';

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const ROLES: RoleKey[] = ['prefill', 'decode', 'router'];
const roleRef: fc.Arbitrary<RoleRef> = fc.record({ group: fc.nat(1), role: fc.constantFrom(...ROLES) });

/** Annotation the router's Kubernetes discovery reads the prefill bootstrap port from. */
export const BOOTSTRAP_PORT_ANNOTATION = 'sglang.ai/bootstrap-port';

/** `addExtraArgs` arguments for a role: well-formed ones, refused ones, and `--dtype` on one side. */
function extraArgsFor(role: RoleKey): fc.Arbitrary<string[]> {
  const program = role === 'router' ? 'router' : 'server';
  const options: Array<fc.WeightedArbitrary<string[]>> = [
    { weight: 4, arbitrary: validExtraArgs(program, role === 'decode' ? ['--disaggregation-bootstrap-port'] : [], 2).filter((a) => a.length > 0) },
    { weight: 2, arbitrary: badExtraArgs(program) },
  ];
  if (program === 'server') options.push({ weight: 1, arbitrary: fc.constantFrom('float16', 'bfloat16').map((d) => markValidExtraArgs(['--dtype', d])) });
  return fc.oneof(...options);
}

const envName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('LOG_LEVEL', 'HF_HOME', 'MY_VAR', 'a.b-c') },
  // Names the library sets itself, and names the API server refuses.
  { weight: 2, arbitrary: fc.constantFrom('SGLANG_HOST_IP', 'POD_NAMESPACE', '1ABC', 'A B', '', 'X$(Y)', 'a=b') },
);
const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('info', 'x', '') },
  { weight: 2, arbitrary: fc.constantFrom(...EXPANSION_TEXT, ...YAML11_TEXT) },
  { weight: 1, arbitrary: fc.constantFrom('a\u0001b', 'two\nlines', 'ü', '-x', 'v'.repeat(64)) },
);
const labelKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('pool', 'example.com/zone', 'node.kubernetes.io/instance-type') },
  { weight: 2, arbitrary: fc.constantFrom('a/b/c', '/x', '-x', 'A B', '', 'k'.repeat(64), '0o17', 'yes') },
);
const annotationKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('example.com/note', 'note', 'prometheus.io/scrape') },
  { weight: 1, arbitrary: fc.constant(BOOTSTRAP_PORT_ANNOTATION) },
  { weight: 2, arbitrary: fc.constantFrom('a/b/c', '', 'A B', '-x', '0o17') },
);

/** One call on a role. */
export const mutation: fc.Arbitrary<Mutation> = roleRef.chain((at): fc.Arbitrary<Mutation> => fc.oneof(
  fc.record({ op: fc.constant('addEnv' as const), name: envName, value: anyValue }).map((m) => ({ ...at, ...m })),
  extraArgsFor(at.role).map((args) => ({ ...at, op: 'addExtraArgs' as const, args })),
  fc.record({ op: fc.constant('addNodeSelector' as const), key: labelKey, value: anyValue }).map((m) => ({ ...at, ...m })),
  fc.record({ op: fc.constant('addPodAnnotation' as const), key: annotationKey, value: anyValue }).map((m) => ({ ...at, ...m })),
  roleRef.map((on) => ({ ...at, op: 'addDependency' as const, on })),
));

export const tamperEdit: fc.Arbitrary<TamperEdit> = fc.record({
  target: fc.nat(40),
  edit: fc.constantFrom<TamperEdit['edit']>('push', 'clear', 'overwrite', 'addKey', 'deleteKey'),
});

/**
 * Every kind of configuration: a third clean, a third with about one odd field, a third wild;
 * a fifth with calls on roles after construction, a tenth with tamper edits.
 */
export const appSpec: fc.Arbitrary<AppSpec> = fc.tuple(
  fc.oneof(...(['clean', 8, 1] as const).map((w) => configurations(w, { wholeApp: true }))),
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }) }),
  fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.array(tamperEdit, { minLength: 1, maxLength: 3 }) }),
).map(([spec, mutations, tamper]) => ({
  ...spec,
  ...(mutations === undefined ? {} : { mutations }),
  ...(tamper === undefined ? {} : { tamper }),
}));

// ---------------------------------------------------------------------------------------------
// Building with changes
// ---------------------------------------------------------------------------------------------

function roleOf(built: Built, ref: RoleRef): SglangRole {
  return built.groups[ref.group % built.groups.length][ref.role];
}

/** Applies the calls of `mutations` to the built roles. */
export function applyMutations(built: Built, mutations: readonly Mutation[] | undefined): void {
  for (const m of mutations ?? []) {
    const role = roleOf(built, m);
    switch (m.op) {
      case 'addEnv': role.addEnv(m.name, m.value); break;
      case 'addExtraArgs': role.addExtraArgs(...m.args); break;
      case 'addNodeSelector': role.addNodeSelector(m.key, m.value); break;
      case 'addPodAnnotation': role.addPodAnnotation(m.key, m.value); break;
      default: role.addDependency(roleOf(built, m.on));
    }
  }
}

const isPlain = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x)
  && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);

/** Changes one value in place: a different one of the same kind where it can. */
function overwrite(container: Record<string, unknown> | unknown[], key: string | number): void {
  const v = (container as Record<string | number, unknown>)[key];
  const set = (x: unknown) => { (container as Record<string | number, unknown>)[key] = x; };
  if (Array.isArray(v)) v.push('--tp-size', '8');
  else if (isPlain(v)) {
    const k = Object.keys(v)[0];
    if (k === undefined) v.SGLANG_HOST_IP = 'x';
    else overwrite(v, k);
  } else if (typeof v === 'string') set(`${v}$(X)`);
  else if (typeof v === 'number') set(v === 1 ? 2 : 1);
  else if (typeof v === 'boolean') set(!v);
  else set('changed');
}

/** Applies the tamper edits to the arrays and objects the caller passed. */
export function applyTamper(built: Built, tamper: readonly TamperEdit[] | undefined): void {
  if (built.inputs.length === 0) return;
  for (const t of tamper ?? []) {
    const x = built.inputs[t.target % built.inputs.length];
    if (Array.isArray(x)) {
      switch (t.edit) {
        case 'push': case 'addKey': x.push('--tp-size', '8'); break;
        case 'clear': case 'deleteKey': x.length = 0; break;
        default: if (x.length > 0) overwrite(x, 0); else x.push('$(X)');
      }
    } else {
      const o = x as Record<string, unknown>;
      const first = Object.keys(o)[0];
      switch (t.edit) {
        case 'push': case 'addKey': o.SGLANG_HOST_IP = '0o17'; break;
        case 'clear': for (const k of Object.keys(o)) delete o[k]; break;
        case 'deleteKey': if (first !== undefined) delete o[first]; break;
        default: if (first !== undefined) overwrite(o, first); else o.replicas = 7;
      }
    }
  }
}

/**
 * A deep copy of plain data (NaN, undefined and -0 included), so tamper edits never reach the spec.
 * Not structuredClone: under jest its copies are objects of another realm, whose prototype is not
 * this realm's Object.prototype.
 */
function clone<T>(x: T): T {
  if (Array.isArray(x)) return x.map(clone) as T;
  if (x === null || typeof x !== 'object') return x;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, clone(v)])) as T;
}

/**
 * Builds `spec`, then applies its calls and tamper edits. With tamper edits the constructs are given
 * a copy of the spec's data, so the spec itself is never changed.
 */
export function materialize(spec: AppSpec, outdir: string): Built {
  const built = buildApp(spec.tamper === undefined ? spec : clone(spec), outdir);
  applyMutations(built, spec.mutations);
  applyTamper(built, spec.tamper);
  return built;
}

// ---------------------------------------------------------------------------------------------
// Folding calls into props
// ---------------------------------------------------------------------------------------------

/** True when `spec` has calls or edits whose effect the folded spec must reproduce. */
export function needsEquivalence(spec: AppSpec): boolean {
  return spec.tamper !== undefined || (spec.mutations ?? []).some((m) => FOLDABLE.has(m.op));
}

const FOLDABLE = new Set<Mutation['op']>(['addEnv', 'addExtraArgs', 'addNodeSelector']);

/**
 * `spec` with the env, extraArgs and nodeSelector calls moved into the props (as one would pass
 * them), no tamper edits, and the other calls kept. extraArgs composed of generated ones keep their
 * mark: refused for certain when a part is (and a refused part appended starts with a flag, so it
 * cannot be read as the value of the flag before it), well-formed when every part is.
 */
export function foldMutations(spec: AppSpec): AppSpec {
  const groups: GroupSpec[] = [spec.group, ...(spec.second === undefined ? [] : [spec.second.group])];
  const kept: Mutation[] = [];
  for (const m of spec.mutations ?? []) {
    if (!FOLDABLE.has(m.op)) {
      kept.push(m);
      continue;
    }
    const gi = m.group % groups.length;
    const g = groups[gi];
    const r: { -readonly [K in keyof ServerSpec]: ServerSpec[K] } = { ...(g[m.role] ?? {}) };
    if (m.op === 'addEnv') {
      r.env = { ...(r.env ?? {}), [m.name]: m.value };
    } else if (m.op === 'addNodeSelector') {
      r.nodeSelector = { ...(r.nodeSelector ?? {}), [m.key]: m.value };
    } else if (m.op === 'addExtraArgs') {
      const base = r.extraArgs ?? (m.role === 'router' ? undefined : g.engine?.extraArgs);
      const args = [...(base ?? []), ...m.args];
      if (isBadExtraArgs(base) || (isBadExtraArgs(m.args) && m.args[0]?.startsWith('-'))) markBadExtraArgs(args);
      if ((base === undefined || isValidExtraArgs(base)) && isValidExtraArgs(m.args)) markValidExtraArgs(args);
      r.extraArgs = args;
    }
    groups[gi] = { ...g, [m.role]: r };
  }
  const { tamper: _t, mutations: _m, ...rest } = spec;
  return {
    ...rest,
    group: groups[0],
    ...(spec.second === undefined ? {} : { second: { ...spec.second, group: groups[1] } }),
    ...(kept.length > 0 ? { mutations: kept } : {}),
  };
}
