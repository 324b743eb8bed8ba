/**
 * Writes the manifest trees that the controller layer of the e2e (scripts/e2e/controllers)
 * applies on top of `dist/` and `dist/examples/*`: the ACK tutorial topology (Qwen3-32B,
 * 2 prefill + 1 decode at TP=2) once per RoleBasedGroup controller release and router discovery
 * mode, so that every RbgTarget is reconciled by its own controller with both kinds of router
 * wiring, whatever the examples happen to cover.
 *
 *     node -r ./scripts/ts-register.cjs scripts/e2e/gen-trees.ts OUT_DIR
 *
 * writes OUT_DIR/<release>-<discovery>/ (e.g. `v0-4-static`), one chart each, in namespace
 * `e2e-<release>-<discovery>` so that the namespace plumbing is exercised as well; and
 * OUT_DIR/<release>-multinode-<discovery>/: Qwen3-235B-A22B 1P1D on H100, each instance a
 * leader and a worker Pod on 2 nodes of 8 GPUs (as in the example qwen3-235b-multinode-h100),
 * so that every release's leader/worker roles are reconciled too. Only the library's public API
 * is used.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { GpuProfile, ModelSource, PdServerRoleOptions, PdServingGroup, QwenModel, QwenModelVolume, RbgTarget, RouterDiscovery, synthesize } from '../../lib';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: gen-trees.ts OUT_DIR\n');
  process.exit(2);
}

const discoveries: readonly RouterDiscovery[] = [RouterDiscovery.STATIC, RouterDiscovery.KUBERNETES];

/** Synthesizes one chart into OUT_DIR/<name>/ and prints the directory. */
function write(name: string, build: (chart: Chart) => void): void {
  const outdir = path.join(out, name);
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  build(new Chart(app, name, { namespace: `e2e-${name}` }));
  synthesize(app, { log: () => undefined });
  process.stdout.write(`${outdir}\n`);
}

for (const rbg of RbgTarget.ALL) {
  for (const discovery of discoveries) {
    const release = rbg.release.replace(/\./g, '-');
    write(`${release}-${discovery}`, (chart) => {
      const model = new QwenModelVolume(chart, 'model', {
        model: QwenModel.QWEN3_32B,
        source: ModelSource.oss({ bucket: 'your-bucket-name', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', path: '/Qwen3-32B/' }),
      });
      new PdServingGroup(chart, 'pd', {
        name: 'sglang-pd',
        model,
        engine: { tensorParallelSize: 2 },
        prefill: { replicas: 2 },
        decode: { replicas: 1 },
        rbg,
        router: { discovery },
      });
    });
  }
}

for (const rbg of RbgTarget.ALL) {
  for (const discovery of discoveries) {
    const release = rbg.release.replace(/\./g, '-');
    write(`${release}-multinode-${discovery}`, (chart) => {
      const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_235B_A22B, source: ModelSource.pvc('qwen3-235b-a22b-weights') });
      const twoNodes: PdServerRoleOptions = { nodesPerInstance: 2, tensorParallelSize: 16, dataParallelSize: 4, enableDpAttention: true, expertParallelSize: 16 };
      new PdServingGroup(chart, 'pd', {
        name: 'qwen3-235b',
        model,
        gpu: GpuProfile.H100,
        // Two prefill instances: the router names two leaders, each with its own worker.
        prefill: { ...twoNodes, replicas: 2 },
        decode: { ...twoNodes, replicas: 1 },
        rbg,
        router: { discovery },
      });
    });
  }
}
