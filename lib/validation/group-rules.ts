import { SglangServerOptions } from '../sglang/server-options';
import { isDns1035Label } from '../util/names';
import { showValue } from './problem';
import { Finding, Findings } from './findings';

/**
 * The group's own name must be a DNS-1035 label: it names a Service too.
 * @internal
 */
export function groupNameRules(name: unknown): Finding[] {
  const f = new Findings();
  if (!isDns1035Label(name)) {
    f.error('name', name, 'must be a DNS-1123 label that starts with a letter (a DNS-1035 label, since it names a Service): at most 63 characters of lowercase a-z, 0-9 and "-", starting with a letter and ending alphanumeric');
  }
  return f.list;
}

/**
 * What prefill and decode must agree on: the KV handshake and the cache layout depend on it.
 * @internal
 */
export function agreementRules(p: SglangServerOptions, d: SglangServerOptions, backends: readonly [unknown, unknown]): Finding[] {
  const f = new Findings();
  const pairs: Array<[string, unknown, unknown, string]> = [
    ['pageSize', p.pageSize, d.pageSize, 'the KV handshake fails when page sizes differ'],
    ['kvCacheDtype', p.kvCacheDtype, d.kvCacheDtype, 'the KV handshake fails when KV dtypes differ'],
    ['contextLength', p.contextLength, d.contextLength, 'requests accepted by prefill would not fit decode'],
    ['modelOverrideArgs', p.modelOverrideArgs, d.modelOverrideArgs, 'both sides must run the same model configuration'],
    ['transferBackend', backends[0], backends[1], 'both sides must use the same KV transfer backend'],
    ['trustRemoteCode', p.trustRemoteCode ?? false, d.trustRemoteCode ?? false, 'both sides must load the model the same way'],
  ];
  for (const [field, pv, dv, why] of pairs) {
    if (showValue(pv) !== showValue(dv)) {
      f.error(`decode.${field}`, dv, `differs from prefill.${field} = ${showValue(pv)}: ${why}; set the same value on both (or once in engine)`);
    }
  }
  return f.list;
}

/** A role as the dependency rule sees it. */
interface DependencyNode {
  readonly roleName: string;
  readonly dependsOn: readonly DependencyNode[];
  readonly node: { readonly path: string };
}

/**
 * Dependencies must name roles of the group and must not form a cycle.
 * @internal
 */
export function dependencyRules(group: string, roles: readonly DependencyNode[]): Finding[] {
  const f = new Findings();
  for (const r of roles) {
    for (const d of r.dependsOn) {
      // A JavaScript caller may leave the group's name out (reported by its own rule).
      const which = typeof group === 'string' && group.length > 0 ? `group ${group}` : 'the same group';
      if (!roles.includes(d)) f.error(`${r.roleName}.dependencies`, d.node.path, `must be a role of ${which} (${roles.map((x) => x.roleName).join(', ')})`);
    }
  }
  const state = new Map<DependencyNode, 'visiting' | 'done'>();
  const visit = (r: DependencyNode, trail: string[]): void => {
    if (state.get(r) === 'done' || !roles.includes(r)) return;
    if (state.get(r) === 'visiting') {
      f.error(`${r.roleName}.dependencies`, [...trail, r.roleName].join(' -> '), 'dependencies form a cycle; the controller would never create these roles');
      return;
    }
    state.set(r, 'visiting');
    for (const d of r.dependsOn) visit(d, [...trail, r.roleName]);
    state.set(r, 'done');
  };
  for (const r of roles) visit(r, []);
  return f.list;
}

/** A server role as the cluster rule sees it. */
interface ServerShape {
  readonly roleName: string;
  readonly replicas: number;
  readonly gpusPerPod: number;
}

/**
 * The topology's pods must fit the declared cluster (a pod never spans nodes).
 * @internal
 */
export function clusterRules(cluster: { nodes?: unknown; gpus?: unknown } | undefined, gpusPerNode: number, gpuName: string, servers: readonly ServerShape[]): Finding[] {
  const f = new Findings();
  const c = cluster;
  if (c === undefined) return f.list;
  if (c === null || typeof c !== 'object') {
    f.error('cluster', c, 'must be { nodes } or { gpus }');
    return f.list;
  }
  if (c.nodes !== undefined && !f.integer('cluster.nodes', c.nodes, 1, 100_000)) return f.list;
  if (c.gpus !== undefined && !f.integer('cluster.gpus', c.gpus, 1, 1_000_000)) return f.list;
  if (c.nodes === undefined && c.gpus === undefined) return f.list;
  // Bad replicas, parallelism or node size are reported by the roles; the arithmetic needs good ones.
  if (!Number.isInteger(gpusPerNode) || gpusPerNode < 1) return f.list;
  if (servers.some((r) => !Number.isInteger(r.replicas) || r.replicas < 1 || r.replicas > 1000 || !Number.isInteger(r.gpusPerPod) || r.gpusPerPod < 1 || r.gpusPerPod > 64 * 64)) return f.list;
  const available = (c.gpus as number | undefined) ?? (c.nodes as number) * gpusPerNode;
  const total = servers.reduce((n, r) => n + r.replicas * r.gpusPerPod, 0);
  if (total > available) {
    f.error('cluster', c, `the group needs ${total} GPUs (${servers.map((r) => `${r.roleName} ${r.replicas} x ${r.gpusPerPod}`).join(' + ')}) but the cluster has ${available}`);
    return f.list;
  }
  if (c.nodes !== undefined) {
    const nodes = c.nodes as number;
    // First-fit decreasing: pods of the largest GPU count first.
    const pods = servers.flatMap((r) => Array<number>(r.replicas).fill(r.gpusPerPod)).sort((a, b) => b - a);
    const free = Array<number>(nodes).fill(gpusPerNode);
    const unplaced = pods.filter((need) => {
      const i = free.findIndex((x) => x >= need);
      if (i < 0) return true;
      free[i] -= need;
      return false;
    });
    if (unplaced.length > 0) {
      f.error('cluster.nodes', nodes, `${unplaced.length} pod(s) of ${unplaced[0]} GPUs do not fit on ${nodes} node(s) of ${gpusPerNode} ${gpuName} GPUs, since a pod cannot span nodes`);
    }
  }
  return f.list;
}
