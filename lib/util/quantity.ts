import { Size, SizeRoundingBehavior } from 'cdk8s';

/** Largest size accepted anywhere: 1 EiB, in KiB (larger sizes print in exponent notation, not as quantities). */
const MAX_SIZE_KIB = 1024 ** 5;

/** A cdk8s Size (also for JavaScript callers, who may pass a plain string or number). */
export function isSize(value: unknown): value is Size {
  return value instanceof Size;
}

/** Size in KiB, possibly fractional; NaN when the value is not a finite Size. */
export function kibibytes(size: unknown): number {
  if (!isSize(size)) return NaN;
  try {
    return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  } catch {
    return NaN;
  }
}

/** A Size of a positive whole number of KiB, at most 1 EiB. */
export function isWholeKib(size: unknown): boolean {
  const kib = kibibytes(size);
  return kib > 0 && Number.isInteger(kib) && kib <= MAX_SIZE_KIB;
}

/** Size in bytes (NaN when invalid). */
export function sizeBytes(size: unknown): number {
  return kibibytes(size) * 1024;
}

/** Kubernetes quantity for a size, in the largest binary unit that keeps it whole (e.g. `30Gi`). */
export function formatQuantity(size: unknown): string {
  const kib = kibibytes(size);
  if (!Number.isFinite(kib) || kib <= 0 || !Number.isInteger(kib)) {
    // Only shown in validation messages: as the user wrote it.
    return isSize(size) ? size.asString() : String(size);
  }
  const units: Array<[string, number]> = [['Ti', 1024 ** 3], ['Gi', 1024 ** 2], ['Mi', 1024], ['Ki', 1]];
  for (const [suffix, factor] of units) {
    if (Number.isInteger(kib / factor)) return `${kib / factor}${suffix}`;
  }
  return String(Math.round(kib * 1024));
}
