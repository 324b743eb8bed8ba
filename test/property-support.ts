/*
 * Generators and checks shared by the property test (test/property.test.ts) and the hygiene test.
 *
 * A generated configuration is plain data (an AppSpec): numbers may be NaN or Infinity or values of
 * another type (as a JavaScript caller could pass), enums may hold strings that are not members,
 * sizes are {amount, unit} or a plain string, JSON overrides that cannot be JSON are markers
 * (`UNSERIALISABLE`), calls on roles and edits of the caller's props are lists of data. `buildApp`
 * turns it into constructs (test/property-mutation.ts `materialize` also applies the calls and
 * edits), so a shrunk counterexample prints as readable data and can be replayed.
 */
import { App, Chart, Size, YamlOutputType } from 'cdk8s';
import fc from 'fast-check';
import {
  SglangImage,
  GpuProfile, KvCacheDtype, ModelSource, OssfsVersion, PdServingGroup, QwenModel, QwenModelSpec, QwenModelVolume,
  RbgTarget, RdmaProfile, RouterDiscovery, RouterPolicy, SglangServerOptions, TransferBackend,
} from '../lib';
import catalog from '../lib/sglang/flag-catalog.json';

// ---------------------------------------------------------------------------------------------
// The data shape of one configuration
// ---------------------------------------------------------------------------------------------

export type SizeUnit = 'Ki' | 'Mi' | 'Gi' | 'Ti' | 'Pi';
/** A Size; a plain string (`'8Gi'`) stands for a JavaScript caller passing one where a Size belongs. */
export type SizeSpec = { readonly amount: number; readonly unit: SizeUnit } | string;
export type ModelSpec = { readonly catalog: string } | { readonly custom: QwenModelSpec };
export interface OssSpec {
  readonly bucket: string;
  readonly endpoint: string;
  readonly path?: string;
  readonly secretName?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly accessKeySecret: string };
  readonly rrsaRoleName?: string;
  readonly ossfsVersion?: string;
  readonly mountOptions?: string[];
}
/** `missing` stands for a JavaScript caller leaving `source` out. */
export type SourceSpec = { readonly pvc: string } | { readonly oss: OssSpec } | { readonly missing: true };
export interface VolumeSpec {
  readonly model: ModelSpec;
  readonly source: SourceSpec;
  readonly claimName?: string;
  readonly capacity?: SizeSpec;
  readonly mountPath?: string;
  /** Index of the chart the volume is created in (modulo the app's charts); 0 when unset. */
  readonly chart?: number;
}
export interface RdmaSpec {
  readonly kind: 'erdma' | 'rdmaHca' | 'none' | 'custom';
  readonly resourceName?: string;
  readonly count?: number;
  readonly ibDevice?: string;
}
export type GpuSpec =
  | { readonly preset: string; readonly gpusPerNode?: number }
  | { readonly custom: { readonly name: string; readonly memory: SizeSpec; readonly gpusPerNode?: number; readonly resourceName?: string } };
export interface PodSpec {
  readonly replicas?: number;
  readonly image?: string;
  readonly cpu?: number;
  readonly memory?: SizeSpec;
  readonly sharedMemory?: SizeSpec;
  readonly env?: Record<string, string>;
  readonly nodeSelector?: Record<string, string>;
}
/** SglangServerOptions with enums as plain strings. */
export type ServerSpec = PodSpec & Omit<SglangServerOptions, 'kvCacheDtype' | 'transferBackend'> & {
  readonly kvCacheDtype?: string;
  readonly transferBackend?: string;
};
export interface RouterSpec extends PodSpec {
  readonly discovery?: string;
  readonly policy?: string;
  readonly metricsPort?: number;
  readonly extraArgs?: string[];
}
export interface GroupSpec {
  readonly name: string;
  readonly engine?: ServerSpec;
  readonly prefill?: ServerSpec;
  readonly decode?: ServerSpec;
  readonly router?: RouterSpec;
  readonly rdma?: RdmaSpec;
  readonly rbg?: string;
  readonly gpu?: GpuSpec;
  readonly cluster?: { readonly nodes?: number; readonly gpus?: number };
  readonly image?: string;
  readonly httpPort?: number;
  readonly bootstrapPort?: number;
  /** Index of the chart the group is created in (modulo the app's charts); unset: its volume's chart. */
  readonly chart?: number;
}
export type RoleKey = 'prefill' | 'decode' | 'router';
/** A role of the app: group index (modulo the app's groups) and role. */
export interface RoleRef { readonly group: number; readonly role: RoleKey }
/** A call on a role after the group is built. */
export type Mutation =
  | (RoleRef & { readonly op: 'addEnv'; readonly name: string; readonly value: string })
  | (RoleRef & { readonly op: 'addExtraArgs'; readonly args: string[] })
  | (RoleRef & { readonly op: 'addNodeSelector'; readonly key: string; readonly value: string })
  | (RoleRef & { readonly op: 'addPodAnnotation'; readonly key: string; readonly value: string })
  | (RoleRef & { readonly op: 'addDependency'; readonly on: RoleRef });
/**
 * An edit, after construction, of one array or object the caller passed as a prop (by index, modulo
 * the inputs `buildApp` recorded): the library must have copied it, so the output may not change.
 */
export interface TamperEdit {
  readonly target: number;
  readonly edit: 'push' | 'clear' | 'overwrite' | 'addKey' | 'deleteKey';
}
export interface AppSpec {
  /** Namespace of the first chart (`test`); unset means `default`. */
  readonly namespace?: string;
  /** Namespaces of further charts `test1`, `test2` (unset: `default`). */
  readonly moreCharts?: ReadonlyArray<string | undefined>;
  readonly volume: VolumeSpec;
  readonly group: GroupSpec;
  /** A second group, on the first volume or on its own. */
  readonly second?: { readonly volume?: VolumeSpec; readonly group: GroupSpec };
  /** cdk8s `YamlOutputType` member name; unset: the App default (FILE_PER_CHART). */
  readonly yamlOutputType?: string;
  /** `synthesize()` option `reportFile`. */
  readonly reportFile?: string;
  /** Calls on roles after construction (test/property-mutation.ts). */
  readonly mutations?: readonly Mutation[];
  /** Edits of the caller's own prop objects after construction (test/property-mutation.ts). */
  readonly tamper?: readonly TamperEdit[];
}

// ---------------------------------------------------------------------------------------------
// Building constructs from a spec
// ---------------------------------------------------------------------------------------------

export function size(s: SizeSpec): Size {
  if (typeof s === 'string') return s as unknown as Size;
  switch (s.unit) {
    case 'Ki': return Size.kibibytes(s.amount);
    case 'Mi': return Size.mebibytes(s.amount);
    case 'Gi': return Size.gibibytes(s.amount);
    case 'Ti': return Size.tebibytes(s.amount);
    default: return Size.pebibyte(s.amount);
  }
}

const sizeOpt = (s: SizeSpec | undefined) => (s === undefined ? undefined : size(s));

function model(m: ModelSpec): QwenModel {
  if ('catalog' in m) {
    const hit = QwenModel.CATALOG.find((x) => x.name === m.catalog);
    if (hit === undefined) throw new Error(`test bug: no catalog model ${m.catalog}`);
    return hit;
  }
  return QwenModel.custom(m.custom);
}

function source(s: SourceSpec, track: Track): ModelSource {
  if ('missing' in s) return undefined as unknown as ModelSource;
  if ('pvc' in s) return ModelSource.pvc(s.pvc);
  return ModelSource.oss(track({ ...s.oss, mountOptions: track(s.oss.mountOptions), ossfsVersion: s.oss.ossfsVersion as OssfsVersion | undefined }));
}

/** Records an array or object passed as a prop (for TamperEdit) and returns it. */
type Track = <T>(x: T) => T;

function rdma(r: RdmaSpec): RdmaProfile {
  const options = { count: r.count, ibDevice: r.ibDevice };
  switch (r.kind) {
    case 'erdma': return RdmaProfile.erdma(options);
    case 'rdmaHca': return RdmaProfile.rdmaHca(options);
    case 'none': return RdmaProfile.none();
    default: return RdmaProfile.custom(r.resourceName ?? '', options);
  }
}

const GPU_PRESETS: Record<string, GpuProfile> = {
  L20: GpuProfile.L20, A10: GpuProfile.A10, A100_40GB: GpuProfile.A100_40GB, A100_80GB: GpuProfile.A100_80GB,
  H20: GpuProfile.H20, H100: GpuProfile.H100, H200: GpuProfile.H200,
};

function gpu(g: GpuSpec): GpuProfile {
  if ('preset' in g) {
    const p = GPU_PRESETS[g.preset];
    return g.gpusPerNode === undefined ? p : p.withGpusPerNode(g.gpusPerNode);
  }
  return GpuProfile.custom({ ...g.custom, memory: size(g.custom.memory) });
}

/** An object that is not an RbgTarget, as a JavaScript caller could pass. */
const BOGUS_RBG = { release: 'v9', version: 'v1beta1' } as unknown as RbgTarget;

function rbg(name: string | undefined): RbgTarget | undefined {
  switch (name) {
    case undefined: return undefined;
    case 'V0_4': return RbgTarget.V0_4;
    case 'V0_6': return RbgTarget.V0_6;
    case 'V0_7': return RbgTarget.V0_7;
    default: return BOGUS_RBG;
  }
}

/** JSON overrides that cannot be written as JSON, built from a marker so the spec stays plain data. */
export const UNSERIALISABLE = '__unserialisable';

function overrides(o: unknown): unknown {
  if (o === null || typeof o !== 'object' || !(UNSERIALISABLE in o)) return o;
  const kind = (o as Record<string, unknown>)[UNSERIALISABLE];
  if (kind === 'bigint') return { max_position_embeddings: BigInt(131072) };
  if (kind === 'date') return { created: new Date(0) };
  const cycle: Record<string, unknown> = { rope_scaling: { rope_type: 'yarn' } };
  (cycle.rope_scaling as Record<string, unknown>).parent = cycle;
  return cycle;
}

function server(s: ServerSpec | undefined, track: Track) {
  if (s === undefined) return undefined;
  return track({
    ...s,
    extraArgs: track(s.extraArgs),
    env: track(s.env),
    nodeSelector: track(s.nodeSelector),
    modelOverrideArgs: track(overrides(s.modelOverrideArgs)) as Record<string, unknown> | undefined,
    memory: sizeOpt(s.memory),
    sharedMemory: sizeOpt(s.sharedMemory),
    kvCacheDtype: s.kvCacheDtype as KvCacheDtype | undefined,
    transferBackend: s.transferBackend as TransferBackend | undefined,
    image: imageOpt(s.image),
  });
}

/** Images are written as references in the specs and passed as SglangImage.of(reference). */
function imageOpt(ref: string | undefined): SglangImage | undefined {
  return ref === undefined ? undefined : SglangImage.of(ref);
}

function router(r: RouterSpec | undefined, track: Track) {
  if (r === undefined) return undefined;
  return track({
    ...r,
    extraArgs: track(r.extraArgs),
    env: track(r.env),
    nodeSelector: track(r.nodeSelector),
    memory: sizeOpt(r.memory),
    sharedMemory: sizeOpt(r.sharedMemory),
    discovery: r.discovery as RouterDiscovery | undefined,
    policy: r.policy as RouterPolicy | undefined,
    image: imageOpt(r.image),
  });
}

export interface Built {
  readonly app: App;
  /** The first chart. */
  readonly chart: Chart;
  /** Every chart: `test`, then `test1`, `test2` if the spec has more. */
  readonly charts: Chart[];
  readonly volume: QwenModelVolume;
  readonly group: PdServingGroup;
  /** Every group: `group`, then the second one if any. */
  readonly groups: PdServingGroup[];
  /** Every array and plain object passed as (part of) a prop, in construction order. */
  readonly inputs: object[];
}

function volumeOf(scope: Chart, id: string, v: VolumeSpec, track: Track): QwenModelVolume {
  return new QwenModelVolume(scope, id, {
    model: model(v.model),
    source: source(v.source, track),
    claimName: v.claimName,
    capacity: sizeOpt(v.capacity),
    mountPath: v.mountPath,
  });
}

function groupOf(scope: Chart, id: string, g: GroupSpec, volume: QwenModelVolume, track: Track): PdServingGroup {
  return new PdServingGroup(scope, id, track({
    name: g.name,
    model: volume,
    engine: server(g.engine, track),
    prefill: server(g.prefill, track),
    decode: server(g.decode, track),
    router: router(g.router, track),
    rdma: g.rdma === undefined ? undefined : rdma(g.rdma),
    rbg: rbg(g.rbg),
    gpu: g.gpu === undefined ? undefined : gpu(g.gpu),
    cluster: track(g.cluster),
    image: imageOpt(g.image),
    httpPort: g.httpPort,
    bootstrapPort: g.bootstrapPort,
  }));
}

/** The YamlOutputType named `name`; undefined (the App default) for anything else. */
function outputType(name: string | undefined): YamlOutputType | undefined {
  return name !== undefined && name in YamlOutputType ? YamlOutputType[name as keyof typeof YamlOutputType] : undefined;
}

/** The charts of `spec`: `test` in `spec.namespace`, then one per `moreCharts` entry. */
export function chartNamespaces(spec: AppSpec): Array<string | undefined> {
  return [spec.namespace, ...(spec.moreCharts ?? [])];
}

/** Index of the chart `wanted` names, modulo the number of charts. */
export function chartIndex(spec: AppSpec, wanted: number | undefined): number {
  return (wanted ?? 0) % chartNamespaces(spec).length;
}

/**
 * Builds the constructs of `spec` into a new App writing to `outdir` (mutations and tamper edits
 * are applied by test/property-mutation.ts). May throw.
 */
export function buildApp(spec: AppSpec, outdir: string): Built {
  const app = new App({ outdir, yamlOutputType: outputType(spec.yamlOutputType) });
  const charts = chartNamespaces(spec).map((namespace, i) => new Chart(app, i === 0 ? 'test' : `test${i}`, { namespace }));
  const inputs: object[] = [];
  const track: Track = (x) => {
    if (x !== null && typeof x === 'object') inputs.push(x as object);
    return x;
  };
  const volume = volumeOf(charts[chartIndex(spec, spec.volume.chart)], 'model', spec.volume, track);
  const group = groupOf(charts[chartIndex(spec, spec.group.chart ?? spec.volume.chart)], 'pd', spec.group, volume, track);
  const groups = [group];
  if (spec.second !== undefined) {
    const v2 = spec.second.volume;
    const volume2 = v2 === undefined ? volume : volumeOf(charts[chartIndex(spec, v2.chart)], 'model2', v2, track);
    groups.push(groupOf(charts[chartIndex(spec, spec.second.group.chart ?? (v2 ?? spec.volume).chart)], 'pd2', spec.second.group, volume2, track));
  }
  return { app, chart: charts[0], charts, volume, group, groups, inputs };
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Numbers no validator expects: zero, negative, fractional, NaN, infinities, huge. */
export const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 1.5, 2.000001, NaN, Infinity, -Infinity, 1e6, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, 1e21, 1e308),
  fc.double({ noDefaultInfinity: false }),
  fc.integer({ min: -100_000, max: 100_000 }),
);

/** Tokens that must never appear in output unless the user typed them; generated strings avoid them. */
export const FORBIDDEN_TEXT = /undefined|NaN|Infinity|\[object Object\]/;

/** Odd strings: empty, spaces, uppercase, unicode, control characters, very long. */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'a b', 'UPPER', 'Sglang_PD', 'ü', '模型', '🚀', 'a\nb', 'tab\there', '-x', 'x-', 'a..b', '.', '/', 'a/b', '../x', 'a'.repeat(64), 'b'.repeat(260)),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
).filter((s) => !FORBIDDEN_TEXT.test(s) && !/\.(nan|inf)/i.test(s));

/**
 * Strings a YAML 1.1 reader (kubectl's go-yaml v2) takes for numbers, booleans, nulls or
 * timestamps when written plain; the written YAML must keep them strings (or the library refuses).
 */
export const YAML11_TEXT = ['0o17', '0x1F', '0X1F', '1e3', 'yes', 'on', 'NO', 'y', '~', 'null', '.inf', '-.inf', '0b1', '1_000', '2001-12-14', '017', '+1', '1:20', '<<'];
/** Text the kubelet expands in args and env values (`$(VAR)`, `$$`), to be escaped. */
export const EXPANSION_TEXT = ['$(HOME)', 'a$$b', '$$(X)', '$(', '$', 'x$(A)y$$z', '$$$', '$(POD_NAMESPACE)'];
/** Flags that contradict the typed wiring (TLS while probes talk HTTP, a config file over the typed flags). */
export const SERVER_CONTRADICTING = ['--ssl-certfile', '--ssl-keyfile', '--ssl-ca-certs', '--ssl-keyfile-password', '--enable-ssl-refresh', '--config'];
export const ROUTER_CONTRADICTING = ['--tls-cert-path', '--tls-key-path', '--client-cert-path', '--client-key-path', '--ca-cert-paths'];

const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);

/**
 * AccessKey-shaped credentials, so the hygiene scan can find them if they leak. Random letters can
 * spell `NaN`, `Infinity` or `undefined`, which the junk scan of the output rightly flags; such
 * draws are left out (a real AccessKey could hold them too, but then the scan could not tell a
 * leaked value from a computed one).
 */
export const credentials = fc.record({
  accessKeyId: fc.stringMatching(/^LTAI[0-9A-Za-z]{16}$/).filter((s) => !FORBIDDEN_TEXT.test(s)),
  accessKeySecret: fc.stringMatching(/^[0-9A-Za-z]{30}$/).filter((s) => !FORBIDDEN_TEXT.test(s)),
});

// --- extraArgs from the flag catalog ---------------------------------------------------------

interface RawFlag {
  readonly type: string;
  readonly status: string;
  readonly choices?: readonly string[];
  readonly itemType?: string;
  readonly nargs?: string | number;
  readonly negations?: readonly string[];
  readonly aliases?: readonly string[];
  readonly repeatable?: boolean;
}
const PROGRAMS = (catalog as unknown as { programs: Record<'server' | 'router', Record<string, RawFlag>> }).programs;

/** Flags the library owns (typed props or derived); extraArgs must not repeat them. */
export const SERVER_OWNED = new Set([
  '--model-path', '--tp-size', '--dp-size', '--ep-size', '--disaggregation-mode', '--host', '--port',
  '--disaggregation-bootstrap-port', '--disaggregation-transfer-backend', '--disaggregation-ib-device',
  '--mem-fraction-static', '--context-length', '--chunked-prefill-size', '--max-running-requests', '--page-size',
  '--kv-cache-dtype', '--json-model-override-args', '--served-model-name', '--reasoning-parser', '--tool-call-parser',
  '--trust-remote-code', '--enable-metrics', '--max-total-tokens', '--enable-dp-attention',
]);
export const ROUTER_OWNED = new Set([
  '--pd-disaggregation', '--service-discovery', '--service-discovery-namespace', '--service-discovery-port',
  '--prefill-selector', '--decode-selector', '--prefill', '--decode', '--host', '--port', '--policy',
  '--prometheus-host', '--prometheus-port', '--selector', '--worker-urls', '--bootstrap-port-annotation',
]);

function itemValue(kind: string | undefined, choices: readonly string[] | undefined): fc.Arbitrary<string> {
  if (choices && choices.length > 0) return fc.constantFrom(...choices);
  switch (kind) {
    case 'int': return fc.integer({ min: 0, max: 4096 }).map(String);
    case 'float': return fc.constantFrom('0.5', '1', '2.5', '-1');
    case 'json': return fc.constantFrom('{}', '{"a":1}', '[1,2]');
    // Strings: plain ones, and odd ones (unicode, spaces, newlines) that argparse accepts as they are.
    default: return fc.oneof(
      { arbitrary: fc.constantFrom('app=sglang', 'info', '/tmp/x', 'qwen3'), weight: 8 },
      { arbitrary: oddText.filter((x) => !x.startsWith('-')), weight: 2 },
      { arbitrary: fc.constantFrom(...EXPANSION_TEXT, ...YAML11_TEXT.filter((x) => !x.startsWith('-'))), weight: 1 },
    );
  }
}

/** Tokens of one use of a catalog flag with a well-formed value. */
function flagUse(name: string, raw: RawFlag): fc.Arbitrary<string[]> {
  switch (raw.type) {
    case 'store_true': return fc.constant([name]);
    case 'bool_optional': return fc.constantFrom(name, ...(raw.negations ?? [])).map((n) => [n]);
    case 'list': {
      const item = itemValue(raw.itemType, raw.choices);
      const n = raw.nargs;
      const [min, max] = typeof n === 'number' ? [n, n] : n === '*' ? [0, 3] : [1, 3];
      return fc.array(item, { minLength: min, maxLength: max }).map((vs) => [name, ...vs]);
    }
    default: {
      const v = itemValue(raw.type, raw.choices);
      return raw.nargs === '?' ? fc.option(v, { nil: undefined }).map((x) => (x === undefined ? [name] : [name, x])) : v.map((x) => [name, x]);
    }
  }
}

function catalogFlags(program: 'server' | 'router', owned: Set<string>, status: (s: string) => boolean): Array<[string, RawFlag]> {
  return Object.entries(PROGRAMS[program]).filter(([name, raw]) => !owned.has(name) && status(raw.status));
}

/**
 * Well-formed extraArgs: distinct active or deprecated flags of the catalog with good values (none
 * that contradicts the typed wiring; none of the GPU layout flags).
 */
export function validExtraArgs(program: 'server' | 'router', exclude: string[] = [], maxLength = 3): fc.Arbitrary<string[]> {
  const owned = new Set([
    ...(program === 'server' ? [...SERVER_OWNED, ...SERVER_CONTRADICTING, ...GPU_LAYOUT] : [...ROUTER_OWNED, ...ROUTER_CONTRADICTING]),
    ...exclude,
  ]);
  const flags = catalogFlags(program, owned, (s) => s !== 'removed');
  return fc.uniqueArray(fc.constantFrom(...flags), { maxLength, selector: ([n]) => n })
    .chain((picked): fc.Arbitrary<string[][]> => (picked.length === 0 ? fc.constant([]) : fc.tuple(...picked.map(([n, raw]) => flagUse(n, raw)))))
    .map((uses) => markValidExtraArgs(uses.flat()));
}

/** Server flags that change the GPUs one server uses; each pod gets TP x DP GPUs on one node. */
const GPU_LAYOUT = ['--pp-size', '--pipeline-parallel-size', '--nnodes', '--node-rank', '--dist-init-addr', '--base-gpu-id', '--gpu-id-step'];

const VALID_EXTRA_ARGS = new WeakSet<string[]>();

/** True for extraArgs generated well-formed (they may still clash with other settings). */
export function isValidExtraArgs(args: readonly string[] | undefined): boolean {
  return args !== undefined && VALID_EXTRA_ARGS.has(args as string[]);
}

/** Marks extraArgs as generated well-formed (also arrays composed of such). */
export function markValidExtraArgs(args: string[]): string[] {
  VALID_EXTRA_ARGS.add(args);
  return args;
}

/** Marks extraArgs as certainly refused (also arrays composed of such). */
export function markBadExtraArgs(args: string[]): string[] {
  BAD_EXTRA_ARGS.add(args);
  return args;
}

/** extraArgs that must be refused: unknown, removed, duplicated, malformed, owned by a typed prop. */
export function badExtraArgs(program: 'server' | 'router'): fc.Arbitrary<string[]> {
  const owned = program === 'server' ? SERVER_OWNED : ROUTER_OWNED;
  const active = catalogFlags(program, owned, (s) => s === 'active');
  const ints = active.filter(([, r]) => r.type === 'int');
  const switches = active.filter(([, r]) => r.type === 'store_true');
  const chosen = active.filter(([, r]) => r.type === 'str' && (r.choices?.length ?? 0) > 0);
  const removed = catalogFlags(program, owned, (s) => s === 'removed');
  const options: Array<fc.Arbitrary<string[]>> = [
    fc.constantFrom(['--no-such-flag'], ['--no-such-flag', '1'], ['-x'], ['--'], ['stray'], ['--tp', '2'], ['--Tp-Size', '2']),
    fc.constantFrom(...owned).map((f) => [f, '1']),
    fc.constantFrom(...ints).map(([n]) => [n, 'abc']),
    fc.constantFrom(...ints).map(([n]) => [n]),
    fc.constantFrom(...switches).map(([n]) => [n, 'yes']),
    fc.constantFrom(...active.filter(([, r]) => !r.repeatable)).chain(([n, raw]) => flagUse(n, raw).map((u) => [...u, ...u])),
  ];
  if (chosen.length > 0) options.push(fc.constantFrom(...chosen).map(([n]) => [n, 'not-a-choice']));
  // GPU layout flags: the pod gets TP x DP GPUs on one node.
  if (program === 'server') options.push(fc.constantFrom(['--pp-size', '2'], ['--nnodes', '2'], ['--base-gpu-id', '1'], ['--pipeline-parallel-size', '2']));
  // Flags that contradict the typed wiring: TLS while the probes and the router talk HTTP, a config
  // file that could override the typed flags, router flags the typed discovery owns.
  options.push(program === 'server'
    ? fc.constantFrom(['--max-total-tokens', '1000'], ['--ssl-certfile', '/c.pem'], ['--ssl-keyfile', '/k.pem'], ['--enable-ssl-refresh'], ['--config', '/c.yaml'], ['--tp-size', '8'], ['--enable-dp-attention'])
    : fc.constantFrom(['--selector', 'a=b'], ['--worker-urls', 'http://x:8000'], ['--tls-cert-path', '/c.pem'], ['--client-cert-path', '/c.pem'], ['--ca-cert-paths', '/ca.pem'], ['--bootstrap-port-annotation', 'x/y']));
  if (removed.length > 0) options.push(fc.constantFrom(...removed).chain(([n, raw]) => flagUse(n, raw)));
  return fc.tuple(validExtraArgs(program), fc.oneof(...options), fc.boolean())
    .map(([good, bad, first]) => {
      const args = first ? [...bad, ...good] : [...good, ...bad];
      // A stray value after a list flag would be read as one of its values: certain only when first.
      if (first || good.length === 0 || bad[0].startsWith('--')) BAD_EXTRA_ARGS.add(args);
      return args;
    });
}

const BAD_EXTRA_ARGS = new WeakSet<string[]>();

/** True for extraArgs generated to be refused. */
export function isBadExtraArgs(args: readonly string[] | undefined): boolean {
  return args !== undefined && BAD_EXTRA_ARGS.has(args as string[]);
}

/**
 * Configurations where each field is odd with weight 1 against `goodWeight` (times a per-field
 * factor); `'clean'` draws every field from its good values (combinations may still be refused).
 * With `wholeApp`, also several charts and namespaces, same-named second groups and volumes, a
 * YamlOutputType and a report file (the hygiene test keeps to one chart of distinct groups).
 */
export function configurations(goodWeight: number | 'clean', { wholeApp = false }: { readonly wholeApp?: boolean } = {}): fc.Arbitrary<AppSpec> {
  /** Mostly `good`, sometimes `odd`. */
  const mostly = <T>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<T>, weight = 6): fc.Arbitrary<T> => (goodWeight === 'clean'
    ? good
    : fc.oneof({ arbitrary: good, weight: weight * goodWeight }, { arbitrary: odd, weight: 1 }));
  /** One of several good alternatives. */
  const alt = <T>(a: fc.Arbitrary<T>, b: fc.Arbitrary<T>, weight: number): fc.Arbitrary<T> => fc.oneof({ arbitrary: a, weight }, { arbitrary: b, weight: 1 });
  const extraArgs = (program: 'server' | 'router', exclude: string[] = []) =>
    mostly(validExtraArgs(program, exclude), badExtraArgs(program), 4);

  /** Group names: good ones, and empty, uppercase, unicode, leading digit, 60+ characters. */
  const groupName = mostly(
    fc.oneof(fc.constantFrom('sglang-pd', 'qwen', 'pd', 'a'), dnsLabel),
    fc.oneof(
      oddText,
      fc.constantFrom('1pd', '0', '9-a', 'a'.repeat(60), 'a'.repeat(63), `x${'-y'.repeat(31)}`),
      fc.integer({ min: 45, max: 70 }).map((n) => 'g'.repeat(n)),
      // A JavaScript caller leaving the name out, or passing a number.
      fc.constantFrom<string>(...([undefined, 5] as unknown as string[])),
    ),
    4,
  );

  const port = (good: number[]) => mostly(fc.constantFrom(...good), fc.oneof(oddNumber, fc.constantFrom(65535, 65536, 1, 8000, 34000, 29000)), 5);

  const sizeSpec = (goodGi: number[]): fc.Arbitrary<SizeSpec> => mostly(
    fc.constantFrom(...goodGi).map((amount) => ({ amount, unit: 'Gi' as const })),
    fc.oneof(
      fc.record({ amount: fc.constantFrom(0, 0.5, 1, 3, 1.0e-7, NaN, Infinity, 1e300, 0.1, 1e25, 2 ** 40), unit: fc.constantFrom<SizeUnit>('Ki', 'Mi', 'Gi', 'Ti', 'Pi') }),
      fc.record({ amount: fc.double({ min: 0, max: 1e6, noNaN: false }), unit: fc.constantFrom<SizeUnit>('Ki', 'Mi', 'Gi') }),
      // A JavaScript caller passing a string where a Size belongs.
      fc.constantFrom<SizeSpec>('8Gi', '30Gi', ''),
    ),
  );
  /** A value of the wrong primitive type, as a JavaScript caller could pass for a number. */
  const jsNumber = fc.constantFrom<number>(...(['2', '8000', true, null, {}, []] as unknown as number[]));

  const imageRef = mostly(fc.constantFrom('lmsysorg/sglang:v0.5.18', 'registry.example.com/sglang@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'), oddText);

  const envMap: fc.Arbitrary<Record<string, string>> = fc.dictionary(
    mostly(fc.constantFrom('LOG_LEVEL', 'NCCL_DEBUG', 'HF_HOME', 'a.b-c'), fc.oneof(oddText, fc.constantFrom('SGLANG_HOST_IP', 'POD_NAMESPACE', '1ABC', 'A$B'))),
    mostly(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('info', '1', '') }, { weight: 2, arbitrary: fc.constantFrom(...EXPANSION_TEXT, ...YAML11_TEXT) }), oddText),
    { maxKeys: 2 },
  );

  const nodeSelector: fc.Arbitrary<Record<string, string>> = fc.dictionary(
    mostly(fc.constantFrom('node.kubernetes.io/instance-type', 'gpu', 'example.com/pool'), fc.oneof(oddText, fc.constantFrom('a/b/c', '/x', 'A.b/c', `${'k'.repeat(64)}`, '0o17', 'yes'))),
    mostly(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('ecs.ebmgn8is.32xlarge', 'true', '') }, { weight: 1, arbitrary: fc.constantFrom(...YAML11_TEXT) }), fc.oneof(oddText, fc.constantFrom('v'.repeat(64), '-x', '$(X)'))),
    { maxKeys: 2 },
  );

  const podOptions = {
    replicas: mostly(fc.integer({ min: 1, max: 4 }), fc.oneof(oddNumber, fc.constantFrom(1000, 1001, 100), jsNumber)),
    image: imageRef,
    cpu: mostly(fc.constantFrom(1, 2, 8, 0.5, 0.25), fc.oneof(oddNumber.filter((n) => n !== 1), jsNumber)),
    memory: sizeSpec([16, 64, 256]),
    sharedMemory: sizeSpec([8, 16, 64]),
    env: envMap,
    nodeSelector,
  };

  // --- server options --------------------------------------------------------------------------

  const YARN = {
    rope_scaling: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 },
    max_position_embeddings: 131072,
  };
  /** YaRN overrides with every key present but a wrong value (checked by value, not by key). */
  const yarnWrong = fc.constantFrom<Record<string, unknown>>(
    { ...YARN, rope_scaling: { ...YARN.rope_scaling, rope_type: 'linear' } },
    { ...YARN, rope_scaling: { ...YARN.rope_scaling, factor: 2 } },
    { ...YARN, rope_scaling: { ...YARN.rope_scaling, factor: 1 } },
    { ...YARN, rope_scaling: { ...YARN.rope_scaling, original_max_position_embeddings: 65536 } },
    { ...YARN, max_position_embeddings: 65536 },
    { ...YARN, rope_scaling: { ...YARN.rope_scaling, factor: '4' } },
  );
  /** JSON overrides that do not serialise (built from markers, see `overrides`). */
  const unserialisable = fc.constantFrom<Record<string, unknown>>({ [UNSERIALISABLE]: 'bigint' }, { [UNSERIALISABLE]: 'cycle' }, { [UNSERIALISABLE]: 'date' }, { a: Infinity });

  const serverKeys = (role: 'engine' | 'prefill' | 'decode') => ({
    tensorParallelSize: mostly(fc.constantFrom(1, 2, 4, 8), fc.oneof(oddNumber, fc.constantFrom(3, 16, 32, 64, 65), jsNumber)),
    dataParallelSize: mostly(fc.constantFrom(1, 2), fc.oneof(oddNumber, fc.constantFrom(3, 8, 64))),
    expertParallelSize: mostly(fc.constantFrom(1, 2, 4, 8), oddNumber),
    memFractionStatic: mostly(fc.double({ min: 0.5, max: 0.95, noNaN: true }), fc.oneof(fc.constantFrom(0, 1, -0.1, 1.5, 0.05, 0.999999, NaN, Infinity), oddNumber)),
    contextLength: mostly(fc.constantFrom(4096, 16384, 32768, 40960, 131072), fc.oneof(oddNumber, jsNumber)),
    chunkedPrefillSize: mostly(fc.constantFrom(2048, 4096, 8192), oddNumber),
    maxRunningRequests: mostly(fc.constantFrom(16, 64, 256), oddNumber),
    pageSize: mostly(fc.constantFrom(1, 16, 64), oddNumber),
    kvCacheDtype: mostly(fc.constantFrom(...Object.values(KvCacheDtype) as string[]), fc.constantFrom('fp4', 'FP8_E4M3', '')),
    transferBackend: mostly(fc.constantFrom(...Object.values(TransferBackend) as string[]), fc.constantFrom('tcp', 'MOONCAKE', '')),
    ibDevice: mostly(fc.constantFrom('erdma_0', 'mlx5_0,mlx5_1', 'mlx5_0'), oddText),
    reasoningParser: mostly(fc.constant('qwen3'), oddText),
    toolCallParser: mostly(fc.constant('qwen25'), oddText),
    servedModelName: mostly(fc.constantFrom('qwen', 'Qwen/Qwen3-32B'), oddText),
    enableMetrics: mostly(fc.boolean(), fc.constantFrom<boolean>(...(['yes', 1, 'true'] as unknown as boolean[]))),
    trustRemoteCode: fc.boolean(),
    modelOverrideArgs: mostly(
      fc.constantFrom<Record<string, unknown>>(YARN, {}, { max_position_embeddings: 65536 }),
      fc.oneof(
        fc.constantFrom<Record<string, unknown>>([1, 2] as unknown as Record<string, unknown>, null as unknown as Record<string, unknown>, { nested: { a: [1, 'b', true] } }, { weird: NaN }),
        yarnWrong,
        unserialisable,
      ),
    ),
    extraArgs: extraArgs('server', role === 'decode' ? ['--disaggregation-bootstrap-port'] : []),
  });

  /** Server options: a few keys set, each mostly good. */
  function serverSpec(role: 'engine' | 'prefill' | 'decode', withPod: boolean): fc.Arbitrary<ServerSpec> {
    const keys: Partial<ReturnType<typeof serverKeys>> = serverKeys(role);
    if (goodWeight === 'clean' && role !== 'engine') {
      // Clean configs set what prefill and decode must agree on (and MoE-only EP) once, in engine.
      for (const k of ['pageSize', 'kvCacheDtype', 'contextLength', 'modelOverrideArgs', 'transferBackend', 'trustRemoteCode', 'expertParallelSize'] as const) delete keys[k];
    }
    const all = withPod ? { ...podOptions, ...keys } : keys;
    return fc.record(all as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] })
      .chain((full) => fc.subarray(Object.keys(full), { maxLength: Math.min(4, Object.keys(full).length) }).map((picked) => Object.fromEntries(picked.map((k) => [k, full[k]]))) as fc.Arbitrary<ServerSpec>);
  }

  const routerSpec: fc.Arbitrary<RouterSpec> = fc.record({
    ...podOptions,
    discovery: mostly(fc.constantFrom(...Object.values(RouterDiscovery) as string[]), fc.constantFrom('dns', 'Static', '')),
    policy: mostly(fc.constantFrom(...Object.values(RouterPolicy) as string[]), fc.constantFrom('least_load', '')),
    metricsPort: port([29000, 9090]),
    extraArgs: extraArgs('router'),
  }, { requiredKeys: [] }).chain((full) => fc.subarray(Object.keys(full), { maxLength: Math.min(3, Object.keys(full).length) })
    .map((picked) => Object.fromEntries(picked.map((k) => [k, (full as Record<string, unknown>)[k]])) as RouterSpec));

  // --- model, source, volume -------------------------------------------------------------------

  const customModel: fc.Arbitrary<QwenModelSpec> = fc.record({
    name: mostly(fc.constantFrom('MyModel-7B', 'Qwen2.5-7B-Instruct', 'm'), oddText.filter((s) => !s.includes('..'))),
    layers: mostly(fc.constantFrom(24, 32, 48), oddNumber),
    attentionHeads: mostly(fc.constantFrom(16, 32, 64), oddNumber),
    kvHeads: mostly(fc.constantFrom(4, 8), oddNumber),
    headDim: fc.option(mostly(fc.constantFrom(64, 128), oddNumber), { nil: undefined }),
    paramsBillions: mostly(fc.constantFrom(0.5, 7, 14), oddNumber),
    weightsGigabytes: mostly(fc.constantFrom(1, 14, 28), oddNumber),
    nativeContextLength: fc.option(mostly(fc.constantFrom(32768, 131072), oddNumber), { nil: undefined }),
    moe: fc.option(fc.record({ experts: mostly(fc.constantFrom(64, 128), oddNumber), activeExperts: mostly(fc.constantFrom(2, 8), oddNumber) }), { nil: undefined }),
  }).map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as unknown as QwenModelSpec);

  const modelSpec: fc.Arbitrary<ModelSpec> = alt<ModelSpec>(
    fc.constantFrom(...QwenModel.CATALOG.map((m) => m.name)).map((catalog) => ({ catalog })),
    customModel.map((custom) => ({ custom })),
    5,
  );

  const ossSpec: fc.Arbitrary<OssSpec> = fc.record({
    bucket: mostly(fc.constantFrom('models', 'my-models-bucket'), fc.oneof(oddText, fc.constantFrom('ab', 'a'.repeat(64), 'Models'))),
    endpoint: mostly(fc.constantFrom('oss-cn-hangzhou-internal.aliyuncs.com'), fc.oneof(oddText, fc.constantFrom('https://oss.example.com', 'oss..x'))),
    path: mostly(fc.constantFrom('/', '/Qwen3-32B/'), fc.oneof(oddText, fc.constantFrom('models/', '/a b/'))),
    secretName: mostly(fc.constantFrom('oss-secret', 'my.secret'), oddText),
    credentials: mostly(credentials, fc.constantFrom({ accessKeyId: '', accessKeySecret: 'x' }, { accessKeyId: 'LTAI1234567890abcdef', accessKeySecret: '' })),
    rrsaRoleName: mostly(fc.constantFrom('oss-reader'), oddText),
    ossfsVersion: mostly(fc.constantFrom(...Object.values(OssfsVersion) as string[]), fc.constantFrom('ossfs3', '')),
    mountOptions: mostly<string[]>(fc.constantFrom<string[]>(['allow_other'], [], ['umask=022', 'max_stat_cache_size=0']), fc.array(oddText, { maxLength: 2 })),
  }, { requiredKeys: ['bucket', 'endpoint'] }).chain((full) => {
    // Credentials and RRSA are rare: most configs reference an existing Secret.
    const { credentials: c, rrsaRoleName: r, ...rest } = full;
    return fc.tuple(fc.nat(9), fc.nat(9)).map(([a, b]) => {
      const rrsa = r !== undefined && b === 0;
      const clean = goodWeight === 'clean';
      return {
        ...rest,
        // Clean: RRSA without AccessKeys, and ossfs 1.0-only options only with ossfs 1.0.
        ...(clean && rrsa ? { secretName: undefined } : {}),
        ...(clean && rest.ossfsVersion === OssfsVersion.V2 ? { mountOptions: ['allow_other'] } : {}),
        ...(c !== undefined && a === 0 && !(clean && rrsa) ? { credentials: c } : {}),
        ...(rrsa ? { rrsaRoleName: r } : {}),
      };
    });
  });

  const claimName = mostly(fc.constantFrom('llm-model', 'weights', 'qwen3.weights'), fc.oneof(oddText, fc.constantFrom('c'.repeat(63), 'c'.repeat(64), 'c'.repeat(253), 'c'.repeat(254))));

  const volumeSpec: fc.Arbitrary<VolumeSpec> = fc.record({
    model: modelSpec,
    source: mostly(alt<SourceSpec>(ossSpec.map((oss) => ({ oss })), claimName.map((pvc) => ({ pvc })), 2), fc.constant<SourceSpec>({ missing: true }), 30),
    claimName,
    capacity: sizeSpec([30, 100]),
    // Paths in any spelling of a normal one ("//", "/./", a trailing "/") are normalised.
    mountPath: mostly(
      fc.constantFrom('/models/x', '/mnt/weights', '/models//x', '/models/./x/', '/mnt/weights/', '//mnt/a/./b'),
      fc.oneof(oddText, fc.constantFrom('/', '/dev/shm', '/dev//shm', '/dev/./shm/', '/models/../etc', '/models/x/..', 'relative/path', '/a b', '/a:b', '/models/$(X)', '/models/a$$b')),
    ),
    chart: fc.nat(2),
  }, { requiredKeys: ['model', 'source'] });

  // --- group -----------------------------------------------------------------------------------

  const rdmaSpec: fc.Arbitrary<RdmaSpec> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom<RdmaSpec['kind']>('erdma', 'rdmaHca'), count: fc.option(mostly(fc.constantFrom(1, 2), oddNumber), { nil: undefined }), ibDevice: fc.option(mostly(fc.constantFrom('erdma_0', 'mlx5_0,mlx5_1'), oddText), { nil: undefined }) }, { requiredKeys: ['kind'] }) },
    { weight: 2, arbitrary: fc.constant<RdmaSpec>({ kind: 'none' }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant<RdmaSpec['kind']>('custom'),
        resourceName: mostly(fc.constantFrom('rdma/ib', 'rdma/roce_gdr', 'vpc.amazonaws.com/efa'), fc.oneof(oddText, fc.constantFrom('nvidia.com/gpu', 'cpu', 'memory', 'aliyun/erdma'))),
        count: fc.option(mostly(fc.constantFrom(1, 2), oddNumber), { nil: undefined }),
        ibDevice: fc.option(mostly(fc.constantFrom('mlx5_0'), oddText), { nil: undefined }),
      }, { requiredKeys: ['kind', 'resourceName'] }),
    },
  );

  const gpuSpec: fc.Arbitrary<GpuSpec> = alt<GpuSpec>(
    fc.record({
      preset: fc.constantFrom(...Object.keys(GPU_PRESETS)),
      gpusPerNode: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: mostly(fc.constantFrom(4, 8, 16), oddNumber) }),
    }).map((g): GpuSpec => (g.gpusPerNode === undefined ? { preset: g.preset } : { preset: g.preset, gpusPerNode: g.gpusPerNode })),
    fc.record({
      name: mostly(fc.constantFrom('RTX 6000 Ada', 'MI300X'), oddText),
      memory: sizeSpec([24, 48, 80, 192]),
      gpusPerNode: mostly(fc.constantFrom(4, 8), oddNumber),
      resourceName: mostly(fc.constantFrom('nvidia.com/gpu', 'amd.com/gpu'), fc.oneof(oddText, fc.constantFrom('aliyun/erdma', 'rdma/hca', 'cpu'))),
    }, { requiredKeys: ['name', 'memory'] }).map((custom) => ({ custom })),
    3,
  );

  const clusterSpec = fc.record({
    nodes: mostly(fc.integer({ min: goodWeight === 'clean' ? 4 : 1, max: 8 }), oddNumber),
    gpus: mostly(fc.integer({ min: goodWeight === 'clean' ? 32 : 1, max: 64 }), oddNumber),
  }, { requiredKeys: [] });

  const groupSpec: fc.Arbitrary<GroupSpec> = fc.record({
    name: groupName,
    engine: serverSpec('engine', false),
    prefill: serverSpec('prefill', true),
    decode: serverSpec('decode', true),
    router: routerSpec,
    rdma: rdmaSpec,
    rbg: mostly(fc.constantFrom('V0_4', 'V0_6', 'V0_7'), fc.constant('bogus'), 12),
    gpu: gpuSpec,
    cluster: clusterSpec,
    image: imageRef,
    httpPort: mostly(fc.constantFrom(8000, 30000), fc.oneof(oddNumber, fc.constantFrom(65535, 65536, 1, 8000, 34000, 29000), jsNumber), 5),
    bootstrapPort: port([34000, 8998]),
    // Mostly the chart of the group's volume (unset); now and then any chart.
    chart: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat(2) }),
  }, { requiredKeys: ['name'] });

  // --- the app: charts, namespaces, a second group, synthesize() options -----------------------

  // Now and then one the API server refuses (not a DNS-1123 label).
  const namespace = fc.oneof(
    { weight: 15, arbitrary: fc.constantFrom(undefined, 'default', 'llm', 'other') },
    { weight: 1, arbitrary: fc.constantFrom('Bad_NS', 'llm.', '-llm', '', 'n'.repeat(64)) },
  );
  const second = fc.record({
    volume: volumeSpec,
    group: groupSpec,
    // Often the same group name or claim name as the first: clashes unless the namespaces differ.
    sameName: fc.boolean(),
    sameClaim: fc.boolean(),
  }, { requiredKeys: ['group', 'sameName', 'sameClaim'] });
  const reportFile = fc.oneof(
    { weight: 18, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('capacity-report.md', 'report.md', 'test.k8s.yaml.md', 'Report_1.md') },
    { weight: 1, arbitrary: fc.constantFrom('../x.md', 'sub/x.md', 'x.k8s.yaml', 'test.k8s.yaml', 'report.txt', '', 'a\\b.md', '/tmp/x.md', 'dir/', '..md', 'construct-metadata.json') },
  );
  const yamlOutputType = fc.oneof(
    { weight: 12, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...Object.keys(YamlOutputType).filter((k) => Number.isNaN(Number(k)))) },
  );
  const none = fc.constant(undefined);
  return fc.record({
    namespace: wholeApp ? namespace : fc.constantFrom('llm', 'default'),
    moreCharts: wholeApp ? fc.oneof({ weight: 3, arbitrary: none }, { weight: 2, arbitrary: fc.array(namespace, { minLength: 1, maxLength: 2 }) }) : none,
    volume: volumeSpec,
    group: groupSpec,
    second: fc.oneof({ weight: wholeApp ? 4 : 9, arbitrary: none }, { weight: 1, arbitrary: second }),
    yamlOutputType: wholeApp ? yamlOutputType : none,
    reportFile: wholeApp ? reportFile : none,
  }, { requiredKeys: ['volume', 'group'] }).map((spec): AppSpec => {
    // Keys without a value are left out, so a printed counterexample shows only what is set.
    const out: Record<string, unknown> = Object.fromEntries(Object.entries(spec).filter(([k, v]) => v !== undefined && k !== 'second'));
    if (spec.second !== undefined) {
      const { sameName, sameClaim, volume, group } = spec.second;
      const claimed = volume !== undefined && sameClaim && wholeApp && 'oss' in volume.source ? { ...volume, claimName: spec.volume.claimName } : volume;
      out.second = {
        ...(claimed === undefined ? {} : { volume: claimed }),
        group: sameName && wholeApp ? { ...group, name: spec.group.name } : group,
      };
    }
    return out as unknown as AppSpec;
  });
}

// ---------------------------------------------------------------------------------------------
// Output checks
// ---------------------------------------------------------------------------------------------

/** Values that must never be synthesized: undefined, null, non-finite numbers, stringified junk. */
export function junkValues(value: unknown, at = ''): string[] {
  if (value === undefined) return [`${at}: undefined`];
  if (value === null) return [`${at}: null`];
  if (typeof value === 'boolean') return [];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${at}: ${value}`];
  if (typeof value === 'string') return FORBIDDEN_TEXT.test(value) ? [`${at}: ${JSON.stringify(value)}`] : [];
  if (typeof value !== 'object') return [`${at}: unexpected ${typeof value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => junkValues(v, `${at}[${i}]`));
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
    ...(FORBIDDEN_TEXT.test(k) ? [`${at}: key ${JSON.stringify(k)}`] : []),
    ...junkValues(v, at ? `${at}.${k}` : k),
  ]);
}

/**
 * YAML scalars that betray a bad value: NaN/Infinity in any spelling, `[object Object]`, `undefined`.
 * `.inf` and `.nan` count only as plain scalars (after a space, ":", "[" or ","; a sign may
 * follow): quoted, they are strings the user wrote (YAML11_TEXT).
 */
export const YAML_JUNK = /undefined|NaN|Infinity|\[object Object\]|(^|[\s:[,])[-+]?\.(nan|inf|NaN|Inf|NAN|INF)\b/m;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label value as the API server checks it. */
export function labelValue(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v);
}
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** A label or annotation key as the API server checks it (restated, not the library's). */
export function qualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && !(parts[0].length <= 253 && DNS1123_SUBDOMAIN.test(parts[0]))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

function labels(where: string, map: Record<string, string> | undefined): string[] {
  return Object.entries(map ?? {}).flatMap(([k, v]) => [
    ...(qualifiedName(k) ? [] : [`${where}: label key ${JSON.stringify(k)}`]),
    ...(typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v) ? [] : [`${where}: label value ${JSON.stringify(v)}`]),
  ]);
}

/** Pod templates of a RoleBasedGroup of any version. */
export function podTemplates(rbg: any): Array<{ role: string; template: any }> {
  return ((rbg.spec?.roles ?? []) as any[]).map((r) => ({ role: r.name, template: r.template ?? r.standalonePattern?.template ?? r.leaderWorkerPattern?.template }));
}

/**
 * Rules the API server applies beyond the OpenAPI schema (object names, label syntax, resource
 * names and quantities, unique ports and mount paths). Returns problems; empty when it would apply.
 */
export function apiServerProblems(objs: any[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const o of objs) {
    const id = `${o.kind}/${o.metadata?.name}`;
    const name: string = o.metadata?.name ?? '';
    // Namespaced objects are unique per namespace ("default" when unset), PersistentVolumes app-wide.
    const key = `${o.kind}/${o.kind === 'PersistentVolume' ? '' : o.metadata?.namespace ?? 'default'}/${name}`;
    if (seen.has(key)) out.push(`${id}: duplicate object`);
    seen.add(key);
    const nameRule = o.kind === 'Service' ? DNS1035_LABEL : o.kind === 'RoleBasedGroup' ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
    if (!(name.length <= (o.kind === 'Service' || o.kind === 'RoleBasedGroup' ? 63 : 253) && nameRule.test(name))) out.push(`${id}: bad metadata.name`);
    out.push(...labels(`${id} metadata.labels`, o.metadata?.labels));
    for (const k of Object.keys(o.metadata?.annotations ?? {})) if (!qualifiedName(k)) out.push(`${id}: annotation key ${k}`);
    if (o.kind === 'Service') out.push(...labels(`${id} spec.selector`, o.spec?.selector));
    if (o.kind === 'PersistentVolumeClaim') out.push(...labels(`${id} spec.selector.matchLabels`, o.spec?.selector?.matchLabels));
    for (const q of [o.spec?.capacity?.storage, o.spec?.resources?.requests?.storage]) {
      if (q !== undefined && !QUANTITY.test(String(q))) out.push(`${id}: quantity ${q}`);
    }
    if (o.kind !== 'RoleBasedGroup') continue;
    for (const { role, template } of podTemplates(o)) {
      const at = `${id} role ${role}`;
      out.push(...labels(`${at} template labels`, template?.metadata?.labels));
      for (const k of Object.keys(template?.metadata?.annotations ?? {})) if (!qualifiedName(k)) out.push(`${at}: annotation key ${k}`);
      const spec = template?.spec ?? {};
      out.push(...labels(`${at} nodeSelector`, spec.nodeSelector));
      for (const c of spec.containers ?? []) {
        const names = (c.ports ?? []).map((p: any) => p.name);
        const numbers = (c.ports ?? []).map((p: any) => p.containerPort);
        if (new Set(names).size !== names.length || new Set(numbers).size !== numbers.length) out.push(`${at}: duplicate container ports ${JSON.stringify(c.ports)}`);
        for (const p of c.ports ?? []) if (!(Number.isInteger(p.containerPort) && p.containerPort >= 1 && p.containerPort <= 65535)) out.push(`${at}: port ${p.containerPort}`);
        for (const kind of ['requests', 'limits'] as const) {
          for (const [r, q] of Object.entries(c.resources?.[kind] ?? {})) {
            if (!qualifiedName(r)) out.push(`${at}: resource name ${JSON.stringify(r)}`);
            if (!QUANTITY.test(String(q))) out.push(`${at}: ${kind}.${r} quantity ${q}`);
          }
        }
        const mounts = (c.volumeMounts ?? []).map((m: any) => m.mountPath);
        if (new Set(mounts).size !== mounts.length) out.push(`${at}: duplicate mountPath ${JSON.stringify(mounts)}`);
        for (const m of mounts) if (!String(m).startsWith('/')) out.push(`${at}: relative mountPath ${m}`);
        for (const e of c.env ?? []) if (!/^[ -<>-~]+$/.test(e.name)) out.push(`${at}: env name ${JSON.stringify(e.name)}`);
      }
    }
  }
  return out;
}
