/*
 * The checks of the property test (test/property.test.ts): `checkConfig(spec, outdir)` builds one
 * configuration (with its calls and tamper edits) and throws unless it synthesizes cleanly or is
 * refused properly. To look at a counterexample printed by fast-check, paste its spec into
 * `checkConfig` (or `materialize`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing, Yaml, YamlOutputType } from 'cdk8s';
import { CapacityReport, SglangPdValidationError, SglangServerRole, ValidationProblem, synthesize, validate } from '../lib';
import {
  AppSpec, Built, FORBIDDEN_TEXT, GroupSpec, Mutation, RoleKey, ServerSpec, UNSERIALISABLE, VolumeSpec, YAML_JUNK,
  apiServerProblems, chartIndex, chartNamespaces, isBadExtraArgs, isValidExtraArgs, junkValues, labelValue, podTemplates, qualifiedName,
} from './property-support';
import { BOOTSTRAP_PORT_ANNOTATION, foldMutations, materialize, needsEquivalence } from './property-mutation';
import { expandAll, manifestObjects, readTree, yaml11Problems } from './property-output';
import { line } from './support/check';
import { validateManifests } from './schema/strict-schema';

/** Outcomes so far (the property test reports them). */
export const stats = { ok: 0, refused: 0, synthesizedToDisk: 0, refusedToDisk: 0, equivalence: 0, yaml11: 0, ms: {} as Record<string, number> };

/** Runs `f`, adding its time to `stats.ms[phase]`. */
function timed<T>(phase: string, f: () => T): T {
  const t = performance.now();
  try {
    return f();
  } finally {
    stats.ms[phase] = (stats.ms[phase] ?? 0) + performance.now() - t;
  }
}

// ---------------------------------------------------------------------------------------------
// The oracle: fields that are wrong for certain, whatever else the config holds
// ---------------------------------------------------------------------------------------------

const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ROLES: RoleKey[] = ['prefill', 'decode', 'router'];

/** A problem that must be reported: a path (its end, or a pattern) and a field (or a pattern). */
export type Fault = readonly [string | RegExp, string | RegExp];

const matches = (want: string | RegExp, got: string, suffix: boolean) =>
  (typeof want === 'string' ? (suffix ? got.endsWith(want) : got === want) : want.test(got));

/** The groups of a spec with their construct id and volume. */
function groupsOf(spec: AppSpec): Array<{ id: string; g: GroupSpec; v: VolumeSpec; vid: string; chart: number | undefined }> {
  const out = [{ id: 'pd', g: spec.group, v: spec.volume, vid: 'model' }];
  if (spec.second !== undefined) {
    out.push({ id: 'pd2', g: spec.second.group, v: spec.second.volume ?? spec.volume, vid: spec.second.volume === undefined ? 'model' : 'model2' });
  }
  // A group without a chart of its own is created in its volume's.
  return out.map((x) => ({ ...x, chart: x.g.chart ?? x.v.chart }));
}

function volumesOf(spec: AppSpec): Array<{ id: string; v: VolumeSpec }> {
  return [{ id: 'model', v: spec.volume }, ...(spec.second?.volume === undefined ? [] : [{ id: 'model2', v: spec.second.volume }])];
}

const nsOf = (spec: AppSpec, chart: number | undefined) => chartNamespaces(spec)[chartIndex(spec, chart)] ?? 'default';
const chartId = (spec: AppSpec, chart: number | undefined) => (chartIndex(spec, chart) === 0 ? 'test' : `test${chartIndex(spec, chart)}`);

/** The server options a role runs with: the engine's, overridden key by key by the role's own. */
function effective(g: GroupSpec, role: 'prefill' | 'decode'): ServerSpec {
  const defined = (o: object | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined));
  return { ...defined(g.engine), ...defined(g[role]) } as ServerSpec;
}

/** The extraArgs a role runs with (the engine's are the servers' default). */
function roleExtraArgs(g: GroupSpec, role: RoleKey): string[] | undefined {
  return role === 'router' ? g.router?.extraArgs : effective(g, role).extraArgs;
}

/** True when JSON cannot hold `v` as it is (or it is a marker for such a value). */
function notJson(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  if (UNSERIALISABLE in v) return true;
  return Object.values(v).some(notJson);
}

/** A string where a Size belongs (a JavaScript caller). */
const plainStringSize = (s: unknown) => typeof s === 'string';

/** A mount path that is certainly refused: relative, climbing, "$", ":", ",", "\\", or "/" itself. */
function badMountPath(mp: unknown): boolean {
  if (typeof mp !== 'string') return true;
  return !mp.startsWith('/') || mp.split('/').includes('..') || /[$:,\\]/.test(mp) || path.posix.normalize(mp) === '/';
}

/** A report file name `synthesize()` certainly refuses: a folder, a path, no ".md", ".." or empty. */
export function badReportFile(f: string | undefined): boolean {
  return f !== undefined && (f.length === 0 || /[/\\]/.test(f) || f.includes('..') || !f.endsWith('.md'));
}

/** Role dependencies after the calls: owner -> dependencies, as [group index, role]. */
function dependencies(spec: AppSpec): Map<string, Array<[number, RoleKey]>> {
  const n = spec.second === undefined ? 1 : 2;
  const deps = new Map<string, Array<[number, RoleKey]>>();
  for (let gi = 0; gi < n; gi++) {
    deps.set(`${gi}/prefill`, []);
    deps.set(`${gi}/decode`, []);
    deps.set(`${gi}/router`, [[gi, 'prefill'], [gi, 'decode']]);
  }
  for (const m of spec.mutations ?? []) {
    if (m.op !== 'addDependency') continue;
    const list = deps.get(`${m.group % n}/${m.role}`)!;
    const on: [number, RoleKey] = [m.on.group % n, m.on.role];
    if (!list.some(([g, r]) => g === on[0] && r === on[1])) list.push(on);
  }
  return deps;
}

/** True when the dependencies of group `gi` (within the group) form a cycle. */
function hasCycle(deps: Map<string, Array<[number, RoleKey]>>, gi: number): boolean {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (key: string): boolean => {
    if (state.get(key) === 'done') return false;
    if (state.get(key) === 'visiting') return true;
    state.set(key, 'visiting');
    const cyclic = (deps.get(key) ?? []).filter(([g]) => g === gi).some(([g, r]) => visit(`${g}/${r}`));
    state.set(key, 'done');
    return cyclic;
  };
  return ROLES.some((r) => visit(`${gi}/${r}`));
}

/**
 * Problems that must be reported for `spec` (with its env, extraArgs and nodeSelector calls
 * already folded into the props, see foldMutations).
 */
export function certainFaults(spec: AppSpec): Fault[] {
  const out: Fault[] = [];
  const n = spec.second === undefined ? 1 : 2;
  const groups = groupsOf(spec);
  for (const [gi, { id, g }] of groups.entries()) {
    const P = `/${id}`;
    if (!(typeof g.name === 'string' && g.name.length <= 63 && DNS_LABEL.test(g.name))) out.push([P, 'name']);
    const http = g.httpPort ?? 8000;
    const bootstrap = g.bootstrapPort ?? 34000;
    if (!isInt(bootstrap, 1, 65535) || bootstrap === http) out.push([`${P}/prefill`, 'bootstrapPort']);
    for (const role of ROLES) {
      const at = `${P}/${role}`;
      if (!isInt(http, 1, 65535)) out.push([at, 'httpPort']);
      const own = g[role] ?? {};
      if (!isInt(own.replicas ?? 1, 1, 1000)) out.push([at, 'replicas']);
      const image = own.image ?? g.image;
      if (image !== undefined && (image.length === 0 || /\s/.test(image))) out.push([at, 'image']);
      const cpu = own.cpu;
      if (cpu !== undefined && !(Number.isFinite(cpu) && cpu > 0 && Number.isInteger(cpu * 1000))) out.push([at, 'cpu']);
      if (plainStringSize(own.memory)) out.push([at, 'memory']);
      for (const name of Object.keys(own.env ?? {})) {
        if (['SGLANG_HOST_IP', 'POD_NAMESPACE'].includes(name) || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) out.push([at, 'env']);
      }
      for (const [key, value] of Object.entries(own.nodeSelector ?? {})) {
        if (!qualifiedName(key)) out.push([at, 'nodeSelector']);
        else if (!labelValue(value)) out.push([at, `nodeSelector.${key}`]);
      }
      if (role === 'router') {
        const r = g.router ?? {};
        const mp = r.metricsPort ?? 29000;
        if (!isInt(mp, 1, 65535) || mp === http) out.push([at, 'router.metricsPort']);
        if (r.discovery !== undefined && !['static', 'kubernetes'].includes(r.discovery)) out.push([at, 'router.discovery']);
        if (r.policy !== undefined && !['random', 'round_robin', 'cache_aware', 'power_of_two', 'bucket', 'manual', 'consistent_hashing', 'prefix_hash'].includes(r.policy)) out.push([at, 'router.policy']);
        if (isBadExtraArgs(r.extraArgs)) out.push([at, 'extraArgs']);
        continue;
      }
      const s = effective(g, role);
      if (!isInt(s.tensorParallelSize ?? 1, 1, 64)) out.push([at, 'tensorParallelSize']);
      if (!isInt(s.dataParallelSize ?? 1, 1, 64)) out.push([at, 'dataParallelSize']);
      if (s.memFractionStatic !== undefined && !(s.memFractionStatic > 0 && s.memFractionStatic < 1)) out.push([at, 'memFractionStatic']);
      for (const f of ['contextLength', 'chunkedPrefillSize', 'maxRunningRequests', 'pageSize'] as const) {
        if (s[f] !== undefined && !isInt(s[f], 1, 16_777_216)) out.push([at, f]);
      }
      if (s.kvCacheDtype !== undefined && !['auto', 'fp8_e5m2', 'fp8_e4m3', 'bf16'].includes(s.kvCacheDtype)) out.push([at, 'kvCacheDtype']);
      if (s.transferBackend !== undefined && !['mooncake', 'nixl', 'mooncake_tcp', 'ascend', 'mori'].includes(s.transferBackend)) out.push([at, 'transferBackend']);
      if (s.transferBackend !== undefined && ['mooncake', 'nixl', 'mori'].includes(s.transferBackend) && g.rdma?.kind === 'none') out.push([at, 'transferBackend']);
      if (isBadExtraArgs(s.extraArgs)) out.push([at, 'extraArgs']);
      const o = s.modelOverrideArgs as unknown;
      if (o !== undefined && (o === null || typeof o !== 'object' || Array.isArray(o) || notJson(o))) out.push([at, 'modelOverrideArgs']);
      if (plainStringSize(own.sharedMemory)) out.push([at, 'sharedMemory']);
      if (s.enableMetrics !== undefined && typeof s.enableMetrics !== 'boolean') out.push([at, 'enableMetrics']);
    }
    // --dtype on one side only: both sides must load the model alike.
    const [pa, da] = [roleExtraArgs(g, 'prefill'), roleExtraArgs(g, 'decode')];
    if ([pa, da].every((a) => a === undefined || isValidExtraArgs(a)) && (pa ?? []).includes('--dtype') !== (da ?? []).includes('--dtype')) {
      out.push([P, 'decode.extraArgs']);
    }
    if (g.rbg === 'bogus') out.push([P, 'rbg']);
    // Calls without a prop of the same meaning.
    const annotations = (spec.mutations ?? []).filter((x): x is Extract<Mutation, { op: 'addPodAnnotation' }> => x.op === 'addPodAnnotation' && x.group % n === gi);
    // A later call with the same key replaces the value: only the last one per role and key stays.
    const kept = new Map(annotations.map((m) => [`${m.role}\0${m.key}`, m]));
    for (const m of kept.values()) {
      if (!qualifiedName(m.key)) out.push([`${P}/${m.role}`, 'podAnnotations']);
      else if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(m.value)) out.push([`${P}/${m.role}`, `podAnnotations.${m.key}`]);
    }
    // Kubernetes discovery reads the prefill bootstrap port from an annotation the library owns.
    const bootstrapAnnotation = annotations.filter((m) => m.role === 'prefill' && m.key === BOOTSTRAP_PORT_ANNOTATION).pop();
    if (g.router?.discovery === 'kubernetes' && bootstrapAnnotation !== undefined && bootstrapAnnotation.value !== String(bootstrap)) out.push([`${P}/prefill`, 'podAnnotations']);
  }
  const deps = dependencies(spec);
  for (const [gi, { id }] of groups.entries()) {
    for (const role of ROLES) {
      if (deps.get(`${gi}/${role}`)!.some(([g]) => g !== gi)) out.push([`/${id}`, `${role}.dependencies`]);
    }
    if (hasCycle(deps, gi)) out.push([`/${id}`, /\.dependencies$/]);
  }
  for (const { id, v } of volumesOf(spec)) {
    const at = `/${id}`;
    if ('missing' in v.source) {
      // Without a source nothing else of the volume is checked.
      out.push([at, 'source']);
      continue;
    }
    if (plainStringSize(v.capacity)) out.push([at, 'capacity']);
    if (v.mountPath !== undefined && badMountPath(v.mountPath)) out.push([at, 'mountPath']);
    if ('pvc' in v.source) {
      if (!(v.source.pvc.length <= 253 && DNS_SUBDOMAIN.test(v.source.pvc))) out.push([at, 'source.claimName']);
    } else {
      const claim = v.claimName ?? 'llm-model';
      if (!(claim.length <= 253 && DNS_SUBDOMAIN.test(claim))) out.push([at, 'claimName']);
      const o = v.source.oss;
      if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(o.bucket)) out.push([at, 'source.bucket']);
      if (o.rrsaRoleName !== undefined && (o.credentials !== undefined || o.secretName !== undefined)) out.push([at, 'source.rrsaRoleName']);
    }
  }
  // App-wide: the namespace of each chart holding our constructs, names per namespace,
  // cluster-scoped PersistentVolumes, a group's volume in its namespace.
  const holding = new Set([...groups.map(({ chart }) => chart), ...volumesOf(spec).map(({ v }) => v.chart)].map((c) => chartIndex(spec, c)));
  for (const i of holding) {
    const ns = chartNamespaces(spec)[i];
    if (ns !== undefined && !(ns.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns))) out.push([i === 0 ? 'test' : `test${i}`, 'namespace']);
  }
  const fileable = spec.yamlOutputType === 'FILE_PER_RESOURCE';
  for (const { id, chart, v } of groups) {
    if (nsOf(spec, chart) !== nsOf(spec, v.chart)) out.push([`/${id}`, 'model']);
  }
  if (groups.length === 2) {
    const [a, b] = groups;
    const validName = typeof a.g.name === 'string' && a.g.name.length <= 63 && DNS_LABEL.test(a.g.name);
    if (validName && a.g.name === b.g.name && (fileable || nsOf(spec, a.chart) === nsOf(spec, b.chart))) out.push([/\/pd2?$/, 'name']);
  }
  const vols = volumesOf(spec);
  if (vols.length === 2 && vols.every(({ v }) => 'oss' in v.source)) {
    const [a, b] = vols.map(({ v }) => v.claimName ?? 'llm-model');
    if (a === b && a.length <= 63 && DNS_SUBDOMAIN.test(a)) out.push([/\/model2?$/, 'name']);
  }
  return out;
}

/**
 * Problems that must not be reported: two groups of one name in different namespaces (written to
 * different files) do not clash with each other.
 */
function forbiddenProblems(spec: AppSpec, problems: readonly ValidationProblem[]): string[] {
  const groups = groupsOf(spec);
  if (groups.length < 2 || spec.yamlOutputType === 'FILE_PER_RESOURCE') return [];
  const [a, b] = groups;
  if (nsOf(spec, a.chart) === nsOf(spec, b.chart)) return [];
  const paths = [`${chartId(spec, a.chart)}/${a.id}`, `${chartId(spec, b.chart)}/${b.id}`];
  return problems.filter((p) => p.field === 'name' && paths.some((x, i) => p.path === x && p.message.startsWith(`clashes with ${paths[1 - i]}:`))).map(line);
}

// ---------------------------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------------------------

function hasNaN(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  return Object.values(value as Record<string, unknown>).some((v) => hasNaN(v, seen));
}

/** The AccessKey strings the user passed (long enough to search for). */
export function secretsOf(spec: AppSpec): string[] {
  return [spec.volume, spec.second?.volume].flatMap((v) => {
    const c = v !== undefined && 'oss' in v.source ? v.source.oss.credentials : undefined;
    return c === undefined ? [] : [c.accessKeyId, c.accessKeySecret].filter((s) => s.length >= 8);
  });
}

/** Every chart's objects, validating the whole app first (as synthesize() does). */
function synthAll(built: Built): any[][] {
  const { errors } = validate(built.app);
  if (errors.length > 0) throw new SglangPdValidationError(errors);
  return built.charts.map((c) => Testing.synth(c));
}

type Outcome = { refused: string[] } | { yaml: string[] };

/**
 * A refusal as the equivalence check compares it: path, field and message. Not the value: a value of
 * the wrong type (an object where a number belongs) is kept as given for the rules to report, so a
 * caller's later edit of it shows in the message's value, while the refusal stays.
 */
function refusal(e: SglangPdValidationError): Outcome {
  return { refused: e.problems.map((p) => `${p.path} ${p.field}: ${p.message}`).sort() };
}

function outcomeOf(run: () => any[][]): Outcome {
  try {
    return { yaml: run().map((objs) => Yaml.stringify(...objs)) };
  } catch (e) {
    if (!(e instanceof SglangPdValidationError)) throw e;
    return refusal(e);
  }
}

/** The spec built with its calls folded into props and without tamper edits gives the same outcome. */
function checkEquivalence(spec: AppSpec, outcome: Outcome, outdir: string): void {
  const folded = foldMutations(spec);
  const again = timed('equivalence', () => outcomeOf(() => synthAll(materialize(folded, outdir))));
  if (JSON.stringify(again) !== JSON.stringify(outcome)) {
    throw new Error(`calls after construction or edits of the caller's props changed the outcome:\n  with them: ${JSON.stringify(outcome).slice(0, 1500)}\n  folded into the props: ${JSON.stringify(again).slice(0, 1500)}`);
  }
  stats.equivalence++;
}

/** synthesize() into a fresh folder: refused with `field` and nothing written, or the files. */
function synthToDisk(spec: AppSpec): { dir: string; files?: Map<string, string>; error?: SglangPdValidationError; again?: () => Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sglang-pd-property-disk-'));
  const { app } = materialize(spec, dir);
  const write = () => synthesize(app, { log: () => undefined, reportFile: spec.reportFile });
  try {
    write();
  } catch (e) {
    if (!(e instanceof SglangPdValidationError)) throw new Error(`synthesize() threw ${String(e)} instead of SglangPdValidationError`);
    return { dir, error: e };
  }
  return { dir, files: readTree(dir), again: () => { write(); return readTree(dir); } };
}

function checkRefusal(spec: AppSpec, folded: AppSpec, e: SglangPdValidationError, built: Built | undefined, toDisk: boolean): void {
  expect(e.problems.length).toBeGreaterThan(0);
  // NaN in a problem is fine only where the user wrote a non-finite number.
  const nonFiniteInput = hasNaN(spec);
  for (const p of e.problems) {
    const where = JSON.stringify(p);
    for (const key of ['path', 'field', 'message', 'value'] as const) {
      if (typeof p[key] !== 'string' || p[key].length === 0) throw new Error(`problem with empty ${key}: ${where}`);
    }
    if (/\[object Object\]|undefined/.test(p.value + p.message)) throw new Error(`problem renders junk: ${where}`);
    if (!nonFiniteInput && /NaN|Infinity/.test(p.value + p.message)) throw new Error(`problem shows a computed NaN/Infinity: ${where}`);
  }
  for (const s of secretsOf(spec)) {
    if (e.message.includes(s)) throw new Error('a validation message reveals the credentials');
  }
  const missing = certainFaults(folded).filter(([at, field]) => !e.problems.some((p) => matches(field, p.field, false) && matches(at, p.path, true)));
  if (missing.length > 0) throw new Error(`refused, but without the problems ${JSON.stringify(missing.map(([a, f]) => [String(a), String(f)]))}; got:\n${e.message}`);
  const forbidden = forbiddenProblems(spec, e.problems);
  if (forbidden.length > 0) throw new Error(`groups in different namespaces reported as clashing:\n${forbidden.join('\n')}`);

  // The same app through synthesize(): the same error (with the report file's), and nothing written.
  if (built !== undefined && toDisk) {
    const { dir, error } = timed('refusedDisk', () => synthToDisk(spec));
    try {
      if (error === undefined) throw new Error('synthesize() wrote an app that validate() refuses');
      if (badReportFile(spec.reportFile) && !error.problems.some((p) => p.field === 'reportFile')) throw new Error(`reportFile ${JSON.stringify(spec.reportFile)} not refused`);
      const written = fs.readdirSync(dir);
      if (written.length > 0) throw new Error(`synthesize() failed but wrote ${written.join(', ')}`);
      stats.refusedToDisk++;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The container of `role` in a RoleBasedGroup object. */
function containerOf(rbg: any, role: string): any {
  return podTemplates(rbg).find((t) => t.role === role)?.template?.spec?.containers?.[0];
}

/** JSON with sorted keys. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
}

/** What the emitted pods must show of the user's input (the folded spec). */
function inputProblems(folded: AppSpec, built: Built, chartObjs: Map<Chart, any[]>): string[] {
  const problems: string[] = [];
  const deps = dependencies(folded);
  for (const [gi, { g, v }] of groupsOf(folded).entries()) {
    const group = built.groups[gi];
    const rbg = (chartObjs.get(Chart.of(group)) ?? []).find((o) => o.kind === 'RoleBasedGroup' && o.metadata?.name === group.name);
    if (rbg === undefined) continue;
    const mountPath = v.mountPath === undefined ? undefined : path.posix.normalize(v.mountPath).replace(/(.)\/$/, '$1');
    const annotations = new Map<string, Map<string, string>>();
    for (const m of folded.mutations ?? []) {
      if (m.op !== 'addPodAnnotation' || m.group % built.groups.length !== gi) continue;
      const a = annotations.get(m.role) ?? new Map<string, string>();
      a.set(m.key, m.value);
      annotations.set(m.role, a);
    }
    for (const role of ROLES) {
      const at = `${group.name}/${role}`;
      const c = containerOf(rbg, role);
      const template = podTemplates(rbg).find((t) => t.role === role)?.template;
      // What runs is what was written: the kubelet's expansion gives back the user's args and env.
      const extra = roleExtraArgs(g, role) ?? [];
      const args: string[] = c.args ?? [];
      const tail = args.slice(args.length - extra.length).map(expandAll);
      if (extra.length > 0 && JSON.stringify(tail) !== JSON.stringify(extra)) problems.push(`${at}: the kubelet would run extraArgs ${JSON.stringify(tail)}, not ${JSON.stringify(extra)}`);
      for (const [name, value] of Object.entries(g[role]?.env ?? {})) {
        const e = (c.env ?? []).filter((x: any) => x.name === name);
        if (e.length !== 1 || expandAll(e[0].value) !== value) problems.push(`${at}: env ${name} would be ${JSON.stringify(e.map((x: any) => x.value))} after expansion, not ${JSON.stringify(value)}`);
      }
      // Each dependency once, in the order added.
      const want = deps.get(`${gi}/${role}`)!.map(([, r]) => r);
      const got = podRole(rbg, role)?.dependencies ?? [];
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${at}: dependencies ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      for (const [key, value] of annotations.get(role) ?? []) {
        if (template?.metadata?.annotations?.[key] !== value) problems.push(`${at}: pod annotation ${key} is ${JSON.stringify(template?.metadata?.annotations?.[key])}, not ${JSON.stringify(value)}`);
      }
      if (role === 'router') continue;
      const s = effective(g, role);
      const flag = (f: string) => { const i = args.indexOf(f); return i < 0 ? undefined : args[i + 1]; };
      // The model path is the mount, in normal form.
      const mount = (c.volumeMounts ?? []).find((m: any) => m.name === 'model')?.mountPath;
      if (flag('--model-path') !== mount) problems.push(`${at}: --model-path ${flag('--model-path')} but the model is mounted at ${mount}`);
      if (mountPath !== undefined && mount !== mountPath) problems.push(`${at}: model mounted at ${mount}, not at ${mountPath} (normal form of ${v.mountPath})`);
      // Overrides by value, and a context beyond the native length only with a YaRN that covers it.
      const json = flag('--json-model-override-args');
      const overrides = json === undefined ? undefined : JSON.parse(json);
      if (s.modelOverrideArgs !== undefined && canonical(overrides) !== canonical(s.modelOverrideArgs)) problems.push(`${at}: --json-model-override-args ${json} is not ${JSON.stringify(s.modelOverrideArgs)}`);
      const native = group.model.model.nativeContextLength;
      const ctx = s.contextLength;
      if (typeof ctx === 'number' && ctx > native) {
        const rs = overrides?.rope_scaling ?? {};
        const ok = (rs.rope_type ?? rs.type) === 'yarn' && typeof rs.factor === 'number' && rs.factor > 1
          && Number.isInteger(rs.original_max_position_embeddings) && rs.original_max_position_embeddings <= native
          && rs.factor * rs.original_max_position_embeddings >= ctx && overrides.max_position_embeddings >= ctx;
        if (!ok) problems.push(`${at}: context ${ctx} beyond the native ${native} with overrides ${json}`);
      }
    }
    // Kubernetes discovery reads the bootstrap port from the prefill pods' annotation.
    if (group.discovery === 'kubernetes') {
      const a = podTemplates(rbg).find((t) => t.role === 'prefill')?.template?.metadata?.annotations?.[BOOTSTRAP_PORT_ANNOTATION];
      if (a !== String(group.prefill.bootstrapPort)) problems.push(`${group.name}/prefill: annotation ${BOOTSTRAP_PORT_ANNOTATION}=${a}, but the bootstrap port is ${group.prefill.bootstrapPort}`);
    }
  }
  return problems;
}

function podRole(rbg: any, role: string): any {
  return (rbg.spec?.roles ?? []).find((r: any) => r.name === role);
}

function checkOutput(spec: AppSpec, folded: AppSpec, built: Built, perChart: any[][], yamls: string[], opts: CheckOptions): void {
  const objs = perChart.flat();
  const chartObjs = new Map(built.charts.map((c, i) => [c, perChart[i]]));
  const problems: string[] = [];
  problems.push(...timed('schema', () => validateManifests(objs)));
  problems.push(...junkValues(objs));
  for (const yaml of yamls) {
    const junk = YAML_JUNK.exec(yaml);
    if (junk) problems.push(`YAML contains ${JSON.stringify(junk[0])} near: ${yaml.slice(Math.max(0, junk.index - 80), junk.index + 40)}`);
  }
  problems.push(...apiServerProblems(objs));
  if (opts.yaml11) {
    timed('yaml11', () => yamls.forEach((y, i) => problems.push(...yaml11Problems(y, perChart[i]))));
    stats.yaml11++;
  }

  // The objects agree with each other and with the constructs.
  for (const g of built.groups) {
    const own = chartObjs.get(Chart.of(g)) ?? [];
    const rbg = own.find((o) => o.metadata?.name === g.name && /RoleBasedGroup/.test(o.kind));
    const svc = own.find((o) => o.kind === 'Service' && o.metadata?.name === g.name);
    if (!rbg || !svc) {
      problems.push(`group ${g.name}: missing RoleBasedGroup or Service`);
      continue;
    }
    for (const { role, template } of podTemplates(rbg)) {
      const r = g.roles.find((x) => x.roleName === role)!;
      const c = template.spec.containers[0];
      if (r.gpusPerPod > 0) {
        const limit = c.resources?.limits?.[g.gpu.resourceName];
        if (Number(limit) !== r.gpusPerPod) problems.push(`${role}: GPU limit ${limit} but TP x DP = ${r.gpusPerPod}`);
        if (r instanceof SglangServerRole && g.rdma.enabled && Number(c.resources?.limits?.[g.rdma.resourceName!]) !== g.rdma.count) problems.push(`${role}: RDMA limit differs from the profile`);
      }
      if (role === 'router') {
        const ports = (c.ports ?? []).map((p: any) => p.containerPort);
        if (!ports.includes(svc.spec.ports[0].targetPort)) problems.push(`Service targetPort ${svc.spec.ports[0].targetPort} is not a router port (${ports})`);
        // The controller labels the pods; the Service must select exactly the router's labels.
        if (JSON.stringify(svc.spec.selector) !== JSON.stringify(g.rbg.podSelector(g.name, 'router'))) problems.push(`Service selector ${JSON.stringify(svc.spec.selector)} is not the router's`);
      }
    }
    const report = CapacityReport.of(g);
    const text = `${report.toText()}\n${report.toMarkdown()}`;
    if (FORBIDDEN_TEXT.test(text)) problems.push(`capacity report contains junk: ${FORBIDDEN_TEXT.exec(text)![0]}`);
  }
  problems.push(...timed('inputs', () => inputProblems(folded, built, chartObjs)));
  for (const s of secretsOf(spec)) {
    const holders = objs.filter((o) => JSON.stringify(o).includes(s));
    if (holders.length !== 1 || holders[0].kind !== 'Secret') problems.push(`credentials appear in ${holders.map((o) => o.kind).join(', ')}`);
  }
  if (problems.length > 0) throw new Error(`synthesized a broken deployment:\n  ${problems.slice(0, 20).join('\n  ')}`);

  if (opts.toDisk || spec.reportFile !== undefined || spec.yamlOutputType !== undefined) timed('disk', () => checkDisk(spec, built, perChart, yamls, opts.toDisk === true));
}

/**
 * The whole way to disk through synthesize(), twice on fresh builds and once more on the same app:
 * a bad report file is refused with nothing written; otherwise every object is written exactly once
 * (no file overwrites another, whatever the YamlOutputType), and the bytes never change.
 */
function checkDisk(spec: AppSpec, built: Built, perChart: any[][], yamls: string[], fresh: boolean): void {
  const first = synthToDisk(spec);
  const second = fresh ? synthToDisk(spec) : undefined;
  try {
    if (badReportFile(spec.reportFile)) {
      if (first.error === undefined || !first.error.problems.some((p) => p.field === 'reportFile' && p.path === '(synthesize)')) throw new Error(`reportFile ${JSON.stringify(spec.reportFile)} was not refused`);
      const written = fs.readdirSync(first.dir);
      if (written.length > 0) throw new Error(`synthesize() refused reportFile ${JSON.stringify(spec.reportFile)} but wrote ${written.join(', ')}`);
      return;
    }
    if (first.error !== undefined) throw new Error(`synthesize() refused what validate() accepts:\n${first.error.message}`);
    const files = first.files!;
    const ext = built.app.outputFileExtension;
    const report = spec.reportFile ?? 'capacity-report.md';
    if (!files.has(report)) throw new Error(`no report ${report} among ${[...files.keys()].join(', ')}`);
    const written = manifestObjects(files, ext);
    const expected = perChart.flat().map((o) => JSON.stringify(o)).sort();
    if (JSON.stringify(written) !== JSON.stringify(expected)) {
      throw new Error(`the files (${[...files.keys()].join(', ')}) hold ${written.length} objects, not the app's ${expected.length}: one overwrote another or something was lost`);
    }
    if (built.app.yamlOutputType === YamlOutputType.FILE_PER_CHART) {
      expect([...files.keys()].sort()).toEqual([...built.charts.map((c) => `${c.node.id}${ext}`), report].sort());
      built.charts.forEach((c, i) => expect(files.get(`${c.node.id}${ext}`)).toEqual(yamls[i]));
    }
    // The same spec built afresh, and the same app written again, give the same bytes.
    if (second !== undefined) expect(second.files).toEqual(files);
    expect(first.again!()).toEqual(files);
    stats.synthesizedToDisk++;
  } finally {
    fs.rmSync(first.dir, { recursive: true, force: true });
    if (second !== undefined) fs.rmSync(second.dir, { recursive: true, force: true });
  }
}

export interface CheckOptions {
  /**
   * Also synthesize a successful case to disk, twice on fresh builds (cases with a report file or
   * an output type always are, once).
   */
  readonly toDisk?: boolean;
  /** Also run synthesize() on a refused case (cases with a bad report file always do). */
  readonly refusedToDisk?: boolean;
  /** Read the written YAML back as YAML 1.1. */
  readonly yaml11?: boolean;
}

/**
 * Builds and synthesizes one configuration into `emptyOutdir` (which must stay empty) and checks
 * the outcome; see CheckOptions for the costlier checks.
 */
export function checkConfig(spec: AppSpec, emptyOutdir: string, opts: CheckOptions = {}): 'ok' | 'refused' {
  let built: Built | undefined;
  let perChart: any[][];
  const folded = foldMutations(spec);
  try {
    built = timed('build', () => materialize(spec, emptyOutdir));
    perChart = timed('synth', () => synthAll(built!));
  } catch (e) {
    if (!(e instanceof SglangPdValidationError)) {
      throw new Error(`threw ${(e as Error)?.constructor?.name ?? typeof e} instead of SglangPdValidationError: ${(e as Error)?.stack ?? String(e)}`);
    }
    if (needsEquivalence(spec)) checkEquivalence(spec, refusal(e), emptyOutdir);
    checkRefusal(spec, folded, e, built, opts.refusedToDisk === true || badReportFile(spec.reportFile));
    stats.refused++;
    return 'refused';
  }
  const yamls = timed('stringify', () => perChart.map((objs) => Yaml.stringify(...objs)));
  if (needsEquivalence(spec)) checkEquivalence(spec, { yaml: yamls }, emptyOutdir);
  checkOutput(spec, folded, built, perChart, yamls, opts);
  stats.ok++;
  return 'ok';
}
