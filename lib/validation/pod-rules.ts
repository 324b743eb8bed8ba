import { RbgTarget } from '../rbg/rbg-target';
import { CudaVariant, SglangImage } from '../sglang/sglang-image';
import { hasControlCharacters, isDnsLabel, isEnvVarName, isImageReference, isLabelKey, isLabelValue } from '../util/names';
import { formatQuantity, isSize, isWholeKib } from '../util/quantity';
import { Findings, Finding } from './findings';

/**
 * Resolved pod-level state of any role, as the user gave it (so of any type, for JavaScript
 * callers).
 * @internal
 */
export interface PodState {
  readonly groupName: unknown;
  readonly roleName: unknown;
  readonly rbg: unknown;
  readonly replicas: unknown;
  readonly image: unknown;
  readonly httpPort: unknown;
  readonly cpu: unknown;
  readonly memory: unknown;
  /** Entries of the user's env, as given. */
  readonly env: ReadonlyArray<readonly [unknown, unknown]>;
  /** Names the library sets itself. */
  readonly reservedEnv: readonly string[];
  readonly nodeSelector: unknown;
  readonly annotations: unknown;
  readonly extraArgs: unknown;
}

/** Most pods a role may have; the static router lists one URL per pod. */
export const MAX_REPLICAS = 1000;

/** Longest role name every supported controller release derives names from safely. */
const MAX_ROLE_NAME = 44;

/**
 * Rules every role shares: names, replicas, image, resources, env, node selector, annotations and
 * the shape of `extraArgs`.
 * @internal
 */
export function podRules(s: PodState): Finding[] {
  const f = new Findings();
  if (!RbgTarget.ALL.includes(s.rbg as RbgTarget)) f.error('rbg', s.rbg, 'must be RbgTarget.V0_4, RbgTarget.V0_6 or RbgTarget.V0_7');
  if (!isDnsLabel(s.roleName)) {
    f.error('roleName', s.roleName, 'must be a DNS-1123 label: lowercase a-z, 0-9 and "-", starting and ending alphanumeric');
  } else if (s.roleName.length > MAX_ROLE_NAME) {
    f.error('roleName', s.roleName, `is ${s.roleName.length} characters; RoleBasedGroup role names are limited to ${MAX_ROLE_NAME}`);
  }
  f.integer('replicas', s.replicas, 1, MAX_REPLICAS);
  if (!(s.image instanceof SglangImage)) {
    f.error('image', s.image, 'must be a SglangImage, e.g. SglangImage.v0_5_18(CudaVariant.CU129) or SglangImage.of("registry/name:tag")');
  } else if (s.image.cudaVariant !== undefined && !Object.values(CudaVariant).includes(s.image.cudaVariant)) {
    f.error('image.cudaVariant', s.image.cudaVariant, `must be a CudaVariant (${Object.values(CudaVariant).join(', ')})`);
  } else if (!isImageReference(s.image.reference)) {
    f.error('image', s.image.reference, 'must be a container image reference [registry/]name[:tag][@sha256:digest] with a lowercase name, e.g. "lmsysorg/sglang:v0.5.18-cu129"');
  }
  f.integer('httpPort', s.httpPort, 1, 65535);
  const millicores = typeof s.cpu === 'number' ? s.cpu * 1000 : NaN;
  if (s.cpu !== undefined && !(millicores >= 1 && millicores <= 1e8 && Math.abs(millicores - Math.round(millicores)) < 1e-6)) {
    f.error('cpu', s.cpu, 'must be a positive number of cores with at most 3 decimals, e.g. 8 or 0.5');
  }
  sizeRule(f, 'memory', s.memory, 'Size.gibibytes(64)');
  envRules(f, s.env, s.reservedEnv);
  mapRules(f, 'nodeSelector', s.nodeSelector, true);
  mapRules(f, 'podAnnotations', s.annotations, false);
  if (s.extraArgs !== undefined && (!Array.isArray(s.extraArgs) || s.extraArgs.some((x) => typeof x !== 'string'))) {
    f.error('extraArgs', s.extraArgs, 'must be an array of strings');
  } else if (Array.isArray(s.extraArgs)) {
    for (const arg of s.extraArgs as string[]) {
      if (hasControlCharacters(arg.replace(/[\t\n]/g, ''))) f.error('extraArgs', arg, 'must not contain control characters');
    }
  }
  return f.list;
}

/**
 * An optional Size prop: a cdk8s `Size` (not a string) of a whole number of KiB.
 * @internal
 */
export function sizeRule(f: Findings, field: string, value: unknown, example: string): void {
  if (value === undefined) return;
  if (!isSize(value)) {
    f.error(field, value, `must be a cdk8s Size, e.g. ${example}, not a ${typeof value}`);
  } else if (!isWholeKib(value)) {
    f.error(field, formatQuantity(value), `must be a positive whole number of KiB, at most 1 EiB, e.g. ${example}`);
  }
}

function envRules(f: Findings, env: ReadonlyArray<readonly [unknown, unknown]>, reserved: readonly string[]): void {
  for (const [name, value] of env) {
    if (!isEnvVarName(name)) {
      f.error('env', name, 'environment variable names are letters, digits, "_", "-" and "." and do not start with a digit');
    } else if (reserved.includes(name)) {
      f.error('env', name, 'is set by the library; choose another name');
    }
    // Values are never shown: they may hold credentials.
    if (typeof value !== 'string') f.secret(`env.${String(name)}`, `must be a string, not a ${value === null ? 'null' : typeof value}`);
  }
}

function mapRules(f: Findings, field: string, value: unknown, labelValues: boolean): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    f.error(field, value, 'must be an object of string keys and string values');
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (!isLabelKey(key)) f.error(field, key, 'keys must be label keys: an optional DNS-1123 subdomain prefix and "/", then at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric');
    if (typeof v !== 'string') f.error(`${field}.${key}`, v, 'must be a string');
    else if (labelValues && !isLabelValue(v)) f.error(`${field}.${key}`, v, 'must be a label value: empty, or at most 63 characters of a-z, A-Z, 0-9, "-", "_" and ".", starting and ending alphanumeric');
    else if (!labelValues && hasControlCharacters(v.replace(/[\t\n]/g, ''))) f.error(`${field}.${key}`, v, 'must not contain control characters');
  }
}

/**
 * Names the targeted controller derives from the group and role must fit Kubernetes limits
 * (FACTS §2: workload and Service names are truncated at 63 characters, StatefulSets at 52).
 * @internal
 */
export function derivedNameRules(groupName: unknown, roleName: unknown, rbg: unknown, replicas: unknown): Finding[] {
  const f = new Findings();
  if (!isDnsLabel(groupName) || !isDnsLabel(roleName) || !RbgTarget.ALL.includes(rbg as RbgTarget)) return f.list;
  const target = rbg as RbgTarget;
  const lastIndex = Math.max(0, (Number.isInteger(replicas) ? replicas as number : 1) - 1);
  const derived: Array<[string, string, number]> = [
    ['workload (StatefulSet) name', target.workloadName(groupName, roleName), 52],
    ['headless Service name', target.headlessServiceName(groupName, roleName), 63],
    ['pod hostname', target.podName(groupName, roleName, lastIndex), 63],
  ];
  for (const [what, name, max] of derived) {
    if (name.length > max) {
      f.error('roleName', roleName, `the ${what} "${name}" derived for RBG ${target.release} is ${name.length} characters, over the limit of ${max}; shorten the group or role name`);
    }
  }
  return f.list;
}
