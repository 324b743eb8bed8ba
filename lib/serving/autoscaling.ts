/**
 * Autoscaling of a prefill or decode role: a HorizontalPodAutoscaler (autoscaling/v2) whose
 * target is the RoleBasedGroupScalingAdapter the RBG controller creates for the role, and the
 * metric it scales on.
 *
 * The HPA is built with the generated autoscaling/v2 class (`k8s.KubeHorizontalPodAutoscalerV2`,
 * from imports/k8s), so its shape is checked by `tsc`.
 */
import { ApiObject, Duration, Lazy } from 'cdk8s';
import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';
import { durationSeconds } from '../util/duration';
import { autoscalingRules } from '../validation/autoscaling-rules';
import { addRules } from '../validation/register';
import { featureLabels } from './labels';
import { ScalingMetric } from './scaling-metric';
import type { SglangServerRole } from './server-role';
import { ownedProps } from '../util/copy';

/** Kind of the object the RBG controller creates for a role with `scalingAdapter.enable`. */
export const SCALING_ADAPTER_KIND = 'RoleBasedGroupScalingAdapter';

/** Default scale-down stabilization: a server takes minutes to load, so flapping is expensive. */
const DEFAULT_SCALE_DOWN_STABILIZATION = Duration.minutes(10);

/**
 * Autoscaling of one server role (`prefill` or `decode` options).
 */
export interface RoleAutoscaling {
  /**
   * Fewest pods. Also the initial `replicas` when `replicas` is not set.
   * @default 1
   */
  readonly minReplicas?: number;
  /** Most pods. */
  readonly maxReplicas: number;
  /**
   * What the HPA follows.
   * @default ScalingMetric.queuedRequests(5) for prefill, ScalingMetric.kvCacheUsage(0.8) for decode
   */
  readonly metric?: ScalingMetric;
  /**
   * How long the HPA waits, after the metric drops, before it removes pods (HPA
   * `behavior.scaleDown.stabilizationWindowSeconds`, whole seconds up to 1 hour). A new server
   * loads its weights for minutes, so removing one that is needed again soon is costly.
   * @default Duration.minutes(10)
   */
  readonly scaleDownStabilization?: Duration;
}

/**
 * Props of a RoleAutoscaler.
 */
export interface RoleAutoscalerProps {
  /** Bounds, metric and stabilization. */
  readonly autoscaling: RoleAutoscaling;
  /** The prefill or decode role whose replicas the HPA owns. */
  readonly role: SglangServerRole;
  /**
   * The role's `replicas` as the user gave it, checked against the bounds.
   * @default - not given: the role starts at `minReplicas`
   */
  readonly replicas?: number;
}

/**
 * The HorizontalPodAutoscaler `<group>-<role>` of one role. Its `scaleTargetRef` is the
 * RoleBasedGroupScalingAdapter `<group>-<role>` that the controller creates once the role's
 * `scalingAdapter` is enabled (which the role does when it has an autoscaler); the HPA then owns
 * the role's replicas through the adapter's scale subresource.
 */
export class RoleAutoscaler extends Construct {
  /** Fewest pods. */
  public readonly minReplicas: number;
  /** Most pods. */
  public readonly maxReplicas: number;
  /** Name of the scaling adapter the HPA targets (and of the HPA). */
  public readonly scalingAdapterName: string;
  /** The HorizontalPodAutoscaler API object. */
  public readonly resource: ApiObject;

  private readonly props: RoleAutoscalerProps;

  /**
   * Defines the HPA of one role; bad props fail the synth.
   * @param scope the role
   * @param id construct id
   * @param props bounds, metric and the role's names (copied)
   */
  constructor(scope: Construct, id: string, props: RoleAutoscalerProps) {
    super(scope, id);
    const p: RoleAutoscalerProps = ownedProps(props);
    const a: RoleAutoscaling = p.autoscaling;
    this.props = Object.freeze(p);
    this.minReplicas = a?.minReplicas ?? 1;
    this.maxReplicas = a?.maxReplicas;
    const role = p.role;
    // An unknown target is reported by the role; names are derived for the default meanwhile.
    const rbg = role.rbg;
    this.scalingAdapterName = rbg.scalingAdapterName(role.groupName, role.roleName);
    this.resource = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: { name: this.scalingAdapterName, labels: featureLabels(role.groupName, role.roleName) },
      spec: Lazy.any({
        produce: (): k8s.HorizontalPodAutoscalerSpecV2 => ({
          scaleTargetRef: { apiVersion: rbg.apiVersion, kind: SCALING_ADAPTER_KIND, name: this.scalingAdapterName },
          minReplicas: this.minReplicas,
          maxReplicas: this.maxReplicas,
          metrics: [this.metric._toMetricSpec()],
          behavior: { scaleDown: { stabilizationWindowSeconds: durationSeconds(a?.scaleDownStabilization ?? DEFAULT_SCALE_DOWN_STABILIZATION) } },
        }),
      }),
    });
    addRules(this, () => autoscalingRules({
      autoscaling: a,
      metric: this.metric,
      rbg,
      replicas: p.replicas,
    }));
  }

  /** The metric in effect (the role's default when none was given). */
  public get metric(): ScalingMetric {
    const a = this.props.autoscaling;
    return (a !== null && typeof a === 'object' ? a.metric : undefined) ?? ScalingMetric.defaultFor(this.props.role.mode);
  }
}

/**
 * Limits on the prefill:decode pod ratio of a group, checked over every combination of replica
 * counts the two roles can reach. The two HPAs are independent (each follows its own role's
 * metric), so any prefill count within prefill's bounds can meet any decode count within
 * decode's: the bounds must keep every such pair within these limits.
 */
export interface ReplicaRatio {
  /**
   * Fewest prefill pods per decode pod, e.g. 1 for "never fewer prefill than decode pods".
   * @default - no lower limit
   */
  readonly minPrefillPerDecode?: number;
  /**
   * Most prefill pods per decode pod, e.g. 3 for "at most 3P per 1D".
   * @default - no upper limit
   */
  readonly maxPrefillPerDecode?: number;
}
