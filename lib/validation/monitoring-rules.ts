import { durationSeconds, shownDuration } from '../util/duration';
import { isLabelKey, isLabelValue } from '../util/names';
import { Finding, Findings } from './findings';

/** Longest scrape interval accepted. */
const MAX_INTERVAL_SECONDS = 3600;

/**
 * The monitoring options of a group, as the user gave them.
 * @internal
 */
export interface MonitoringState {
  readonly kind: unknown;
  /** The values of MonitorKind (passed in: the rules do not import the construct's module). */
  readonly kinds: readonly string[];
  readonly interval: unknown;
  readonly labels: unknown;
  readonly scrapeRouter: unknown;
  /** Calls of `enableMonitoring` after the first. */
  readonly repeatedCalls: number;
  /** The servers scraped at `/metrics`. */
  readonly servers: ReadonlyArray<{ readonly roleName: string; readonly enableMetrics: unknown }>;
  /** True when the group's NetworkPolicies admit no metrics scraper. */
  readonly scrapingDenied: boolean;
}

/**
 * Rules of `enableMonitoring`: the options, one call per group, and servers that serve `/metrics`.
 * @internal
 */
export function monitoringRules(s: MonitoringState): Finding[] {
  const f = new Findings();
  if (s.repeatedCalls > 0) {
    f.error('enableMonitoring', s.repeatedCalls + 1, 'is called more than once on this group; a group has one monitor: call it once, with every option');
  }
  if (s.kind !== undefined) f.oneOf('kind', s.kind, s.kinds, 'MonitorKind.POD_MONITOR or MonitorKind.SERVICE_MONITOR');
  if (s.interval !== undefined) {
    const seconds = durationSeconds(s.interval);
    if (!(seconds >= 1 && seconds <= MAX_INTERVAL_SECONDS)) {
      f.error('interval', shownDuration(s.interval), `must be a cdk8s Duration of whole seconds from 1 second to ${MAX_INTERVAL_SECONDS / 60} minutes, e.g. Duration.seconds(30)`);
    }
  }
  labelRules(f, 'labels', s.labels);
  f.boolean('scrapeRouter', s.scrapeRouter);
  for (const r of s.servers) {
    if (r.enableMetrics === false) {
      f.error(`${r.roleName}.enableMetrics`, false, `must stay on with enableMonitoring: the monitor scrapes /metrics of the ${r.roleName} servers, which SGLang only serves with --enable-metrics`);
    }
  }
  if (s.scrapingDenied) {
    f.warn('networkIsolation.metricsScrapers', undefined, 'names no pod, so the group\'s NetworkPolicies deny Prometheus the ports the monitor scrapes; select its pods (and their namespaces in metricsScraperNamespaces)');
  }
  return f.list;
}

/**
 * `inferenceWorkloadLabels` of a server role.
 * @internal
 */
export function serverLabelRules(value: unknown): Finding[] {
  const f = new Findings();
  f.boolean('inferenceWorkloadLabels', value);
  return f.list;
}

/**
 * A map of label keys to label values.
 * @internal
 */
export function labelRules(f: Findings, field: string, value: unknown): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    f.error(field, value, 'must be an object of label keys to label values');
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (!isLabelKey(key)) f.error(field, key, 'keys must be label keys: an optional DNS-1123 subdomain prefix and "/", then at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric');
    if (!isLabelValue(v)) f.error(`${field}.${key}`, v, 'must be a label value: empty, or at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric');
  }
}
