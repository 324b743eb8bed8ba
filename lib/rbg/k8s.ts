/**
 * The Kubernetes core L1 classes and types the library builds its objects with: imports/k8s,
 * cut from cdk8s-plus-28's generated `k8s` module by scripts/gen-k8s-imports.mjs (only what lib/
 * names as `k8s.<Name>`, and what that reaches). Like the RoleBasedGroup classes, it is reached
 * only through lib/rbg/.
 *
 * @internal
 */
export * as k8s from '../../imports/k8s';
