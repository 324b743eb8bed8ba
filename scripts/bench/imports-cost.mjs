#!/usr/bin/env node
/**
 * `npm run bench:imports`: what the generated RoleBasedGroup classes in imports/ cost.
 *
 *   - size of each imports/*.ts and of its JavaScript (TypeScript's transpileModule, CommonJS);
 *   - `require` time of each compiled module in a fresh `node` (cdk8s and constructs loaded
 *     first, so only the module itself is timed), median of --runs processes;
 *   - `tsc --noEmit -p tsconfig.json` (the whole project, `npm run typecheck`): total and check
 *     time from --extendedDiagnostics, median of --tsc-runs runs (0 skips it).
 *
 * The compiled modules are written to node_modules/.cache/imports-cost/ so that their
 * `require('cdk8s')` resolves. Print-only: performance targets live in `npm run bench`.
 *
 * Options: --runs N (default 15), --tsc-runs N (default 3), --json FILE.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMPORTS = path.join(ROOT, 'imports');
const OUT = path.join(ROOT, 'node_modules', '.cache', 'imports-cost');

const args = { runs: 15, tscRuns: 3, json: undefined };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--runs') args.runs = Number(process.argv[++i]);
  else if (a === '--tsc-runs') args.tscRuns = Number(process.argv[++i]);
  else if (a === '--json') args.json = path.resolve(process.argv[++i]);
  else throw new Error(`unknown option ${a}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;

function timeRequire(file) {
  const probe = [
    "require('constructs'); require('cdk8s');",
    'const t0 = performance.now();',
    `require(${JSON.stringify(file)});`,
    'process.stdout.write(String(performance.now() - t0));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`require ${file} failed:\n${r.stderr}`);
  return Number(r.stdout);
}

fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });
const log = (s) => process.stdout.write(`${s}\n`);
log(`imports cost: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

const modules = [];
for (const name of fs.readdirSync(IMPORTS).filter((f) => f.endsWith('.ts')).sort()) {
  const source = fs.readFileSync(path.join(IMPORTS, name), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const jsFile = path.join(OUT, name.replace(/\.ts$/, '.js'));
  fs.writeFileSync(jsFile, js);
  timeRequire(jsFile); // warm the OS file cache
  const samples = [];
  for (let i = 0; i < args.runs; i++) samples.push(timeRequire(jsFile));
  modules.push({
    module: `imports/${name}`,
    tsBytes: Buffer.byteLength(source),
    tsLines: source.split('\n').length,
    jsBytes: Buffer.byteLength(js),
    requireMs: { median: Number(median(samples).toFixed(1)), min: Number(Math.min(...samples).toFixed(1)), max: Number(Math.max(...samples).toFixed(1)) },
  });
}

const rows = [['module', 'ts', 'lines', 'js', 'require ms (median)', 'min', 'max']];
for (const m of modules) {
  rows.push([m.module, kib(m.tsBytes), String(m.tsLines), kib(m.jsBytes), m.requireMs.median.toFixed(1), m.requireMs.min.toFixed(1), m.requireMs.max.toFixed(1)]);
}
const total = (k) => modules.reduce((s, m) => s + m[k], 0);
rows.push(['total', kib(total('tsBytes')), String(total('tsLines')), kib(total('jsBytes')), '', '', '']);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
log(rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n'));

let tsc;
if (args.tscRuns > 0) {
  const tscBin = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const runs = [];
  for (let i = 0; i < args.tscRuns; i++) {
    const r = spawnSync(process.execPath, [tscBin, '--noEmit', '-p', 'tsconfig.json', '--extendedDiagnostics'], { cwd: ROOT, encoding: 'utf8' });
    const field = (label) => {
      const m = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(r.stdout);
      return m ? Number(m[1]) : NaN;
    };
    runs.push({ ok: r.status === 0, total: field('Total time'), check: field('Check time'), parse: field('Parse time'), memoryK: field('Memory used'), lines: field('Lines of TypeScript') });
  }
  tsc = {
    ok: runs.every((r) => r.ok),
    totalS: median(runs.map((r) => r.total)),
    checkS: median(runs.map((r) => r.check)),
    parseS: median(runs.map((r) => r.parse)),
    memoryMiB: Math.round(median(runs.map((r) => r.memoryK)) / 1024),
    linesOfTypeScript: runs[0].lines,
    samplesTotalS: runs.map((r) => r.total),
  };
  log(`tsc --noEmit -p tsconfig.json (${args.tscRuns} runs${tsc.ok ? '' : ', FAILED'}): total ${tsc.totalS} s, check ${tsc.checkS} s, parse ${tsc.parseS} s, ${tsc.memoryMiB} MiB, ${tsc.linesOfTypeScript} lines of TypeScript`);
}
log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ node: process.version, loadAverage: os.loadavg(), modules, tsc }, null, 2)}\n`);
fs.rmSync(OUT, { recursive: true, force: true });
