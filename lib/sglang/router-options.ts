/**
 * How the router finds prefill and decode workers.
 */
export enum RouterDiscovery {
  /** One `--prefill`/`--decode` URL per pod, computed from the topology (as in the ACK tutorial). */
  STATIC = 'static',
  /** Kubernetes service discovery by pod labels; the router needs RBAC to watch pods. */
  KUBERNETES = 'kubernetes',
}

/**
 * Load-balancing policies of the router (`--policy`).
 */
export enum RouterPolicy {
  /** `random`: a worker picked at random. */
  RANDOM = 'random',
  /** `round_robin`: workers in turn. */
  ROUND_ROBIN = 'round_robin',
  /** `cache_aware` (the router's default): the worker with the longest cached prompt prefix, unless the load is unbalanced. */
  CACHE_AWARE = 'cache_aware',
  /** `power_of_two`: the less loaded of two workers picked at random. */
  POWER_OF_TWO = 'power_of_two',
  /** `bucket`: request buckets whose boundaries the router recalculates periodically (`--bucket-adjust-interval-secs`). */
  BUCKET = 'bucket',
  /** `manual`: a routing key sticks to the worker it was assigned to (`--assignment-mode`, `--max-idle-secs`). */
  MANUAL = 'manual',
  /** `consistent_hashing`: requests hashed onto a ring of workers. */
  CONSISTENT_HASHING = 'consistent_hashing',
  /** `prefix_hash`: workers chosen by a hash of the first prompt tokens, within a load factor (`--prefix-hash-load-factor`). */
  PREFIX_HASH = 'prefix_hash',
}

/** Default port of the router's Prometheus metrics (`--prometheus-port`). */
export const DEFAULT_ROUTER_METRICS_PORT = 29000;
