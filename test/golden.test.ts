/*
 * Byte-for-byte check of the YAML that the default app and every example write. The files in
 * test/golden/ were produced before the core rebuild and are only changed on purpose, in the same
 * commit as the behaviour that changes them (regenerate with `npm run golden:update`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { EXAMPLES } from '../examples';
import { SglangPdChart } from '../main';

const GOLDEN = path.join(__dirname, 'golden');

function synthYaml(build: (app: App) => unknown): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'));
  try {
    const app = new App({ outdir });
    build(app);
    app.synth();
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.k8s.yaml'));
    expect(files).toHaveLength(1);
    return fs.readFileSync(path.join(outdir, files[0]), 'utf8');
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('golden manifests', () => {
  test('the default app writes the tutorial example bytes', () => {
    // GIVEN main.ts's chart WHEN synthesized THEN it is the tutorial example, byte for byte
    const yaml = synthYaml((app) => new SglangPdChart(app, 'sglang-pd'));
    expect(yaml).toBe(fs.readFileSync(path.join(GOLDEN, 'tutorial-2p1d.k8s.yaml'), 'utf8'));
  });

  test.each(EXAMPLES.map((e) => [e.name, e] as const))('example %s writes its golden bytes', (name, example) => {
    // GIVEN an example WHEN synthesized THEN its YAML equals the committed file
    const yaml = synthYaml((app) => example.build(app));
    expect(yaml).toBe(fs.readFileSync(path.join(GOLDEN, `${name}.k8s.yaml`), 'utf8'));
  });

  test('every golden file belongs to an example', () => {
    const names = fs.readdirSync(GOLDEN).map((f) => f.replace(/\.k8s\.yaml$/, '')).sort();
    expect(names).toEqual(EXAMPLES.map((e) => e.name).sort());
  });
});
