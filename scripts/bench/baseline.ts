/**
 * The benchmark's baseline (A in `npm run bench`): a cdk8s app with one empty Chart, started the
 * same way as main.ts. Writes to CDK8S_OUTDIR (the bench sets a temporary one) or else to a
 * temporary directory, never to dist/ (which `kubectl apply -f dist` reads).
 */
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';

const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? path.join(os.tmpdir(), 'cdk8s-sglang-pd-bench-baseline') });
new Chart(app, 'baseline');
app.synth();
