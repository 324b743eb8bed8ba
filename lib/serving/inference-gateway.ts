/**
 * Gateway API Inference Extension for a group: an InferencePool selecting exactly the router pods
 * on their HTTP port, pointing at an endpoint picker, and an HTTPRoute from a Gateway to the pool.
 *
 * The objects are plain ApiObjects built from the typed interfaces below rather than generated
 * classes: the library emits a handful of fields of these CRDs, and the schema test layer checks
 * every emitted object against the pinned CRDs (gateway-api-inference-extension v1.6.0 for
 * `inference.networking.k8s.io/v1`, v1.4.0 for `inference.networking.x-k8s.io/v1alpha2`,
 * gateway-api v1.6.1 for HTTPRoute).
 */
import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ownedProps } from '../util/copy';
import { durationSeconds } from '../util/duration';
import { gatewayRules } from '../validation/gateway-rules';
import { addRules } from '../validation/register';
import { featureLabels } from './labels';
import type { PdServingGroup } from './pd-serving-group';

/**
 * API of the InferencePool.
 */
export enum InferencePoolApi {
  /** `inference.networking.k8s.io/v1` (the GA API, Inference Extension v1.0 and later). */
  V1 = 'inference.networking.k8s.io/v1',
  /** `inference.networking.x-k8s.io/v1alpha2`, for gateways that still implement the experimental pool (Inference Extension up to v1.4). */
  V1ALPHA2 = 'inference.networking.x-k8s.io/v1alpha2',
}

/**
 * What the gateway does when the endpoint picker does not answer.
 */
export enum EndpointPickerFailureMode {
  /** Refuse the request (the CRD's default). */
  FAIL_CLOSE = 'FailClose',
  /** Send the request to an endpoint of the pool chosen by the gateway. */
  FAIL_OPEN = 'FailOpen',
}

/** Port of an endpoint picker's ext-proc gRPC service, as the Inference Extension deploys it. */
export const DEFAULT_ENDPOINT_PICKER_PORT = 9002;

/**
 * Options of `PdServingGroup.exposeThroughInferenceGateway`.
 */
export interface InferenceGatewayOptions {
  /** Name of the Gateway (a DNS-1123 label) whose listeners route to the group. */
  readonly gateway: string;
  /**
   * Namespace of the Gateway.
   * @default - the group's namespace
   */
  readonly gatewayNamespace?: string;
  /**
   * Listener of the Gateway to attach to (`parentRefs[].sectionName`).
   * @default - every listener that allows the route
   */
  readonly listener?: string;
  /**
   * Name of the endpoint picker's Service, in the group's namespace. The picker is not emitted:
   * deploy it for this pool (e.g. with the Inference Extension's `inferencepool` Helm chart's
   * endpoint picker, pointed at pool `<group>`) under this name.
   * @default '<group>-epp'
   */
  readonly endpointPicker?: string;
  /**
   * Port of the endpoint picker's gRPC service.
   * @default 9002
   */
  readonly endpointPickerPort?: number;
  /**
   * What the gateway does when the endpoint picker does not answer.
   * @default EndpointPickerFailureMode.FAIL_CLOSE
   */
  readonly failureMode?: EndpointPickerFailureMode;
  /**
   * API of the InferencePool (and the group of the route's backend reference).
   * @default InferencePoolApi.V1
   */
  readonly poolApi?: InferencePoolApi;
  /**
   * Host names the route answers (`spec.hostnames`).
   * @default - every host name of the listener
   */
  readonly hostnames?: string[];
  /**
   * Path prefix the route matches.
   * @default '/'
   */
  readonly pathPrefix?: string;
  /**
   * Longest time the gateway gives one request (`rules[].timeouts.request`, whole seconds). Long
   * generations need more than many gateways' defaults.
   * @default - the Gateway's default
   */
  readonly requestTimeout?: Duration;
}

/**
 * Props of an InferenceGateway.
 */
export interface InferenceGatewayProps extends InferenceGatewayOptions {
  /** The group to expose. */
  readonly group: PdServingGroup;
}

/** A Gateway API parent reference (the fields used here). */
interface ParentRef {
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
}

/** The HTTPRoute spec (the fields used here). */
interface HttpRouteSpec {
  readonly parentRefs: ParentRef[];
  readonly hostnames?: string[];
  readonly rules: Array<{
    readonly matches: Array<{ readonly path: { readonly type: 'PathPrefix'; readonly value: string } }>;
    readonly backendRefs: Array<{ readonly group: string; readonly kind: 'InferencePool'; readonly name: string }>;
    readonly timeouts?: { readonly request: string };
  }>;
}

/** InferencePool v1 spec (the fields used here). */
interface InferencePoolV1Spec {
  readonly selector: { readonly matchLabels: Record<string, string> };
  readonly targetPorts: Array<{ readonly number: number }>;
  readonly endpointPickerRef: { readonly name: string; readonly port: { readonly number: number }; readonly failureMode: string };
}

/** InferencePool v1alpha2 spec (the fields used here). */
interface InferencePoolV1Alpha2Spec {
  readonly selector: Record<string, string>;
  readonly targetPortNumber: number;
  readonly extensionRef: { readonly name: string; readonly portNumber: number; readonly failureMode: string };
}

const GATEWAY_ID = 'InferenceGateway';

/**
 * The Gateway API Inference Extension objects of one PdServingGroup: `InferencePool <group>`,
 * whose selector is exactly the router pods' (the same labels the group's Service selects) on the
 * router's HTTP port, with the endpoint picker it consults, and `HTTPRoute <group>` from the
 * named Gateway to that pool. The router keeps splitting each request between prefill and decode;
 * the gateway chooses among router pods.
 */
export class InferenceGateway extends Construct {
  /** The InferencePool. */
  public readonly pool: ApiObject;
  /** The HTTPRoute. */
  public readonly route: ApiObject;
  /** API of the pool. */
  public readonly poolApi: InferencePoolApi;
  /** Name of the endpoint picker's Service. */
  public readonly endpointPicker: string;

  private readonly props: InferenceGatewayProps;
  private repeated = 0;

  /**
   * Defines the pool and the route of a group; bad options fail the synth. Normally created by
   * `group.exposeThroughInferenceGateway()`.
   * @param scope the group
   * @param id construct id
   * @param props the group, the Gateway and the endpoint picker (copied)
   */
  constructor(scope: Construct, id: string, props: InferenceGatewayProps) {
    super(scope, id);
    const p: InferenceGatewayProps = ownedProps(props);
    this.props = Object.freeze(p);
    const group = p.group;
    this.poolApi = p.poolApi === InferencePoolApi.V1ALPHA2 ? InferencePoolApi.V1ALPHA2 : InferencePoolApi.V1;
    this.endpointPicker = p.endpointPicker ?? `${group.name}-epp`;
    const [poolGroup] = this.poolApi.split('/');
    this.pool = new ApiObject(this, 'Pool', {
      apiVersion: this.poolApi,
      kind: 'InferencePool',
      metadata: { name: group.name, labels: featureLabels(group.name, 'gateway') },
      spec: Lazy.any({ produce: () => this.poolSpec() }),
    });
    this.route = new ApiObject(this, 'Route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: group.name, labels: featureLabels(group.name, 'gateway') },
      spec: Lazy.any({ produce: (): HttpRouteSpec => this.routeSpec(poolGroup) }),
    });
    addRules(this, () => gatewayRules({
      gateway: p.gateway,
      gatewayNamespace: p.gatewayNamespace,
      listener: p.listener,
      endpointPicker: p.endpointPicker,
      endpointPickerPort: p.endpointPickerPort,
      failureMode: p.failureMode,
      failureModes: Object.values(EndpointPickerFailureMode),
      poolApi: p.poolApi,
      poolApis: Object.values(InferencePoolApi),
      hostnames: this.props.hostnames,
      pathPrefix: p.pathPrefix,
      requestTimeout: p.requestTimeout,
      repeatedCalls: this.repeated,
      groupServiceName: group.name,
      // The Gateway's proxy runs beside the Gateway; the router's policy admits the group's namespace unless told otherwise.
      gatewayDenied: group.networkPolicies.length > 0 && group._isolation.clientNamespaces === undefined
        && p.gatewayNamespace !== undefined && p.gatewayNamespace !== Chart.of(group).namespace,
    }));
  }

  /** @internal `group.exposeThroughInferenceGateway()` once, whatever the number of calls (more are reported). */
  public static _expose(group: PdServingGroup, options: InferenceGatewayOptions): InferenceGateway {
    const existing = group.node.tryFindChild(GATEWAY_ID);
    if (existing instanceof InferenceGateway) {
      existing.repeated++;
      return existing;
    }
    return new InferenceGateway(group, GATEWAY_ID, { ...options, group });
  }

  /** Labels of the pods the pool sends traffic to: the router pods, as the group's Service selects them. */
  public get podSelector(): Record<string, string> {
    return { ...this.props.group.router.podSelector };
  }

  /** Port the pool sends traffic to: the router's HTTP port. */
  public get targetPort(): number {
    return this.props.group.router.httpPort;
  }

  private poolSpec(): InferencePoolV1Spec | InferencePoolV1Alpha2Spec {
    const port = this.props.endpointPickerPort ?? DEFAULT_ENDPOINT_PICKER_PORT;
    const failureMode = this.props.failureMode ?? EndpointPickerFailureMode.FAIL_CLOSE;
    if (this.poolApi === InferencePoolApi.V1ALPHA2) {
      return { selector: this.podSelector, targetPortNumber: this.targetPort, extensionRef: { name: this.endpointPicker, portNumber: port, failureMode } };
    }
    return {
      selector: { matchLabels: this.podSelector },
      targetPorts: [{ number: this.targetPort }],
      endpointPickerRef: { name: this.endpointPicker, port: { number: port }, failureMode },
    };
  }

  private routeSpec(poolGroup: string): HttpRouteSpec {
    const p = this.props;
    const timeout = p.requestTimeout === undefined ? undefined : { request: `${durationSeconds(p.requestTimeout)}s` };
    return {
      parentRefs: [{ name: p.gateway, namespace: p.gatewayNamespace, sectionName: p.listener }],
      hostnames: p.hostnames === undefined ? undefined : [...p.hostnames],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: p.pathPrefix ?? '/' } }],
        backendRefs: [{ group: poolGroup, kind: 'InferencePool', name: p.group.name }],
        timeouts: timeout,
      }],
    };
  }
}
