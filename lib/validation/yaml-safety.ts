import { Yaml } from 'cdk8s';

/**
 * kubectl reads manifests with a YAML 1.1 reader (go-yaml v2) that turns some plain scalars into
 * numbers, booleans, nulls or timestamps; cdk8s writes strings with a YAML 1.1 schema of its own
 * that quotes most of them, but not all (e.g. `0o17`, `0X1F`, `-0B1`: Go parses those prefixes).
 * A string that is written plain and read back as something else would change type on apply.
 * No library decides this for both sides, so the reader's rules are restated here.
 */

/** Plain scalars go-yaml v2 resolves from its table (booleans, nulls, infinities, NaN, merge key). */
const RESOLVE_TABLE = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE',
  'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE',
  '', '~', 'null', 'Null', 'NULL',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<',
]);

/** Go's `strconv.ParseInt(s, 0, 64)` syntax (after go-yaml removes every "_"). */
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml v2's float syntax. */
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** go-yaml v2's timestamp forms. */
const GO_TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::\d{2})?))?)?$/;

/** True when go-yaml v2 would read the plain scalar `s` as something other than a string. */
export function readAsNonString(s: string): boolean {
  if (RESOLVE_TABLE.has(s)) return true;
  if (!/^[-+0-9.]/.test(s)) return false;
  if (GO_TIMESTAMP.test(s)) return true;
  const plain = s.replace(/_/g, '');
  return GO_INT.test(plain) || GO_FLOAT.test(plain);
}

/** True when cdk8s writes `s` as a plain (unquoted) scalar. */
function writtenPlain(s: string): boolean {
  return !/^["'|>]/.test(Yaml.stringify(s));
}

/** Answers already worked out (strings such as ports repeat across every worker URL). */
const seen = new Map<string, boolean>();
const SEEN_LIMIT = 10_000;

/** True when `s` would change type between `cdk8s synth` and `kubectl apply`. */
export function changesTypeOnApply(s: string): boolean {
  if (!readAsNonString(s)) return false;
  // Plain decimal integers are always quoted by the writer.
  if (/^[0-9]+$/.test(s)) return false;
  let answer = seen.get(s);
  if (answer === undefined) {
    answer = writtenPlain(s);
    if (seen.size >= SEEN_LIMIT) seen.clear();
    seen.set(s, answer);
  }
  return answer;
}
