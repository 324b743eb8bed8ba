#!/usr/bin/env node
/**
 * Regenerates imports/k8s.js and imports/k8s.d.ts: the part of cdk8s-plus-28's generated
 * Kubernetes L1 (`cdk8s-plus-28/lib/imports/k8s`, itself `cdk8s import k8s` output) that lib/
 * uses, cut out of the installed package.
 *
 *   npm run import:k8s          rewrite imports/k8s.js and imports/k8s.d.ts
 *   npm run import:k8s -- --check   fail when they differ from what would be written
 *                                   (test/k8s-imports.test.ts runs this check)
 *
 * Why: `cdk8s import k8s` downloads the Kubernetes schema from the internet, which a clone may
 * not reach, and requiring the whole of cdk8s-plus-28 (its 2.7 MB of generated JavaScript and its
 * L2 constructs, of which lib/ uses none) was most of what the default app spends on top of an
 * empty cdk8s chart (`npm run bench`). The cut keeps upstream's text unchanged: whole top-level
 * declarations, in upstream order, with upstream's doc comments in the .d.ts (none in the .js).
 *
 * What is kept: every declaration named `k8s.<Name>` anywhere in lib/ (the roots), and, from
 * there, every declaration either file refers to, with `toJson_<Name>` beside each interface
 * `<Name>`, so that the .js defines everything the .d.ts declares. jsii's runtime type
 * information (`X[Symbol.for('jsii.rtti')] = { fqn: 'cdk8s-plus-28.k8s.X' }`) is dropped: it
 * names another package, and nothing outside jsii reads it.
 *
 * A table-driven generator would be a second copy of cdk8s-cli's code generator; a bundler's
 * tree-shaking cannot cut declaration files, and keeps the jsii side effects.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const PLUS = path.dirname(require.resolve('cdk8s-plus-28/package.json', { paths: [ROOT] }));
const PLUS_VERSION = JSON.parse(fs.readFileSync(path.join(PLUS, 'package.json'), 'utf8')).version;
const SOURCE_JS = path.join(PLUS, 'lib', 'imports', 'k8s.js');
const SOURCE_DTS = path.join(PLUS, 'lib', 'imports', 'k8s.d.ts');
const OUT_DIR = path.join(ROOT, 'imports');
const LIB = path.join(ROOT, 'lib');

function fail(message) {
  process.stderr.write(`gen-k8s-imports: ${message}\n`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const check = argv.includes('--check');
for (const a of argv) if (a !== '--check') fail(`unknown option ${a}`);

/** Every `k8s.<Name>` written in lib/**.ts, sorted. */
function roots() {
  const names = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/\bk8s\.([A-Z][A-Za-z0-9_]*)\b/g)) names.add(m[1]);
      }
    }
  };
  walk(LIB);
  return [...names].sort();
}

/** Identifiers in `node` (not property names after a dot, which name no declaration). */
function identifiers(node, into = new Set()) {
  const visit = (n) => {
    if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) into.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return into;
}

/** The name a top-level statement declares or belongs to, or undefined for the file header. */
function ownerOf(st, kind) {
  if ((ts.isClassDeclaration(st) || ts.isFunctionDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isEnumDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name) return st.name.text;
  if (ts.isVariableStatement(st) && st.declarationList.declarations.length === 1 && ts.isIdentifier(st.declarationList.declarations[0].name)) {
    const name = st.declarationList.declarations[0].name.text;
    return /^_[a-z0-9]+$/.test(name) || name === 'JSII_RTTI_SYMBOL_1' || name === 'cdk8s_1' ? undefined : name;
  }
  if (kind === 'js' && ts.isExpressionStatement(st)) {
    const e = st.expression;
    // exports.X = X;  X.GVK = {...};  (function (X) {...})(X || (exports.X = X = {}));
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = e.left;
      if (ts.isPropertyAccessExpression(left) && ts.isIdentifier(left.expression)) {
        // The header's `exports.A = exports.B = ... = void 0;` belongs to no declaration.
        if (left.expression.text === 'exports') return ts.isIdentifier(e.right) ? left.name.text : undefined;
        return left.expression.text;
      }
      if (ts.isElementAccessExpression(left) && ts.isIdentifier(left.expression)) return `rtti:${left.expression.text}`;
      if (ts.isIdentifier(left) && /^_[a-z0-9]+$/.test(left.text)) return 'rtti';
    }
    if (ts.isCallExpression(e) && ts.isParenthesizedExpression(e.expression)) {
      const fn = e.expression.expression;
      if (ts.isFunctionExpression(fn) && fn.parameters.length === 1) return fn.parameters[0].name.getText();
    }
  }
  return undefined;
}

/** Top-level statements of a file grouped by the name they belong to, in file order. */
function index(file, kind) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, kind === 'js' ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const byName = new Map();
  const statements = [];
  for (const st of sf.statements) {
    const owner = ownerOf(st, kind);
    statements.push({ st, owner });
    if (owner && !owner.startsWith('rtti')) {
      if (!byName.has(owner)) byName.set(owner, []);
      byName.get(owner).push(st);
    }
  }
  return { sf, text, byName, statements };
}

const js = index(SOURCE_JS, 'js');
const dts = index(SOURCE_DTS, 'dts');

/** The names to keep: the roots and everything they reach in either file. */
function closure(start) {
  const keep = new Set();
  const queue = [...start];
  while (queue.length > 0) {
    const name = queue.pop();
    if (keep.has(name)) continue;
    if (!dts.byName.has(name) && !js.byName.has(name)) fail(`lib/ uses k8s.${name}, which cdk8s-plus-28 ${PLUS_VERSION} does not declare`);
    keep.add(name);
    const refs = new Set();
    for (const st of [...(dts.byName.get(name) ?? []), ...(js.byName.get(name) ?? [])]) identifiers(st, refs);
    if (dts.byName.get(name)?.some((st) => ts.isInterfaceDeclaration(st)) && dts.byName.has(`toJson_${name}`)) refs.add(`toJson_${name}`);
    for (const r of refs) if (r !== name && (dts.byName.has(r) || js.byName.has(r))) queue.push(r);
  }
  return keep;
}

const rootNames = roots();
const keep = closure(rootNames);
const header = (comment) => [
  comment,
  `// Cut from cdk8s-plus-28@${PLUS_VERSION} lib/imports/k8s (generated by cdk8s) by scripts/gen-k8s-imports.mjs: do not edit.`,
  `// ${keep.size} declarations reached from lib/'s ${rootNames.length} roots: ${rootNames.join(', ')}.`,
].filter(Boolean);

function renderJs() {
  const kept = js.statements.filter(({ owner }) => owner && keep.has(owner));
  const lines = [
    '"use strict";',
    ...header(),
    'Object.defineProperty(exports, "__esModule", { value: true });',
    'const cdk8s_1 = require("cdk8s");',
  ];
  for (const { st } of kept) lines.push(js.text.slice(st.getStart(js.sf, false), st.end));
  return `${lines.join('\n')}\n`;
}

function renderDts() {
  const lines = [...header(), UPSTREAM_DTS_IMPORTS];
  for (const { st, owner } of dts.statements) {
    if (owner && keep.has(owner)) lines.push(dts.text.slice(st.getFullStart(), st.end).replace(/^\s*\n/, ''));
  }
  return `${lines.join('\n')}\n`;
}

// The .d.ts keeps upstream's imports as they are.
const UPSTREAM_DTS_IMPORTS = dts.statements.filter(({ st }) => ts.isImportDeclaration(st)).map(({ st }) => st.getText(dts.sf)).join('\n');
const outputs = { 'k8s.js': renderJs(), 'k8s.d.ts': renderDts() };

if (check) {
  const stale = Object.entries(outputs).filter(([f, body]) => !fs.existsSync(path.join(OUT_DIR, f)) || fs.readFileSync(path.join(OUT_DIR, f), 'utf8') !== body);
  if (stale.length > 0) fail(`imports/${stale.map(([f]) => f).join(', imports/')} differ from what the generator writes: run npm run import:k8s`);
  process.stdout.write(`gen-k8s-imports: imports/k8s.js and imports/k8s.d.ts are current (${keep.size} declarations)\n`);
} else {
  for (const [f, body] of Object.entries(outputs)) {
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gen-k8s-')), f);
    fs.writeFileSync(tmp, body);
    fs.copyFileSync(tmp, path.join(OUT_DIR, f));
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
    process.stdout.write(`gen-k8s-imports: wrote imports/${f} (${body.length} bytes)\n`);
  }
}
