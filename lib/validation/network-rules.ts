import { Finding, Findings } from './findings';
import { labelSelectorRules } from './selector-rules';

const OPTION_KEYS = ['enabled', 'clients', 'clientNamespaces', 'metricsScrapers', 'metricsScraperNamespaces'];

/**
 * The `networkIsolation` prop of a group: an object of the documented options, each selector a
 * valid label selector.
 * @internal
 */
export function networkIsolationRules(value: unknown): Finding[] {
  const f = new Findings();
  if (value === undefined) return f.list;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    f.error('networkIsolation', value, 'must be an object { enabled?, clients?, clientNamespaces?, metricsScrapers?, metricsScraperNamespaces? }');
    return f.list;
  }
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.includes(k)) f.error(`networkIsolation.${k}`, o[k], `is not an option of networkIsolation (${OPTION_KEYS.join(', ')})`);
  }
  f.boolean('networkIsolation.enabled', o.enabled);
  for (const k of OPTION_KEYS.slice(1)) labelSelectorRules(f, `networkIsolation.${k}`, o[k]);
  return f.list;
}
