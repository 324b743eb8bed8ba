import { Size, SizeRoundingBehavior } from 'cdk8s';

/** Size in KiB, possibly fractional; NaN when the size is not a finite number. */
export function kibibytes(size: Size): number {
  try {
    return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  } catch {
    return NaN;
  }
}

/** Largest size accepted anywhere: 1 EiB, in KiB (larger sizes print in exponent notation, not as quantities). */
export const MAX_SIZE_KIB = 1024 ** 5;

/** A positive whole number of KiB, at most MAX_SIZE_KIB. */
export function isWholeKib(size: Size): boolean {
  const kib = kibibytes(size);
  return kib > 0 && Number.isInteger(kib) && kib <= MAX_SIZE_KIB;
}

/** Size in bytes. */
export function sizeBytes(size: Size): number {
  return kibibytes(size) * 1024;
}

/** Kubernetes quantity for a size, in the largest binary unit that keeps it whole (e.g. `30Gi`). */
export function formatQuantity(size: Size): string {
  const kib = kibibytes(size);
  // Not a whole number of KiB (only shown in validation messages): as the user wrote it, e.g. `1e+300Pi`.
  if (!Number.isFinite(kib) || kib <= 0 || !Number.isInteger(kib)) return size.asString();
  const units: Array<[string, number]> = [['Ti', 1024 ** 3], ['Gi', 1024 ** 2], ['Mi', 1024], ['Ki', 1]];
  for (const [suffix, factor] of units) {
    if (Number.isInteger(kib / factor)) return `${kib / factor}${suffix}`;
  }
  return String(Math.round(kib * 1024));
}

/** DNS-1123 label: at most 63 characters of [a-z0-9-], alphanumeric at both ends. */
export function isDnsLabel(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDnsSubdomain(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
}

/** A copy of `obj` without the keys whose value is undefined, so spreading it never unsets a value. */
export function definedOnly<T extends object>(obj: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(obj ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Label key (qualified name): optional DNS-subdomain prefix and "/", then 1-63 of [A-Za-z0-9-_.], alphanumeric at both ends. */
export function isLabelKey(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const slash = s.indexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, s] : [s.slice(0, slash), s.slice(slash + 1)];
  return (prefix === undefined || isDnsSubdomain(prefix))
    && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/** Label value: empty, or at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends. */
export function isLabelValue(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 63 && /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(s);
}

/**
 * Extended resource name of a device plugin, e.g. `nvidia.com/gpu`: a domain prefix (not
 * `kubernetes.io`), "/" and a name, so it cannot be mistaken for `cpu` or `memory`.
 */
export function isExtendedResourceName(s: unknown): s is string {
  if (typeof s !== 'string' || !s.includes('/')) return false;
  const prefix = s.slice(0, s.indexOf('/'));
  return isLabelKey(s) && prefix !== 'kubernetes.io' && !prefix.endsWith('.kubernetes.io');
}
