/**
 * `npm run synth:examples`: writes every example to dist/examples/<name>/ with its capacity report.
 * Like `npm run synth`, it honours CDK8S_OUTDIR (then <CDK8S_OUTDIR>/examples/<name>/).
 */
import * as path from 'path';
import { App } from 'cdk8s';
import { synthesize } from '../lib';
import { EXAMPLES } from './index';

for (const example of EXAMPLES) {
  const app = new App({ outdir: path.join(process.env.CDK8S_OUTDIR ?? 'dist', 'examples', example.name) });
  example.build(app);
  synthesize(app, { log: (line) => process.stderr.write(`[${example.name}] ${line.split('\n').join(`\n[${example.name}] `)}\n`) });
}
