import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { SglangPdChart } from '../main';
import { CapacityReport, SglangPdValidationError, synthesize } from '../lib';

describe('capacity report of the default app (Qwen3-32B 2P1D TP=2 on L20 48 GB)', () => {
  // GIVEN the default app
  const app = Testing.app();
  const chart = new SglangPdChart(app, 'sglang-pd');
  const logged: string[] = [];
  // WHEN it is synthesized with the report
  const [report] = synthesize(app, { log: (l) => logged.push(l) });

  test('numbers: worked by hand from FACTS §5', () => {
    // weights 65.5e9 B / TP 2 = 32.75e9 B = 30.50 GiB per GPU
    // mem fraction (estimated): (48 GiB - (512 + 1.5 x 4096 + 2 x 80 + 2/8 x 1024) MiB) / 48 GiB = 0.856
    // KV pool = 0.856 x 48 GiB - 30.50 GiB = 10.59 GiB; KV/token/GPU = 2 x 64 x (8/2) x 128 x 2 B = 131072 B
    // tokens = 11,367,903,864 B / 131,072 B = 86,730; full 40,960-token requests = 2
    const decode = report.rows.find((r) => r.role === 'decode')!;
    expect(decode.gpusPerPod).toBe(2);
    expect(decode.rdma).toBe('aliyun/erdma x1');
    expect(decode.capacity!.memFractionStatic).toBe(0.856);
    expect(decode.capacity!.kvBytesPerTokenPerGpu).toBe(131072);
    expect(decode.capacity!.kvTokensPerInstance).toBe(86730);
    expect(decode.capacity!.fullContextRequestsPerInstance).toBe(2);
    expect(report.totalGpus).toBe(6);
    expect(report.pdRatio).toBe('2:1');
    expect(report.rows.map((r) => [r.role, r.replicas, r.gpusTotal])).toEqual([['prefill', 2, 4], ['decode', 1, 2], ['router', 1, 0]]);
  });

  test('the table is printed at synth time', () => {
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchSnapshot();
    expect(logged[0]).toContain('sglang-pd: Qwen3-32B on L20 48GB, RBG v0.7, 6 GPUs, P:D 2:1');
    expect(logged[0]).toMatch(/decode\s+1\s+2\s+2\s+aliyun\/erdma x1\s+0\.856 \(est\.\)\s+30\.50 GiB\s+10\.59 GiB\s+86,730\s+2 x 40,960/);
  });

  test('the Markdown report with a Mermaid diagram sits beside the manifests', () => {
    expect(fs.readdirSync(app.outdir).sort()).toEqual(['capacity-report.md', 'sglang-pd.k8s.yaml']);
    const md = fs.readFileSync(path.join(app.outdir, 'capacity-report.md'), 'utf-8');
    expect(md).toMatchSnapshot();
    expect(md).toContain('```mermaid\nflowchart LR');
    expect(md).toContain('| decode | 1 | 2 | 2 | aliyun/erdma x1 | 0.856 (est.) | 30.50 GiB | 10.59 GiB | 86,730 | 2 x 40,960 |');
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
