import { RbgTarget } from '../rbg/rbg-target';
import { RouterDiscovery } from '../sglang/router-options';
import { ScalingMetric, ScalingMetricKind, SGLANG_TOKEN_USAGE } from '../serving/scaling-metric';
import { durationSeconds, shownDuration } from '../util/duration';
import { Finding, Findings } from './findings';
import { MAX_REPLICAS } from './pod-rules';

/** The oldest controller release whose scaling adapters an HPA can drive for our roles. */
export const AUTOSCALING_MIN_RBG = RbgTarget.V0_7;

/** Why older releases cannot autoscale these roles (checked against each release's controller source). */
const WHY_NOT: ReadonlyMap<RbgTarget, string> = new Map([
  [RbgTarget.V0_4, 'its roles\' scalingAdapter has no labels field'],
  [RbgTarget.V0_6, 'its roles\' scalingAdapter has no labels field, and its adapter controller reads the pod selector from status.labelSelector, which StatefulSet roles lack, so the HPA gets no selector'],
]);

/** Longest HPA stabilization window the API server accepts. */
const MAX_STABILIZATION_SECONDS = 3600;

/**
 * One role's autoscaling, as the user gave it.
 * @internal
 */
export interface AutoscalingState {
  readonly autoscaling: unknown;
  /** The metric in effect (the default when none was given). */
  readonly metric: unknown;
  readonly rbg: unknown;
  /** The role's `replicas` prop, if given. */
  readonly replicas: unknown;
}

/**
 * Rules of one role's `autoscaling`: bounds, metric, stabilization, the controller release and the
 * initial replicas. (Pod names at the upper bound need no rule: `<group>-<role>` is at most 52
 * characters, so `<group>-<role>-999` fits 63.)
 * @internal
 */
export function autoscalingRules(s: AutoscalingState): Finding[] {
  const f = new Findings();
  const a = s.autoscaling as Record<string, unknown>;
  if (a === null || typeof a !== 'object' || Array.isArray(a)) {
    f.error('autoscaling', a, 'must be { minReplicas, maxReplicas, metric }, e.g. { minReplicas: 1, maxReplicas: 4, metric: ScalingMetric.queuedRequests(5) }');
    return f.list;
  }
  if (RbgTarget.ALL.includes(s.rbg as RbgTarget) && s.rbg !== AUTOSCALING_MIN_RBG) {
    const rbg = s.rbg as RbgTarget;
    f.error('autoscaling', a, `needs RbgTarget.V0_7 or later (the minimum controller release for autoscaling), but the role targets RbgTarget.V${rbg.release.slice(1).replace('.', '_')}: ${WHY_NOT.get(rbg) ?? 'its scaling adapter cannot be driven'}`);
  }
  const min = a.minReplicas ?? 1;
  const minOk = f.integer('autoscaling.minReplicas', min, 1, MAX_REPLICAS);
  let maxOk = false;
  if (a.maxReplicas === undefined) f.error('autoscaling.maxReplicas', undefined, `is required: an integer from 1 to ${MAX_REPLICAS}`);
  else maxOk = f.integer('autoscaling.maxReplicas', a.maxReplicas, 1, MAX_REPLICAS);
  let bounded = minOk && maxOk;
  if (bounded && (min as number) > (a.maxReplicas as number)) {
    f.error('autoscaling.minReplicas', min, `is above autoscaling.maxReplicas (${String(a.maxReplicas)}); minReplicas must be at most maxReplicas`);
    bounded = false;
  }
  metricRules(f, a.metric, s.metric);
  if (a.scaleDownStabilization !== undefined) {
    const seconds = durationSeconds(a.scaleDownStabilization);
    if (!(seconds >= 0 && seconds <= MAX_STABILIZATION_SECONDS)) {
      f.error('autoscaling.scaleDownStabilization', shownDuration(a.scaleDownStabilization), `must be a cdk8s Duration of whole seconds from 0 to ${MAX_STABILIZATION_SECONDS / 60} minutes, e.g. Duration.minutes(10)`);
    }
  }
  if (bounded && s.replicas !== undefined && Number.isInteger(s.replicas)) {
    const r = s.replicas as number;
    if (r < (min as number) || r > (a.maxReplicas as number)) {
      f.error('replicas', r, `is the initial pod count and must be within autoscaling bounds ${String(min)}..${String(a.maxReplicas)} (leave it unset to start at minReplicas)`);
    }
  }
  return f.list;
}

function metricRules(f: Findings, given: unknown, metric: unknown): void {
  if (!(metric instanceof ScalingMetric)) {
    f.error('autoscaling.metric', given, 'is not a known metric: use ScalingMetric.cpuUtilization(percent), runningRequests(n), queuedRequests(n), kvCacheUsage(fraction) or podAverage(name, value)');
    return;
  }
  const t = metric.target;
  if (metric.kind === ScalingMetricKind.CPU_UTILIZATION) {
    f.integer('autoscaling.metric.target', t, 1, 1000);
    return;
  }
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(String(metric.metricName)) || String(metric.metricName).length > 253) {
    f.error('autoscaling.metric.metricName', metric.metricName, 'must be a Prometheus metric name: letters, digits, "_" and ":", not starting with a digit, at most 253 characters');
  }
  const milli = typeof t === 'number' ? t * 1000 : NaN;
  if (!(milli >= 1 && milli <= 1e12 && Math.abs(milli - Math.round(milli)) < 1e-6)) {
    f.error('autoscaling.metric.target', t, 'must be a positive number with at most 3 decimals (a Kubernetes quantity), e.g. 5 or 0.8');
  } else if (metric.metricName === SGLANG_TOKEN_USAGE && t > 1) {
    f.error('autoscaling.metric.target', t, `${SGLANG_TOKEN_USAGE} is a fraction of the KV pool, from 0 to 1; use e.g. ScalingMetric.kvCacheUsage(0.8)`);
  }
}

/** A server role as the group's autoscaling rules see it. */
export interface ScaledRole {
  readonly roleName: string;
  readonly replicas: number;
  readonly gpusPerPod: number;
  /** The role's bounds when it autoscales. */
  readonly bounds?: { readonly minReplicas: unknown; readonly maxReplicas: unknown };
}

/**
 * Rules across the group's autoscaled roles: the router must discover workers through the
 * Kubernetes API, the prefill:decode ratio stays within `replicaRatio` at every reachable pair of
 * replica counts, and (a warning) the upper bounds fit the declared cluster.
 * @internal
 */
export function groupAutoscalingRules(s: {
  readonly discovery: unknown;
  readonly prefill: ScaledRole;
  readonly decode: ScaledRole;
  readonly ratio: unknown;
  /** GPUs the declared cluster has, if declared. */
  readonly clusterGpus?: number;
}): Finding[] {
  const f = new Findings();
  const scaled = [s.prefill, s.decode].filter((r) => r.bounds !== undefined).map((r) => r.roleName);
  if (scaled.length > 0 && s.discovery !== RouterDiscovery.KUBERNETES) {
    f.error('router.discovery', s.discovery, `must be RouterDiscovery.KUBERNETES when ${scaled.join(' and ')} autoscale${scaled.length === 1 ? 's' : ''}: a STATIC router lists one URL per pod when the app is synthesized, so it cannot follow the replica count an HPA sets`);
  }
  const range = (r: ScaledRole): [number, number] | undefined => {
    const [lo, hi] = r.bounds === undefined ? [r.replicas, r.replicas] : [r.bounds.minReplicas ?? 1, r.bounds.maxReplicas];
    const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_REPLICAS;
    return ok(lo) && ok(hi) && lo <= hi ? [lo, hi] : undefined; // bad bounds are reported by the role
  };
  const p = range(s.prefill);
  const d = range(s.decode);
  ratioRules(f, s.ratio, p, d, s.prefill.bounds !== undefined, s.decode.bounds !== undefined);
  if (s.clusterGpus !== undefined && p !== undefined && d !== undefined && (s.prefill.bounds !== undefined || s.decode.bounds !== undefined)) {
    const most = p[1] * s.prefill.gpusPerPod + d[1] * s.decode.gpusPerPod;
    if (Number.isFinite(most) && most > s.clusterGpus) {
      f.warn('cluster', s.clusterGpus, `at maxReplicas the group needs ${most} GPUs (prefill ${p[1]} x ${s.prefill.gpusPerPod} + decode ${d[1]} x ${s.decode.gpusPerPod}) but the cluster has ${s.clusterGpus}; pods the HPAs add beyond that stay Pending`);
    }
  }
  return f.list;
}

/** A tolerance for comparing ratios of small integers. */
const EPS = 1e-9;

function ratioRules(f: Findings, ratio: unknown, p: [number, number] | undefined, d: [number, number] | undefined, pScaled: boolean, dScaled: boolean): void {
  if (ratio === undefined) return;
  if (ratio === null || typeof ratio !== 'object' || Array.isArray(ratio)) {
    f.error('replicaRatio', ratio, 'must be { minPrefillPerDecode, maxPrefillPerDecode }');
    return;
  }
  const r = ratio as Record<string, unknown>;
  const positive = (field: string, v: unknown): boolean => {
    if (v === undefined) return true;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > MAX_REPLICAS) {
      f.error(`replicaRatio.${field}`, v, `must be a positive number of prefill pods per decode pod, at most ${MAX_REPLICAS}, e.g. 0.5 or 2`);
      return false;
    }
    return true;
  };
  const lo = r.minPrefillPerDecode as number | undefined;
  const hi = r.maxPrefillPerDecode as number | undefined;
  if (!positive('minPrefillPerDecode', lo) || !positive('maxPrefillPerDecode', hi)) return;
  if (lo !== undefined && hi !== undefined && lo > hi) {
    f.error('replicaRatio.minPrefillPerDecode', lo, `is above replicaRatio.maxPrefillPerDecode (${hi})`);
    return;
  }
  if (p === undefined || d === undefined) return;
  const [pMin, pMax] = p;
  const [dMin, dMax] = d;
  // A fix moves one bound of an autoscaled role, or the replicas of a fixed one (both its bounds).
  const raise = (role: string, scaled: boolean, to: number) => (scaled ? `raise ${role}'s minimum to ${to}` : `set ${role} replicas to ${to}`);
  const lower = (role: string, scaled: boolean, to: number) => (scaled ? `lower ${role}'s maximum to ${to}` : `set ${role} replicas to ${to}`);
  if (lo !== undefined && pMin / dMax < lo - EPS) {
    // More prefill pods at the bottom, or fewer decode pods at the top (if decode's minimum allows).
    const fixes = [raise('prefill', pScaled, Math.ceil(lo * dMax - EPS))];
    const dTop = Math.floor(pMin / lo + EPS);
    if (dTop >= (dScaled ? dMin : 1)) fixes.push(lower('decode', dScaled, dTop));
    f.error('replicaRatio.minPrefillPerDecode', lo, `prefill can be at ${pMin} pod(s) while decode is at ${dMax}: P:D ${pMin}:${dMax} = ${round(pMin / dMax)}, below ${lo}; ${fixes.join(' or ')}`);
  }
  if (hi !== undefined && pMax / dMin > hi + EPS) {
    // Fewer prefill pods at the top (if prefill's minimum allows), or more decode pods at the bottom.
    const fixes: string[] = [];
    const pTop = Math.floor(hi * dMin + EPS);
    if (pTop >= (pScaled ? pMin : 1)) fixes.push(lower('prefill', pScaled, pTop));
    fixes.push(raise('decode', dScaled, Math.ceil(pMax / hi - EPS)));
    f.error('replicaRatio.maxPrefillPerDecode', hi, `prefill can be at ${pMax} pod(s) while decode is at ${dMin}: P:D ${pMax}:${dMin} = ${round(pMax / dMin)}, above ${hi}; ${fixes.join(' or ')}`);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
