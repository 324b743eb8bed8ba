import { k8s } from '../rbg/k8s';
import { escapeExpansion } from '../util/expansion';

/**
 * The parts of one role's pod that differ between role kinds; `podTemplate` assembles them the
 * same way for every kind.
 * @internal
 */
export interface PodParts {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly containerName: string;
  readonly image: string;
  /** Python module the container runs (`python3 -m <module>`). */
  readonly module: string;
  /** Arguments the library derives; passed as they are (they may use `$(VAR)` on purpose). */
  readonly launchArgs: readonly string[];
  /** The user's extra arguments; escaped so the kubelet does not expand them. */
  readonly extraArgs: readonly string[];
  /** Variables the library sets (from the downward API). */
  readonly libraryEnv: readonly k8s.EnvVar[];
  /** The user's variables, name to value; sorted by name and escaped. */
  readonly userEnv: ReadonlyMap<string, string>;
  readonly ports: readonly k8s.ContainerPort[];
  readonly requests: Readonly<Record<string, k8s.Quantity>>;
  readonly limits: Readonly<Record<string, k8s.Quantity>>;
  readonly volumeMounts: readonly k8s.VolumeMount[];
  readonly volumes: readonly k8s.Volume[];
  /** Linux capabilities the container adds after dropping all (e.g. `IPC_LOCK` for RDMA). */
  readonly addCapabilities: readonly string[];
  /** Whether the pod gets a service-account token (only a process that calls the API needs one). */
  readonly automountServiceAccountToken: boolean;
  readonly startupProbe?: k8s.Probe;
  readonly readinessProbe: k8s.Probe;
  readonly livenessProbe: k8s.Probe;
  readonly serviceAccountName?: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly k8s.Toleration[];
  readonly affinity?: k8s.Affinity;
}

/**
 * The pod template of one role.
 * @internal
 */
export function podTemplate(p: PodParts): k8s.PodTemplateSpec {
  const env: k8s.EnvVar[] = [
    ...p.libraryEnv,
    ...[...p.userEnv.keys()].sort().map((name) => ({ name, value: escapeExpansion(p.userEnv.get(name) ?? '') })),
  ];
  const container: k8s.Container = {
    name: p.containerName,
    image: p.image,
    command: ['python3', '-m', p.module],
    args: [...p.launchArgs, ...p.extraArgs.map(escapeExpansion)],
    env: env.length > 0 ? env : undefined,
    ports: [...p.ports],
    resources: { requests: { ...p.requests }, limits: Object.keys(p.limits).length > 0 ? { ...p.limits } : undefined },
    volumeMounts: p.volumeMounts.length > 0 ? [...p.volumeMounts] : undefined,
    securityContext: containerSecurity(p),
    startupProbe: p.startupProbe,
    readinessProbe: p.readinessProbe,
    livenessProbe: p.livenessProbe,
  };
  return {
    metadata: { labels: { ...p.labels }, annotations: Object.keys(p.annotations).length > 0 ? { ...p.annotations } : undefined },
    spec: {
      serviceAccountName: p.serviceAccountName,
      automountServiceAccountToken: p.automountServiceAccountToken,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      nodeSelector: p.nodeSelector === undefined ? undefined : { ...p.nodeSelector },
      tolerations: p.tolerations === undefined ? undefined : [...p.tolerations],
      affinity: p.affinity,
      containers: [container],
      volumes: p.volumes.length > 0 ? [...p.volumes] : undefined,
    },
  };
}

/** Ports below this need `NET_BIND_SERVICE` once every capability is dropped. */
const FIRST_UNPRIVILEGED_PORT = 1024;

/**
 * The container's security context: never privileged, no privilege escalation, every Linux
 * capability dropped and only the ones the process needs added back (`IPC_LOCK` to pin memory
 * for RDMA, `NET_BIND_SERVICE` when it listens below port 1024). The root filesystem stays
 * writable and the user is the image's (root in `lmsysorg/sglang`): SGLang writes JIT and
 * Triton caches under its home and /tmp, so neither can be locked down without breaking it.
 */
function containerSecurity(p: PodParts): k8s.SecurityContext {
  const add = [...p.addCapabilities];
  if (p.ports.some((port) => port.containerPort < FIRST_UNPRIVILEGED_PORT) && !add.includes('NET_BIND_SERVICE')) add.push('NET_BIND_SERVICE');
  return {
    privileged: false,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'], add: add.length > 0 ? add : undefined },
  };
}

/**
 * An HTTP probe on the port named `http`.
 * @internal
 */
export function httpProbe(path: string, periodSeconds: number, timeoutSeconds: number, failureThreshold: number): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString('http') }, periodSeconds, timeoutSeconds, failureThreshold };
}
