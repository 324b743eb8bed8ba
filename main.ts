import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import {
  GpuProfile, ModelSource, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume, RbgTarget, RdmaProfile,
  RouterDiscovery, synthesize,
} from './lib';

/**
 * The ACK tutorial topology in `chart`: Qwen3-32B from OSS, 2 prefill + 1 decode at TP=2 over
 * eRDMA on L20 nodes, router behind Service `sglang-pd:8000`. `overrides` change any group prop
 * (controller release, router, ...). The one definition of the tutorial: the default app, the
 * examples and the tests all build it here.
 *
 * Replace the bucket and endpoint placeholders with your own before `kubectl apply -f dist`.
 * The Secret `oss-secret` (keys `akId`, `akSecret`) must already exist in the namespace.
 */
export function tutorialGroup(chart: Chart, overrides: Partial<PdServingGroupProps> = {}): PdServingGroup {
  const model = new QwenModelVolume(chart, 'model', {
    model: QwenModel.QWEN3_32B,
    source: ModelSource.oss({
      bucket: 'your-bucket-name', // placeholder: the bucket holding Qwen3-32B
      endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', // placeholder: your bucket's region endpoint
      path: '/Qwen3-32B/',
      secretName: 'oss-secret',
    }),
  });
  return new PdServingGroup(chart, 'pd', {
    name: 'sglang-pd',
    model,
    engine: { tensorParallelSize: 2 },
    prefill: { replicas: 2 },
    decode: { replicas: 1 },
    router: { discovery: RouterDiscovery.STATIC },
    rdma: RdmaProfile.erdma(),
    rbg: RbgTarget.V0_7,
    gpu: GpuProfile.L20, // ecs.ebmgn8is.32xlarge: 8 x L20 48 GB per node
    ...overrides,
  });
}

/** The default app's chart: the tutorial deployment. */
export class SglangPdChart extends Chart {
  public readonly group: PdServingGroup;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    this.group = tutorialGroup(this);
  }
}

if (require.main === module) {
  const app = new App();
  new SglangPdChart(app, 'sglang-pd');
  synthesize(app);
}
