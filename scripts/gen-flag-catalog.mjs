#!/usr/bin/env node
// Builds lib/sglang/flag-catalog.json from the shared SGLang flag catalogs
// (${SHARED:-../shared}/sglang/{server,router}-args.json, relative to the repo root).
//
// Only data carries over: names, aliases, types, nargs, choices, defaults and
// deprecation status. Help strings, usage formats and other prose are dropped.
//
//   node scripts/gen-flag-catalog.mjs          write the catalog
//   node scripts/gen-flag-catalog.mjs --check  exit 1 if the committed catalog is stale
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = resolve(repoRoot, process.env.SHARED ?? '../shared');
const outFile = resolve(repoRoot, 'lib/sglang/flag-catalog.json');

const PROGRAMS = {
  server: { file: 'sglang/server-args.json', command: 'python3 -m sglang.launch_server' },
  router: { file: 'sglang/router-args.json', command: 'python3 -m sglang_router.launch_router' },
};

// Facts that the shared catalogs do not carry as fields (see ../shared/reference/FACTS.md §3,
// and the replacement flags named by the catalog's own one-line summaries).
const OVERLAY = {
  server: {
    // Gone from the parser entirely since v0.5.10 (they took an integer size).
    '--disaggregation-decode-tp': { add: { type: 'int' }, status: 'removed', since: '0.5.10' },
    '--disaggregation-decode-dp': { add: { type: 'int' }, status: 'removed', since: '0.5.10' },
    '--disaggregation-prefill-pp': { add: { type: 'int' }, status: 'removed', since: '0.5.10' },
    '--disable-cuda-graph': { since: '0.5.15' },
    '--cuda-graph-max-bs': { since: '0.5.15' },
    '--enable-expert-distribution-metrics': { replacedBy: ['--expert-balancedness-report-mode'] },
    '--grpc-mode': { replacedBy: ['--smg-grpc-mode'] },
    '--elastic-ep-rejoin': { replacedBy: ['--elastic-ep-join-mode=recover'] },
    '--enable-flashinfer-allreduce-fusion': { replacedBy: ['--flashinfer-allreduce-fusion-backend=auto'] },
  },
  router: {},
};

const TYPES = {
  int: 'int',
  float: 'float',
  str: 'str',
  json: 'json',
  list: 'list',
  'bool(store_true)': 'store_true',
  'bool(optional)': 'bool_optional',
};

// Source keys that are read below; anything else makes the script fail so that a new
// upstream field is looked at instead of silently dropped.
const KNOWN_KEYS = new Set([
  'type',
  'choices',
  'default',
  'aliases',
  'nargs',
  'item_type',
  'negation',
  'const',
  'required',
  'accepts_suffixes',
  'repeatable',
  'env_default',
  'sets',
  'deprecated',
  'removed',
  'replacement',
  // Prose or argparse internals, deliberately not carried over:
  'help',
  'format',
  'choices_source',
  'default_suppressed',
]);

function fail(message) {
  console.error(`gen-flag-catalog: ${message}`);
  process.exit(1);
}

/** '--a-{x,y}=v' -> ['--a-x=v', '--a-y=v'] (one level of braces is all the source uses). */
function expandBraces(text) {
  const m = /^(.*)\{([^{}]*)\}(.*)$/.exec(text);
  return m ? m[2].split(',').map((part) => `${m[1]}${part}${m[3]}`) : [text];
}

function convertFlag(program, name, src) {
  for (const key of Object.keys(src)) {
    if (!KNOWN_KEYS.has(key)) fail(`${program} ${name}: unknown source field "${key}"`);
  }
  const type = TYPES[src.type];
  if (!type) fail(`${program} ${name}: unknown type "${src.type}"`);
  const out = { type, default: src.default ?? null };
  if (src.aliases?.length) out.aliases = [...src.aliases];
  if (src.negation?.length) out.negations = [...src.negation];
  if (src.choices) out.choices = src.choices.map(String);
  if (src.nargs !== undefined && src.nargs !== null) {
    out.nargs = /^\d+$/.test(String(src.nargs)) ? Number(src.nargs) : String(src.nargs);
  }
  if (src.item_type) out.itemType = src.item_type;
  if (src.const !== undefined) out.const = src.const;
  if (src.required) out.required = true;
  if (src.accepts_suffixes) out.humanReadableInt = true;
  if (src.repeatable) out.repeatable = true;
  if (src.env_default) out.envDefault = src.env_default;
  if (src.sets) out.sets = src.sets;
  out.status = src.removed ? 'removed' : src.deprecated ? 'deprecated' : 'active';
  if (src.replacement) out.replacedBy = expandBraces(src.replacement);
  return out;
}

function applyOverlay(program, flags) {
  for (const [name, patch] of Object.entries(OVERLAY[program])) {
    if (patch.add) {
      if (flags[name]) fail(`${program} ${name}: overlay adds a flag the source already has`);
      flags[name] = { ...patch.add, default: null };
    } else if (!flags[name]) {
      fail(`${program} ${name}: overlay patches a flag the source does not have`);
    }
    const flag = flags[name];
    if (patch.status) flag.status = patch.status;
    if (patch.since) flag.since = patch.since;
    if (patch.replacedBy) {
      if (flag.replacedBy) fail(`${program} ${name}: source already names a replacement`);
      flag.replacedBy = patch.replacedBy;
    }
    if (flag.status === 'active') fail(`${program} ${name}: overlay on an active flag`);
  }
}

function validate(program, flags) {
  const owner = new Map();
  for (const [name, flag] of Object.entries(flags)) {
    for (const option of [name, ...(flag.aliases ?? []), ...(flag.negations ?? [])]) {
      if (!option.startsWith('--')) fail(`${program} ${name}: option "${option}" lacks a leading --`);
      if (owner.has(option)) fail(`${program}: option ${option} belongs to ${owner.get(option)} and ${name}`);
      owner.set(option, name);
    }
  }
  for (const [name, flag] of Object.entries(flags)) {
    for (const replacement of flag.replacedBy ?? []) {
      const target = replacement.split('=')[0];
      if (!flags[target]) fail(`${program} ${name}: replacement ${target} is not a flag`);
    }
  }
}

/** Stable JSON: sorted keys everywhere; each flag entry on one line. */
function render(value, depth = 0, path = []) {
  const sorted = sortKeys(value);
  const isFlagEntry = path.length === 3 && path[0] === 'programs';
  if (isFlagEntry || sorted === null || typeof sorted !== 'object' || Array.isArray(sorted)) {
    return JSON.stringify(sorted);
  }
  const pad = '  '.repeat(depth + 1);
  const body = Object.entries(sorted)
    .map(([k, v]) => `${pad}${JSON.stringify(k)}: ${render(v, depth + 1, [...path, k])}`)
    .join(',\n');
  return `{\n${body}\n${'  '.repeat(depth)}}`;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}

function build() {
  const sources = {};
  const programs = {};
  for (const [program, { file, command }] of Object.entries(PROGRAMS)) {
    const path = resolve(sharedDir, file);
    if (!existsSync(path)) fail(`missing ${path} (set SHARED to the shared/ folder)`);
    const src = JSON.parse(readFileSync(path, 'utf8'));
    const flags = {};
    for (const [name, flag] of Object.entries(src.flags)) flags[name] = convertFlag(program, name, flag);
    applyOverlay(program, flags);
    validate(program, flags);
    const s = src.source;
    sources[program] = {
      command,
      commit: s.commit,
      file: s.file,
      fileLastCommit: s.file_last_commit,
      repo: s.repo,
      version: s.version,
      ...(s.tag ? { tag: s.tag } : {}),
      ...(s.package ? { package: s.package } : {}),
      ...(s.sglang_tag ? { sglangTag: s.sglang_tag } : {}),
    };
    programs[program] = flags;
  }
  return {
    header: {
      generatedBy: 'scripts/gen-flag-catalog.mjs (npm run gen:flags) from ../shared/sglang/*.json; do not edit',
      overlay:
        'since/replacedBy not in the source fields come from ../shared/reference/FACTS.md §3 and the source summaries',
      sources,
    },
    programs,
  };
}

const text = `${render(build())}\n`;
if (process.argv.includes('--check')) {
  const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  if (current !== text) fail(`${outFile} is stale; run npm run gen:flags`);
  console.log('gen-flag-catalog: up to date');
} else {
  writeFileSync(outFile, text);
  console.log(`gen-flag-catalog: wrote ${outFile}`);
}
