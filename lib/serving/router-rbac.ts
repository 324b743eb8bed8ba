import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';

/**
 * The ServiceAccount, Role and RoleBinding that let a router with Kubernetes discovery watch the
 * pods of its namespace (get, list, watch).
 * @internal
 */
export class RouterRbac extends Construct {
  /** Name of the ServiceAccount (also of the Role and RoleBinding). */
  public readonly serviceAccountName: string;

  constructor(scope: Construct, name: string, labels: Record<string, string>) {
    super(scope, 'RouterRbac');
    this.serviceAccountName = name;
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name, labels } });
    new k8s.KubeRole(this, 'Role', {
      metadata: { name, labels },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name }],
    });
  }
}
