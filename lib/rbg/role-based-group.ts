/**
 * The one place that maps this library's model of a group onto the generated RoleBasedGroup L1
 * classes of each supported controller release. Nothing outside lib/rbg/ touches imports/.
 *
 * Every spec is built as the generated type of its release, so `tsc` checks the RoleBasedGroup
 * shape (field names, required fields, nesting) against that release's CRD.
 */
import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import type { k8s } from './k8s';
import { Construct } from 'constructs';
import type * as v04 from '../../imports/rbgv04-workloads.x-k8s.io';
import type * as v06 from '../../imports/rbgv06-workloads.x-k8s.io';
import type * as v07 from '../../imports/rbg-workloads.x-k8s.io';
import { RbgTarget } from './rbg-target';

/**
 * One role of a group, independent of the RBG API version.
 *
 * @internal
 */
export interface RoleModel {
  readonly name: string;
  readonly replicas: number;
  readonly dependencies: string[];
  readonly template: k8s.PodTemplateSpec;
  /** Set when an HPA owns the role's replicas: the controller then creates its scaling adapter. */
  readonly scalingAdapter?: ScalingAdapterModel;
  /** Rolling-update budget of the role; strings are percentages (`25%`). */
  readonly rolloutStrategy?: RolloutModel;
  /**
   * Pods per instance of a leader/worker role (a multi-node instance: the first pod is the
   * leader); undefined for a standalone role.
   */
  readonly leaderWorkerSize?: number;
}

/**
 * The role's `scalingAdapter`. `labels` exist only in the v1alpha2 API (v0.7): the v0.4 and v0.6
 * CRDs have `enable` alone, so there they are dropped.
 *
 * @internal
 */
export interface ScalingAdapterModel {
  readonly enable: boolean;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A role's rolling-update budget, independent of the RBG API version: numbers are absolute,
 * strings percentages such as `25%`.
 *
 * @internal
 */
export interface RolloutModel {
  readonly maxUnavailable?: number | string;
  readonly maxSurge?: number | string;
  readonly partition?: number | string;
}

/**
 * Lockstep rollout of several roles (percentages such as `10%`), independent of the RBG API
 * version: `spec.coordination` on v0.6, a CoordinatedPolicy on v0.7.
 *
 * @internal
 */
export interface CoordinationModel {
  readonly name: string;
  readonly roles: readonly string[];
  readonly maxSkew: string;
  readonly maxUnavailable?: string;
  readonly partition?: string;
}

/**
 * Gang scheduling of a group, independent of the RBG API version.
 *
 * @internal
 */
export interface GangModel {
  readonly scheduler: 'scheduler-plugins' | 'volcano';
  readonly timeoutSeconds?: number;
  readonly queue?: string;
  readonly priorityClassName?: string;
}

/**
 * Group-wide settings, independent of the RBG API version.
 *
 * @internal
 */
export interface GroupModel {
  /** Node label of exclusive topology (one group per domain). */
  readonly exclusiveTopologyKey?: string;
  readonly gang?: GangModel;
  /** v0.6 only (v0.7 reads a CoordinatedPolicy, see coordinated-policy.ts; v0.4 has none). */
  readonly coordination?: CoordinationModel;
}

/** Annotation keys of group-wide settings, by controller release (FACTS §2; v0.7 `api/workloads/constants`). */
const EXCLUSIVE_TOPOLOGY_V1ALPHA1 = 'rolebasedgroup.workloads.x-k8s.io/exclusive-topology';
const EXCLUSIVE_TOPOLOGY_V07 = 'rbg.workloads.x-k8s.io/group-exclusive-topology';
const GANG_V07 = 'rbg.workloads.x-k8s.io/group-gang-scheduling';
const GANG_TIMEOUT_V07 = 'rbg.workloads.x-k8s.io/group-gang-scheduling-timeout';
const GANG_QUEUE_V07 = 'rbg.workloads.x-k8s.io/group-gang-scheduling-volcano-queue';
const GANG_PRIORITY_V07 = 'rbg.workloads.x-k8s.io/group-gang-scheduling-volcano-priority';

/**
 * The annotations through which `target` reads the group-wide settings: exclusive topology on
 * every release, gang scheduling on v0.7 (earlier releases read `spec.podGroupPolicy`).
 *
 * @internal
 */
export function groupAnnotations(target: RbgTarget, group: GroupModel): Record<string, string> {
  const a: Record<string, string> = {};
  const v07 = target === RbgTarget.V0_7;
  if (group.exclusiveTopologyKey !== undefined) a[v07 ? EXCLUSIVE_TOPOLOGY_V07 : EXCLUSIVE_TOPOLOGY_V1ALPHA1] = group.exclusiveTopologyKey;
  const g = group.gang;
  if (v07 && g !== undefined) {
    a[GANG_V07] = 'true';
    if (g.timeoutSeconds !== undefined) a[GANG_TIMEOUT_V07] = String(g.timeoutSeconds);
    if (g.queue !== undefined) a[GANG_QUEUE_V07] = g.queue;
    if (g.priorityClassName !== undefined) a[GANG_PRIORITY_V07] = g.priorityClassName;
  }
  return a;
}

/** `spec.podGroupPolicy` of v1alpha1 (v0.4-v0.6); both releases' CRDs share its shape. */
function podGroupPolicy(g: GangModel | undefined): v04.RoleBasedGroupSpecPodGroupPolicy & v06.RoleBasedGroupSpecPodGroupPolicy | undefined {
  if (g === undefined) return undefined;
  return g.scheduler === 'volcano'
    ? { volcanoScheduling: { queue: g.queue, priorityClassName: g.priorityClassName } }
    : { kubeScheduling: { scheduleTimeoutSeconds: g.timeoutSeconds } };
}

/**
 * Creates the RoleBasedGroup API object for `target`, with id 'Resource'. Roles are produced
 * lazily, at synth time; `group` gives the group-wide settings (annotations are added to
 * `metadata` here).
 *
 * @internal
 */
export function createRoleBasedGroup(
  scope: Construct,
  target: RbgTarget,
  metadata: ApiObjectMetadata,
  roles: () => RoleModel[],
  group: GroupModel = {},
): ApiObject {
  const extra = groupAnnotations(target, group);
  const meta: ApiObjectMetadata = Object.keys(extra).length === 0 ? metadata : { ...metadata, annotations: { ...metadata.annotations, ...extra } };
  switch (target) {
    case RbgTarget.V0_7:
      return groupV07(scope, meta, roles);
    case RbgTarget.V0_6:
      return groupV06(scope, meta, roles, group);
    case RbgTarget.V0_4:
      return groupV04(scope, meta, roles, group);
    default: {
      // Only reachable from JavaScript callers.
      const unknown: { readonly release?: unknown } | undefined = target;
      throw new Error(`unsupported RBG target ${String(unknown?.release)}`);
    }
  }
}

// Each generated module is loaded on first use (require, typed through `import type`), so that
// an app only loads the releases it targets.

/** v0.7: v1alpha2, a standalone role carries its pod template in `standalonePattern`. */
function groupV07(scope: Construct, metadata: ApiObjectMetadata, roles: () => RoleModel[]): ApiObject {
  const l1: typeof v07 = require('../../imports/rbg-workloads.x-k8s.io');
  const spec = (): v07.RoleBasedGroupSpec => ({
    roles: roles().map((r): v07.RoleBasedGroupSpecRoles => ({
      name: r.name,
      replicas: r.replicas,
      dependencies: nonEmpty(r.dependencies),
      // One pod template for the leader and the workers: SGLang tells them apart by --node-rank.
      standalonePattern: r.leaderWorkerSize === undefined ? { template: podTemplate(r.template) } : undefined,
      leaderWorkerPattern: r.leaderWorkerSize === undefined ? undefined : { size: r.leaderWorkerSize, template: podTemplate(r.template) },
      scalingAdapter: r.scalingAdapter === undefined ? undefined : scalingAdapterV07(r.scalingAdapter),
      rolloutStrategy: rollout(r.rolloutStrategy, l1.RoleBasedGroupSpecRolesRolloutStrategyType.ROLLING_UPDATE, l1.RoleBasedGroupSpecRolesRolloutStrategyRollingUpdateMaxUnavailable,
        l1.RoleBasedGroupSpecRolesRolloutStrategyRollingUpdateMaxSurge, (v) => intOrString(v, l1.RoleBasedGroupSpecRolesRolloutStrategyRollingUpdatePartition)),
    })),
  });
  return new l1.RoleBasedGroup(scope, 'Resource', { metadata, spec: Lazy.any({ produce: spec }) });
}

/** v0.6: v1alpha1 (StatefulSet workload by default), `roles[].template`. */
function groupV06(scope: Construct, metadata: ApiObjectMetadata, roles: () => RoleModel[], group: GroupModel): ApiObject {
  const l1: typeof v06 = require('../../imports/rbgv06-workloads.x-k8s.io');
  const spec = (): v06.RoleBasedGroupSpec => ({
    podGroupPolicy: podGroupPolicy(group.gang),
    coordination: group.coordination === undefined ? undefined : [{
      name: group.coordination.name,
      roles: [...group.coordination.roles],
      strategy: {
        rollingUpdate: { maxSkew: group.coordination.maxSkew, maxUnavailable: group.coordination.maxUnavailable, partition: group.coordination.partition },
      },
    }],
    roles: roles().map((r): v06.RoleBasedGroupSpecRoles => ({
      name: r.name,
      replicas: r.replicas,
      dependencies: nonEmpty(r.dependencies),
      template: podTemplate(r.template),
      // v0.6 runs leader/worker roles as its own InstanceSet (leader pod <instance>-0).
      workload: r.leaderWorkerSize === undefined ? undefined : { apiVersion: 'workloads.x-k8s.io/v1alpha1', kind: 'InstanceSet' },
      leaderWorkerSet: r.leaderWorkerSize === undefined ? undefined : { size: r.leaderWorkerSize },
      scalingAdapter: r.scalingAdapter === undefined ? undefined : { enable: r.scalingAdapter.enable },
      rolloutStrategy: rollout(r.rolloutStrategy, l1.RoleBasedGroupSpecRolesRolloutStrategyType.ROLLING_UPDATE, l1.RoleBasedGroupSpecRolesRolloutStrategyRollingUpdateMaxUnavailable,
        l1.RoleBasedGroupSpecRolesRolloutStrategyRollingUpdateMaxSurge, (v) => intOrString(v, l1.RoleBasedGroupSpecRolesRolloutStrategyRollingUpdatePartition)),
    })),
  });
  return new l1.RoleBasedGroup(scope, 'Resource', { metadata, spec: Lazy.any({ produce: spec }) });
}

/** v0.4: v1alpha1, `roles[].template` required. */
function groupV04(scope: Construct, metadata: ApiObjectMetadata, roles: () => RoleModel[], group: GroupModel): ApiObject {
  const l1: typeof v04 = require('../../imports/rbgv04-workloads.x-k8s.io');
  const spec = (): v04.RoleBasedGroupSpec => ({
    podGroupPolicy: podGroupPolicy(group.gang),
    roles: roles().map((r): v04.RoleBasedGroupSpecRoles => ({
      name: r.name,
      replicas: r.replicas,
      dependencies: nonEmpty(r.dependencies),
      template: podTemplate(r.template),
      // v0.4 runs leader/worker roles as LeaderWorkerSets: the LWS controller must be installed.
      workload: r.leaderWorkerSize === undefined ? undefined : { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet' },
      leaderWorkerSet: r.leaderWorkerSize === undefined ? undefined : { size: r.leaderWorkerSize },
      scalingAdapter: r.scalingAdapter === undefined ? undefined : { enable: r.scalingAdapter.enable },
      // The v0.4 CRD types the partition as an integer; the rules refuse a percentage there.
      rolloutStrategy: rollout(r.rolloutStrategy, l1.RoleBasedGroupSpecRolesRolloutStrategyType.ROLLING_UPDATE, l1.RoleBasedGroupSpecRolesRolloutStrategyRollingUpdateMaxUnavailable,
        l1.RoleBasedGroupSpecRolesRolloutStrategyRollingUpdateMaxSurge, (v) => (typeof v === 'number' ? v : undefined)),
    })),
  });
  return new l1.RoleBasedGroup(scope, 'Resource', { metadata, spec: Lazy.any({ produce: spec }) });
}

/** v0.7's scaling adapter, with the labels the controller copies onto the adapter it creates. */
function scalingAdapterV07(a: ScalingAdapterModel): v07.RoleBasedGroupSpecRolesScalingAdapter {
  return { enable: a.enable, labels: a.labels === undefined ? undefined : { ...a.labels } };
}

/**
 * A cdk8s-plus-28 pod template as the RBG CRDs type it. The two agree everywhere (the quantity
 * and int-or-string classes are structurally the same) except `hostAliases[].ip`, which the
 * Kubernetes 1.28 types leave optional and the CRDs (newer Kubernetes) require.
 */
interface RbgPodTemplate extends Omit<k8s.PodTemplateSpec, 'spec'> {
  readonly spec?: RbgPodSpec;
}

interface RbgPodSpec extends Omit<k8s.PodSpec, 'hostAliases'> {
  readonly hostAliases?: RbgHostAlias[];
}

interface RbgHostAlias {
  readonly ip: string;
  readonly hostnames?: string[];
}

function podTemplate({ spec, ...template }: k8s.PodTemplateSpec): RbgPodTemplate {
  if (spec === undefined) return template;
  const { hostAliases, ...podSpec } = spec;
  return { ...template, spec: hostAliases === undefined ? podSpec : { ...podSpec, hostAliases: hostAliases.map(hostAlias) } };
}

function hostAlias({ ip, hostnames }: k8s.HostAlias, index: number): RbgHostAlias {
  // The API server rejects a host alias without an IP; say so at synth instead.
  if (ip === undefined) throw new Error(`pod template: hostAliases[${index}].ip is required`);
  return { ip, hostnames };
}

/** The generated int-or-string class of one field. */
interface IntOrStringClass<T> {
  fromNumber(n: number): T;
  fromString(s: string): T;
}

/** A role's rolling update in the shape every release shares; `partition` converts per release. */
function rollout<K, U, S, P>(m: RolloutModel | undefined, type: K, maxUnavailable: IntOrStringClass<U>, maxSurge: IntOrStringClass<S>, partition: (v: number | string | undefined) => P | undefined):
{ type: K; rollingUpdate: { maxUnavailable?: U; maxSurge?: S; partition?: P } } | undefined {
  if (m === undefined) return undefined;
  return { type, rollingUpdate: { maxUnavailable: intOrString(m.maxUnavailable, maxUnavailable), maxSurge: intOrString(m.maxSurge, maxSurge), partition: partition(m.partition) } };
}

/** An int-or-string field of a generated module, from a number or a percentage string. */
function intOrString<T>(v: number | string | undefined, cls: IntOrStringClass<T>): T | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'number' ? cls.fromNumber(v) : cls.fromString(v);
}

function nonEmpty<T>(xs: T[]): T[] | undefined {
  return xs.length > 0 ? xs : undefined;
}
