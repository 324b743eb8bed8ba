import { GpuProfile } from '../model/gpu-profile';
import { QwenModel } from '../model/qwen-model';
import { RdmaProfile } from '../model/rdma-profile';
import { lookupFlag } from '../sglang/flags';
import { KvCacheDtype, RDMA_BACKENDS, SglangServerOptions, TransferBackend } from '../sglang/server-options';
import { formatQuantity } from '../util/quantity';
import { isExtendedResourceName } from '../util/names';
import { jsonProblem } from '../util/json';
import { Finding, Findings } from './findings';
import { sizeRule } from './pod-rules';

/**
 * Resolved state of a prefill or decode server, as the user gave it.
 * @internal
 */
export interface ServerState {
  readonly options: SglangServerOptions;
  /** True when a model volume was given. */
  readonly hasModel: boolean;
  readonly gpu: unknown;
  readonly rdma: unknown;
  readonly transferBackend: unknown;
  readonly ibDevice: unknown;
  readonly tensorParallelSize: unknown;
  readonly dataParallelSize: unknown;
  readonly httpPort: unknown;
  /** Prefill only. */
  readonly bootstrapPort?: unknown;
  readonly sharedMemory: unknown;
  readonly startupTimeout: unknown;
}

/**
 * Rules of a server's own props: parallelism, memory and engine options, GPU and RDMA profiles.
 * @internal
 */
export function serverRules(s: ServerState): Finding[] {
  const f = new Findings();
  const o = s.options;
  if (!s.hasModel) f.error('model', undefined, 'prefill and decode roles need a QwenModelVolume');
  if (!(s.gpu instanceof GpuProfile)) {
    f.error('gpu', s.gpu, 'must be a GpuProfile, e.g. GpuProfile.L20 or GpuProfile.custom({...})');
  } else {
    const mib = s.gpu.reportedMemoryMiB;
    if (!(typeof mib === 'number' && mib >= 1024 && mib <= 1024 ** 2 * 64)) {
      f.error('gpu.memory', s.gpu.memory === undefined ? mib : formatQuantity(s.gpu.memory), 'must be from 1 GiB to 64 TiB, e.g. Size.gibibytes(48) or reportedMemoryMiB: 46068');
    } else {
      const overhead = s.gpu.preloadOverheadMiB;
      if (!(overhead >= 0 && overhead < mib / 2)) f.error('gpu.preloadOverhead', formatQuantity(s.gpu.preloadOverhead), `must be a Size from 0 to half the GPU's ${mib} MiB, e.g. Size.gibibytes(1)`);
    }
    f.integer('gpu.gpusPerNode', s.gpu.gpusPerNode, 1, 64);
    if (!isExtendedResourceName(s.gpu.resourceName)) {
      f.error('gpu.resourceName', s.gpu.resourceName, 'must be an extended resource name with a domain prefix (not kubernetes.io, requests. or limits.), e.g. "nvidia.com/gpu" or "amd.com/gpu"');
    }
  }
  const tpOk = f.integer('tensorParallelSize', s.tensorParallelSize, 1, 64);
  const dpOk = f.integer('dataParallelSize', s.dataParallelSize, 1, 64);
  if (f.boolean('enableDpAttention', o.enableDpAttention) && o.enableDpAttention === true && tpOk && dpOk) {
    const tp = s.tensorParallelSize as number;
    const dp = s.dataParallelSize as number;
    if (dp < 2 || tp % dp !== 0) f.error('dataParallelSize', dp, `with enableDpAttention must be at least 2 and divide tensorParallelSize (${tp})`);
  }
  if (o.expertParallelSize !== undefined) f.integer('expertParallelSize', o.expertParallelSize, 1, 1024);
  if (o.memFractionStatic !== undefined && !(typeof o.memFractionStatic === 'number' && o.memFractionStatic > 0 && o.memFractionStatic < 1)) {
    f.error('memFractionStatic', o.memFractionStatic, 'must be a number between 0 and 1 (exclusive), e.g. 0.85');
  }
  for (const field of ['contextLength', 'chunkedPrefillSize', 'maxRunningRequests', 'maxTotalTokens', 'pageSize'] as const) {
    if (o[field] !== undefined) f.integer(field, o[field], 1, 16_777_216);
  }
  if (o.kvCacheDtype !== undefined) f.oneOf('kvCacheDtype', o.kvCacheDtype, Object.values(KvCacheDtype), 'a KvCacheDtype');
  const backendOk = f.oneOf('transferBackend', s.transferBackend, Object.values(TransferBackend), 'a TransferBackend');
  for (const field of ['enableMetrics', 'trustRemoteCode'] as const) f.boolean(field, o[field]);
  rdmaRules(f, s, backendOk);
  for (const field of ['reasoningParser', 'toolCallParser', 'servedModelName'] as const) {
    const v = o[field];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 253 || /[\s$]/.test(v) || /[\u0000-\u001f\u007f]/.test(v))) {
      f.error(field, v, 'must be a non-empty string of at most 253 characters without spaces, "$" or control characters');
    }
  }
  for (const [field, flag] of [['reasoningParser', '--reasoning-parser'], ['toolCallParser', '--tool-call-parser']] as const) {
    const v = o[field];
    const choices = typeof v === 'string' ? lookupFlag('server', flag)?.choices : undefined;
    if (typeof v === 'string' && choices !== undefined && !choices.includes(v)) {
      f.error(field, v, `is not a ${flag} of SGLang v0.5.18; choose one of ${choices.join(', ')}`);
    }
  }
  modelOverrideRules(f, o.modelOverrideArgs);
  f.integer('httpPort', s.httpPort, 1, 65535);
  if (s.bootstrapPort !== undefined && f.integer('bootstrapPort', s.bootstrapPort, 1, 65535) && s.bootstrapPort === s.httpPort) {
    f.error('bootstrapPort', s.bootstrapPort, `must differ from httpPort (${String(s.httpPort)})`);
  }
  sizeRule(f, 'sharedMemory', s.sharedMemory, 'Size.gibibytes(64)');
  const timeout = s.startupTimeout as { toSeconds?: () => number } | undefined;
  if (timeout !== undefined) {
    const seconds = typeof timeout?.toSeconds === 'function' ? safeSeconds(timeout.toSeconds.bind(timeout)) : NaN;
    if (!(seconds >= 10 && seconds <= 86_400 * 7)) f.error('startupTimeout', Number.isNaN(seconds) ? timeout : `${seconds}s`, 'must be a cdk8s Duration from 10 seconds to 7 days, e.g. Duration.minutes(30)');
  }
  return f.list;
}

function safeSeconds(read: () => number): number {
  try {
    return read();
  } catch {
    return NaN;
  }
}

function rdmaRules(f: Findings, s: ServerState, backendOk: boolean): void {
  if (!(s.rdma instanceof RdmaProfile)) {
    f.error('rdma', s.rdma, 'must be an RdmaProfile, e.g. RdmaProfile.erdma()');
    return;
  }
  const rdma = s.rdma;
  if (rdma.enabled) {
    if (!isExtendedResourceName(rdma.resourceName)) {
      f.error('rdma.resourceName', rdma.resourceName, 'must be an extended resource name with a domain prefix (not kubernetes.io, requests. or limits.), such as "aliyun/erdma" or "rdma/hca"');
    } else if (s.gpu instanceof GpuProfile && rdma.resourceName === s.gpu.resourceName) {
      f.error('rdma.resourceName', rdma.resourceName, `is also the GPU resource of ${s.gpu.name}; the RDMA device needs its own resource`);
    }
    f.integer('rdma.count', rdma.count, 1, 64);
  }
  if (backendOk) {
    const backend = s.transferBackend as string;
    const needsRdma = RDMA_BACKENDS.includes(backend);
    if (needsRdma && !rdma.enabled) {
      f.error('transferBackend', backend, 'needs RDMA but the RDMA profile is RdmaProfile.none(); use TransferBackend.MOONCAKE_TCP or an RDMA profile such as RdmaProfile.erdma()');
    } else if (!rdma.enabled) {
      f.warn('rdma', 'none', `degraded: KV cache moves over TCP (${backend}), far slower than RDMA; for functional tests only`);
    } else if (!needsRdma) {
      f.warn('transferBackend', backend, `does not use RDMA, yet every pod requests ${rdma.resourceName}; the KV cache moves over TCP`);
    }
  }
  const ib = s.ibDevice;
  if (ib !== undefined && (typeof ib !== 'string' || !/^[A-Za-z0-9_.:-]+(,[A-Za-z0-9_.:-]+)*$/.test(ib))) {
    f.error('ibDevice', ib, 'must be a comma-separated list of RDMA device names, e.g. "mlx5_0,mlx5_1"');
  }
}

function modelOverrideRules(f: Findings, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    f.error('modelOverrideArgs', value, 'must be a JSON object, e.g. { rope_scaling: {...} }');
    return;
  }
  const problem = jsonProblem(value);
  if (problem !== undefined) f.error('modelOverrideArgs', value, `must be plain JSON: ${problem}`);
}

/** Smallest YaRN factor that is a scaling at all. */
const MIN_YARN_FACTOR = 1;

/**
 * A context beyond the model's native length needs a YaRN rope scaling that really covers it,
 * checked by value (FACTS §3: rope_type yarn, factor, original length, max_position_embeddings).
 * @internal
 */
export function contextRules(model: QwenModel, o: SglangServerOptions): Finding[] {
  const f = new Findings();
  const ctx = o.contextLength;
  if (typeof ctx !== 'number' || ctx <= model.nativeContextLength) return f.list;
  const overrides = (typeof o.modelOverrideArgs === 'object' && o.modelOverrideArgs !== null ? o.modelOverrideArgs : {}) as Record<string, unknown>;
  const rs = overrides.rope_scaling as Record<string, unknown> | undefined;
  const fix = `set modelOverrideArgs on prefill and decode to { rope_scaling: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 }, max_position_embeddings: ${ctx} }`;
  if (rs === undefined || rs === null || typeof rs !== 'object' || Array.isArray(rs)) {
    f.error('contextLength', ctx, `exceeds the native ${model.nativeContextLength} tokens of ${model.name}; ${fix}`);
    return f.list;
  }
  const type = rs.rope_type ?? rs.type;
  const factor = rs.factor;
  const original = rs.original_max_position_embeddings;
  const maxPos = overrides.max_position_embeddings;
  if (type !== 'yarn') f.error('modelOverrideArgs.rope_scaling.rope_type', type, `must be "yarn" to extend ${model.name} beyond ${model.nativeContextLength} tokens; ${fix}`);
  if (!(typeof factor === 'number' && factor > MIN_YARN_FACTOR)) f.error('modelOverrideArgs.rope_scaling.factor', factor, 'must be a number above 1');
  if (!(typeof original === 'number' && Number.isInteger(original) && original > 0 && original <= model.nativeContextLength)) {
    f.error('modelOverrideArgs.rope_scaling.original_max_position_embeddings', original, `must be the length the model was trained at, an integer up to ${model.nativeContextLength} (32768 for Qwen3)`);
  } else if (typeof factor === 'number' && factor * original < ctx) {
    f.error('modelOverrideArgs.rope_scaling.factor', factor, `x original_max_position_embeddings ${original} = ${factor * original} tokens, less than contextLength ${ctx}`);
  }
  if (!(typeof maxPos === 'number' && maxPos >= ctx)) {
    f.error('modelOverrideArgs.max_position_embeddings', maxPos, `must be at least contextLength (${ctx}); SGLang refuses a context longer than max_position_embeddings`);
  }
  return f.list;
}

