/** JSON values a user may pass (e.g. `modelOverrideArgs`), copied and checked before use. */

/** Why `value` cannot be written as JSON, or undefined when it can. */
export function jsonProblem(value: unknown, where = '', seen: Set<unknown> = new Set()): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${where || 'the value'} is ${String(value)}, which JSON cannot hold`;
  if (typeof value === 'bigint') return `${where || 'the value'} is a BigInt, which JSON cannot hold`;
  if (typeof value !== 'object') return `${where || 'the value'} is a ${typeof value}, which JSON cannot hold`;
  if (seen.has(value)) return `${where || 'the value'} refers back to itself (a cycle)`;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const p = jsonProblem(value[i], `${where}[${i}]`, seen);
        if (p !== undefined) return p;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `${where || 'the value'} is a ${proto?.constructor?.name ?? 'class'} instance, not a plain object`;
    for (const [k, v] of Object.entries(value)) {
      const p = jsonProblem(v, where ? `${where}.${k}` : k, seen);
      if (p !== undefined) return p;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

/** A deep, frozen copy of a JSON value; call only when `jsonProblem` found nothing. */
export function frozenJsonCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Object.freeze(value.map((x) => frozenJsonCopy(x)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = frozenJsonCopy(v);
  return Object.freeze(out);
}

/**
 * The copies `frozenCopy` made. Copying one again would give the same (its plain parts are frozen
 * copies already, anything else is kept either way), so it is passed on as it is when props travel
 * from a group to its roles, each constructor owning what it is given.
 */
const madeHere = new WeakSet<object>();

/**
 * A frozen deep copy of a value `jsonProblem` refuses, so the caller's later edits cannot change
 * it: plain objects and arrays are copied (a cycle stays a cycle of copies), anything else (a
 * BigInt, a class instance) is kept as it is, so the copy is refused for the same reason.
 */
export function frozenCopy(value: unknown, copies: Map<object, unknown> = new Map()): unknown {
  if (value === null || typeof value !== 'object' || madeHere.has(value)) return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  copies.set(value, out);
  for (const [k, v] of Object.entries(value)) (out as Record<string, unknown>)[k] = frozenCopy(v, copies);
  madeHere.add(out);
  return Object.freeze(out);
}


/** JSON with sorted keys, so the same object always gives the same text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
    : v));
}
