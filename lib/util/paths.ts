import * as path from 'path';

/**
 * A mount path in normal form (`/dev//shm/` and `/dev/./shm` become `/dev/shm`), or undefined when
 * it is not an absolute POSIX path or climbs with `..`.
 */
export function normalMountPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('\0')) return undefined;
  if (value.split('/').includes('..')) return undefined;
  const normal = path.posix.normalize(value);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** True when `inner` is `outer` or lies below it (both in normal form). */
export function isWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer === '/' ? '/' : `${outer}/`);
}
