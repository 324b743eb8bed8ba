import { Size, SizeRoundingBehavior } from 'cdk8s';

/** Size in KiB, possibly fractional; NaN when the size is not a finite number. */
export function kibibytes(size: Size): number {
  try {
    return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  } catch {
    return NaN;
  }
}

/** Size in bytes. */
export function sizeBytes(size: Size): number {
  return kibibytes(size) * 1024;
}

/** Kubernetes quantity for a size, in the largest binary unit that keeps it whole (e.g. `30Gi`). */
export function formatQuantity(size: Size): string {
  const kib = kibibytes(size);
  if (!Number.isFinite(kib) || kib <= 0) return String(kib);
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
