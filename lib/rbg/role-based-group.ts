/**
 * The one place that maps this library's model of a group onto the generated RoleBasedGroup L1
 * classes of each supported controller release. Nothing outside lib/internal touches imports/.
 */
import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type * as rbg from '../../imports/rbg-workloads.x-k8s.io';
import type * as rbgv04 from '../../imports/rbgv04-workloads.x-k8s.io';
import type * as rbgv06 from '../../imports/rbgv06-workloads.x-k8s.io';
import { RbgTarget } from './rbg-target';

// The generated modules are large (the current CRD alone is 4.2 MB of TypeScript), so each is
// loaded on first use: an app only pays for the controller releases it targets. `import type`
// keeps the static types; the require calls below are the only runtime references to imports/.
const load = {
  v07: () => require('../../imports/rbg-workloads.x-k8s.io') as typeof rbg,
  v06: () => require('../../imports/rbgv06-workloads.x-k8s.io') as typeof rbgv06,
  v04: () => require('../../imports/rbgv04-workloads.x-k8s.io') as typeof rbgv04,
};

/** One role of a group, independent of the RBG API version. */
export interface RoleModel {
  readonly name: string;
  readonly replicas: number;
  readonly dependencies: string[];
  readonly template: k8s.PodTemplateSpec;
}

/**
 * Creates the RoleBasedGroup API object for `target`, with id 'Resource'. Roles are produced
 * lazily, at synth time.
 */
export function createRoleBasedGroup(
  scope: Construct,
  target: RbgTarget,
  metadata: ApiObjectMetadata,
  roles: () => RoleModel[],
): ApiObject {
  // The pod templates are typed with cdk8s-plus-28's core types; the generated RBG types are
  // structurally the same Kubernetes PodTemplateSpec, and the generated toJson functions read
  // quantities and int-or-strings through `.value`, which the core types also provide.
  switch (target) {
    case RbgTarget.V0_7:
      return new (load.v07().RoleBasedGroup)(scope, 'Resource', {
        metadata,
        spec: Lazy.any({
          produce: () => ({
            roles: roles().map((r) => ({
              name: r.name,
              replicas: r.replicas,
              dependencies: nonEmpty(r.dependencies),
              standalonePattern: { template: r.template },
            })),
          }),
        }) as unknown as rbg.RoleBasedGroupSpec,
      });
    case RbgTarget.V0_6:
      return new (load.v06().RoleBasedGroup)(scope, 'Resource', {
        metadata,
        spec: Lazy.any({ produce: () => ({ roles: roles().map(v1alpha1Role) }) }) as unknown as rbgv06.RoleBasedGroupSpec,
      });
    case RbgTarget.V0_4:
      return new (load.v04().RoleBasedGroup)(scope, 'Resource', {
        metadata,
        spec: Lazy.any({ produce: () => ({ roles: roles().map(v1alpha1Role) }) }) as unknown as rbgv04.RoleBasedGroupSpec,
      });
    default:
      throw new Error(`unsupported RBG target ${String((target as RbgTarget | undefined)?.release)}`);
  }
}

function v1alpha1Role(r: RoleModel) {
  return {
    name: r.name,
    replicas: r.replicas,
    dependencies: nonEmpty(r.dependencies),
    template: r.template,
  };
}

function nonEmpty<T>(xs: T[]): T[] | undefined {
  return xs.length > 0 ? xs : undefined;
}
