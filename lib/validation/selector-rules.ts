import { LabelSelectorOperator } from '../serving/label-selector';
import { isLabelKey, isLabelValue } from '../util/names';
import { Findings } from './findings';

const SELECTOR_KEYS = ['matchLabels', 'matchExpressions'];
const REQUIREMENT_KEYS = ['key', 'operator', 'values'];
const LABEL_KEY_RULE = 'must be a label key: an optional DNS-1123 subdomain prefix and "/", then at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric';
const LABEL_VALUE_RULE = 'must be a label value: empty, or at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric';

/**
 * A label selector prop, checked the way the API server checks `metav1.LabelSelector`: an object
 * with only `matchLabels` (label keys to label values) and `matchExpressions` (each a label key,
 * a `LabelSelectorOperator`, and values for In/NotIn only, at least one); a string such as
 * `"app=web"` is refused (give `{ matchLabels: { app: 'web' } }`).
 * @internal
 */
export function labelSelectorRules(f: Findings, field: string, value: unknown): void {
  if (value === undefined) return;
  const s = f.options(field, value, SELECTOR_KEYS, 'a label selector field', 'a label selector object { matchLabels?, matchExpressions? }, e.g. { matchLabels: { app: "web" } }');
  if (s === undefined) return;
  const labels = s.matchLabels;
  if (labels !== undefined) {
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
      f.error(`${field}.matchLabels`, labels, 'must be an object of label keys to label values');
    } else {
      for (const [k, v] of Object.entries(labels)) {
        if (!isLabelKey(k)) f.error(`${field}.matchLabels`, k, `keys ${LABEL_KEY_RULE}`);
        if (!isLabelValue(v)) f.error(`${field}.matchLabels.${k}`, v, LABEL_VALUE_RULE);
      }
    }
  }
  const expressions = s.matchExpressions;
  if (expressions === undefined) return;
  if (!Array.isArray(expressions)) {
    f.error(`${field}.matchExpressions`, expressions, 'must be an array of { key, operator, values? }');
    return;
  }
  expressions.forEach((r: unknown, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const req = f.options(at, r, REQUIREMENT_KEYS, 'a label requirement field', '{ key, operator, values? }');
    if (req === undefined) return;
    if (!isLabelKey(req.key)) f.error(`${at}.key`, req.key, LABEL_KEY_RULE);
    if (!f.oneOf(`${at}.operator`, req.operator, Object.values(LabelSelectorOperator), 'a LabelSelectorOperator')) return;
    const needsValues = req.operator === LabelSelectorOperator.IN || req.operator === LabelSelectorOperator.NOT_IN;
    const values = req.values;
    if (values !== undefined && !Array.isArray(values)) {
      f.error(`${at}.values`, values, 'must be an array of label values');
    } else if (needsValues && (values === undefined || values.length === 0)) {
      f.error(`${at}.values`, values ?? [], `must hold at least one value for operator ${String(req.operator)}`);
    } else if (!needsValues && values !== undefined && values.length > 0) {
      f.error(`${at}.values`, values, `must be empty for operator ${String(req.operator)}`);
    } else {
      for (const v of values ?? []) if (!isLabelValue(v)) f.error(`${at}.values`, v, LABEL_VALUE_RULE);
    }
  });
}
