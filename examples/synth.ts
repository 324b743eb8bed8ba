/**
 * `npm run synth:examples`: writes every example to dist/examples/<name>/ with its capacity report.
 */
import { App } from 'cdk8s';
import { synthesize } from '../lib';
import { EXAMPLES } from './index';

for (const example of EXAMPLES) {
  const app = new App({ outdir: `dist/examples/${example.name}` });
  example.build(app);
  synthesize(app, { log: (line) => process.stderr.write(`[${example.name}] ${line.split('\n').join(`\n[${example.name}] `)}\n`) });
}
