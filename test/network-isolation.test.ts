/* Network isolation (NetworkPolicies per role) and the pod security posture of every role. */
import { Chart, Testing } from 'cdk8s';
import { tutorialGroup } from '../examples/tutorial';
import { networkIsolation } from '../examples/network-isolation';
import { KV_TRANSFER_PORTS, LabelSelectorOperator, ModelSource, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume, RbgTarget, RdmaProfile, RouterDiscovery } from '../lib';
import { errorLines, strictSynth } from './support/check';
import { validateManifests } from './schema/strict-schema';
import { container, findObject, kinds, Manifest, podTemplate } from './util';

function synth(overrides: Partial<PdServingGroupProps> = {}, namespace?: string): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  tutorialGroup(chart, overrides);
  return strictSynth(chart);
}

function problems(overrides: Partial<PdServingGroupProps>): string[] {
  const chart = Testing.chart();
  tutorialGroup(chart, overrides);
  return errorLines(chart);
}

// ---------------------------------------------------------------------------------------------
// A small NetworkPolicy evaluator (ingress, TCP), written from the Kubernetes API documentation,
// so the tests can ask "may pod A open port P on pod B?" instead of comparing objects.
// ---------------------------------------------------------------------------------------------

interface Pod { readonly namespace: string; readonly labels: Record<string, string>; readonly namespaceLabels: Record<string, string> }

function matches(selector: any, labels: Record<string, string>): boolean {
  const ml = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const me = (selector?.matchExpressions ?? []).every((r: any) => {
    switch (r.operator) {
      case 'In': return r.key in labels && r.values.includes(labels[r.key]);
      case 'NotIn': return !(r.key in labels) || !r.values.includes(labels[r.key]);
      case 'Exists': return r.key in labels;
      case 'DoesNotExist': return !(r.key in labels);
      default: throw new Error(`operator ${r.operator}`);
    }
  });
  return ml && me;
}

function peerAllows(peer: any, policyNamespace: string, src: Pod): boolean {
  if (peer.ipBlock !== undefined) return false;
  const nsOk = peer.namespaceSelector === undefined ? src.namespace === policyNamespace : matches(peer.namespaceSelector, src.namespaceLabels);
  const podOk = peer.podSelector === undefined ? true : matches(peer.podSelector, src.labels);
  return nsOk && podOk;
}

function portAllows(ports: any[] | undefined, port: number): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || (p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort)));
}

/** True when a TCP connection from `src` to port `port` of `dst` is allowed by `policies`. */
function allowed(policies: Manifest[], src: Pod, dst: Pod, port: number): boolean {
  const selecting = policies.filter((p) => (p.metadata.namespace ?? 'default') === dst.namespace && matches(p.spec.podSelector, dst.labels)
    && (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'));
  if (selecting.length === 0) return true;
  return selecting.some((p) => (p.spec.ingress ?? []).some((rule: any) => (rule.from === undefined || rule.from.some((peer: any) => peerAllows(peer, dst.namespace, src)))
    && portAllows(rule.ports, port)));
}

const V07 = (role: string, namespace = 'default', extra: Record<string, string> = {}): Pod => ({
  namespace,
  labels: { 'rbg.workloads.x-k8s.io/group-name': 'sglang-pd', 'rbg.workloads.x-k8s.io/role-name': role, ...extra },
  namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
});
const other = (namespace: string, labels: Record<string, string> = { app: 'client' }): Pod => ({ namespace, labels, namespaceLabels: { 'kubernetes.io/metadata.name': namespace } });

describe('default isolation: one NetworkPolicy per role, ingress only', () => {
  // GIVEN the tutorial group with default props
  const manifests = synth();
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  const [router, prefill, decode, client] = [V07('router'), V07('prefill'), V07('decode'), other('default')];

  test('three policies named after the group and role, selecting the controller labels', () => {
    expect(kinds(policies)).toEqual(['NetworkPolicy/sglang-pd-router', 'NetworkPolicy/sglang-pd-prefill', 'NetworkPolicy/sglang-pd-decode']);
    expect(findObject(policies, 'NetworkPolicy', 'sglang-pd-prefill').spec.podSelector)
      .toEqual({ matchLabels: { 'rbg.workloads.x-k8s.io/group-name': 'sglang-pd', 'rbg.workloads.x-k8s.io/role-name': 'prefill' } });
    for (const p of policies) expect(p.spec.policyTypes).toEqual(['Ingress']);
    expect(validateManifests(policies)).toEqual([]);
  });

  test('clients of the namespace reach only the router HTTP port', () => {
    expect(allowed(policies, client, router, 8000)).toBe(true);
    expect(allowed(policies, client, router, 29000)).toBe(false); // router metrics
    expect(allowed(policies, client, prefill, 8000)).toBe(false);
    expect(allowed(policies, client, prefill, 34000)).toBe(false);
    expect(allowed(policies, client, decode, 8000)).toBe(false);
    expect(allowed(policies, other('elsewhere'), router, 8000)).toBe(false);
  });

  test('the router reaches the HTTP ports of prefill and decode, nothing else', () => {
    expect(allowed(policies, router, prefill, 8000)).toBe(true);
    expect(allowed(policies, router, decode, 8000)).toBe(true);
    expect(allowed(policies, router, prefill, 34000)).toBe(false);
    expect(allowed(policies, router, decode, 40000)).toBe(false);
  });

  test('prefill and decode reach each other on the bootstrap port and the KV transfer ports', () => {
    expect(KV_TRANSFER_PORTS).toEqual({ first: 1024, last: 65535 });
    expect(allowed(policies, decode, prefill, 34000)).toBe(true);
    expect(allowed(policies, decode, prefill, 15000)).toBe(true);
    expect(allowed(policies, prefill, decode, 15000)).toBe(true);
    expect(allowed(policies, prefill, decode, 1023)).toBe(false);
    // Single-node instances: pods of one role do not talk to each other.
    expect(allowed(policies, prefill, prefill, 15000)).toBe(false);
    expect(allowed(policies, decode, decode, 15000)).toBe(false);
  });
});

describe('configured clients and scrapers (example network-isolation)', () => {
  const manifests = strictSynth(networkIsolation(Testing.app()));
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  const [router, prefill, decode] = [V07('router', 'llm'), V07('prefill', 'llm'), V07('decode', 'llm')];
  const ingress = other('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' });
  const prometheus = other('monitoring', { 'app.kubernetes.io/name': 'prometheus' });

  test('only the ingress controller reaches the router; the namespace\'s own pods no longer do', () => {
    expect(allowed(policies, ingress, router, 8000)).toBe(true);
    expect(allowed(policies, other('llm'), router, 8000)).toBe(false);
    expect(allowed(policies, other('ingress-nginx'), router, 8000)).toBe(false);
    expect(allowed(policies, ingress, prefill, 8000)).toBe(false);
  });

  test('Prometheus scrapes the router metrics port and the server HTTP ports, nothing else', () => {
    expect(allowed(policies, prometheus, router, 29000)).toBe(true);
    expect(allowed(policies, prometheus, prefill, 8000)).toBe(true);
    expect(allowed(policies, prometheus, decode, 8000)).toBe(true);
    expect(allowed(policies, prometheus, router, 8000)).toBe(false);
    expect(allowed(policies, prometheus, prefill, 34000)).toBe(false);
  });

  test('the peers carry both selectors, as given', () => {
    const p = findObject(policies, 'NetworkPolicy', 'sglang-pd-router');
    expect(p.spec.ingress[0].from).toEqual([{
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
    }]);
  });
});

describe('per controller release and opt-out', () => {
  test('v0.4 policies select the v0.4 pod labels', () => {
    const p = findObject(synth({ rbg: RbgTarget.V0_4 }), 'NetworkPolicy', 'sglang-pd-decode');
    expect(p.spec.podSelector.matchLabels).toEqual({ 'rolebasedgroup.workloads.x-k8s.io/name': 'sglang-pd', 'rolebasedgroup.workloads.x-k8s.io/role': 'decode' });
    expect(p.spec.ingress[0].from[0].podSelector.matchLabels['rolebasedgroup.workloads.x-k8s.io/role']).toBe('router');
  });

  test('{ enabled: false } emits no NetworkPolicy', () => {
    const manifests = synth({ networkIsolation: { enabled: false } });
    expect(manifests.filter((m) => m.kind === 'NetworkPolicy')).toEqual([]);
    expect(manifests.map((m) => m.kind)).toContain('RoleBasedGroup');
  });

  test('custom ports follow: HTTP 30000 and bootstrap 8998', () => {
    const policies = synth({ httpPort: 30000, bootstrapPort: 8998 }).filter((m) => m.kind === 'NetworkPolicy');
    expect(allowed(policies, other('default'), V07('router'), 30000)).toBe(true);
    expect(allowed(policies, other('default'), V07('router'), 8000)).toBe(false);
    expect(allowed(policies, V07('router'), V07('prefill'), 30000)).toBe(true);
    expect(allowed(policies, V07('decode'), V07('prefill'), 8998)).toBe(true);
  });
});

describe('bad isolation options are our errors naming the field', () => {
  test('a client selector written as a string is refused', () => {
    expect(problems({ networkIsolation: { clients: 'app=web' as any } })).toEqual([
      'test/pd networkIsolation.clients="app=web": must be a label selector object { matchLabels?, matchExpressions? }, e.g. { matchLabels: { app: "web" } }',
    ]);
  });

  test('label keys and values, operators and their values are checked', () => {
    const lines = problems({
      networkIsolation: {
        clients: {
          matchLabels: { 'bad key!': 'x', app: 'no spaces' },
          matchExpressions: [
            { key: 'tier', operator: LabelSelectorOperator.IN },
            { key: 'tier', operator: LabelSelectorOperator.EXISTS, values: ['web'] },
            { key: 'tier', operator: 'Equals' as any, values: ['web'] },
          ],
        },
        metricsScraperNamespaces: { matchLabel: { a: 'b' } } as any,
        enabled: 'yes' as any,
      },
    });
    expect(lines).toEqual([
      'test/pd networkIsolation.enabled="yes": must be true or false',
      expect.stringMatching(/^test\/pd networkIsolation.clients.matchLabels="bad key!": keys must be a label key/),
      expect.stringMatching(/^test\/pd networkIsolation.clients.matchLabels.app="no spaces": must be a label value/),
      'test/pd networkIsolation.clients.matchExpressions[0].values=[]: must hold at least one value for operator In',
      'test/pd networkIsolation.clients.matchExpressions[1].values=["web"]: must be empty for operator Exists',
      'test/pd networkIsolation.clients.matchExpressions[2].operator="Equals": must be a LabelSelectorOperator (one of In, NotIn, Exists, DoesNotExist)',
      'test/pd networkIsolation.metricsScraperNamespaces.matchLabel={"a":"b"}: is not a label selector field (matchLabels, matchExpressions)',
    ]);
  });

  test('an unknown option is refused', () => {
    expect(problems({ networkIsolation: { client: {} } as any })).toEqual([
      'test/pd networkIsolation.client={}: is not an option of networkIsolation (enabled, clients, clientNamespaces, metricsScrapers, metricsScraperNamespaces)',
    ]);
  });

  test('a selector edited after the group is created changes nothing', () => {
    const clients = { matchLabels: { app: 'web' } };
    const chart = Testing.chart();
    tutorialGroup(chart, { networkIsolation: { clients } });
    clients.matchLabels.app = 'bad value!';
    expect(errorLines(chart)).toEqual([]);
    const p = findObject(Testing.synth(chart), 'NetworkPolicy', 'sglang-pd-router');
    expect(p.spec.ingress[0].from[0].podSelector).toEqual({ matchLabels: { app: 'web' } });
  });
});

describe('pod security', () => {
  const securityOf = (c: any) => c.securityContext;

  test('servers: never privileged, every capability dropped, IPC_LOCK with RDMA only, no token', () => {
    const rbg = findObject(synth(), 'RoleBasedGroup', 'sglang-pd');
    expect(securityOf(container(rbg, 'prefill'))).toEqual({ privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } });
    expect(podTemplate(rbg, 'prefill').spec.automountServiceAccountToken).toBe(false);
    expect(podTemplate(rbg, 'decode').spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    const tcp = findObject(synth({ rdma: RdmaProfile.none() }), 'RoleBasedGroup', 'sglang-pd');
    expect(securityOf(container(tcp, 'decode'))).toEqual({ privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('only the Kubernetes-discovery router mounts a service-account token', () => {
    const staticRouter = findObject(synth(), 'RoleBasedGroup', 'sglang-pd');
    expect(podTemplate(staticRouter, 'router').spec.automountServiceAccountToken).toBe(false);
    const discovery = findObject(synth({ router: { discovery: RouterDiscovery.KUBERNETES } }), 'RoleBasedGroup', 'sglang-pd');
    expect(podTemplate(discovery, 'router').spec.automountServiceAccountToken).toBe(true);
    expect(podTemplate(discovery, 'router').spec.serviceAccountName).toBe('sglang-pd-router');
  });

  test('a port below 1024 adds NET_BIND_SERVICE, since every capability is dropped', () => {
    const rbg = findObject(synth({ httpPort: 80 }), 'RoleBasedGroup', 'sglang-pd');
    expect(securityOf(container(rbg, 'router')).capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
    expect(securityOf(container(rbg, 'prefill')).capabilities).toEqual({ drop: ['ALL'], add: ['IPC_LOCK', 'NET_BIND_SERVICE'] });
  });
});

test('GIVEN two groups without a name (JavaScript callers) WHEN validated THEN only the names are refused, not clashing NetworkPolicies', () => {
  const chart = Testing.chart();
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
  new PdServingGroup(chart, 'a', { model } as never);
  new PdServingGroup(chart, 'b', { model } as never);
  expect(errorLines(chart).map((l) => l.split(':')[0])).toEqual(['test/a name=unset', 'test/b name=unset']);
});
