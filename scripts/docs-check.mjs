#!/usr/bin/env node
/**
 * `npm run docs:check`: fails when the API reference in docs/api is not what `npm run docs`
 * would generate now, or when the public API is not fully documented.
 *
 * 1. Runs TypeDoc (typedoc.json: validation.notDocumented and treatWarningsAsErrors, so any public
 *    class, constructor, property, method, accessor, enum member, function or variable without a
 *    doc comment fails) into a temporary directory, and compares it file by file with docs/api.
 * 2. Checks that every optional property of an exported interface (the props and options) has a
 *    `@default` tag, read with the TypeScript compiler from lib/index.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = path.join(ROOT, 'docs', 'api');
const require = createRequire(import.meta.url);
const problems = [];

// 1. Regenerate and compare.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-sglang-pd-docs-'));
try {
  const typedoc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', tmp], { cwd: ROOT, encoding: 'utf8' });
  if (typedoc.status !== 0) {
    process.stderr.write(`${typedoc.stdout}${typedoc.stderr}`);
    problems.push('TypeDoc failed (see above): every public API item needs a doc comment');
  } else {
    const list = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort() : []);
    const fresh = list(tmp);
    const committed = list(DOCS);
    for (const f of fresh) {
      if (!committed.includes(f)) problems.push(`docs/api/${f} is missing`);
      else if (!fs.readFileSync(path.join(tmp, f)).equals(fs.readFileSync(path.join(DOCS, f)))) problems.push(`docs/api/${f} is out of date`);
    }
    for (const f of committed) if (!fresh.includes(f)) problems.push(`docs/api/${f} is no longer generated`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

// 2. Optional props have @default.
const ts = require('typescript');
const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
const program = ts.createProgram({ rootNames: [path.join(ROOT, 'lib', 'index.ts')], options: config.options });
const checker = program.getTypeChecker();
const entry = program.getSourceFile(path.join(ROOT, 'lib', 'index.ts'));
for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(entry))) {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  for (const decl of symbol.declarations ?? []) {
    if (!ts.isInterfaceDeclaration(decl)) continue;
    for (const member of decl.members) {
      if (!ts.isPropertySignature(member) || member.questionToken === undefined) continue;
      if (!ts.getJSDocTags(member).some((t) => t.tagName.text === 'default')) {
        const file = path.relative(ROOT, decl.getSourceFile().fileName);
        problems.push(`${file}: optional ${decl.name.text}.${member.name.getText()} has no @default tag`);
      }
    }
  }
}

if (problems.length > 0) {
  process.stderr.write(`docs:check: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\nRun \`npm run docs\` to regenerate docs/api.\n`);
  process.exit(1);
}
process.stdout.write('docs:check: docs/api is current and the public API is documented\n');
