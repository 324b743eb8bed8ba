/**
 * `npm run bench`: synth performance in one run.
 *
 *   (a) baseline: `npm run bench:baseline`, a minimal cdk8s app with one empty Chart, run by the
 *       same runner and the same CLI as `npm run synth`;
 *   (b) `npm run synth` of the default main.ts;
 *   (c) in-process synthesis (construct + validate + write YAML + capacity report) of 1, 10, 100
 *       and 200 PdServingGroups of mixed models and topologies (scripts/bench/groups.ts).
 *
 * Every measurement is repeated (`--runs`, at least 5; default 7) after one warm-up, (a) and (b)
 * interleaved; the table shows medians. Results go to bench/results.json (`--out FILE`). With
 * `--check` the exit code is 1 when a target is missed. The load average is printed because
 * other work on the machine inflates wall times.
 *
 * Options: --runs N, --sizes 1,10,100,200, --out FILE, --check, --skip-cli (only (c)).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { synthesize } from '../../lib';
import { benchChart } from './groups';

const ROOT = path.resolve(__dirname, '..', '..');

interface Args {
  runs: number;
  sizes: number[];
  out: string;
  check: boolean;
  skipCli: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 7, sizes: [1, 10, 100, 200], out: path.join(ROOT, 'bench', 'results.json'), check: false, skipCli: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') args.runs = Math.max(5, Number(argv[++i]));
    else if (a === '--sizes') args.sizes = argv[++i].split(',').map(Number);
    else if (a === '--out') args.out = path.resolve(argv[++i]);
    else if (a === '--check') args.check = true;
    else if (a === '--skip-cli') args.skipCli = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!args.sizes.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--sizes: positive integers');
  return args;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? NaN : num / den;
}

/** Wall time of one `npm run <script>`, in ms; throws when it fails. */
function npmRun(script: string): number {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const t0 = process.hrtime.bigint();
  const r = spawnSync(npm, ['run', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`npm run ${script} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return ms;
}

interface InProcess {
  total: number;
  construct: number;
  synth: number;
}

/** Builds and synthesizes an app of `count` groups in this process. */
function synthGroups(count: number, outdir: string): InProcess {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const t0 = performance.now();
  const app = new App({ outdir });
  benchChart(app, count);
  const t1 = performance.now();
  const reports = synthesize(app, { log: () => undefined });
  const t2 = performance.now();
  if (reports.length !== count) throw new Error(`expected ${count} capacity reports, got ${reports.length}`);
  return { total: t2 - t0, construct: t1 - t0, synth: t2 - t1 };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const loadBefore = os.loadavg();
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`cdk8s-sglang-pd bench: ${args.runs} runs each, node ${process.version}, ${os.cpus().length} CPUs, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);

  // (a) and (b): whole commands, interleaved after one warm-up each.
  const cli = { baseline: [] as number[], synth: [] as number[] };
  if (!args.skipCli) {
    log(`(a) npm run bench:baseline  = ${pkg.scripts['bench:baseline']}`);
    log(`(b) npm run synth           = ${pkg.scripts.synth}`);
    npmRun('bench:baseline');
    npmRun('synth');
    for (let i = 0; i < args.runs; i++) {
      cli.baseline.push(npmRun('bench:baseline'));
      cli.synth.push(npmRun('synth'));
    }
  }

  // (c): in-process, after a warm-up of every size (which also loads every RBG release's types).
  const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-sglang-pd-bench-'));
  const inproc = new Map<number, InProcess[]>(args.sizes.map((n) => [n, []]));
  try {
    for (const n of args.sizes) synthGroups(n, path.join(outRoot, `warm-${n}`));
    for (let i = 0; i < args.runs; i++) {
      for (const n of args.sizes) inproc.get(n)!.push(synthGroups(n, path.join(outRoot, `n-${n}`)));
    }
  } finally {
    fs.rmSync(outRoot, { recursive: true, force: true });
  }
  const loadAfter = os.loadavg();

  const med = new Map(args.sizes.map((n) => {
    const runs = inproc.get(n)!;
    return [n, { total: median(runs.map((r) => r.total)), construct: median(runs.map((r) => r.construct)), synth: median(runs.map((r) => r.synth)) }];
  }));
  const lo = Math.min(...args.sizes);
  const hi = Math.max(...args.sizes);
  const marginal = (med.get(hi)!.total - med.get(lo)!.total) / (hi - lo);
  const regression = slope(args.sizes.map((n) => [n, med.get(n)!.total]));
  const a = args.skipCli ? NaN : median(cli.baseline);
  const b = args.skipCli ? NaN : median(cli.synth);
  const t100 = med.get(100)?.total;
  const t200 = med.get(200)?.total;

  log('');
  if (!args.skipCli) {
    const row = (label: string, xs: number[]) => [label, median(xs).toFixed(0), Math.min(...xs).toFixed(0), Math.max(...xs).toFixed(0)];
    log(table([
      ['command (wall, ms)', 'median', 'min', 'max'],
      row('(a) npm run bench:baseline', cli.baseline),
      row('(b) npm run synth', cli.synth),
      ['(b)/(a)', (b / a).toFixed(2), '', ''],
    ]));
    log('');
  }
  log(table([
    ['(c) in-process groups', 'total ms', 'construct ms', 'synth ms', 'ms/group'],
    ...args.sizes.map((n) => {
      const m = med.get(n)!;
      return [String(n), m.total.toFixed(1), m.construct.toFixed(1), m.synth.toFixed(1), (m.total / n).toFixed(2)];
    }),
  ]));
  log(`marginal cost per group: ${marginal.toFixed(2)} ms ((t${hi} - t${lo}) / ${hi - lo}); regression slope ${regression.toFixed(2)} ms`);
  if (t100 !== undefined && t200 !== undefined) log(`t200 / t100 = ${(t200 / t100).toFixed(2)}`);

  const targets: Array<{ target: string; value: number; limit: number; ok: boolean }> = [];
  const target = (name: string, value: number | undefined, limit: number) => {
    if (value === undefined || Number.isNaN(value)) return;
    targets.push({ target: name, value: round(value, 3), limit, ok: value <= limit });
  };
  target('(b)/(a) <= 1.5', b / a, 1.5);
  target('(b) <= 1500 ms', b, 1500);
  target('marginal <= 10 ms/group', marginal, 10);
  target('200 groups <= 3000 ms', t200, 3000);
  target('t200 / t100 <= 2.2', t200 !== undefined && t100 !== undefined ? t200 / t100 : undefined, 2.2);
  log('');
  for (const t of targets) log(`${t.ok ? 'ok  ' : 'MISS'} ${t.target}: ${t.value}`);
  log(`load average after: ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage: { before: loadBefore.map((x) => round(x, 2)), after: loadAfter.map((x) => round(x, 2)) },
    runs: args.runs,
    unit: 'ms',
    commands: args.skipCli ? undefined : {
      baseline: { script: `npm run bench:baseline (${pkg.scripts['bench:baseline']})`, median: round(a), samples: cli.baseline.map((x) => round(x)) },
      synth: { script: `npm run synth (${pkg.scripts.synth})`, median: round(b), samples: cli.synth.map((x) => round(x)) },
      ratio: round(b / a, 3),
    },
    inProcess: args.sizes.map((n) => ({
      groups: n,
      median: { total: round(med.get(n)!.total), construct: round(med.get(n)!.construct), synth: round(med.get(n)!.synth) },
      perGroup: round(med.get(n)!.total / n, 3),
      samples: inproc.get(n)!.map((r) => round(r.total)),
    })),
    marginalPerGroup: round(marginal, 3),
    regressionSlopePerGroup: round(regression, 3),
    ratio200to100: t100 !== undefined && t200 !== undefined ? round(t200 / t100, 3) : undefined,
    targets,
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  log(`results: ${path.relative(process.cwd(), args.out)}`);
  if (args.check && targets.some((t) => !t.ok)) process.exitCode = 1;
}

main();
