/**
 * Registry of the example apps. Each example builds one chart into a given app; the tests
 * synthesize every one, and `npm run synth:examples` writes each to `dist/examples/<name>/`.
 */
import { App, Chart } from 'cdk8s';
import { SglangPdChart } from '../main';
import { fluidCache } from './fluid-cache';
import { kubernetesDiscovery } from './kubernetes-discovery';
import { networkIsolation } from './network-isolation';
import { lockstepRollout } from './lockstep-rollout';
import { placement } from './placement';
import { qwen3235bMultinodeH100 } from './qwen3-235b-multinode-h100';
import { qwen332b4p2dA100 } from './qwen3-32b-4p2d-a100';
import { qwen38bA10 } from './qwen3-8b-a10';
import { rbgV04 } from './rbg-v04';
import { monitoring } from './monitoring';
import { inferenceGateway } from './inference-gateway';
import { autoscaling } from './autoscaling';

export interface Example {
  /** Folder name under dist/examples, a DNS-1123 label. */
  readonly name: string;
  /** One line: what the scenario shows. */
  readonly description: string;
  /** Adds the example's chart to `app`. */
  build(app: App): Chart;
}

export const EXAMPLES: readonly Example[] = [
  {
    name: 'tutorial-2p1d',
    description: 'The ACK tutorial: Qwen3-32B, 2 prefill + 1 decode, TP=2, eRDMA, OSS model, RBG v0.7',
    build: (app) => new SglangPdChart(app, 'sglang-pd'),
  },
  {
    name: 'kubernetes-discovery',
    description: 'The tutorial topology in namespace llm; the router discovers workers by pod labels (with RBAC)',
    build: kubernetesDiscovery,
  },
  {
    name: 'rbg-v04',
    description: 'The tutorial deployment for an ack-rbgs v0.4 controller (v1alpha1, no "s-" DNS prefix)',
    build: rbgV04,
  },
  {
    name: 'qwen3-8b-a10',
    description: 'Qwen3-8B 1P1D on A10 24 GB without RDMA (TCP, degraded), 16k context, ossfs 2.0',
    build: qwen38bA10,
  },
  {
    name: 'qwen3-32b-4p2d-a100',
    description: 'Qwen3-32B 4P2D TP=4 on A100 80 GB with rdma/hca, 131k YaRN context, existing PVC',
    build: qwen332b4p2dA100,
  },
  {
    name: 'monitoring',
    description: 'The tutorial deployment with a Prometheus Operator PodMonitor on the servers and the router',
    build: monitoring,
  },
  {
    name: 'inference-gateway',
    description: 'The tutorial deployment behind a Gateway API Inference Extension InferencePool and HTTPRoute',
    build: inferenceGateway,
  },
  {
    name: 'autoscaling',
    description: 'Prefill 2-4 and decode 1-2 pods, each autoscaled on an SGLang metric, P:D kept within 1-4',
    build: autoscaling,
  },
  {
    name: 'network-isolation',
    description: 'The tutorial in namespace llm, reachable only from ingress-nginx and scraped from monitoring (NetworkPolicies)',
    build: networkIsolation,
  },
  {
    name: 'placement',
    description: 'The 2P1D group as a unit on one tainted L20 node: node-local KV, exclusive topology, gang scheduling',
    build: placement,
  },
  {
    name: 'lockstep-rollout',
    description: 'The 2P1D group for RBG v0.6: prefill and decode rolled out in lockstep (spec.coordination), per-role surge and budgets',
    build: lockstepRollout,
  },
  {
    name: 'qwen3-235b-multinode-h100',
    description: 'Qwen3-235B-A22B 1P1D on H100 80 GB, every instance 2 nodes x 8 GPUs (TP=16, EP=16, DP attention), leader/worker roles',
    build: qwen3235bMultinodeH100,
  },
  {
    name: 'fluid-cache',
    description: 'The 2P1D Qwen3-32B group reading through a Fluid cache: Dataset over OSS, JindoRuntime memory tier sized from the weights, DataLoad warm-up',
    build: fluidCache,
  },
];
