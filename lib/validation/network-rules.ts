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
  const o = f.options('networkIsolation', value, OPTION_KEYS, 'an option of networkIsolation',
    'an object { enabled?, clients?, clientNamespaces?, metricsScrapers?, metricsScraperNamespaces? }');
  if (o === undefined) return f.list;
  f.boolean('networkIsolation.enabled', o.enabled);
  for (const k of OPTION_KEYS.slice(1)) labelSelectorRules(f, `networkIsolation.${k}`, o[k]);
  return f.list;
}
