/**
 * How `npm run bench` starts a TypeScript entry point in a fresh process, per runner. Each
 * `command(entry)` gives the node arguments for `entry` (a repository path without extension).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface Runner {
  readonly name: string;
  command(entry: string): string[];
  /** Why the runner cannot be measured here, or undefined. */
  missing(root: string): string | undefined;
  /** Work done once before measuring (not timed). */
  prepare?(root: string): void;
}

/** The runner of `npm run synth`: its command line from package.json, with `main` replaced by the entry. */
export function projectRunner(root: string): Runner {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts.synth;
  const tokens = script.trim().split(/\s+/);
  const last = tokens[tokens.length - 1];
  const m = /^(.*?)main\.(ts|js)$/.exec(last);
  if (tokens[0] !== 'node' || m === null) throw new Error(`npm run synth is "${script}": the bench expects "node [options] [dir/]main.ts|js"`);
  const [, dir, ext] = m;
  return {
    name: 'npm run synth',
    command: (entry) => [...tokens.slice(1, -1), `${dir}${entry}.${ext}`],
    missing: () => undefined,
  };
}

function resolvable(root: string, id: string, install: string): string | undefined {
  try {
    require.resolve(id, { paths: [root] });
    return undefined;
  } catch {
    return `not installed (npm install --no-save ${install})`;
  }
}

/** Output folder of the precompiled runner; inside the repository so that packages resolve. */
const TSC_OUT = path.join('node_modules', '.cache', 'cdk8s-sglang-pd-bench', 'tsc');

export const RUNNERS: readonly Runner[] = [
  {
    name: 'ts-register',
    command: (entry) => ['-r', './scripts/ts-register.cjs', `${entry}.ts`],
    missing: (root) => (fs.existsSync(path.join(root, 'scripts', 'ts-register.cjs')) ? undefined : 'scripts/ts-register.cjs is gone'),
  },
  {
    name: '@swc-node/register',
    command: (entry) => ['-r', '@swc-node/register', `${entry}.ts`],
    missing: (root) => resolvable(root, '@swc-node/register', '@swc-node/register@1.12.1'),
  },
  {
    name: 'tsx',
    command: (entry) => ['--import', 'tsx', `${entry}.ts`],
    missing: (root) => resolvable(root, 'tsx', 'tsx@4.23.15'),
  },
  {
    // tsc's JavaScript run by plain node; compiled once before measuring (type-checking is
    // `npm run typecheck`'s job, so --noCheck), the time of that step not counted.
    name: 'tsc output + node',
    command: (entry) => [path.join(TSC_OUT, `${entry}.js`)],
    missing: () => undefined,
    prepare: (root) => {
      fs.rmSync(path.join(root, TSC_OUT), { recursive: true, force: true });
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', TSC_OUT, '--rootDir', '.', '--noEmit', 'false', '--declaration', 'false', '--noCheck', '--sourceMap', 'false'], { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
      // imports/k8s.js is JavaScript already (cut from cdk8s-plus-28): tsc does not copy it.
      fs.copyFileSync(path.join(root, 'imports', 'k8s.js'), path.join(root, TSC_OUT, 'imports', 'k8s.js'));
    },
  },
];
