/**
 * `npm run golden:update`: rewrites test/golden/<example>.k8s.yaml from the current code. Run it
 * only when a change to the emitted YAML is intended, and say why in the commit.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { EXAMPLES } from '../examples';

const golden = path.join(__dirname, '..', 'test', 'golden');
for (const example of EXAMPLES) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'));
  const app = new App({ outdir });
  example.build(app);
  app.synth();
  const [file] = fs.readdirSync(outdir).filter((f) => f.endsWith('.k8s.yaml'));
  fs.copyFileSync(path.join(outdir, file), path.join(golden, `${example.name}.k8s.yaml`));
  fs.rmSync(outdir, { recursive: true, force: true });
}
