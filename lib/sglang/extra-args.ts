/**
 * A checker for the free-form `extraArgs` of the prefill, decode and router roles, against the
 * pinned flag catalogs (flags.ts): argparse's reading of an argv, restated for messages that name
 * the flag and what is allowed.
 */
import {
  FlagInfo, FlagProblem, FlagProgram, FlagRoleKind, PRODUCT, ProgramIndex, Spelling, flagCatalogVersion, indexFor, withDashes,
} from './flags';

// ---------------------------------------------------------------------------------------------
// extraArgs checking
// ---------------------------------------------------------------------------------------------

/**
 * Server flags that change how many GPUs (or which, or on how many nodes) one server uses: each
 * pod is given TP x DP GPUs on one node, so these would crash the server or leave it waiting.
 */
const GPU_LAYOUT_RULES: Readonly<Record<string, string>> = Object.fromEntries(
  ['--pp-size', '--nnodes', '--node-rank', '--dist-init-addr', '--base-gpu-id', '--gpu-id-step'].map((flag) => [
    flag,
    'changes which GPUs, how many, or on how many nodes one server runs, which the library derives from tensorParallelSize, dataParallelSize and nodesPerInstance (an instance over several nodes gets --dist-init-addr, --nnodes and --node-rank); remove it from extraArgs',
  ]),
);

/** Flags whose value is a credential. */
const CREDENTIAL_FLAGS: Record<FlagProgram, readonly string[]> = {
  server: ['--api-key', '--admin-api-key', '--ssl-keyfile-password'],
  router: ['--api-key', '--control-plane-api-keys', '--oracle-password'],
};

/** Flags a role must not carry in extraArgs, with the reason. */
const ROLE_RULES: Record<FlagRoleKind, Readonly<Record<string, string>>> = {
  prefill: {
    '--disaggregation-mode': 'is set by the library from the role (prefill); remove it from extraArgs',
    ...GPU_LAYOUT_RULES,
  },
  decode: {
    '--disaggregation-mode': 'is set by the library from the role (decode); remove it from extraArgs',
    ...GPU_LAYOUT_RULES,
    '--disaggregation-bootstrap-port':
      'is prefill-only (the KV bootstrap server runs on prefill); remove it from the decode extraArgs',
  },
  router: {},
};

const LABEL_VALUE = /^[^=\s]+=[^=\s]*$/;

/** Shape checks beyond type and choices, keyed by `program flag`. Return a problem or undefined. */
const VALUE_SHAPES: Readonly<Record<string, (values: readonly string[]) => string | undefined>> = {
  'router --prefill': (values) => {
    if (values.length > 2) {
      return `takes one prefill URL and an optional bootstrap port (or "none"), but got ${values.length} values (${quoteList(values)}); repeat --prefill once per prefill worker`;
    }
    const port = values[1];
    if (port !== undefined && port !== 'none' && !isInt(port, false)) {
      return `bootstrap port "${port}" must be an integer port or "none" (e.g. --prefill http://prefill-0:30000 8998)`;
    }
    return undefined;
  },
  'router --selector': labelSelector,
  'router --prefill-selector': labelSelector,
  'router --decode-selector': labelSelector,
};

function labelSelector(values: readonly string[]): string | undefined {
  const bad = values.filter((v) => !LABEL_VALUE.test(v));
  return bad.length ? `takes key=value labels, but got ${quoteList(bad)} (e.g. app=sglang role=prefill)` : undefined;
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

function isFlagToken(token: string): boolean {
  // argparse reads "-1" or "-.5" as a value, not as a flag.
  return token.startsWith('-') && token.length > 1 && !/^-(\d+|\d*\.\d+)$/.test(token);
}

function isInt(value: string, humanReadable: boolean): boolean {
  // Python int() accepts surrounding spaces, a sign and digit-group underscores.
  if (/^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return true;
  // Suffixed sizes such as 32k, 1.5M or 128Ki.
  return humanReadable && /^\s*\d+(\.\d+)?[kKmMgGtT]i?\s*$/.test(value);
}

function isFloat(value: string): boolean {
  return (
    /^\s*[+-]?((\d+(_\d+)*)(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+)?\s*$/.test(value) ||
    /^\s*[+-]?(inf|infinity|nan)\s*$/i.test(value)
  );
}

function valueKind(info: FlagInfo): 'int' | 'float' | 'str' | 'json' {
  if (info.type === 'list') return info.itemType ?? 'str';
  return info.type === 'int' || info.type === 'float' || info.type === 'json' ? info.type : 'str';
}

function describeValue(info: FlagInfo): string {
  switch (valueKind(info)) {
    case 'int':
      return info.humanReadableInt ? 'an integer (suffixes such as 32k or 128Ki are accepted)' : 'an integer';
    case 'float':
      return 'a number';
    case 'json':
      return 'a JSON string';
    default:
      return info.choices ? `one of: ${info.choices.join(', ')}` : 'a string';
  }
}

function arity(info: FlagInfo): { readonly min: number; readonly max: number } {
  if (info.type === 'store_true' || info.type === 'bool_optional') return { min: 0, max: 0 };
  switch (info.nargs) {
    case undefined:
      return { min: 1, max: 1 };
    case '?':
      return { min: 0, max: 1 };
    case '*':
      return { min: 0, max: Infinity };
    case '+':
      return { min: 1, max: Infinity };
    default:
      return { min: info.nargs, max: info.nargs };
  }
}

function checkValue(info: FlagInfo, value: string): string | undefined {
  const kind = valueKind(info);
  if (kind === 'int' && !isInt(value, info.humanReadableInt)) return `value "${value}" is not ${describeValue(info)}`;
  if (kind === 'float' && !isFloat(value)) return `value "${value}" is not a number`;
  if (kind === 'json') {
    try {
      JSON.parse(value);
    } catch (e) {
      return `value "${value}" is not valid JSON (${(e as Error).message})`;
    }
  }
  if (info.choices && !info.choices.includes(value)) {
    return `value "${value}" is not allowed; choose one of: ${info.choices.join(', ')}`;
  }
  return undefined;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The closest spelling (canonical name, or a `--no-` form) within a small edit distance. */
function suggest(index: ProgramIndex, written: string): string | undefined {
  if (!written.startsWith('--')) {
    // "-tp-size" or "-tp": the same flag with two dashes.
    const doubled = resolve(index, `-${written}`);
    if (doubled.kind === 'exact') return doubled.spelling === 'negation' ? `-${written}` : doubled.info.name;
    if (doubled.kind === 'abbrev') return doubled.option;
  }
  const limit = Math.max(2, Math.floor((written.length - 2) / 6));
  let best: { option: string; distance: number } | undefined;
  for (const [option, { info, spelling }] of index.byOption) {
    if (info.status === 'removed') continue;
    const distance = levenshtein(written, option);
    const proposal = spelling === 'negation' ? option : info.name;
    if (distance <= limit && (!best || distance < best.distance)) best = { option: proposal, distance };
  }
  return best?.option;
}

type Resolved =
  | { readonly kind: 'exact'; readonly info: FlagInfo; readonly spelling: Spelling }
  | { readonly kind: 'abbrev'; readonly info: FlagInfo; readonly option: string }
  | { readonly kind: 'unknown'; readonly prefixOf: readonly string[] };

/** Exact option, or (like argparse) a unique prefix of one flag's spellings. */
function resolve(index: ProgramIndex, written: string): Resolved {
  const exact = index.byOption.get(written);
  if (exact) return { kind: 'exact', ...exact };
  const matches = new Map<string, { info: FlagInfo; option: string }>();
  for (const [option, { info, spelling }] of index.byOption) {
    if (info.status !== 'removed' && written.length > 2 && option.startsWith(written) && !matches.has(info.name)) {
      matches.set(info.name, { info, option: spelling === 'negation' ? option : info.name });
    }
  }
  const [single] = matches.values();
  if (matches.size === 1 && single) return { kind: 'abbrev', ...single };
  return { kind: 'unknown', prefixOf: [...matches.keys()].sort() };
}

/**
 * Check extra args for one role. `typedFlags` = canonical flag names the library already emits
 * from typed props. prefill/decode are checked against `sglang.launch_server`, router against
 * `sglang_router.launch_router`.
 */
export function checkExtraArgs(
  role: FlagRoleKind,
  args: readonly string[],
  typedFlags: ReadonlySet<string> | ReadonlyMap<string, string>,
  refused: ReadonlyMap<string, string> = new Map(),
): FlagProblem[] {
  const program: FlagProgram = role === 'router' ? 'router' : 'server';
  const product = `${PRODUCT[program]} v${flagCatalogVersion(program)}`;
  // Flag -> the typed prop to use instead (empty when the caller gave only names).
  const typed = new Map<string, string>([...typedFlags.entries()].map(([k, v]) => [withDashes(k), v === k ? '' : v]));
  const problems: FlagProblem[] = [];
  const report = (severity: FlagProblem['severity'], flag: string, text: string): void => {
    problems.push({ severity, flag, message: `${role} extraArgs: ${text}` });
  };
  const seen = new Map<string, string>();
  let previous: { readonly written: string; readonly info: FlagInfo; readonly inline: boolean } | undefined;

  let i = 0;
  /** The next token if it is a value (not a flag); does not consume it. */
  const peekValue = (): string | undefined => {
    const next = args[i];
    return next !== undefined && !isFlagToken(next) ? next : undefined;
  };
  const takeValues = (max: number): string[] => {
    const values: string[] = [];
    let value = peekValue();
    while (value !== undefined && values.length < max) {
      values.push(value);
      i++;
      value = peekValue();
    }
    return values;
  };

  for (let token = args[i++]; token !== undefined; token = args[i++]) {
    if (token === '--') {
      report('error', token, 'a bare "--" ends option parsing and is not allowed; pass only --flag [value] pairs');
      continue;
    }
    if (!isFlagToken(token)) {
      const after = !previous
        ? 'it does not follow any flag'
        : previous.inline
          ? `it follows ${previous.written}=…, whose value was given with "=" (write "${previous.written} a b" for several values)`
          : `it follows ${previous.written}, which takes ${describeArity(previous.info)}`;
      const secret = previous !== undefined && CREDENTIAL_FLAGS[program].includes(previous.info.name);
      report(
        'error',
        previous?.written ?? token,
        `unexpected value ${secret ? '(not shown: it follows a credential flag)' : `"${token}"`}: ${after}; every value must belong to a --flag`,
      );
      continue;
    }

    const eq = token.indexOf('=');
    const written = eq >= 0 ? token.slice(0, eq) : token;
    const inline = eq >= 0 ? token.slice(eq + 1) : undefined;
    const index = indexFor(program);
    const found = resolve(index, written);

    if (found.kind === 'unknown') {
      report('error', written, `unknown flag ${written} for ${product}${unknownHint(index, written, found.prefixOf)}`);
      takeValues(Infinity); // its values would only add noise
      previous = undefined;
      continue;
    }

    const info = found.info;
    if (found.kind === 'abbrev') {
      report(
        'error',
        written,
        `${written} is an abbreviation of ${found.option}; always write the full flag name ${found.option}`,
      );
    } else if (found.spelling === 'alias') {
      report(
        'error',
        written,
        `${written} is an alias of ${info.name}; always write the canonical flag name ${info.name}`,
      );
    }

    if (info.status !== 'active') {
      report(info.status === 'removed' ? 'error' : 'warning', written, statusMessage(info, product));
    }

    const roleRule = ROLE_RULES[role][info.name];
    if (roleRule) {
      report('error', written, `${info.name} ${roleRule}`);
    } else if (typed.has(info.name)) {
      const instead = typed.get(info.name);
      report('error', written, instead ? `${info.name} is set by the library; use ${instead} instead of extraArgs` : `${info.name} is already set by the typed prop; remove it from extraArgs`);
    } else if (refused.has(info.name)) {
      report('error', written, `${info.name} ${refused.get(info.name)}; remove it from extraArgs`);
    }

    const first = seen.get(info.name);
    if (first !== undefined && !info.repeatable) {
      const spellings = first === written ? '' : ` (as ${first} and as ${written})`;
      report('error', written, `${info.name} is given twice${spellings}; give it once`);
    }
    if (first === undefined) seen.set(info.name, written);

    const { min, max } = arity(info);
    if (max === 0) {
      const given = inline ?? takeValues(1)[0];
      if (given !== undefined) {
        const how =
          info.type === 'bool_optional'
            ? `write ${info.name} or ${info.negations.join(' or ')}`
            : `write just ${info.name}, or leave it out to keep it off`;
        report('error', written, `${written} is an on/off switch and takes no value, but got "${given}"; ${how}`);
      }
      previous = { written, info, inline: inline !== undefined };
      continue;
    }

    const values = inline !== undefined ? [inline] : takeValues(max);
    if (values.length < min) {
      const needed = min === 1 ? `a value (${describeValue(info)})` : `${min} values (${describeValue(info)} each)`;
      const nextFlag = args[i];
      const next = nextFlag !== undefined ? `, but the next token is the flag ${nextFlag}` : ', but none was given';
      report('error', written, `${written} needs ${needed}${next}`);
    }
    for (const value of values) {
      const problem = checkValue(info, value);
      if (problem) report('error', written, `${written} ${problem}`);
    }
    const shape = VALUE_SHAPES[`${program} ${info.name}`]?.(values);
    if (shape && values.length >= min) report('error', written, `${written} ${shape}`);
    if (CREDENTIAL_FLAGS[program].includes(info.name) && values.length > 0) {
      report('warning', written, `${info.name} puts a credential in plain text into the manifests (the container args), readable by anyone who can read them or the output directory`);
    }
    previous = { written, info, inline: inline !== undefined };
  }
  return problems;
}

function unknownHint(index: ProgramIndex, written: string, prefixOf: readonly string[]): string {
  if (prefixOf.length) {
    const listed = prefixOf.slice(0, 6).join(', ') + (prefixOf.length > 6 ? ', …' : '');
    return `; it abbreviates several flags (${listed}): write one in full`;
  }
  const hint = suggest(index, written);
  return hint ? `; did you mean ${hint}?` : '';
}

function statusMessage(info: FlagInfo, product: string): string {
  const instead = info.replacedBy.length ? `; use ${info.replacedBy.join(' ')} instead` : '; remove it';
  const since = info.since ? `${PRODUCT[info.program]} v${info.since}` : undefined;
  if (info.status === 'removed') {
    const when = since ? `was removed in ${since}` : `is removed in ${product}`;
    return `${info.name} ${when} and is rejected by ${product}${instead}`;
  }
  const when = since ? `is deprecated since ${since}` : `is deprecated in ${product}`;
  return `${info.name} ${when} (still accepted)${instead}`;
}

function describeArity(info: FlagInfo): string {
  const { min, max } = arity(info);
  if (max === 0) return 'no value';
  if (min === max) return min === 1 ? 'exactly one value' : `exactly ${min} values`;
  return max === 1 ? 'at most one value' : 'a list of values';
}

/**
 * The values each flag of `args` is given, by canonical name (flags that are not in the catalog are
 * left out; `checkExtraArgs` reports them). A switch given alone has the value `true`.
 */
export function flagValuesOf(program: FlagProgram, args: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (!isFlagToken(token)) continue;
    const eq = token.indexOf('=');
    const found = resolve(indexFor(program), eq >= 0 ? token.slice(0, eq) : token);
    if (found.kind === 'unknown') continue;
    const values = out.get(found.info.name) ?? [];
    const { max } = arity(found.info);
    if (eq >= 0) values.push(token.slice(eq + 1));
    else if (max === 0) values.push(found.kind === 'exact' && found.spelling === 'negation' ? 'false' : 'true');
    else {
      for (let n = 0; n < max && i + 1 < args.length && !isFlagToken(args[i + 1]); n++) values.push(args[++i]);
    }
    out.set(found.info.name, values);
  }
  return out;
}
