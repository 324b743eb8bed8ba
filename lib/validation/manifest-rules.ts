import { changesTypeOnApply } from './yaml-safety';

/** etcd's request limit, which a RoleBasedGroup must stay under. */
export const ETCD_LIMIT_BYTES = 1.5 * 1024 * 1024;
/** kubectl's client-side apply keeps a copy in this annotation, which is limited to 256 KiB. */
export const LAST_APPLIED_LIMIT_BYTES = 256 * 1024;
/** The kernel's limit on one argument or environment string (MAX_ARG_STRLEN), including its NUL. */
export const ARG_LIMIT_BYTES = 128 * 1024;

/**
 * A problem found in one emitted object.
 * @internal
 */
export interface ManifestFinding {
  readonly field: string;
  readonly value: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/**
 * Rules over an object as it will be written: its size, each string's size (container args and
 * env become process arguments) and strings a YAML 1.1 reader would change the type of.
 * @internal
 */
export function manifestRules(json: unknown, what: string): ManifestFinding[] {
  const out: ManifestFinding[] = [];
  if (json === undefined) return out;
  const text = JSON.stringify(json);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > ETCD_LIMIT_BYTES) {
    out.push({ severity: 'error', field: what, value: `${bytes} bytes`, message: `is over etcd's request limit of ${ETCD_LIMIT_BYTES} bytes (1.5 MiB); the API server would reject it: use fewer replicas, shorter extraArgs or KUBERNETES discovery` });
  } else if (bytes > LAST_APPLIED_LIMIT_BYTES) {
    out.push({ severity: 'warning', field: what, value: `${bytes} bytes`, message: `is over 256 KiB, the limit of the last-applied-configuration annotation of client-side kubectl apply; apply it with kubectl apply --server-side` });
  }
  // The path of the value being looked at, as segments: joined only for a finding.
  const at: Array<string | number> = [];
  const field = (): string => what + at.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: only long strings need counting.
      if (v.length * 3 >= ARG_LIMIT_BYTES && Buffer.byteLength(v, 'utf8') >= ARG_LIMIT_BYTES) {
        out.push({ severity: 'error', field: field(), value: `${Buffer.byteLength(v, 'utf8')} bytes`, message: `is over the kernel's ${ARG_LIMIT_BYTES}-byte limit for one argument or environment string; the container would fail to start` });
      }
      if (changesTypeOnApply(v)) {
        out.push({ severity: 'error', field: field(), value: JSON.stringify(v), message: 'would be written unquoted and read by kubectl (a YAML 1.1 reader) as a number, boolean or null, not as a string; use another value' });
      }
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        at.push(i);
        walk(v[i]);
        at.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        at.push(k);
        if (changesTypeOnApply(k)) out.push({ severity: 'error', field: field(), value: JSON.stringify(k), message: 'is a key kubectl would read as a number, boolean or null; use another key' });
        walk(x);
        at.pop();
      }
    }
  };
  walk(json);
  return out;
}
