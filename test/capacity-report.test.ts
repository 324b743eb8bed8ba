import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Testing, Yaml } from 'cdk8s';
import { SglangPdChart } from '../main';
import { CapacityReport, SglangPdValidationError, synthesize, validate } from '../lib';
import { addRules } from '../lib/validation/register';

describe('capacity report of the default app (Qwen3-32B 2P1D TP=2 on L20 48 GB)', () => {
  // GIVEN the default app
  const app = Testing.app();
  const chart = new SglangPdChart(app, 'sglang-pd');
  const logged: string[] = [];
  // WHEN it is synthesized with the report
  const [report] = synthesize(app, { log: (l) => logged.push(l) });

  test('numbers: worked by hand from FACTS §3 (L20 reports M = 46068 MiB)', () => {
    // weights 65.5e9 B / TP 2 = 32.75e9 B = 30.50 GiB per GPU; KV/token/GPU = 2 x 64 x (8/2) x 128 x 2 B = 131072 B
    // prefill: C = 4096 (46068 MiB is in [35, 60) GiB), 50 capture sizes <= 4096, no decode graph:
    //   R = 512 + 1.5 x 4096 + TP 2 / 8 x 1024 + 8 x 50 = 512 + 6144 + 256 + 400 = 7312 -> (46068 - 7312) / 46068 = 0.841
    // decode: A = max(B = 32, 2048) = 2048, no prefill graph: R = 512 + 3072 + 256 + 2 x 32 = 3904 -> 0.915
    // KV pool = (46068 - 1024) MiB x fraction - 30.50 GiB:
    //   prefill 45044 x 0.841 = 37882.0 MiB = 36.994 GiB - 30.501 GiB = 6.49 GiB -> 53,193 tokens -> 1 x 40,960
    //   decode  45044 x 0.915 = 41215.3 MiB = 40.249 GiB - 30.501 GiB = 9.75 GiB -> 79,859 tokens -> 1 x 40,960
    //   with no overhead: decode 46068 x 0.915 = 10.66 GiB -> 87,355 tokens -> 2 x 40,960
    const prefill = report.rows.find((r) => r.role === 'prefill')!.capacity!;
    const decode = report.rows.find((r) => r.role === 'decode')!;
    const d = decode.capacity!;
    expect(decode.gpusPerPod).toBe(2);
    expect(decode.rdma).toBe('aliyun/erdma x1');
    expect([prefill.memFractionStatic, d.memFractionStatic]).toEqual([0.841, 0.915]);
    expect([prefill.chunkedPrefillSize, prefill.cudaGraphMaxBs, d.cudaGraphMaxBs]).toEqual([4096, 32, 32]);
    expect(d.kvBytesPerTokenPerGpu).toBe(131072);
    expect([(prefill.kvPoolPerGpuBytes / 2 ** 30).toFixed(2), (d.kvPoolPerGpuBytes / 2 ** 30).toFixed(2), (d.kvPoolPerGpuUpperBytes / 2 ** 30).toFixed(2)]).toEqual(['6.49', '9.75', '10.66']);
    expect([prefill.kvTokensPerInstance, d.kvTokensPerInstance, prefill.kvTokensPerInstanceUpper, d.kvTokensPerInstanceUpper]).toEqual([53193, 79859, 60082, 87355]);
    expect([prefill.fullContextRequestsPerInstance, prefill.fullContextRequestsUpper]).toEqual([1, 1]);
    expect([d.fullContextRequestsPerInstance, d.fullContextRequestsUpper]).toEqual([1, 2]);
    expect(report.totalGpus).toBe(6);
    expect(report.pdRatio).toBe('2:1');
    expect(report.rows.map((r) => [r.role, r.replicas, r.gpusTotal])).toEqual([['prefill', 2, 4], ['decode', 1, 2], ['router', 1, 0]]);
  });

  test('the table is printed at synth time, with the decode range that flips on the overhead', () => {
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchSnapshot();
    expect(logged[0]).toContain('sglang-pd: Qwen3-32B on L20 48GB, RBG v0.7, 6 GPUs, P:D 2:1');
    expect(logged[0]).toMatch(/prefill\s+2\s+1\s+2\s+4\s+aliyun\/erdma x1\s+0\.841 \(default\)\s+4,096\s+-\s+30\.50 GiB\s+6\.49 GiB\s+53,193\s+1 x 40,960/);
    expect(logged[0]).toMatch(/decode\s+1\s+1\s+2\s+2\s+aliyun\/erdma x1\s+0\.915 \(default\)\s+-\s+32\s+30\.50 GiB\s+9\.75 GiB\s+79,859\s+1-2 x 40,960/);
    expect(logged[0]).toContain('note: decode holds 1 full-context request(s) with that overhead, 2 with none (KV pool 9.75 GiB to 10.66 GiB per GPU, 79,859 to 87,355 tokens)');
  });

  test('the Markdown report with a Mermaid diagram sits beside the manifests', () => {
    expect(fs.readdirSync(app.outdir).sort()).toEqual(['capacity-report.md', 'sglang-pd.k8s.yaml']);
    const md = fs.readFileSync(path.join(app.outdir, 'capacity-report.md'), 'utf-8');
    expect(md).toMatchSnapshot();
    expect(md).toContain('```mermaid\nflowchart LR');
    expect(md).toContain('| decode | 1 | 1 | 2 | 2 | aliyun/erdma x1 | 0.915 (default) | - | 32 | 30.50 GiB | 9.75 GiB | 79,859 | 1-2 x 40,960 |');
    expect(CapacityReport.of(chart.group).toMarkdown()).toBe(md.slice(md.indexOf('## ')));
  });
});

test('synthesize writes nothing when validation fails', () => {
  const app = Testing.app();
  const chart = new SglangPdChart(app, 'bad');
  chart.group.decode.addEnv('1BAD', 'x');
  expect(() => synthesize(app, { log: () => undefined })).toThrow(SglangPdValidationError);
  expect(fs.readdirSync(app.outdir)).toEqual([]);
});

test('synthesize runs each rule once, and a plain app.synth() still runs them', () => {
  // GIVEN the default app and a construct of it with one counting rule of ours
  const counted = (): { app: App; runs: () => number } => {
    const app = Testing.app();
    const chart = new SglangPdChart(app, 'c');
    let n = 0;
    addRules(chart.group, () => {
      n++;
      return [];
    });
    return { app, runs: () => n };
  };
  // WHEN it is written with synthesize() THEN the rule ran once (the check before writing)
  const viaSynthesize = counted();
  synthesize(viaSynthesize.app, { log: () => undefined });
  expect(viaSynthesize.runs()).toBe(1);
  // WHEN it is written with cdk8s' own app.synth() THEN the rule ran too (cdk8s validates the
  // app once, and once more for each chart it writes)
  const viaCdk8s = counted();
  viaCdk8s.app.synth();
  expect(viaCdk8s.runs()).toBe(2);
});

test('synthesize builds each manifest once: the rules, the report and the file share it', () => {
  // GIVEN the default app, with the builds of its RoleBasedGroup's manifest counted
  const app = Testing.app();
  const chart = new SglangPdChart(app, 'c');
  const rbg = chart.group.node.findAll().find((c) => c instanceof ApiObject && c.kind === 'RoleBasedGroup') as ApiObject;
  const toJson = rbg.toJson.bind(rbg);
  let builds = 0;
  rbg.toJson = () => {
    builds++;
    return toJson();
  };
  // WHEN it is written with synthesize(), whose capacity report also reads the manifests
  const reports = synthesize(app, { log: () => undefined });
  // THEN the manifest was built once: for the app rules, kept for the report's warnings and
  // handed to cdk8s' writer
  expect(reports).toHaveLength(1);
  expect(builds).toBe(1);
  // AND the file holds what was built
  const written = fs.readFileSync(path.join(app.outdir, 'c.k8s.yaml'), 'utf8');
  expect(written).toContain('kind: RoleBasedGroup');
  expect(written).toContain(Yaml.stringify(toJson()));
  // AND outside synthesize() nothing is kept: each validate() and each toJson() builds it again
  validate(app);
  validate(app);
  expect(builds).toBe(3);
  expect(rbg.toJson()).toEqual(toJson());
  expect(builds).toBe(4);
});
