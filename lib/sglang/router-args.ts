/**
 * Where the router's workers are, once the topology is resolved.
 * @internal
 */
export interface RouterWorkers {
  /** Static discovery: `[url, bootstrap port]` of every prefill pod. */
  readonly prefillUrls: ReadonlyArray<readonly [string, number]>;
  /** Static discovery: URL of every decode pod. */
  readonly decodeUrls: readonly string[];
  /** Kubernetes discovery: labels of the prefill pods. */
  readonly prefillSelector: Readonly<Record<string, string>>;
  /** Kubernetes discovery: labels of the decode pods. */
  readonly decodeSelector: Readonly<Record<string, string>>;
  /** HTTP port of the workers. */
  readonly workerPort: number;
}

/**
 * What `python3 -m sglang_router.launch_router` is started with.
 * @internal
 */
export interface RouterLaunch {
  /** True for Kubernetes discovery, false for static worker URLs. */
  readonly kubernetesDiscovery: boolean;
  readonly workers: RouterWorkers;
  readonly httpPort: number;
  readonly policy?: string;
  readonly metricsPort: number;
}

/** Env var the router's discovery namespace is read from (set from the downward API). */
export const NAMESPACE_ENV = 'POD_NAMESPACE';

/**
 * The argv of the router after `python3 -m sglang_router.launch_router`.
 * @internal
 */
export function routerArgs(r: RouterLaunch): string[] {
  const a: string[] = ['--pd-disaggregation'];
  const w = r.workers;
  if (r.kubernetesDiscovery) {
    const labels = (sel: Readonly<Record<string, string>>) => Object.entries(sel).map(([k, v]) => `${k}=${v}`);
    a.push(
      '--service-discovery',
      '--service-discovery-namespace', `$(${NAMESPACE_ENV})`,
      '--service-discovery-port', String(w.workerPort),
      '--prefill-selector', ...labels(w.prefillSelector),
      '--decode-selector', ...labels(w.decodeSelector),
    );
  } else {
    for (const [url, bootstrap] of w.prefillUrls) a.push('--prefill', url, String(bootstrap));
    for (const url of w.decodeUrls) a.push('--decode', url);
  }
  a.push('--host', '0.0.0.0', '--port', String(r.httpPort));
  if (r.policy !== undefined) a.push('--policy', r.policy);
  a.push('--prometheus-host', '0.0.0.0', '--prometheus-port', String(r.metricsPort));
  return a;
}
