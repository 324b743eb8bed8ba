// The public API of cdk8s-sglang-pd, by name. Everything else is internal.

// Model layer: what is served, on what hardware.
export { QwenModel } from './model/qwen-model';
export type { MoeShape, QwenModelSpec } from './model/qwen-model';
export { GpuProfile } from './model/gpu-profile';
export type { CustomGpuOptions } from './model/gpu-profile';
export { RdmaProfile } from './model/rdma-profile';
export type { CustomRdmaOptions } from './model/rdma-profile';

// Storage: where the weights live.
export { QwenModelVolume } from './storage/qwen-model-volume';
export type { QwenModelVolumeProps } from './storage/qwen-model-volume';
export { ModelSource, OssfsVersion } from './storage/model-source';
export type { OssCredentials, OssSourceOptions } from './storage/model-source';
export { FLUID_CACHE_HIGH_WATERMARK, FLUID_CACHE_LOW_WATERMARK, FluidCacheMedium, defaultCachePath } from './storage/fluid-source';
export type { FluidSourceOptions } from './storage/fluid-source';

// SGLang: engine and router options.
export { KvCacheDtype, TransferBackend } from './sglang/server-options';
export type { SglangServerOptions } from './sglang/server-options';
export { RouterDiscovery, RouterPolicy } from './sglang/router-options';
export type { ServerCapacity } from './sglang/capacity';
export { CudaVariant, SglangImage } from './sglang/sglang-image';

// Controller releases.
export { RbgTarget } from './rbg/rbg-target';

// Serving: the roles and the group.
export { SglangRole } from './serving/sglang-role';
export type { SglangPodOptions, SglangRoleProps } from './serving/sglang-role';
export { SglangServerRole } from './serving/server-role';
export { DEFAULT_DIST_INIT_PORT } from './serving/server-role';
export type { SglangServerPodOptions, SglangServerRoleProps } from './serving/server-role';
export { PrefillRole } from './serving/prefill-role';
export type { PrefillRoleProps } from './serving/prefill-role';
export { DecodeRole } from './serving/decode-role';
export { RouterRole } from './serving/router-role';
export type { RouterRoleProps } from './serving/router-role';
export { PdServingGroup, BOOTSTRAP_PORT_ANNOTATION, RBG_TARGET_ANNOTATION } from './serving/pd-serving-group';
export type { ClusterCapacity, PdRouterOptions, PdServerRoleOptions, PdServingGroupProps } from './serving/pd-serving-group';

// Operating it: monitoring, the inference gateway, autoscaling.
export { GroupMonitoring, MonitorKind, MONITORING_GROUP_LABEL, MONITORING_ROLE_LABEL } from './serving/monitoring';
export type { GroupMonitoringProps, MonitoringOptions } from './serving/monitoring';
export { INFERENCE_BACKEND_LABEL, INFERENCE_WORKLOAD_LABEL } from './serving/labels';
export { InferenceGateway, InferencePoolApi, EndpointPickerFailureMode, DEFAULT_ENDPOINT_PICKER_PORT } from './serving/inference-gateway';
export type { InferenceGatewayOptions, InferenceGatewayProps } from './serving/inference-gateway';
export { ScalingMetric, ScalingMetricKind, SGLANG_QUEUED_REQUESTS, SGLANG_RUNNING_REQUESTS, SGLANG_TOKEN_USAGE } from './serving/scaling-metric';
export { RoleAutoscaler, SCALING_ADAPTER_KIND } from './serving/autoscaling';
export type { ReplicaRatio, RoleAutoscalerProps, RoleAutoscaling } from './serving/autoscaling';
// Network isolation: who may reach a group's pods.
export { LabelSelectorOperator } from './serving/label-selector';
export type { LabelRequirement, LabelSelector } from './serving/label-selector';
export { KV_TRANSFER_PORTS } from './serving/network-policy';
export type { NetworkIsolationOptions } from './serving/network-policy';

// Placement: nodes, tolerations, affinity, exclusive topology, gang scheduling.
export { GPU_NODE_TOLERATION, NodeSelectorOperator, TaintEffect, TolerationOperator } from './serving/node-placement';
export type { NodeRequirement, PreferredNodeRequirements, Toleration } from './serving/node-placement';
export { AffinityStrength, DEFAULT_KV_LOCALITY_KEY } from './serving/placement';
export type { PlacementOptions } from './serving/placement';
export { GangScheduler, GangScheduling } from './serving/gang-scheduling';
export type { SchedulerPluginsGangOptions, VolcanoGangOptions } from './serving/gang-scheduling';

// Rollout: per-role rolling updates and lockstep of prefill and decode.
export { DEFAULT_LOCKSTEP_MAX_SKEW_PERCENT, LOCKSTEP_POLICY_NAME } from './serving/rollout';
export { RolloutBudget } from './serving/rollout-budget';
export type { LockstepRolloutOptions, RolloutStrategyOptions } from './serving/rollout';

// Validation and reporting.
export { SglangPdValidationError } from './validation/problem';
export type { ValidationProblem } from './validation/problem';
export { CapacityReport } from './report/capacity-report';
export type { CapacityRow } from './report/capacity-report';
export { synthesize } from './report/synthesize';
export type { SynthesizeOptions } from './report/synthesize';
export { validate } from './report/validate';
export type { ValidationResult } from './report/validate';
