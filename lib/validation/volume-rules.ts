import { QwenModel } from '../model/qwen-model';
import { ModelSource, OSSFS1_ONLY_OPTIONS, OssfsVersion } from '../storage/model-source';
import { hasControlCharacters, isDnsSubdomain } from '../util/names';
import { normalMountPath, isWithin } from '../util/paths';
import { Finding, Findings } from './findings';
import { sizeRule } from './pod-rules';

/**
 * Resolved state of a model volume, as the user gave it.
 * @internal
 */
export interface VolumeState {
  readonly model: unknown;
  readonly source: unknown;
  readonly claimName: unknown;
  readonly capacity: unknown;
  readonly mountPath: unknown;
}

/** Paths the serving pods use for themselves, which the model may not be mounted over. */
const RESERVED_PATHS = ['/dev/shm', '/dev', '/proc', '/sys', '/etc', '/usr', '/bin', '/lib', '/tmp'];

/**
 * Rules of a model volume: the model facts, the claim, the mount path and the source.
 * @internal
 */
export function volumeRules(s: VolumeState): Finding[] {
  const f = new Findings();
  if (!(s.model instanceof QwenModel)) {
    f.error('model', s.model, 'must be a QwenModel, e.g. QwenModel.QWEN3_32B or QwenModel.custom({...})');
  } else {
    modelRules(f, s.model);
  }
  if (!(s.source instanceof ModelSource)) {
    f.error('source', s.source, 'must be a ModelSource, e.g. ModelSource.oss({ bucket, endpoint, path }) or ModelSource.pvc("claim")');
    return f.list;
  }
  const oss = s.source.ossOptions !== undefined;
  if (!isDnsSubdomain(s.claimName)) {
    f.error(oss ? 'claimName' : 'source.claimName', s.claimName, 'must be a DNS-1123 subdomain: lowercase a-z, 0-9, "-" and ".", at most 253 characters, starting and ending alphanumeric');
  } else if (oss && s.claimName.length > 63) {
    f.error('claimName', s.claimName, `is ${s.claimName.length} characters; an OSS volume's claim name is also the label alicloud-pvname that binds the claim, and label values are limited to 63`);
  }
  const mount = normalMountPath(s.mountPath);
  if (mount === undefined || mount === '/' || typeof s.mountPath !== 'string' || hasControlCharacters(s.mountPath) || /[$:,\\]/.test(s.mountPath)) {
    f.error('mountPath', s.mountPath, 'must be an absolute path below "/" without ".." segments, control characters, "$", ":", "," or "\\", e.g. "/models/Qwen3-32B"');
  } else {
    const clash = RESERVED_PATHS.find((r) => isWithin(r, mount)) ?? ['/dev', '/proc', '/sys'].find((r) => isWithin(mount, r));
    if (clash !== undefined) f.error('mountPath', s.mountPath, `overlaps ${clash}, which serving pods use for themselves (shared memory, system files); choose another path, e.g. "/models/Qwen3-32B"`);
  }
  sizeRule(f, 'capacity', s.capacity, 'Size.gibibytes(30)');
  sourceRules(f, s.source);
  return f.list;
}

/**
 * Bucket, endpoint and path of an OSS location (shared by OSS and Fluid sources).
 * @internal
 */
export function ossLocationRules(f: Findings, o: { readonly bucket?: unknown; readonly endpoint?: unknown; readonly path?: unknown }): void {
  if (typeof o.bucket !== 'string' || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(o.bucket)) {
    f.error('source.bucket', o.bucket, 'must be an OSS bucket name: 3-63 characters of a-z, 0-9 and "-", starting and ending alphanumeric');
  }
  if (typeof o.endpoint !== 'string' || o.endpoint.length > 253 || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(o.endpoint)) {
    f.error('source.endpoint', o.endpoint, 'must be a host name without scheme, e.g. "oss-cn-hangzhou-internal.aliyuncs.com"');
  }
  if (o.path !== undefined && (typeof o.path !== 'string' || !o.path.startsWith('/') || hasControlCharacters(o.path) || o.path.length > 1023 || o.path.split('/').includes('..'))) {
    f.error('source.path', o.path, 'must start with "/" and have no control characters or ".." segments, e.g. "/Qwen3-32B/"');
  }
}

function sourceRules(f: Findings, source: ModelSource): void {
  const o = source.ossOptions;
  if (o === undefined) return;
  ossLocationRules(f, o);
  if (o.rrsaRoleName !== undefined) {
    if (o.credentials !== undefined || o.secretName !== undefined) {
      f.error('source.rrsaRoleName', o.rrsaRoleName, 'RRSA replaces AccessKeys: do not also set secretName or credentials');
    }
    if (typeof o.rrsaRoleName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(o.rrsaRoleName)) {
      f.error('source.rrsaRoleName', o.rrsaRoleName, 'must be a RAM role name: 1-64 characters of letters, digits, "." and "-", starting with a letter or digit');
    }
  }
  const secretName = source.secretName;
  if (secretName !== undefined && !isDnsSubdomain(secretName)) {
    f.error('source.secretName', secretName, 'must be a DNS-1123 subdomain');
  }
  const c: unknown = o.credentials;
  if (c !== undefined && (c === null || typeof c !== 'object' || !nonEmpty(o.credentials?.accessKeyId) || !nonEmpty(o.credentials?.accessKeySecret))) {
    f.secret('source.credentials', 'accessKeyId and accessKeySecret must both be non-empty strings');
  }
  if (o.ossfsVersion !== undefined) f.oneOf('source.ossfsVersion', o.ossfsVersion, Object.values(OssfsVersion), 'an OssfsVersion');
  if (o.mountOptions !== undefined && !Array.isArray(o.mountOptions)) {
    f.error('source.mountOptions', o.mountOptions, 'must be an array of strings such as ["allow_other"]');
    return;
  }
  for (const opt of source.mountOptions as unknown[]) {
    if (typeof opt !== 'string' || opt.length === 0 || /[\s,"']/.test(opt) || hasControlCharacters(opt) || opt.startsWith('-')) {
      f.error('source.mountOptions', opt, 'each option is one "name" or "name=value" without spaces, quotes, commas or a leading "-o"');
    } else if (source.ossfsVersion === OssfsVersion.V2 && OSSFS1_ONLY_OPTIONS.includes(opt.split('=')[0])) {
      f.error('source.mountOptions', opt, `is an ossfs 1.0 option that ossfs 2.0 rejects (ossfs 1.0-only: ${OSSFS1_ONLY_OPTIONS.join(', ')})`);
    }
  }
}

function nonEmpty(s: unknown): boolean {
  return typeof s === 'string' && s.length > 0;
}

/**
 * The facts of a (custom) model that sizing divides and multiplies by must be sane numbers.
 * @internal
 */
export function modelRules(f: Findings, m: QwenModel): void {
  if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > 200 || hasControlCharacters(m.name) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(m.name)) {
    f.error('model.name', m.name, 'must be a name of letters, digits, ".", "_" and "-", e.g. "Qwen3-32B" (it is also the default mount directory)');
  }
  const counts = [['layers', m.layers], ['attentionHeads', m.attentionHeads], ['kvHeads', m.kvHeads], ['headDim', m.headDim]] as const;
  const countsOk = counts.map(([field, v]) => f.integer(`model.${field}`, v, 1, 65536)).every((ok) => ok);
  if (countsOk && m.attentionHeads % m.kvHeads !== 0) {
    f.error('model.kvHeads', m.kvHeads, `must divide the ${m.attentionHeads} attention heads (grouped-query attention)`);
  }
  for (const [field, v, max] of [['paramsBillions', m.paramsBillions, 1e5], ['weightsGigabytes', m.weightsGigabytes, 1e6]] as const) {
    if (!(typeof v === 'number' && v > 0 && v <= max)) f.error(`model.${field}`, v, `must be a positive number up to ${max}`);
  }
  f.integer('model.nativeContextLength', m.nativeContextLength, 1, 16_777_216);
  if (m.moe !== undefined) {
    if (m.moe === null || typeof m.moe !== 'object') f.error('model.moe', m.moe, 'must be { experts, activeExperts }');
    else if (f.integer('model.moe.experts', m.moe.experts, 1, 65536)) f.integer('model.moe.activeExperts', m.moe.activeExperts, 1, m.moe.experts);
  }
}
