/** How a release names and wires the pods of a multi-node (leader/worker) instance. */
interface LeaderWorkerConventions {
  readonly leaderAddressEnv: string;
  readonly groupSizeEnv: string;
  readonly workerIndexEnv: string;
  /** A label only leader pods carry, and its value. */
  readonly leaderLabel: readonly [string, string];
  /** True when the leader's hostname is `<instance>-0` (InstanceSet, RoleInstanceSet), false for `<instance>` (LWS). */
  readonly leaderSuffix: boolean;
}

/**
 * The RoleBasedGroup controller release a manifest is written for.
 *
 * Conventions (API version, pod labels, headless Service and pod DNS names) follow the
 * controller release, not only the apiVersion, so the target is a release:
 *
 * | target | apiVersion | pod labels | headless Service of a role |
 * |---|---|---|---|
 * | `V0_4` | `workloads.x-k8s.io/v1alpha1` | `rolebasedgroup.workloads.x-k8s.io/name`, `.../role` | `<group>-<role>` |
 * | `V0_6` | `workloads.x-k8s.io/v1alpha1` | same as v0.4 | `s-<group>-<role>` |
 * | `V0_7` | `workloads.x-k8s.io/v1alpha2` | `rbg.workloads.x-k8s.io/group-name`, `.../role-name` | `s-<group>-<role>` |
 *
 * Multi-node instances (a leader pod and workers per instance):
 *
 * | target | workload | leader of instance `i` | injected env |
 * |---|---|---|---|
 * | `V0_4` | LeaderWorkerSet (needs the LWS controller) | `<group>-<role>-<i>.<group>-<role>` | `LWS_LEADER_ADDRESS`, `LWS_GROUP_SIZE`, `LWS_WORKER_INDEX` (set by LWS) |
 * | `V0_6` | InstanceSet | `<group>-<role>-<i>-0.s-<group>-<role>` | `LWS_LEADER_ADDRESS`, `LWS_GROUP_SIZE`, `LWS_WORKER_INDEX` (set by RBG) |
 * | `V0_7` | `leaderWorkerPattern` (RoleInstanceSet) | `<group>-<role>-<i>-0.s-<group>-<role>` | `RBG_LWP_LEADER_ADDRESS`, `RBG_LWP_GROUP_SIZE`, `RBG_LWP_WORKER_INDEX` |
 */
export class RbgTarget {
  /** Controller v0.4.x (the ACK tutorial era): v1alpha1, `roles[].template` required. */
  public static readonly V0_4 = new RbgTarget('v0.4', 'v1alpha1', 'rolebasedgroup.workloads.x-k8s.io/name', 'rolebasedgroup.workloads.x-k8s.io/role', '', {
    leaderAddressEnv: 'LWS_LEADER_ADDRESS', groupSizeEnv: 'LWS_GROUP_SIZE', workerIndexEnv: 'LWS_WORKER_INDEX',
    leaderLabel: ['leaderworkerset.sigs.k8s.io/worker-index', '0'], leaderSuffix: false,
  });
  /** Controller v0.5.x-v0.6.x: v1alpha1, headless Services prefixed with `s-`. */
  public static readonly V0_6 = new RbgTarget('v0.6', 'v1alpha1', 'rolebasedgroup.workloads.x-k8s.io/name', 'rolebasedgroup.workloads.x-k8s.io/role', 's-', {
    leaderAddressEnv: 'LWS_LEADER_ADDRESS', groupSizeEnv: 'LWS_GROUP_SIZE', workerIndexEnv: 'LWS_WORKER_INDEX',
    leaderLabel: ['component.rolebasedgroup.workloads.x-k8s.io/name', 'leader'], leaderSuffix: true,
  });
  /** Controller v0.7 and later: v1alpha2 with `standalonePattern` roles. */
  public static readonly V0_7 = new RbgTarget('v0.7', 'v1alpha2', 'rbg.workloads.x-k8s.io/group-name', 'rbg.workloads.x-k8s.io/role-name', 's-', {
    leaderAddressEnv: 'RBG_LWP_LEADER_ADDRESS', groupSizeEnv: 'RBG_LWP_GROUP_SIZE', workerIndexEnv: 'RBG_LWP_WORKER_INDEX',
    leaderLabel: ['rbg.workloads.x-k8s.io/component-name', 'leader'], leaderSuffix: true,
  });

  /** Every supported target. */
  public static readonly ALL: readonly RbgTarget[] = [RbgTarget.V0_4, RbgTarget.V0_6, RbgTarget.V0_7];

  private constructor(
    /** Controller release line, e.g. `v0.7`. */
    public readonly release: string,
    /** RoleBasedGroup API version without the group, e.g. `v1alpha2`. */
    public readonly version: 'v1alpha1' | 'v1alpha2',
    /** Pod label key holding the group name. */
    public readonly groupLabel: string,
    /** Pod label key holding the role name. */
    public readonly roleLabel: string,
    private readonly servicePrefix: string,
    private readonly lwp: LeaderWorkerConventions,
  ) {}

  /** Env var the controller sets on every pod of a multi-node instance to the leader's DNS name. */
  public get leaderAddressEnv(): string {
    return this.lwp.leaderAddressEnv;
  }

  /** Env var the controller sets to the number of pods (nodes) of the instance. */
  public get groupSizeEnv(): string {
    return this.lwp.groupSizeEnv;
  }

  /** Env var the controller sets to the pod's index in its instance (0 on the leader). */
  public get workerIndexEnv(): string {
    return this.lwp.workerIndexEnv;
  }

  /** Hostname of the leader pod of multi-node instance `index`. */
  public leaderPodName(group: string, role: string, index: number): string {
    return this.lwp.leaderSuffix ? `${this.podName(group, role, index)}-0` : this.podName(group, role, index);
  }

  /** Hostname of pod `worker` (1 ... size-1) of multi-node instance `index`. */
  public workerPodName(group: string, role: string, index: number, worker: number): string {
    return `${this.podName(group, role, index)}-${worker}`;
  }

  /** DNS name of the leader of multi-node instance `index`, resolvable inside the namespace. */
  public leaderDnsName(group: string, role: string, index: number): string {
    return `${this.leaderPodName(group, role, index)}.${this.headlessServiceName(group, role)}`;
  }

  /** Labels that select only the leader pods of a multi-node role (added to `podSelector`). */
  public leaderSelector(group: string, role: string): Record<string, string> {
    return { ...this.podSelector(group, role), [this.lwp.leaderLabel[0]]: this.lwp.leaderLabel[1] };
  }

  /** Full apiVersion, e.g. `workloads.x-k8s.io/v1alpha2`. */
  public get apiVersion(): string {
    return `workloads.x-k8s.io/${this.version}`;
  }

  /** Name of the headless Service the controller creates for a role. */
  public headlessServiceName(group: string, role: string): string {
    return `${this.servicePrefix}${group}-${role}`;
  }

  /** Name of the workload (StatefulSet) the controller creates for a role. */
  public workloadName(group: string, role: string): string {
    return `${group}-${role}`;
  }

  /** Hostname of pod `index` of a role: `<group>-<role>-<index>`. */
  public podName(group: string, role: string, index: number): string {
    return `${this.workloadName(group, role)}-${index}`;
  }

  /** DNS name of pod `index` of a standalone role, resolvable inside the namespace. */
  public podDnsName(group: string, role: string, index: number): string {
    return `${this.podName(group, role, index)}.${this.headlessServiceName(group, role)}`;
  }

  /**
   * Name of the RoleBasedGroupScalingAdapter the controller creates for a role whose
   * `scalingAdapter` is enabled: `<group>-<role>` in every release. Its apiVersion is the
   * group's (`apiVersion`), a version each release's adapter CRD serves.
   */
  public scalingAdapterName(group: string, role: string): string {
    return `${group}-${role}`;
  }

  /** Labels the controller puts on every pod of a role; usable as a selector. */
  public podSelector(group: string, role: string): Record<string, string> {
    return { [this.groupLabel]: group, [this.roleLabel]: role };
  }
}
