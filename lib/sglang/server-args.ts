import { stableJson } from '../util/json';
import { SglangServerOptions } from './server-options';

/**
 * What `python3 -m sglang.launch_server` is started with, once every default is resolved.
 * @internal
 */
export interface ServerLaunch {
  readonly modelPath: string;
  /** `--disaggregation-mode`. */
  readonly mode: 'prefill' | 'decode';
  readonly tensorParallelSize: number;
  readonly dataParallelSize: number;
  readonly httpPort: number;
  /** Prefill only. */
  readonly bootstrapPort?: number;
  readonly transferBackend: string;
  readonly ibDevice?: string;
  /** The typed options as given (copied). */
  readonly options: SglangServerOptions;
  /** For an instance spanning several nodes; values may be `$(VAR)` references. */
  readonly multiNode?: { readonly distInitAddr: string; readonly nnodes: number; readonly nodeRank: string };
}

/**
 * The argv of one SGLang server after `python3 -m sglang.launch_server`, typed flags only and
 * always with full flag names.
 * @internal
 */
export function serverArgs(s: ServerLaunch): string[] {
  const o = s.options;
  const a: string[] = ['--model-path', s.modelPath, '--tp-size', String(s.tensorParallelSize)];
  if (s.dataParallelSize !== 1) a.push('--dp-size', String(s.dataParallelSize));
  if (o.enableDpAttention === true) a.push('--enable-dp-attention');
  if (o.expertParallelSize !== undefined) a.push('--ep-size', String(o.expertParallelSize));
  if (s.multiNode !== undefined) {
    a.push('--dist-init-addr', s.multiNode.distInitAddr, '--nnodes', String(s.multiNode.nnodes), '--node-rank', s.multiNode.nodeRank);
  }
  a.push('--disaggregation-mode', s.mode);
  a.push('--host', '0.0.0.0', '--port', String(s.httpPort));
  if (s.bootstrapPort !== undefined) a.push('--disaggregation-bootstrap-port', String(s.bootstrapPort));
  a.push('--disaggregation-transfer-backend', s.transferBackend);
  if (s.ibDevice !== undefined) a.push('--disaggregation-ib-device', s.ibDevice);
  const value = (flag: string, v: number | string | undefined): void => {
    if (v !== undefined) a.push(flag, String(v));
  };
  value('--mem-fraction-static', o.memFractionStatic);
  value('--context-length', o.contextLength);
  value('--chunked-prefill-size', o.chunkedPrefillSize);
  value('--max-running-requests', o.maxRunningRequests);
  value('--max-total-tokens', o.maxTotalTokens);
  value('--page-size', o.pageSize);
  value('--kv-cache-dtype', o.kvCacheDtype);
  if (o.modelOverrideArgs !== undefined) a.push('--json-model-override-args', stableJson(o.modelOverrideArgs));
  value('--served-model-name', o.servedModelName);
  value('--reasoning-parser', o.reasoningParser);
  value('--tool-call-parser', o.toolCallParser);
  if (o.trustRemoteCode === true) a.push('--trust-remote-code');
  if (o.enableMetrics !== false) a.push('--enable-metrics');
  return a;
}
