import { Duration } from 'cdk8s';
import { GangScheduler, GangScheduling } from '../serving/gang-scheduling';
import { NodeSelectorOperator, TaintEffect, TolerationOperator } from '../serving/node-placement';
import { AffinityStrength } from '../serving/placement';
import { isDnsSubdomain, isLabelKey, isLabelValue } from '../util/names';
import { Finding, Findings } from './findings';

const LABEL_KEY_RULE = 'must be a label key: an optional DNS-1123 subdomain prefix and "/", then at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric';
const LABEL_VALUE_RULE = 'must be a label value: empty, or at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function unknownKeys(f: Findings, at: string, o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) f.error(`${at}.${k}`, o[k], `is not a field of ${what} (${allowed.join(', ')})`);
}

/**
 * The `tolerations` of a role, checked as the API server checks them: an empty key needs
 * `EXISTS`, `EXISTS` takes no value, `tolerationSeconds` only with `NO_EXECUTE`.
 * @internal
 */
export function tolerationRules(value: unknown): Finding[] {
  const f = new Findings();
  if (value === undefined) return f.list;
  if (!Array.isArray(value)) {
    f.error('tolerations', value, 'must be an array of { key?, operator?, value?, effect?, tolerationSeconds? }');
    return f.list;
  }
  value.forEach((t: unknown, i) => {
    const at = `tolerations[${i}]`;
    if (!isPlainObject(t)) {
      f.error(at, t, 'must be { key?, operator?, value?, effect?, tolerationSeconds? }');
      return;
    }
    unknownKeys(f, at, t, ['key', 'operator', 'value', 'effect', 'tolerationSeconds'], 'a toleration');
    const operator = t.operator ?? TolerationOperator.EQUAL;
    f.oneOf(`${at}.operator`, operator, Object.values(TolerationOperator), 'a TolerationOperator');
    if (t.key !== undefined && !isLabelKey(t.key)) f.error(`${at}.key`, t.key, LABEL_KEY_RULE);
    if ((t.key === undefined || t.key === '') && operator !== TolerationOperator.EXISTS) {
      f.error(`${at}.operator`, operator, 'must be TolerationOperator.EXISTS when no key is given (a toleration of every taint)');
    }
    if (t.value !== undefined) {
      if (operator === TolerationOperator.EXISTS && t.value !== '') f.error(`${at}.value`, t.value, 'must be empty with TolerationOperator.EXISTS');
      else if (!isLabelValue(t.value)) f.error(`${at}.value`, t.value, LABEL_VALUE_RULE);
    }
    if (t.effect !== undefined) f.oneOf(`${at}.effect`, t.effect, Object.values(TaintEffect), 'a TaintEffect');
    if (t.tolerationSeconds !== undefined) {
      if (f.integer(`${at}.tolerationSeconds`, t.tolerationSeconds, 0, Number.MAX_SAFE_INTEGER) && t.effect !== TaintEffect.NO_EXECUTE) {
        f.error(`${at}.tolerationSeconds`, t.tolerationSeconds, 'is only allowed with effect TaintEffect.NO_EXECUTE');
      }
    }
  });
  return f.list;
}

function requirementRules(f: Findings, at: string, r: unknown): void {
  if (!isPlainObject(r)) {
    f.error(at, r, 'must be { key, operator, values? }');
    return;
  }
  unknownKeys(f, at, r, ['key', 'operator', 'values'], 'a node requirement');
  if (!isLabelKey(r.key)) f.error(`${at}.key`, r.key, LABEL_KEY_RULE);
  if (!f.oneOf(`${at}.operator`, r.operator, Object.values(NodeSelectorOperator), 'a NodeSelectorOperator')) return;
  const values = r.values;
  if (values !== undefined && (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))) {
    f.error(`${at}.values`, values, 'must be an array of strings');
    return;
  }
  const vs = (values ?? []) as string[];
  switch (r.operator) {
    case NodeSelectorOperator.IN:
    case NodeSelectorOperator.NOT_IN:
      if (vs.length === 0) f.error(`${at}.values`, vs, `must hold at least one value for operator ${r.operator}`);
      for (const v of vs) if (!isLabelValue(v)) f.error(`${at}.values`, v, LABEL_VALUE_RULE);
      break;
    case NodeSelectorOperator.GT:
    case NodeSelectorOperator.LT:
      if (vs.length !== 1 || !/^-?[0-9]+$/.test(vs[0])) f.error(`${at}.values`, vs, `must be exactly one integer for operator ${r.operator}`);
      break;
    default:
      if (vs.length > 0) f.error(`${at}.values`, vs, `must be empty for operator ${r.operator}`);
  }
}

/**
 * `requiredNodeAffinity` and `preferredNodeAffinity` of a role.
 * @internal
 */
export function nodeAffinityRules(required: unknown, preferred: unknown): Finding[] {
  const f = new Findings();
  if (required !== undefined) {
    if (!Array.isArray(required)) f.error('requiredNodeAffinity', required, 'must be an array of { key, operator, values? }');
    else required.forEach((r, i) => requirementRules(f, `requiredNodeAffinity[${i}]`, r));
  }
  if (preferred !== undefined) {
    if (!Array.isArray(preferred)) {
      f.error('preferredNodeAffinity', preferred, 'must be an array of { weight, requirements }');
    } else {
      preferred.forEach((p: unknown, i) => {
        const at = `preferredNodeAffinity[${i}]`;
        if (!isPlainObject(p)) {
          f.error(at, p, 'must be { weight, requirements }');
          return;
        }
        unknownKeys(f, at, p, ['weight', 'requirements'], 'a preferred node affinity');
        f.integer(`${at}.weight`, p.weight, 1, 100);
        if (!Array.isArray(p.requirements) || p.requirements.length === 0) f.error(`${at}.requirements`, p.requirements, 'must be a non-empty array of { key, operator, values? }');
        else p.requirements.forEach((r, j) => requirementRules(f, `${at}.requirements[${j}]`, r));
      });
    }
  }
  return f.list;
}

/** What the group-level placement rule needs to know about the group. */
export interface PlacementShape {
  /** GPUs the group uses in total, NaN when unknown. */
  readonly totalGpus: number;
  /** GPUs in one node, NaN when unknown. */
  readonly gpusPerNode: number;
  /** Largest number of nodes (pods) one instance of a role spans. */
  readonly maxNodesPerInstance: number;
  /** Names of roles that wait for others (`dependencies`). */
  readonly dependentRoles: readonly string[];
}

const HOSTNAME = 'kubernetes.io/hostname';
const INT32_MAX = 2 ** 31 - 1;

/**
 * The `placement` prop of a group.
 * @internal
 */
export function placementRules(value: unknown, shape: PlacementShape): Finding[] {
  const f = new Findings();
  if (value === undefined) return f.list;
  if (!isPlainObject(value)) {
    f.error('placement', value, 'must be an object { kvLocalityKey?, kvLocality?, exclusiveTopologyKey?, gangScheduling? }');
    return f.list;
  }
  unknownKeys(f, 'placement', value, ['kvLocalityKey', 'kvLocality', 'exclusiveTopologyKey', 'gangScheduling'], 'placement');
  if (value.kvLocalityKey !== undefined && !isLabelKey(value.kvLocalityKey)) f.error('placement.kvLocalityKey', value.kvLocalityKey, LABEL_KEY_RULE);
  if (value.kvLocality !== undefined) f.oneOf('placement.kvLocality', value.kvLocality, Object.values(AffinityStrength), 'an AffinityStrength');
  const exclusive = value.exclusiveTopologyKey;
  if (exclusive !== undefined) {
    if (!isLabelKey(exclusive)) {
      f.error('placement.exclusiveTopologyKey', exclusive, LABEL_KEY_RULE);
    } else if (exclusive === HOSTNAME) {
      // One domain holds the whole group: here a node, so the group must fit one node.
      if (shape.maxNodesPerInstance > 1) {
        f.error('placement.exclusiveTopologyKey', exclusive, `keeps every pod of the group on one node, but an instance spans ${shape.maxNodesPerInstance} nodes; use a rack or zone label`);
      } else if (Number.isFinite(shape.totalGpus) && Number.isFinite(shape.gpusPerNode) && shape.totalGpus > shape.gpusPerNode) {
        f.error('placement.exclusiveTopologyKey', exclusive, `keeps every pod of the group on one node, but the group needs ${shape.totalGpus} GPUs and a node has ${shape.gpusPerNode}; use a rack or zone label`);
      }
    }
  }
  const gang = value.gangScheduling;
  if (gang !== undefined) {
    if (!(gang instanceof GangScheduling)) {
      f.error('placement.gangScheduling', gang, 'must be GangScheduling.schedulerPlugins({...}) or GangScheduling.volcano({...})');
    } else {
      f.oneOf('placement.gangScheduling.scheduler', gang.scheduler, Object.values(GangScheduler), 'a GangScheduler');
      if (gang.timeout !== undefined) {
        const seconds = gang.timeout instanceof Duration ? gang.timeout.toSeconds({ integral: false }) : NaN;
        if (!Number.isInteger(seconds) || seconds < 1 || seconds > INT32_MAX) {
          f.error('placement.gangScheduling.timeout', gang.timeout instanceof Duration ? `${seconds} s` : gang.timeout, 'must be a cdk8s Duration of whole seconds, at least 1 second');
        }
      }
      if (gang.queue !== undefined && !isDnsSubdomain(gang.queue)) f.error('placement.gangScheduling.queue', gang.queue, 'must be a Volcano queue name (a DNS-1123 subdomain)');
      if (gang.priorityClassName !== undefined && !isDnsSubdomain(gang.priorityClassName)) {
        f.error('placement.gangScheduling.priorityClassName', gang.priorityClassName, 'must be a PriorityClass name (a DNS-1123 subdomain)');
      }
      if (shape.dependentRoles.length > 0) {
        f.error('placement.gangScheduling', gang.scheduler, `needs every pod of the group at once, but role(s) ${shape.dependentRoles.join(', ')} wait for other roles to be ready (dependencies): the PodGroup would never fill; remove those dependencies`);
      }
    }
  }
  return f.list;
}
