import { Finding, Findings } from './findings';

/** Most nodes one instance may span. */
export const MAX_NODES_PER_INSTANCE = 64;

/**
 * A server role's multi-node settings, as given.
 * @internal
 */
export interface MultiNodeState {
  readonly nodesPerInstance: unknown;
  readonly distInitPort: unknown;
  /** TP x DP (TP with DP attention), already checked by the server rules. */
  readonly gpusPerInstance: number;
  readonly gpusPerNode: number;
  readonly gpuName: string;
  readonly httpPort: unknown;
  readonly bootstrapPort: unknown;
}

/**
 * An instance spanning nodes takes every GPU of each node (one pod per node), so TP x DP must be
 * GPUs per node x nodes; the leader's `--dist-init-addr` port is its own.
 * @internal
 */
export function multiNodeRules(s: MultiNodeState): Finding[] {
  const f = new Findings();
  if (s.nodesPerInstance === undefined && s.distInitPort === undefined) return f.list;
  if (!f.integer('nodesPerInstance', s.nodesPerInstance ?? 1, 1, MAX_NODES_PER_INSTANCE)) return f.list;
  const nodes = (s.nodesPerInstance ?? 1) as number;
  if (s.distInitPort !== undefined && f.integer('distInitPort', s.distInitPort, 1, 65535)) {
    for (const [name, port] of [['httpPort', s.httpPort], ['bootstrapPort', s.bootstrapPort]] as const) {
      if (port === s.distInitPort) f.error('distInitPort', s.distInitPort, `must differ from ${name} (${String(port)}): the leader listens on both`);
    }
  }
  if (nodes === 1) return f.list;
  const perNode = s.gpusPerNode;
  if (Number.isInteger(s.gpusPerInstance) && Number.isInteger(perNode) && perNode >= 1 && s.gpusPerInstance !== perNode * nodes) {
    f.error('nodesPerInstance', nodes, `an instance of ${nodes} nodes takes every GPU of each: ${nodes} x ${perNode} ${s.gpuName} GPUs = ${nodes * perNode}, but TP x DP (TP with DP attention) = ${s.gpusPerInstance}; make them equal`);
  }
  // Worker pod hostnames (`<group>-<role>-<i>-<j>`) need no rule of their own: the 52-character
  // limit on `<group>-<role>` (pod-rules) leaves them far below 63.
  return f.list;
}
