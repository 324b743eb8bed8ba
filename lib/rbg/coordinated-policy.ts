/**
 * The `CoordinatedPolicy` (workloads.x-k8s.io/v1alpha2) of an RBG v0.7 group: a plain ApiObject
 * built from the typed interface below, not a generated L1. The CRD is small (one list of rules
 * with three int-or-string fields), so the interface is written from the v0.7.0 CRD
 * (`config/crd/bases/workloads.x-k8s.io_coordinatedpolicies.yaml`) by hand; the strict schema
 * tests check the emitted object against that CRD.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { CoordinationModel } from './role-based-group';

interface RollingUpdateCoordination {
  readonly maxSkew?: string;
  readonly maxUnavailable?: string;
  readonly partition?: string;
}

interface CoordinatedPolicyRule {
  readonly name: string;
  readonly roles: string[];
  readonly strategy: { readonly rollingUpdate?: RollingUpdateCoordination };
}

interface CoordinatedPolicySpec {
  readonly policies: CoordinatedPolicyRule[];
}

/**
 * Creates the CoordinatedPolicy of a group with id 'CoordinatedPolicy'. Its name must be the
 * group's: the v0.7 controller reads only the policy named like the group, in its namespace.
 *
 * @internal
 */
export function createCoordinatedPolicy(scope: Construct, metadata: ApiObjectMetadata & { readonly name: string }, c: CoordinationModel): ApiObject {
  const spec: CoordinatedPolicySpec = {
    policies: [{
      name: c.name,
      roles: [...c.roles],
      strategy: { rollingUpdate: { maxSkew: c.maxSkew, maxUnavailable: c.maxUnavailable, partition: c.partition } },
    }],
  };
  return new ApiObject(scope, 'CoordinatedPolicy', { apiVersion: 'workloads.x-k8s.io/v1alpha2', kind: 'CoordinatedPolicy', metadata, spec });
}
