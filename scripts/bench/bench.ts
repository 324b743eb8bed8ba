/**
 * `npm run bench`: synth performance, the only place where performance targets live.
 *
 *   (1) Paired runs A B A B ... in fresh processes: A = an empty cdk8s chart
 *       (scripts/bench/baseline.ts), B = the default app (main.ts), both started with the command
 *       line of `npm run synth` (package.json, without npm itself), writing to a temporary
 *       CDK8S_OUTDIR. Target: the median of the per-pair ratios B_i / A_i <= 1.3. Each B is
 *       compared with the A run just before it, so that the machine's speed drifting during the
 *       bench (a shared 2-core machine's A runs range over +-20%) cancels out; the ratio of the
 *       medians and B - A (what the library adds to an empty cdk8s app) are printed beside it.
 *   (2) 250, 500 and 1,000 mixed PdServingGroups (scripts/bench/groups.ts) built and synthesized
 *       in this process, the sizes interleaved round by round, with a GC before each. Target:
 *       linear, i.e. the time per group at the largest size is at most 1.25 x the time per
 *       group at the smallest. The least-squares fit (slope, intercept, R^2) is printed too.
 *
 * With `--runners` (1) is repeated for each TypeScript runner that is installed (see
 * scripts/bench/runners.ts): scripts/ts-register.cjs, @swc-node/register, tsx and the
 * precompiled output of tsc run by plain node. The ratio alone favours a runner with a slow
 * start (it slows A as much as B), so B and B - A are printed beside it.
 *
 * CPU time (user + system) of each child is read from /proc where there is one and printed beside
 * the wall time: it is less disturbed by other work on the machine.
 *
 * Options: --pairs N (default 41), --rounds N (default 5), --sizes 250,500,1000, --runners [a,b],
 * --skip-cli, --skip-groups, --check (exit code 1 when a target is missed), --out FILE (default
 * bench/results.json). The load average is printed: other work on the machine inflates times.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { synthesize } from '../../lib';
import { benchChart } from './groups';
import { projectRunner, Runner, RUNNERS } from './runners';
import { linearFit, median, pairedStats, PairedStats, round, table } from './stats';

const ROOT = path.resolve(__dirname, '..', '..');
const RATIO_TARGET = 1.3;
const LINEARITY_TARGET = 1.25;

interface Args {
  pairs: number;
  rounds: number;
  sizes: number[];
  runners?: string[];
  skipCli: boolean;
  skipGroups: boolean;
  check: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { pairs: 41, rounds: 5, sizes: [250, 500, 1000], skipCli: false, skipGroups: false, check: false, out: path.join(ROOT, 'bench', 'results.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--pairs') args.pairs = Math.max(5, Number(value()));
    else if (a === '--rounds') args.rounds = Math.max(3, Number(value()));
    else if (a === '--sizes') args.sizes = value().split(',').map(Number);
    else if (a === '--runners') args.runners = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? value().split(',') : RUNNERS.map((r) => r.name);
    else if (a === '--skip-cli') args.skipCli = true;
    else if (a === '--skip-groups') args.skipGroups = true;
    else if (a === '--check') args.check = true;
    else if (a === '--out') args.out = path.resolve(value());
    else throw new Error(`unknown option ${a}`);
  }
  if (!args.sizes.every((n) => Number.isInteger(n) && n > 0) || args.sizes.length < 2) throw new Error('--sizes: at least two positive integers');
  if (!Number.isFinite(args.pairs) || !Number.isFinite(args.rounds)) throw new Error('--pairs and --rounds take numbers');
  args.sizes.sort((x, y) => x - y);
  return args;
}

const log = (s = '') => process.stdout.write(`${s}\n`);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** Clock ticks per second of /proc/<pid>/stat (Linux), or undefined where there is none. */
const CLK_TCK = ((): number | undefined => {
  if (!fs.existsSync('/proc/self/stat')) return undefined;
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout);
  return r.status === 0 && n > 0 ? n : undefined;
})();

/** CPU time (user + system, ms) of this process's reaped children so far, from /proc (Linux). */
function childrenCpuMs(): number {
  if (CLK_TCK === undefined) return NaN;
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, cutime field 16, cstime field 17 (proc(5)).
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
}

/** Wall and CPU time in ms of one fresh `node <args>` in the repository, output to `outdir`. */
function runNode(args: readonly string[], outdir: string): { wall: number; cpu: number } {
  const cpu0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, CDK8S_OUTDIR: outdir },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return { wall, cpu: childrenCpuMs() - cpu0 };
}

/** Paired runs of `runner`: two warm-ups each, then `pairs` times baseline then app. */
function measurePairs(runner: Runner, pairs: number): { wall: PairedStats; cpu: PairedStats } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-sglang-pd-bench-'));
  try {
    const a = runner.command('scripts/bench/baseline');
    const b = runner.command('main');
    for (let i = 0; i < 2; i++) {
      runNode(a, outdir);
      runNode(b, outdir);
    }
    const baseline: Array<{ wall: number; cpu: number }> = [];
    const app: Array<{ wall: number; cpu: number }> = [];
    for (let i = 0; i < pairs; i++) {
      baseline.push(runNode(a, outdir));
      app.push(runNode(b, outdir));
    }
    return {
      wall: pairedStats(baseline.map((x) => x.wall), app.map((x) => x.wall)),
      cpu: pairedStats(baseline.map((x) => x.cpu), app.map((x) => x.cpu)),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Builds and synthesizes `count` groups in this process; total wall time in ms. */
function synthGroups(count: number, outdir: string): number {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  const app = new App({ outdir });
  benchChart(app, count);
  const reports = synthesize(app, { log: () => undefined });
  const ms = performance.now() - t0;
  if (reports.length !== count) throw new Error(`expected ${count} capacity reports, got ${reports.length}`);
  fs.rmSync(outdir, { recursive: true, force: true });
  return ms;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if ((globalThis as { gc?: unknown }).gc === undefined) log('note: run with --expose-gc (npm run bench does) for a GC before each in-process measurement');
  log(`cdk8s-sglang-pd bench: node ${process.version}, ${os.cpus().length} CPUs, load average ${load()}`);
  const targets: Array<{ target: string; value: number; limit: number; ok: boolean }> = [];
  const results: Record<string, unknown> = { node: process.version, cpus: os.cpus().length, loadAverageBefore: os.loadavg().map((x) => round(x, 2)) };

  if (!args.skipCli) {
    const project = projectRunner(ROOT);
    log(`\n(1) ${args.pairs} pairs A B: A = empty chart, B = main.ts, run as \`npm run synth\` runs main.ts: node ${project.command('main').join(' ')}`);
    const runners: Runner[] = [project];
    for (const name of args.runners ?? []) {
      const r = RUNNERS.find((x) => x.name === name);
      if (r === undefined) throw new Error(`unknown runner ${name} (${RUNNERS.map((x) => x.name).join(', ')})`);
      const missing = r.missing(ROOT);
      if (missing !== undefined) log(`    ${r.name}: skipped, ${missing}`);
      else runners.push(r);
    }
    const rows = [['runner', 'A ms', 'B ms', 'B/A per pair', 'B / A of medians', 'B - A ms', 'CPU: A ms', 'B ms', 'B / A', 'load after']];
    const measured: Record<string, { wall: PairedStats; cpu: PairedStats }> = {};
    for (const r of runners) {
      r.prepare?.(ROOT);
      const m = measurePairs(r, args.pairs);
      measured[r.name] = m;
      const { wall: w, cpu: c } = m;
      rows.push([r.name, w.a.toFixed(0), w.b.toFixed(0), w.pairedRatio.toFixed(2), w.ratio.toFixed(2), w.diff.toFixed(0), c.a.toFixed(0), c.b.toFixed(0), c.ratio.toFixed(2), load()]);
    }
    log(table(rows));
    log('(wall time; CPU = user + system time of the child, from /proc, less disturbed by other load)');
    const s = measured[project.name].wall;
    targets.push({ target: `B / A per pair <= ${RATIO_TARGET} (${project.name})`, value: round(s.pairedRatio, 3), limit: RATIO_TARGET, ok: s.pairedRatio <= RATIO_TARGET });
    results.cli = { command: project.command('main').join(' '), pairs: args.pairs, runners: measured };
  }

  if (!args.skipGroups) {
    log(`\n(2) in-process groups, ${args.rounds} rounds of sizes ${args.sizes.join(', ')} (after a warm-up round)`);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-sglang-pd-bench-groups-'));
    const samples = new Map<number, number[]>(args.sizes.map((n) => [n, []]));
    try {
      for (const n of args.sizes) synthGroups(n, path.join(root, `warm-${n}`));
      for (let i = 0; i < args.rounds; i++) {
        for (const n of args.sizes) samples.get(n)!.push(synthGroups(n, path.join(root, `n-${n}-${i}`)));
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
    const med = args.sizes.map((n) => ({ n, ms: median(samples.get(n)!) }));
    log(table([
      ['groups', 'median ms', 'ms per group', 'min ms', 'max ms'],
      ...med.map(({ n, ms }) => [String(n), ms.toFixed(0), (ms / n).toFixed(2), Math.min(...samples.get(n)!).toFixed(0), Math.max(...samples.get(n)!).toFixed(0)]),
    ]));
    const fit = linearFit(med.map(({ n, ms }) => [n, ms]));
    const lo = med[0];
    const hi = med[med.length - 1];
    const growth = (hi.ms / hi.n) / (lo.ms / lo.n);
    log(`linear fit: ${fit.slope.toFixed(2)} ms per group + ${fit.intercept.toFixed(0)} ms, R^2 ${fit.r2.toFixed(4)}; per-group time at ${hi.n} / at ${lo.n} = ${growth.toFixed(2)}`);
    targets.push({ target: `per-group time at ${hi.n} / at ${lo.n} <= ${LINEARITY_TARGET}`, value: round(growth, 3), limit: LINEARITY_TARGET, ok: growth <= LINEARITY_TARGET });
    results.groups = { rounds: args.rounds, sizes: med.map(({ n, ms }) => ({ groups: n, medianMs: round(ms), perGroupMs: round(ms / n, 3), samples: samples.get(n)!.map((x) => round(x)) })), fit, growth: round(growth, 3) };
  }

  log('');
  for (const t of targets) log(`${t.ok ? 'ok  ' : 'MISS'} ${t.target}: ${t.value}`);
  log(`load average after: ${load()}`);
  results.loadAverageAfter = os.loadavg().map((x) => round(x, 2));
  results.targets = targets;
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  log(`results: ${path.relative(process.cwd(), args.out)}`);
  if (args.check && targets.some((t) => !t.ok)) process.exitCode = 1;
}

main();
