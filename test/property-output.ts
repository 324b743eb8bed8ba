/*
 * Readers of what the library writes, for the property test: how the kubelet expands `$(VAR)` and
 * `$$`, how a YAML 1.1 reader types plain scalars, and the files `synthesize()` leaves on disk.
 *
 * The kubelet's expansion and go-yaml v2's scalar resolution are restated here because no npm
 * library implements either (the `yaml` package reads YAML 1.1 but, unlike go-yaml, not `0o17` or
 * `1e3` as numbers); the `yaml` package is used for everything it does implement.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Scalar, isScalar, parseAllDocuments, visit } from 'yaml';

/**
 * The kubelet's expansion of container args and env values (k8s.io/kubernetes
 * third_party/forked/golang/expansion): `$$` becomes `$`, `$(NAME)` becomes `lookup(NAME)` (or
 * stays as written when the name is unknown), any other `$` stays.
 */
export function kubeletExpand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        i = close + 1;
      }
    } else {
      out += c + next;
      i += 2;
    }
  }
  return out;
}

/** Expansion with every variable defined, so any reference that survived escaping shows. */
export function expandAll(s: string): string {
  return kubeletExpand(s, (name) => `<expanded ${name}>`);
}

/** Plain scalars go-yaml v2 resolves by table: booleans, nulls, infinities, NaN, the merge key. */
const GO_YAML_TABLE = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'on', 'On', 'ON', 'off', 'Off', 'OFF', '~', 'null', 'Null', 'NULL', '',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<',
]);

/**
 * True when go-yaml v2 (kubectl's reader) would read the plain scalar `s` as a non-string: by its
 * table, as a timestamp, or (after dropping every "_") by Go's `ParseInt(s, 0, 64)` syntax or its
 * float pattern.
 */
export function goYamlReadsAsNonString(s: string): boolean {
  if (GO_YAML_TABLE.has(s)) return true;
  if (!/^[-+.0-9]/.test(s)) return false;
  if (/^\d{4}-\d{1,2}-\d{1,2}([Tt ]|$)/.test(s)) return true;
  const plain = s.replace(/_/g, '');
  return /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/.test(plain)
    || /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain);
}

/**
 * Problems of a written YAML stream read back as YAML 1.1: the documents must equal `objects`
 * (no string became a number, boolean, null or date), and no string may be written as a plain
 * scalar that go-yaml v2 would type differently.
 */
export function yaml11Problems(text: string, objects: unknown[]): string[] {
  const out: string[] = [];
  const docs = parseAllDocuments(text, { version: '1.1' });
  if (!Array.isArray(docs)) return ['not a YAML stream'];
  const back = docs.map((d) => d.toJS());
  if (JSON.stringify(back) !== JSON.stringify(objects)) {
    const a = JSON.stringify(back);
    const b = JSON.stringify(objects);
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    out.push(`read back as YAML 1.1, the documents differ from the objects near ${a.slice(Math.max(0, i - 80), i + 40)} (expected ${b.slice(Math.max(0, i - 80), i + 40)})`);
  }
  for (const d of docs) {
    visit(d, {
      Scalar(_key, node: Scalar) {
        if (isScalar(node) && node.type === 'PLAIN' && typeof node.value === 'string' && goYamlReadsAsNonString(node.value)) {
          out.push(`the string ${JSON.stringify(node.value)} is written plain; kubectl (go-yaml v2) would read it as a non-string`);
        }
      },
    });
  }
  return out;
}

/** Every file under `dir`, relative path to content, sorted by path. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  walk('');
  return out;
}

/** The objects of every manifest file of a tree, as canonical JSON lines, sorted. */
export function manifestObjects(files: Map<string, string>, extension: string): string[] {
  return [...files.entries()].filter(([f]) => f.endsWith(extension))
    .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o !== null))
    .map((o) => JSON.stringify(o)).sort();
}
