/**
 * The metric an autoscaled role follows (a value class with factories), and the SGLang Prometheus
 * metric names it knows. Metric names checked against SGLang's scheduler metrics collector
 * (`sglang:num_running_reqs`, `sglang:num_queue_reqs`, `sglang:token_usage` are gauges of every
 * server, labelled by model and rank).
 */
import { k8s } from '../rbg/k8s';

/**
 * What a `ScalingMetric` measures.
 */
export enum ScalingMetricKind {
  /** CPU use of the pods relative to their CPU request (a `Resource` metric). */
  CPU_UTILIZATION = 'cpu-utilization',
  /** A per-pod metric served by a custom metrics adapter (a `Pods` metric, averaged over the role's pods). */
  POD_AVERAGE = 'pod-average',
}

/** SGLang's gauge of requests in a server's running batch. */
export const SGLANG_RUNNING_REQUESTS = 'sglang:num_running_reqs';
/** SGLang's gauge of requests waiting in a server's queue. */
export const SGLANG_QUEUED_REQUESTS = 'sglang:num_queue_reqs';
/** SGLang's gauge of the fraction of the KV cache pool in use (0 to 1). */
export const SGLANG_TOKEN_USAGE = 'sglang:token_usage';

/**
 * The metric an autoscaled role follows, with its target. CPU utilization is a `Resource` metric
 * every cluster with metrics-server has; the SGLang metrics are `Pods` metrics that a custom
 * metrics adapter (prometheus-adapter, or ACK's alibaba-cloud-metrics-adapter) must serve under
 * the same name, from the Prometheus series the servers export on `/metrics` (see
 * `PdServingGroup.enableMonitoring`).
 */
export class ScalingMetric {
  /**
   * Average CPU utilization of the role's pods, in percent of their CPU request. A weak signal for
   * GPU servers (their CPU is mostly idle while the GPU is busy); prefer an SGLang metric.
   * @param percent target utilization, an integer from 1 to 1000
   */
  public static cpuUtilization(percent: number): ScalingMetric {
    return new ScalingMetric(ScalingMetricKind.CPU_UTILIZATION, 'cpu', percent, `CPU utilization ${percent}%`);
  }

  /**
   * Requests in each server's running batch (`sglang:num_running_reqs`), averaged over the pods.
   * Its ceiling is the server's `maxRunningRequests` (or what the KV pool holds).
   * @param perPod target average per pod, e.g. 32
   */
  public static runningRequests(perPod: number): ScalingMetric {
    return new ScalingMetric(ScalingMetricKind.POD_AVERAGE, SGLANG_RUNNING_REQUESTS, perPod, `${perPod} running requests per pod`);
  }

  /**
   * Requests waiting in each server's queue (`sglang:num_queue_reqs`), averaged over the pods: a
   * server only queues once it is saturated, so the target does not depend on its capacity.
   * @param perPod target average per pod, e.g. 5
   */
  public static queuedRequests(perPod: number): ScalingMetric {
    return new ScalingMetric(ScalingMetricKind.POD_AVERAGE, SGLANG_QUEUED_REQUESTS, perPod, `${perPod} queued requests per pod`);
  }

  /**
   * Fraction of each server's KV cache pool in use (`sglang:token_usage`, 0 to 1), averaged over
   * the pods: what limits a decode server.
   * @param fraction target average, above 0 and at most 1 with at most 3 decimals, e.g. 0.8
   */
  public static kvCacheUsage(fraction: number): ScalingMetric {
    return new ScalingMetric(ScalingMetricKind.POD_AVERAGE, SGLANG_TOKEN_USAGE, fraction, `KV cache usage ${fraction}`);
  }

  /**
   * Any per-pod metric the custom metrics adapter serves, averaged over the role's pods.
   * @param name metric name as the custom metrics API serves it, e.g. `sglang:num_decode_prealloc_queue_reqs`
   * @param averageValue target average per pod, positive with at most 3 decimals
   */
  public static podAverage(name: string, averageValue: number): ScalingMetric {
    return new ScalingMetric(ScalingMetricKind.POD_AVERAGE, name, averageValue, `${name} ${averageValue} per pod`);
  }

  /**
   * The metric a role scales on when `autoscaling.metric` is not set: prefill follows queued
   * requests (5 per pod), decode the KV cache usage (0.8).
   * @internal
   */
  public static defaultFor(mode: 'prefill' | 'decode'): ScalingMetric {
    return mode === 'prefill' ? ScalingMetric.queuedRequests(DEFAULT_PREFILL_QUEUED) : ScalingMetric.kvCacheUsage(DEFAULT_DECODE_KV_USAGE);
  }

  private constructor(
    /** What is measured. */
    public readonly kind: ScalingMetricKind,
    /** Resource name (`cpu`) or the Pods metric's name. */
    public readonly metricName: string,
    /** Target: percent for CPU utilization, the average per pod otherwise. */
    public readonly target: number,
    /** One line for messages and reports. */
    public readonly description: string,
  ) {}

  /** @internal The HPA metric; call only when the autoscaling rules found nothing. */
  public _toMetricSpec(): k8s.MetricSpecV2 {
    if (this.kind === ScalingMetricKind.CPU_UTILIZATION) {
      return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: this.target } } };
    }
    return {
      type: 'Pods',
      pods: { metric: { name: this.metricName }, target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(quantity(this.target)) } },
    };
  }
}

/** Default target of prefill: queued requests per pod. */
const DEFAULT_PREFILL_QUEUED = 5;
/** Default target of decode: fraction of the KV pool in use. */
const DEFAULT_DECODE_KV_USAGE = 0.8;

/** A positive number with at most 3 decimals as a Kubernetes quantity: `5`, `800m`. */
function quantity(n: number): string {
  return Number.isInteger(n) ? String(n) : `${Math.round(n * 1000)}m`;
}
