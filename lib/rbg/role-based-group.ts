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
 * Creates the RoleBasedGroup API object for `target`, with id 'Resource'. Roles are produced
 * lazily, at synth time.
 *
 * @internal
 */
export function createRoleBasedGroup(
  scope: Construct,
  target: RbgTarget,
  metadata: ApiObjectMetadata,
  roles: () => RoleModel[],
): ApiObject {
  switch (target) {
    case RbgTarget.V0_7:
      return groupV07(scope, metadata, roles);
    case RbgTarget.V0_6:
      return groupV06(scope, metadata, roles);
    case RbgTarget.V0_4:
      return groupV04(scope, metadata, roles);
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
      standalonePattern: { template: podTemplate(r.template) },
      scalingAdapter: r.scalingAdapter === undefined ? undefined : scalingAdapterV07(r.scalingAdapter),
    })),
  });
  return new l1.RoleBasedGroup(scope, 'Resource', { metadata, spec: Lazy.any({ produce: spec }) });
}

/** v0.6: v1alpha1 (StatefulSet workload by default), `roles[].template`. */
function groupV06(scope: Construct, metadata: ApiObjectMetadata, roles: () => RoleModel[]): ApiObject {
  const l1: typeof v06 = require('../../imports/rbgv06-workloads.x-k8s.io');
  const spec = (): v06.RoleBasedGroupSpec => ({
    roles: roles().map((r): v06.RoleBasedGroupSpecRoles => ({
      name: r.name,
      replicas: r.replicas,
      dependencies: nonEmpty(r.dependencies),
      template: podTemplate(r.template),
      scalingAdapter: r.scalingAdapter === undefined ? undefined : { enable: r.scalingAdapter.enable },
    })),
  });
  return new l1.RoleBasedGroup(scope, 'Resource', { metadata, spec: Lazy.any({ produce: spec }) });
}

/** v0.4: v1alpha1, `roles[].template` required. */
function groupV04(scope: Construct, metadata: ApiObjectMetadata, roles: () => RoleModel[]): ApiObject {
  const l1: typeof v04 = require('../../imports/rbgv04-workloads.x-k8s.io');
  const spec = (): v04.RoleBasedGroupSpec => ({
    roles: roles().map((r): v04.RoleBasedGroupSpecRoles => ({
      name: r.name,
      replicas: r.replicas,
      dependencies: nonEmpty(r.dependencies),
      template: podTemplate(r.template),
      scalingAdapter: r.scalingAdapter === undefined ? undefined : { enable: r.scalingAdapter.enable },
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

function nonEmpty<T>(xs: T[]): T[] | undefined {
  return xs.length > 0 ? xs : undefined;
}
