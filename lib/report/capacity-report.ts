import { ServerCapacity, gib } from '../sglang/capacity';
import { PdServingGroup } from '../serving/pd-serving-group';
import { SglangServerRole } from '../serving/server-role';
import { manifestWarnings } from '../validation/app-rules';
import { ValidationProblem } from '../validation/problem';
import { collectWarnings } from '../validation/register';


/**
 * One row of a capacity report: one role of a group.
 */
export interface CapacityRow {
  /** Role name. */
  readonly role: string;
  /** Instances (pods of a single-node role). */
  readonly replicas: number;
  /** Nodes (pods) of one instance: 1, or the size of a leader/worker instance. */
  readonly nodesPerInstance: number;
  /** GPUs per pod (0 for the router). */
  readonly gpusPerPod: number;
  /** GPUs of the role in total. */
  readonly gpusTotal: number;
  /** RDMA resource per pod, e.g. `aliyun/erdma x1`, or `none`/`-`. */
  readonly rdma: string;
  /**
   * Memory figures, for prefill and decode.
   * @default - none for the router
   */
  readonly capacity?: ServerCapacity;
}

/**
 * What a PdServingGroup needs and holds: GPUs, memory per GPU, KV cache per decode instance.
 * Printed by `synthesize()` and written to `capacity-report.md` beside the manifests.
 */
export class CapacityReport {
  /** The report of one group. */
  public static of(group: PdServingGroup): CapacityReport {
    return new CapacityReport(group);
  }

  /** Group name. */
  public readonly group: string;
  /** One row per role. */
  public readonly rows: CapacityRow[];
  /** Warnings of the group. */
  public readonly warnings: ValidationProblem[];

  private constructor(private readonly source: PdServingGroup) {
    this.group = source.name;
    this.warnings = [...collectWarnings(source), ...manifestWarnings(source)];
    const server = (r: SglangServerRole): CapacityRow => ({
      role: r.roleName,
      replicas: r.replicas,
      nodesPerInstance: r.nodesPerInstance,
      gpusPerPod: r.gpusPerPod,
      gpusTotal: r.gpusPerPod * r.nodesPerInstance * r.replicas,
      rdma: r.rdma.resourceName === undefined ? `none (${r.transferBackend})` : `${r.rdma.resourceName} x${r.rdma.count}`,
      capacity: r.capacity,
    });
    const router = source.router;
    this.rows = [
      server(source.prefill),
      server(source.decode),
      { role: router.roleName, replicas: router.replicas, nodesPerInstance: 1, gpusPerPod: 0, gpusTotal: 0, rdma: '-' },
    ];
  }

  /** Total GPUs. */
  public get totalGpus(): number {
    return this.rows.reduce((n, r) => n + r.gpusTotal, 0);
  }

  /** Prefill to decode instance ratio, e.g. `2:1`. */
  public get pdRatio(): string {
    const p = this.source.prefill.replicas;
    const d = this.source.decode.replicas;
    const g = gcd(p, d);
    return `${p / g}:${d / g}`;
  }

  /** The table as aligned plain text. */
  public toText(): string {
    const header = [`${this.title()}`];
    const table = alignTable(this.tableRows());
    return [...header, ...table, ...this.footer()].join('\n');
  }

  /** The table as Markdown, with a Mermaid diagram of the topology. */
  public toMarkdown(): string {
    const rows = this.tableRows();
    const md = [
      `## ${this.title()}`,
      '',
      `| ${rows[0].join(' | ')} |`,
      `|${rows[0].map(() => '---').join('|')}|`,
      ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
      '',
      ...this.footer().flatMap((l, i, all) => [`- ${l.trim()}`, ...(i === all.length - 1 ? [''] : [])]),
      '```mermaid',
      this.mermaid(),
      '```',
      '',
    ];
    return md.join('\n');
  }

  /** Mermaid flowchart of clients, Service, router, prefill and decode. */
  public mermaid(): string {
    const g = this.source;
    const server = (r: SglangServerRole) => `${r.roleName} x${r.replicas}<br/>TP=${r.tensorParallelSize}${r.dataParallelSize > 1 ? ` DP=${r.dataParallelSize}` : ''}, ${r.gpusPerPod} GPU/pod${r.multiNode ? `, ${r.nodesPerInstance} nodes/instance` : ''}`;
    const kv = g.rdma.resourceName === undefined ? `KV over TCP (${g.prefill.transferBackend})` : `KV over RDMA (${g.rdma.resourceName})`;
    return [
      'flowchart LR',
      '  clients([clients]) --> svc',
      `  svc["Service ${g.name}:${g.router.httpPort}"] --> router["router x${g.router.replicas}<br/>${g.discovery} discovery"]`,
      `  router -->|prefill| prefill["${server(g.prefill)}"]`,
      `  router -->|decode| decode["${server(g.decode)}"]`,
      `  prefill -. "${kv}" .-> decode`,
    ].join('\n');
  }

  private title(): string {
    const g = this.source;
    return `${g.name}: ${g.model.model.name} on ${g.gpu.name}, RBG ${g.rbg.release}, ${this.totalGpus} GPUs, P:D ${this.pdRatio}`;
  }

  private tableRows(): string[][] {
    const head = ['role', 'replicas', 'nodes/instance', 'GPUs/pod', 'GPUs', 'RDMA', 'mem fraction', 'chunked prefill', 'decode graph bs', 'weights/GPU', 'KV pool/GPU', 'KV tokens/instance', 'full-context requests/instance'];
    const body = this.rows.map((r) => {
      const c = r.capacity;
      if (c === undefined) return [r.role, String(r.replicas), String(r.nodesPerInstance), String(r.gpusPerPod), String(r.gpusTotal), r.rdma, '-', '-', '-', '-', '-', '-', '-'];
      const lo = c.fullContextRequestsPerInstance;
      const hi = c.fullContextRequestsUpper;
      return [
        r.role, String(r.replicas), String(r.nodesPerInstance), String(r.gpusPerPod), String(r.gpusTotal), r.rdma,
        `${c.memFractionStatic}${c.memFractionEstimated ? ' (default)' : ''}`,
        // PD roles run only their own phase: prefill chunks prompts, decode captures graphs.
        r.role === this.source.prefill.roleName ? thousands(c.chunkedPrefillSize) : '-',
        r.role === this.source.decode.roleName ? String(c.cudaGraphMaxBs) : '-',
        gib(c.weightsPerGpuBytes),
        gib(c.kvPoolPerGpuBytes),
        thousands(c.kvTokensPerInstance),
        `${lo === hi ? lo : `${lo}-${hi}`} x ${thousands(c.contextLength)}`,
      ];
    });
    return [head, ...body];
  }

  private footer(): string[] {
    const notes: string[] = [];
    const c = this.source.prefill.capacity;
    if (c?.kvHeadsReplicated) notes.push(`  note: TP above the model's KV heads replicates KV heads (${c.kvBytesPerTokenPerGpu} bytes/token/GPU)`);
    const gpu = this.source.gpu;
    notes.push(`  note: mem fraction "(default)" is what SGLang v0.5.18 computes per role from the ${gpu.reportedMemoryMiB} MiB the driver reports; KV figures assume ${gpu.preloadOverheadMiB} MiB held before the weights load (gpu.preloadOverhead)`);
    for (const r of this.rows) {
      const rc = r.capacity;
      if (rc !== undefined && rc.fullContextRequestsPerInstance !== rc.fullContextRequestsUpper) {
        notes.push(`  note: ${r.role} holds ${rc.fullContextRequestsPerInstance} full-context request(s) with that overhead, ${rc.fullContextRequestsUpper} with none (KV pool ${gib(rc.kvPoolPerGpuBytes)} to ${gib(rc.kvPoolPerGpuUpperBytes)} per GPU, ${thousands(rc.kvTokensPerInstance)} to ${thousands(rc.kvTokensPerInstanceUpper)} tokens)`);
      }
    }
    for (const w of this.warnings) notes.push(`  warning: [${w.path}] ${w.field} = ${w.value}: ${w.message}`);
    return notes;
  }
}

/** 86730 -> "86,730", independent of the locale. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function alignTable(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()}`);
}
