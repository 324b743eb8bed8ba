import { App, Chart } from 'cdk8s';
import {
  GpuProfile, ModelSource, PdServingGroup, QwenModel, QwenModelVolume, RbgTarget, RdmaProfile, RouterDiscovery,
  synthesize,
} from 'cdk8s-sglang-pd';

const app = new App();
// The namespace must exist before `kubectl apply`: kubectl create namespace llm
const chart = new Chart(app, 'serving', { namespace: 'llm' });
const model = new QwenModelVolume(chart, 'model', {
  model: QwenModel.QWEN3_32B,
  // The Secret oss-secret (keys akId, akSecret) must exist in the namespace.
  source: ModelSource.oss({ bucket: 'my-models', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', path: '/Qwen3-32B/' }),
});
new PdServingGroup(chart, 'pd', {
  name: 'sglang-pd',
  model,
  prefill: { replicas: 2, tensorParallelSize: 2 },
  decode: { replicas: 1, tensorParallelSize: 2 },
  router: { discovery: RouterDiscovery.STATIC },
  rdma: RdmaProfile.erdma(),
  rbg: RbgTarget.V0_7,
  gpu: GpuProfile.L20,
});
synthesize(app); // app.synth() plus the capacity report (dist/capacity-report.md)
