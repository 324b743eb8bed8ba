/**
 * The benchmark's baseline: a minimal cdk8s app with one empty Chart, run exactly like
 * `npm run synth` runs main.ts (`npm run bench:baseline`). Writes to a temporary directory,
 * never to dist/ (which `kubectl apply -f dist` reads).
 */
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';

const app = new App({ outdir: process.env.BENCH_BASELINE_OUTDIR ?? path.join(os.tmpdir(), 'cdk8s-sglang-pd-bench-baseline') });
new Chart(app, 'baseline');
app.synth();
