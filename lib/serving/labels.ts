/** The labels every object of a group carries, in one place. */

/** Value of `app.kubernetes.io/managed-by` on what this library emits. */
export const MANAGED_BY = 'cdk8s-sglang-pd';

/**
 * Labels of the objects a group emits (Services, RBAC, volumes' consumers).
 * @internal
 */
export function groupLabels(group: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'sglang', 'app.kubernetes.io/instance': group };
}

/**
 * Labels of the RoleBasedGroup itself.
 * @internal
 */
export function resourceLabels(group: string): Record<string, string> {
  return { ...groupLabels(group), 'app.kubernetes.io/managed-by': MANAGED_BY };
}

/**
 * Labels of the pods of one role (the controller adds its own, which selectors use).
 * @internal
 */
export function podLabels(group: string, role: string): Record<string, string> {
  return {
    ...groupLabels(group),
    'app.kubernetes.io/component': role,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Pod label ACK's managed Prometheus (ARMS) discovers inference workloads by; its value is the group name. */
export const INFERENCE_WORKLOAD_LABEL = 'alibabacloud.com/inference-workload';

/** Pod label naming the inference engine of a workload, for ACK's managed Prometheus (ARMS). */
export const INFERENCE_BACKEND_LABEL = 'alibabacloud.com/inference-backend';

/**
 * Labels by which ACK's managed Prometheus (ARMS) finds the SGLang servers of a group and scrapes
 * their port named `http` at `/metrics`. Only prefill and decode pods carry them: the router's
 * `http` port serves no SGLang engine metrics.
 * @internal
 */
export function inferenceWorkloadLabels(group: string): Record<string, string> {
  return { [INFERENCE_WORKLOAD_LABEL]: group, [INFERENCE_BACKEND_LABEL]: 'sglang' };
}

/**
 * Labels of the objects a group emits for one of its features (monitoring, gateway, autoscaling):
 * the group's labels plus `app.kubernetes.io/component`.
 * @internal
 */
export function featureLabels(group: string, component: string): Record<string, string> {
  return { ...groupLabels(group), 'app.kubernetes.io/component': component };
}
