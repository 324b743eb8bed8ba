import { App, Chart, Duration } from 'cdk8s';
import {
  AffinityStrength, GangScheduling, GPU_NODE_TOLERATION, NodeSelectorOperator, PdServerRoleOptions,
} from '../lib';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial's 2P1D group (6 GPUs) placed as a unit on one tainted 8-GPU L20 node: prefill and
 * decode share the node (KV transfer never leaves it), exclusive topology keeps other groups off
 * that node, and gang scheduling (scheduler-plugins) places all pods or none. The router prefers
 * nodes without GPUs but may join the group's node.
 */
export function placement(app: App): Chart {
  const chart = new Chart(app, 'placement', { namespace: 'llm' });
  const gpuNode: PdServerRoleOptions = {
    tolerations: [GPU_NODE_TOLERATION],
    requiredNodeAffinity: [{ key: 'node.kubernetes.io/instance-type', operator: NodeSelectorOperator.IN, values: ['ecs.ebmgn8is.32xlarge'] }],
  };
  tutorialGroup(chart, {
    prefill: { replicas: 2, ...gpuNode },
    decode: { replicas: 1, ...gpuNode },
    router: {
      tolerations: [GPU_NODE_TOLERATION],
      preferredNodeAffinity: [{ weight: 50, requirements: [{ key: 'nvidia.com/gpu.present', operator: NodeSelectorOperator.DOES_NOT_EXIST }] }],
    },
    placement: {
      kvLocalityKey: 'kubernetes.io/hostname',
      kvLocality: AffinityStrength.REQUIRED,
      exclusiveTopologyKey: 'kubernetes.io/hostname',
      gangScheduling: GangScheduling.schedulerPlugins({ timeout: Duration.minutes(5) }),
    },
  });
  return chart;
}
