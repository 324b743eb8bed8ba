/* PdServingGroup.exposeThroughInferenceGateway: InferencePool and HTTPRoute. */
import { Chart, Duration, Testing } from 'cdk8s';
import { tutorialGroup } from '../examples/tutorial';
import { EndpointPickerFailureMode, InferenceGatewayOptions, InferencePoolApi, PdServingGroupProps, RbgTarget } from '../lib';
import { errorLines, strictSynth, warningLines } from './support/check';
import { validateManifests } from './schema/strict-schema';
import { container, findObject, Manifest } from './util';

function synth(options: InferenceGatewayOptions, overrides: Partial<PdServingGroupProps> = {}): Manifest[] {
  const chart = Testing.chart();
  tutorialGroup(chart, overrides).exposeThroughInferenceGateway(options);
  return strictSynth(chart);
}

function errorsOf(options: InferenceGatewayOptions): string[] {
  const chart = Testing.chart();
  tutorialGroup(chart).exposeThroughInferenceGateway(options);
  return errorLines(chart);
}

describe.each(RbgTarget.ALL.map((t) => [t.release, t] as const))('InferencePool v1 for RBG %s', (_release, rbg) => {
  // GIVEN the tutorial group WHEN exposed through the Gateway "inference-gateway"
  const manifests = synth({ gateway: 'inference-gateway' }, { rbg });
  const group = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
  const pool = findObject(manifests, 'InferencePool', 'sglang-pd');
  const route = findObject(manifests, 'HTTPRoute', 'sglang-pd');
  const service = findObject(manifests, 'Service', 'sglang-pd');

  test('selects exactly the router pods: the labels the group\'s Service selects', () => {
    expect(pool.apiVersion).toBe('inference.networking.k8s.io/v1');
    expect(pool.spec.selector).toEqual({ matchLabels: service.spec.selector });
    expect(pool.spec.selector.matchLabels).toEqual({ [rbg.groupLabel]: 'sglang-pd', [rbg.roleLabel]: 'router' });
  });

  test('targets the router\'s HTTP port', () => {
    const http = container(group, 'router').ports.find((p: any) => p.name === 'http').containerPort;
    expect(pool.spec.targetPorts).toEqual([{ number: http }]);
    expect(service.spec.ports[0].port).toBe(http);
  });

  test('points at the endpoint picker Service <group>-epp on port 9002', () => {
    expect(pool.spec.endpointPickerRef).toEqual({ name: 'sglang-pd-epp', port: { number: 9002 }, failureMode: 'FailClose' });
  });

  test('the HTTPRoute sends everything from the Gateway to the pool', () => {
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ name: 'inference-gateway' }]);
    expect(route.spec.rules).toEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [{ group: pool.apiVersion.split('/')[0], kind: pool.kind, name: pool.metadata.name }],
    }]);
  });

  test('every object validates against its CRD', () => {
    expect(validateManifests(manifests)).toEqual([]);
  });
});

describe('gateway options', () => {
  test('GIVEN InferencePoolApi.V1ALPHA2 and every option WHEN synthesized THEN the experimental pool and its route reference match', () => {
    const manifests = synth({
      gateway: 'inference-gateway',
      gatewayNamespace: 'gateway-system',
      listener: 'http',
      endpointPicker: 'my-epp',
      endpointPickerPort: 9102,
      failureMode: EndpointPickerFailureMode.FAIL_OPEN,
      poolApi: InferencePoolApi.V1ALPHA2,
      hostnames: ['llm.example.com'],
      pathPrefix: '/v1',
      requestTimeout: Duration.minutes(10),
    });
    const pool = findObject(manifests, 'InferencePool', 'sglang-pd');
    const route = findObject(manifests, 'HTTPRoute', 'sglang-pd');
    expect([pool, route]).toMatchSnapshot();
    expect(pool.apiVersion).toBe('inference.networking.x-k8s.io/v1alpha2');
    expect(pool.spec).toEqual({
      selector: findObject(manifests, 'Service', 'sglang-pd').spec.selector,
      targetPortNumber: 8000,
      extensionRef: { name: 'my-epp', portNumber: 9102, failureMode: 'FailOpen' },
    });
    expect(route.spec.parentRefs).toEqual([{ name: 'inference-gateway', namespace: 'gateway-system', sectionName: 'http' }]);
    expect(route.spec.hostnames).toEqual(['llm.example.com']);
    expect(route.spec.rules[0].backendRefs).toEqual([{ group: 'inference.networking.x-k8s.io', kind: 'InferencePool', name: 'sglang-pd' }]);
    expect(route.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/v1' } }]);
    expect(route.spec.rules[0].timeouts).toEqual({ request: '600s' });
    expect(validateManifests(manifests)).toEqual([]);
  });

  test('GIVEN a router on another HTTP port WHEN exposed THEN the pool follows it', () => {
    const pool = findObject(synth({ gateway: 'gw' }, { httpPort: 8080 }), 'InferencePool', 'sglang-pd');
    expect(pool.spec.targetPorts).toEqual([{ number: 8080 }]);
  });

  test('GIVEN the group exposed WHEN synthesized THEN the router Service stays (in-cluster clients keep using it)', () => {
    const kinds = synth({ gateway: 'gw' }).map((m) => `${m.kind}/${m.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['Service/sglang-pd', 'InferencePool/sglang-pd', 'HTTPRoute/sglang-pd']));
  });
});

describe('gateway rules', () => {
  test('GIVEN a gateway name that is not a DNS label WHEN validated THEN our error names the field', () => {
    expect(errorsOf({ gateway: 'Inference_Gateway' })).toEqual([
      'test/pd/InferenceGateway gateway="Inference_Gateway": must name a Gateway with a DNS-1123 label: at most 63 characters of lowercase a-z, 0-9 and "-", starting and ending alphanumeric',
    ]);
    expect(errorsOf({} as InferenceGatewayOptions)[0]).toMatch(/^test\/pd\/InferenceGateway gateway=unset: must name a Gateway/);
  });

  test('GIVEN the group\'s own Service as endpoint picker WHEN validated THEN it is refused', () => {
    expect(errorsOf({ gateway: 'gw', endpointPicker: 'sglang-pd' })).toEqual([
      'test/pd/InferenceGateway endpointPicker="sglang-pd": is the group\'s router Service, not an endpoint picker; name the endpoint picker\'s own Service',
    ]);
  });

  test('GIVEN bad options from JavaScript WHEN validated THEN each is reported with its field', () => {
    const lines = errorsOf({
      gateway: 'gw',
      gatewayNamespace: 'Gateway System',
      listener: 'HTTP_1',
      endpointPicker: '9epp',
      endpointPickerPort: 70000,
      failureMode: 'Retry' as EndpointPickerFailureMode,
      poolApi: 'inference.networking.k8s.io/v2' as InferencePoolApi,
      hostnames: ['10.0.0.1:80', 'LLM.example.com'],
      pathPrefix: 'v1/../admin',
      requestTimeout: Duration.days(2),
    });
    expect(lines.map((l) => l.split(': ')[0])).toEqual([
      'test/pd/InferenceGateway gatewayNamespace="Gateway System"',
      'test/pd/InferenceGateway listener="HTTP_1"',
      'test/pd/InferenceGateway endpointPicker="9epp"',
      'test/pd/InferenceGateway endpointPickerPort=70000',
      'test/pd/InferenceGateway failureMode="Retry"',
      'test/pd/InferenceGateway poolApi="inference.networking.k8s.io/v2"',
      'test/pd/InferenceGateway hostnames="10.0.0.1:80"',
      'test/pd/InferenceGateway hostnames="LLM.example.com"',
      'test/pd/InferenceGateway pathPrefix="v1/../admin"',
      'test/pd/InferenceGateway requestTimeout="172800s"',
    ]);
  });

  test('GIVEN a path prefix with "//" or "%2f" WHEN validated THEN it is refused, a plain one is not', () => {
    for (const bad of ['/v1//chat', '/a%2fb', '/./x', '/x/..']) expect(errorsOf({ gateway: 'gw', pathPrefix: bad })).toHaveLength(1);
    expect(errorsOf({ gateway: 'gw', pathPrefix: '/v1/chat' })).toEqual([]);
  });

  test('GIVEN exposeThroughInferenceGateway called twice WHEN validated THEN our error names the call', () => {
    const chart: Chart = Testing.chart();
    const g = tutorialGroup(chart);
    g.exposeThroughInferenceGateway({ gateway: 'a' });
    g.exposeThroughInferenceGateway({ gateway: 'b' });
    expect(errorLines(chart)).toEqual([
      'test/pd/InferenceGateway exposeThroughInferenceGateway=2: is called more than once on this group; it emits one InferencePool and one HTTPRoute named after the group: call it once',
    ]);
  });
});

describe('inference gateway and network isolation', () => {
  const warnings = (options: InferenceGatewayOptions, overrides: Partial<PdServingGroupProps> = {}): string[] => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    tutorialGroup(chart, overrides).exposeThroughInferenceGateway(options);
    return warningLines(chart).filter((w) => w.includes('clientNamespaces'));
  };

  test('a Gateway in another namespace than the group, with the default clients, gets a warning naming networkIsolation.clientNamespaces', () => {
    // GIVEN the group in llm and the Gateway in gateway-system WHEN isolation keeps its default clients
    // THEN the user is told the router's NetworkPolicy shuts the Gateway's proxy out
    expect(warnings({ gateway: 'g', gatewayNamespace: 'gateway-system' })).toEqual([
      expect.stringContaining('networkIsolation.clientNamespaces=unset: keeps the router\'s NetworkPolicy to clients of the group\'s namespace, which shuts out the Gateway\'s proxy in namespace gateway-system'),
    ]);
  });

  test('no warning for a Gateway in the group\'s namespace, with clientNamespaces set, or without NetworkPolicies', () => {
    expect(warnings({ gateway: 'g' })).toEqual([]);
    expect(warnings({ gateway: 'g', gatewayNamespace: 'llm' })).toEqual([]);
    expect(warnings({ gateway: 'g', gatewayNamespace: 'gateway-system' }, { networkIsolation: { clientNamespaces: {} } })).toEqual([]);
    expect(warnings({ gateway: 'g', gatewayNamespace: 'gateway-system' }, { networkIsolation: { enabled: false } })).toEqual([]);
  });
});
