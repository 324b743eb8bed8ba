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
