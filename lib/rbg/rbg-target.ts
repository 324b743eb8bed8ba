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
 */
export class RbgTarget {
  /** Controller v0.4.x (the ACK tutorial era): v1alpha1, `roles[].template` required. */
  public static readonly V0_4 = new RbgTarget('v0.4', 'v1alpha1', 'rolebasedgroup.workloads.x-k8s.io/name', 'rolebasedgroup.workloads.x-k8s.io/role', '');
  /** Controller v0.5.x-v0.6.x: v1alpha1, headless Services prefixed with `s-`. */
  public static readonly V0_6 = new RbgTarget('v0.6', 'v1alpha1', 'rolebasedgroup.workloads.x-k8s.io/name', 'rolebasedgroup.workloads.x-k8s.io/role', 's-');
  /** Controller v0.7 and later: v1alpha2 with `standalonePattern` roles. */
  public static readonly V0_7 = new RbgTarget('v0.7', 'v1alpha2', 'rbg.workloads.x-k8s.io/group-name', 'rbg.workloads.x-k8s.io/role-name', 's-');

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
  ) {}

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
