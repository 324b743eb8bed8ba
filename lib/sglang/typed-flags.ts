/**
 * Flags that typed props own, with the prop to use instead, and free-form flags that would
 * contradict what the library wires (so `extraArgs` may not carry them).
 */

/** Server flags set by the library, with the typed prop (or reason) a user should reach for. */
export const SERVER_TYPED_FLAGS: Readonly<Record<string, string>> = {
  '--model-path': 'the model volume (QwenModelVolume mountPath)',
  '--tp-size': 'tensorParallelSize',
  '--dp-size': 'dataParallelSize',
  '--enable-dp-attention': 'enableDpAttention',
  '--ep-size': 'expertParallelSize',
  '--disaggregation-mode': 'the role (prefill or decode)',
  '--host': 'nothing: the library binds 0.0.0.0, which the pod network and the bootstrap server need',
  '--port': 'httpPort',
  '--disaggregation-bootstrap-port': 'bootstrapPort',
  '--disaggregation-transfer-backend': 'transferBackend',
  '--disaggregation-ib-device': 'ibDevice (or the RdmaProfile ibDevice)',
  '--mem-fraction-static': 'memFractionStatic',
  '--context-length': 'contextLength',
  '--chunked-prefill-size': 'chunkedPrefillSize',
  '--max-running-requests': 'maxRunningRequests',
  '--max-total-tokens': 'maxTotalTokens',
  '--page-size': 'pageSize',
  '--kv-cache-dtype': 'kvCacheDtype',
  '--json-model-override-args': 'modelOverrideArgs',
  '--served-model-name': 'servedModelName',
  '--reasoning-parser': 'reasoningParser',
  '--tool-call-parser': 'toolCallParser',
  '--trust-remote-code': 'trustRemoteCode',
  '--enable-metrics': 'enableMetrics',
};

/** Router flags derived from the topology or set by typed props. */
export const ROUTER_TYPED_FLAGS: Readonly<Record<string, string>> = {
  '--pd-disaggregation': 'nothing: a PdServingGroup router always runs in PD mode',
  '--service-discovery': 'router.discovery (RouterDiscovery.KUBERNETES)',
  '--service-discovery-namespace': 'router.discovery (the namespace comes from the pod)',
  '--service-discovery-port': 'httpPort',
  '--prefill-selector': 'router.discovery (selectors follow the pod labels of the targeted controller)',
  '--decode-selector': 'router.discovery (selectors follow the pod labels of the targeted controller)',
  '--selector': 'router.discovery (selectors follow the pod labels of the targeted controller)',
  '--bootstrap-port-annotation': 'bootstrapPort (the library annotates prefill pods)',
  '--prefill': 'router.discovery (STATIC lists every prefill pod) and prefill.replicas',
  '--decode': 'router.discovery (STATIC lists every decode pod) and decode.replicas',
  '--worker-urls': 'router.discovery (workers come from the prefill and decode roles)',
  '--host': 'nothing: the library binds 0.0.0.0',
  '--port': 'httpPort',
  '--policy': 'router.policy',
  '--prometheus-host': 'nothing: the library binds 0.0.0.0',
  '--prometheus-port': 'router.metricsPort',
};

/**
 * Free-form flags refused in `extraArgs` because they contradict the typed wiring, with why.
 */
export const CONTRADICTING_FLAGS: Readonly<Record<'server' | 'router', Readonly<Record<string, string>>>> = {
  server: {
    '--ssl-certfile': 'serves HTTPS, but the probes and the router talk plain HTTP to this port',
    '--ssl-keyfile': 'serves HTTPS, but the probes and the router talk plain HTTP to this port',
    '--ssl-ca-certs': 'serves HTTPS, but the probes and the router talk plain HTTP to this port',
    '--ssl-keyfile-password': 'serves HTTPS, but the probes and the router talk plain HTTP to this port',
    '--enable-ssl-refresh': 'serves HTTPS, but the probes and the router talk plain HTTP to this port',
    '--config': 'reads flags from a file that could override the typed flags unseen; use the typed props and extraArgs',
  },
  router: {
    '--tls-cert-path': 'serves HTTPS, but the probes and the client Service speak plain HTTP',
    '--tls-key-path': 'serves HTTPS, but the probes and the client Service speak plain HTTP',
    '--client-cert-path': 'talks mTLS to the workers, which serve plain HTTP',
    '--client-key-path': 'talks mTLS to the workers, which serve plain HTTP',
    '--ca-cert-paths': 'talks TLS to the workers, which serve plain HTTP',
  },
};

/**
 * Server flags that prefill and decode must give alike when one of them sets it in `extraArgs`
 * (both sides load the same model the same way).
 */
export const AGREEMENT_FLAGS: readonly string[] = [
  '--dtype', '--quantization', '--revision', '--load-format', '--tokenizer-path', '--tokenizer-mode',
  '--kv-cache-dtype', '--page-size', '--speculative-algorithm', '--speculative-draft-model-path',
];
