/*
 * Strict schema validation of everything the library synthesizes: RoleBasedGroups against the
 * CRD of the targeted controller release, add-on objects against their CRDs and core objects
 * against the Kubernetes OpenAPI definitions, all from test/schema/data/ (committed, derived by
 * scripts/gen-schemas.mjs). Unknown fields, wrong types and missing required fields are
 * rejected, and the CRDs' CEL rules run. See test/schema/strict-schema.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { EXAMPLES } from '../examples';
import * as lib from '../lib';
import { tutorialGroup } from '../examples/tutorial';
import { RbgTarget, RouterDiscovery } from '../lib';
import { celErrors, compileRule, escapeFieldName, isTransitionRule } from './schema/cel';
import {
  DATA_DIR, RBG_TARGET_ANNOTATION, RbgRelease, celRules, coreData, crdData, podTemplatePaths, rbgSchemaFile, schemaIndex, schemaSource,
  validateManifest, validateManifests,
} from './schema/strict-schema';
import { findObject, Manifest } from './util';

const clone = (x: unknown): any => JSON.parse(JSON.stringify(x));

function synthGroup(rbg: RbgTarget, discovery: RouterDiscovery): Manifest[] {
  const chart: Chart = Testing.chart();
  tutorialGroup(chart, { router: { discovery }, rbg });
  return Testing.synth(chart);
}

const GROUPS = new Map<string, Manifest[]>();
function group(rbg: RbgTarget, discovery: RouterDiscovery = RouterDiscovery.STATIC): Manifest[] {
  const key = `${rbg.release}/${discovery}`;
  if (!GROUPS.has(key)) GROUPS.set(key, synthGroup(rbg, discovery));
  return GROUPS.get(key)!;
}
const rbgOf = (rbg: RbgTarget): any => clone(findObject(group(rbg), 'RoleBasedGroup', 'sglang-pd'));

/** Expects at least one error whose JSON path is `path` and whose message matches `message`. */
function expectError(errors: string[], path: string, message: RegExp): void {
  const hits = errors.filter((e) => e.includes(` ${path}: `) && message.test(e));
  if (hits.length === 0) throw new Error(`expected an error at ${path} matching ${message}, got:\n${errors.join('\n') || '(none)'}`);
}

/** The RoleBasedGroup schema of each release: the CRD of that release's tag (written out here, not read from the data). */
const RBG_SOURCES: Record<RbgRelease, string> = {
  'v0.4': 'crd:workloads.x-k8s.io/RoleBasedGroup.v1alpha1@v0.4.0',
  'v0.6': 'crd:workloads.x-k8s.io/RoleBasedGroup.v1alpha1@v0.6.0',
  'v0.7': 'crd:workloads.x-k8s.io/RoleBasedGroup.v1alpha2@v0.7.0',
};
const K8S_VERSION = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(fs.readFileSync(path.join(__dirname, '..', 'scripts', 'e2e', 'apiserver', 'go.mod'), 'utf8'))![1];

describe('every example validates strictly', () => {
  test.each(EXAMPLES.map((e) => [e.name, e] as const))('%s', (_name, example) => {
    const manifests = Testing.synth(example.build(Testing.app()));
    expect(manifests.length).toBeGreaterThan(0);
    expect(validateManifests(manifests)).toEqual([]);
  });
});

describe.each(RbgTarget.ALL.map((t) => [t.release, t] as const))('PdServingGroup for RBG %s', (release, target) => {
  test.each([RouterDiscovery.STATIC, RouterDiscovery.KUBERNETES])('router discovery %s validates strictly', (discovery) => {
    const manifests = group(target, discovery);
    expect(validateManifests(manifests)).toEqual([]);
    const kinds = manifests.map((m) => m.kind).sort();
    if (discovery === RouterDiscovery.KUBERNETES) expect(kinds).toEqual(expect.arrayContaining(['Role', 'RoleBinding', 'ServiceAccount']));
  });

  test('the RoleBasedGroup is checked against the CRD of its controller release', () => {
    expect(schemaSource(rbgOf(target))).toBe(RBG_SOURCES[release as RbgRelease]);
  });
});

describe('the schemas come from the clone (test/schema/data, written by scripts/gen-schemas.mjs)', () => {
  test('the index lists exactly the committed files, each with its pinned upstream source', () => {
    const onDisk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? onDisk(path.join(dir, e.name)) : [path.relative(DATA_DIR, path.join(dir, e.name))]));
    const index = schemaIndex();
    expect(onDisk(DATA_DIR).sort()).toEqual(['index.json', ...index.crds.map((c) => c.file), ...index.core.map((c) => c.file)].sort());
    for (const c of index.crds) {
      const d = crdData(c.file);
      expect({ file: c.file, group: d.group, kind: d.kind, version: d.version }).toEqual({ file: c.file, group: c.group, kind: c.kind, version: c.version });
      expect(d.source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(d.source.blob).toMatch(/^[0-9a-f]{40}$/);
      expect(c.file.endsWith(`@${d.source.tag}.json`)).toBe(true);
      expect(JSON.stringify(d.schema)).not.toMatch(/"description":"/); // documentation stripped
    }
  });

  test('every add-on CRD the library emits or will emit is there, with its upstream release', () => {
    expect(schemaIndex().crds.map((c) => `${c.group}/${c.version}/${c.kind} ${crdData(c.file).source.repo}@${crdData(c.file).source.tag}`)).toEqual([
      'workloads.x-k8s.io/v1alpha1/RoleBasedGroup sgl-project/rbg@v0.4.0',
      'workloads.x-k8s.io/v1alpha1/RoleBasedGroup sgl-project/rbg@v0.6.0',
      'workloads.x-k8s.io/v1alpha2/RoleBasedGroup sgl-project/rbg@v0.7.0',
      'workloads.x-k8s.io/v1alpha2/CoordinatedPolicy sgl-project/rbg@v0.7.0',
      'monitoring.coreos.com/v1/PodMonitor prometheus-operator/prometheus-operator@v0.93.0',
      'monitoring.coreos.com/v1/ServiceMonitor prometheus-operator/prometheus-operator@v0.93.0',
      'inference.networking.k8s.io/v1/InferencePool kubernetes-sigs/gateway-api-inference-extension@v1.6.0',
      'inference.networking.x-k8s.io/v1alpha2/InferencePool kubernetes-sigs/gateway-api-inference-extension@v1.4.0',
      'gateway.networking.k8s.io/v1/HTTPRoute kubernetes-sigs/gateway-api@v1.6.1',
      'data.fluid.io/v1alpha1/Dataset fluid-cloudnative/fluid@v1.0.8',
      'data.fluid.io/v1alpha1/JindoRuntime fluid-cloudnative/fluid@v1.0.8',
      'data.fluid.io/v1alpha1/DataLoad fluid-cloudnative/fluid@v1.0.8',
    ]);
  });

  test('the core schemas are of the kube-apiserver version the e2e builds (scripts/e2e/apiserver/go.mod)', () => {
    const core = coreData();
    expect(core.source.module).toBe('k8s.io/kubernetes');
    expect(core.source.version).toBe(K8S_VERSION);
    expect(core.source.sum).toMatch(/^h1:/);
    expect(Object.keys(core.kinds).sort()).toEqual([
      'apps/v1/Deployment', 'autoscaling/v2/HorizontalPodAutoscaler', 'networking.k8s.io/v1/NetworkPolicy',
      'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/RoleBinding',
      'v1/ConfigMap', 'v1/PersistentVolume', 'v1/PersistentVolumeClaim', 'v1/Pod', 'v1/Secret', 'v1/Service', 'v1/ServiceAccount',
    ]);
    expect(core.components.schemas['io.k8s.api.core.v1.PodTemplateSpec']).toBeDefined();
  });
});

describe('core objects are checked against the Kubernetes OpenAPI definitions', () => {
  test('each core kind has a real schema', () => {
    const sources = group(RbgTarget.V0_7, RouterDiscovery.KUBERNETES)
      .filter((m) => m.kind !== 'RoleBasedGroup')
      .map((m) => `${m.kind} ${schemaSource(m)}`);
    expect(sources.sort()).toEqual([
      'CoordinatedPolicy crd:workloads.x-k8s.io/CoordinatedPolicy.v1alpha2@v0.7.0',
      ...Array(3).fill(`NetworkPolicy core:io.k8s.api.networking.v1.NetworkPolicy@${K8S_VERSION}`),
      `PersistentVolume core:io.k8s.api.core.v1.PersistentVolume@${K8S_VERSION}`,
      `PersistentVolumeClaim core:io.k8s.api.core.v1.PersistentVolumeClaim@${K8S_VERSION}`,
      `Role core:io.k8s.api.rbac.v1.Role@${K8S_VERSION}`,
      `RoleBinding core:io.k8s.api.rbac.v1.RoleBinding@${K8S_VERSION}`,
      `Service core:io.k8s.api.core.v1.Service@${K8S_VERSION}`,
      `ServiceAccount core:io.k8s.api.core.v1.ServiceAccount@${K8S_VERSION}`,
    ]);
  });

  test('a Service with an unknown spec field fails', () => {
    const svc = clone(findObject(group(RbgTarget.V0_7), 'Service', 'sglang-pd'));
    svc.spec.bogusField = true;
    svc.spec.ports[0].targetPorts = 8000; // typo of targetPort
    const errors = validateManifest(svc);
    expectError(errors, 'spec.bogusField', /unknown field/);
    expectError(errors, 'spec.ports[0].targetPorts', /unknown field/);
  });

  test('a PersistentVolume with a wrong type fails', () => {
    const pv = clone(findObject(group(RbgTarget.V0_7), 'PersistentVolume', 'llm-model'));
    pv.spec.accessModes = 'ReadOnlyMany';
    pv.spec.csi.readOnly = 'yes';
    const errors = validateManifest(pv);
    expectError(errors, 'spec.accessModes', /must be array/);
    expectError(errors, 'spec.csi.readOnly', /must be boolean/);
  });

  test('missing required fields and bad metadata fail', () => {
    const pvc = clone(findObject(group(RbgTarget.V0_7), 'PersistentVolumeClaim', 'llm-model'));
    delete pvc.metadata.name;
    pvc.metadata.labels = { ok: 'x', bad: 3 };
    pvc.metadata.bogus = 1;
    const errors = validateManifest(pvc);
    expectError(errors, 'metadata.name', /required/);
    expectError(errors, 'metadata.labels.bad', /must be string/);
    expectError(errors, 'metadata.bogus', /unknown field/);

    const role = clone(findObject(group(RbgTarget.V0_7, RouterDiscovery.KUBERNETES), 'Role', 'sglang-pd-router'));
    delete role.rules[0].verbs;
    expectError(validateManifest(role), 'rules[0].verbs', /required/);
  });

  test('maps stay open and free-form values are not flagged', () => {
    const svc = clone(findObject(group(RbgTarget.V0_7), 'Service', 'sglang-pd'));
    svc.spec.selector = { 'any.key/works': 'v', other: 'w' };
    svc.metadata.annotations = { 'example.com/anything': 'x' };
    expect(validateManifest(svc)).toEqual([]);
  });

  test('int-or-string, Quantity and list-type set are enforced on core objects', () => {
    const svc = clone(findObject(group(RbgTarget.V0_7), 'Service', 'sglang-pd'));
    svc.spec.ports[0].targetPort = true;
    expectError(validateManifest(svc), 'spec.ports[0].targetPort', /must be integer or string/);
    svc.spec.ports[0].targetPort = 'http';
    expect(validateManifest(svc)).toEqual([]);

    const pvc = clone(findObject(group(RbgTarget.V0_7), 'PersistentVolumeClaim', 'llm-model'));
    pvc.spec.resources.requests.storage = '30 GiB';
    expectError(validateManifest(pvc), 'spec.resources.requests.storage', /must match format "quantity"/);
    pvc.spec.resources.requests.storage = 30;
    expect(validateManifest(pvc)).toEqual([]);
    pvc.spec.resources.requests.storage = { value: 30 };
    expectError(validateManifest(pvc), 'spec.resources.requests.storage', /must be string or number/);

    pvc.spec.resources.requests.storage = '30Gi';
    pvc.metadata.finalizers = ['a', 'a'];
    expectError(validateManifest(pvc), 'metadata.finalizers', /duplicate items/);
  });

  test('core objects are closed where their schema declares fields', () => {
    // A few fields of each type that Kubernetes documents, and one it does not.
    const cases: [Manifest, string, string[]][] = [
      [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: {} }, 'spec', ['clusterIP', 'ports', 'selector', 'type', 'sessionAffinity', 'externalTrafficPolicy', 'ipFamilies', 'trafficDistribution']],
      [{ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'a' }, spec: {} }, 'spec', ['accessModes', 'capacity', 'csi', 'persistentVolumeReclaimPolicy', 'storageClassName', 'volumeMode']],
      [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c' }] } }, 'spec.containers[0]', ['image', 'args', 'command', 'env', 'ports', 'resources', 'startupProbe', 'volumeMounts']],
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, 'metadata', ['namespace', 'labels', 'annotations', 'finalizers', 'ownerReferences']],
    ];
    for (const [obj, at, fields] of cases) {
      const target = at.split(/[.[\]]+/).filter(Boolean).reduce((o: any, k) => o[k], obj);
      for (const f of fields) target[f] = null;
      expect(validateManifest(obj).filter((e) => /unknown field/.test(e))).toEqual([]);
      target.zzUndeclared = 1;
      const unknown = validateManifest(obj).filter((e) => /unknown field/.test(e));
      expect(unknown).toHaveLength(1);
      expect(unknown[0].startsWith(`${obj.kind}/a ${at}.zzUndeclared: unknown field`)).toBe(true);
    }
  });

  test('NetworkPolicy, HorizontalPodAutoscaler v2 and Deployment are checked too', () => {
    const meta = { name: 'sglang-pd', namespace: 'llm' };
    const objs: Manifest[] = [
      {
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta,
        spec: { podSelector: { matchLabels: { app: 'x' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8000, protocol: 'TCP' }] }] },
      },
      {
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta,
        spec: {
          scaleTargetRef: { apiVersion: 'workloads.x-k8s.io/v1alpha2', kind: 'RoleBasedGroupScalingAdapter', name: 'sglang-pd-decode' },
          minReplicas: 1, maxReplicas: 4,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
        },
      },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta,
        spec: {
          replicas: 1, selector: { matchLabels: { app: 'x' } },
          template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: '500m', memory: '1Gi' } } }] } },
        },
      },
    ];
    expect(objs.map((o) => schemaSource(o))).toEqual([
      `core:io.k8s.api.networking.v1.NetworkPolicy@${K8S_VERSION}`,
      `core:io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler@${K8S_VERSION}`,
      `core:io.k8s.api.apps.v1.Deployment@${K8S_VERSION}`,
    ]);
    expect(validateManifests(objs)).toEqual([]);

    const [np, hpa, deploy] = clone(objs);
    np.spec.ingress[0].ports[0].port = 1.5;
    expectError(validateManifest(np), 'spec.ingress[0].ports[0].port', /must be integer or string/);
    delete hpa.spec.maxReplicas;
    hpa.spec.metrics[0].resource.target.averageUtilisation = 80;
    expectError(validateManifest(hpa), 'spec.maxReplicas', /required/);
    expectError(validateManifest(hpa), 'spec.metrics[0].resource.target.averageUtilisation', /unknown field/);
    deploy.spec.template.spec.containers[0].resources.limits.cpu = 'half';
    deploy.spec.template.spec.containers[0].imagePullPolicy = 3;
    expectError(validateManifest(deploy), 'spec.template.spec.containers[0].resources.limits.cpu', /format "quantity"/);
    expectError(validateManifest(deploy), 'spec.template.spec.containers[0].imagePullPolicy', /must be string/);
  });

  test('unknown kinds fail instead of passing unchecked', () => {
    expectError(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), '<root>', /no schema/);
    expectError(validateManifest({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'w' } }), '<root>', /no schema/);
  });
});

describe('RoleBasedGroups are checked strictly against the CRD', () => {
  test('unknown field under a role (v0.7)', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    rbg.spec.roles[0].bogus = 1;
    expectError(validateManifest(rbg), 'spec.roles[0].bogus', /unknown field/);
  });

  test('unknown field under a container (every release)', () => {
    for (const t of RbgTarget.ALL) {
      const rbg = rbgOf(t);
      const tpl = t.version === 'v1alpha2' ? rbg.spec.roles[0].standalonePattern.template : rbg.spec.roles[0].template;
      tpl.spec.containers[0].bogus = 'x';
      const at = t.version === 'v1alpha2' ? 'spec.roles[0].standalonePattern.template' : 'spec.roles[0].template';
      expectError(validateManifest(rbg), `${at}.spec.containers[0].bogus`, /unknown field/);
    }
  });

  test('wrong type: replicas as a string', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    rbg.spec.roles[1].replicas = '2';
    expectError(validateManifest(rbg), 'spec.roles[1].replicas', /must be integer/);
  });

  test('missing required field: role without a name', () => {
    for (const t of RbgTarget.ALL) {
      const rbg = rbgOf(t);
      delete rbg.spec.roles[0].name;
      expectError(validateManifest(rbg), 'spec.roles[0].name', /required/);
    }
  });

  test('int-or-string, quantity and int32 formats are enforced', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    const c = rbg.spec.roles[0].standalonePattern.template.spec.containers[0];
    c.ports[0].containerPort = 2 ** 31;
    c.resources = { ...c.resources, limits: { ...(c.resources?.limits ?? {}), cpu: true, memory: '8 GB' } };
    const errors = validateManifest(rbg);
    const at = 'spec.roles[0].standalonePattern.template.spec.containers[0]';
    expectError(errors, `${at}.ports[0].containerPort`, /format "int32"/);
    expectError(errors, `${at}.resources.limits.cpu`, /integer or string/);
    expectError(errors, `${at}.resources.limits.memory`, /must match pattern/);
  });

  test('pod templates inside roles are checked against the core PodTemplateSpec too', () => {
    expect(podTemplatePaths(rbgSchemaFile('v0.4'))).toEqual(['.spec.roles[].template']);
    expect(podTemplatePaths(rbgSchemaFile('v0.6'))).toEqual(['.spec.roleTemplates[].template', '.spec.roles[].template']);
    expect(podTemplatePaths(rbgSchemaFile('v0.7'))).toEqual([
      '.spec.roleTemplates[].template', '.spec.roles[].leaderWorkerPattern.template', '.spec.roles[].standalonePattern.template',
    ]);
    // The CRDs' copy of ObjectMeta has no list type on finalizers; the core one makes it a set.
    for (const t of RbgTarget.ALL) {
      const rbg = rbgOf(t);
      const tpl = t.version === 'v1alpha2' ? rbg.spec.roles[0].standalonePattern.template : rbg.spec.roles[0].template;
      tpl.metadata.finalizers = ['x', 'x'];
      const at = t.version === 'v1alpha2' ? 'spec.roles[0].standalonePattern.template' : 'spec.roles[0].template';
      expectError(validateManifest(rbg), `${at}.metadata.finalizers`, /duplicate items/);
    }
  });

  test('a v1alpha2-only field in a v0.4 object fails', () => {
    const rbg = rbgOf(RbgTarget.V0_4);
    rbg.spec.roles[0].standalonePattern = { template: rbg.spec.roles[0].template };
    expectError(validateManifest(rbg), 'spec.roles[0].standalonePattern', /unknown field/);
  });

  test('v0.4 objects use no field the v0.4 CRD lacks', () => {
    // Independent of Ajv: walk the object alongside the structural v0.4 schema.
    const schema = crdData(rbgSchemaFile('v0.4')).schema;
    const undeclared: string[] = [];
    const walk = (value: any, node: any, at: string): void => {
      if (!node || value === null || typeof value !== 'object') return;
      if (Array.isArray(value)) {
        value.forEach((v, i) => walk(v, node.items, `${at}[${i}]`));
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        if (at === '' && k === 'metadata') continue; // ObjectMeta, not part of the CRD schema
        const child = node.properties?.[k] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
        if (child) walk(v, child, `${at}.${k}`);
        else if (!node['x-kubernetes-preserve-unknown-fields']) undeclared.push(`${at}.${k}`);
      }
    };
    for (const m of [rbgOf(RbgTarget.V0_4), ...group(RbgTarget.V0_4, RouterDiscovery.KUBERNETES).filter((o) => o.kind === 'RoleBasedGroup')]) {
      walk(m, schema, '');
      expect(m.spec.roles.map((r: any) => Object.keys(r).filter((k) => !(k in schema.properties.spec.properties.roles.items.properties)))).toEqual([[], [], []]);
    }
    expect(undeclared).toEqual([]);
    // v0.6 roles may carry labels/annotations; v0.4 has none of them.
    for (const field of ['labels', 'annotations', 'minReadySeconds', 'templateRef', 'components', 'standalonePattern']) {
      expect(schema.properties.spec.properties.roles.items.properties[field]).toBeUndefined();
    }
  });

  test('a RoleBasedGroup annotated for one release fails against another release where fields differ', () => {
    const rbg = rbgOf(RbgTarget.V0_6);
    rbg.spec.roles[0].labels = { a: 'b' }; // v0.6 knows role labels, v0.4 does not
    expect(validateManifest(rbg)).toEqual([]);
    expectError(validateManifest(rbg, { rbgRelease: 'v0.4' }), 'spec.roles[0].labels', /unknown field/);
  });

  test('the release annotation is the one the library writes', () => {
    expect(RBG_TARGET_ANNOTATION).toBe(lib.RBG_TARGET_ANNOTATION);
    for (const t of RbgTarget.ALL) expect(rbgOf(t).metadata.annotations[RBG_TARGET_ANNOTATION]).toBe(t.release);
  });

  test('annotation and apiVersion must agree', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    rbg.metadata.annotations['cdk8s-sglang-pd/rbg-target'] = 'v0.4';
    expectError(validateManifest(rbg), '<root>', /serves RoleBasedGroup v1alpha1, not v1alpha2/);
    rbg.metadata.annotations['cdk8s-sglang-pd/rbg-target'] = 'v9.9';
    expectError(validateManifest(rbg), '<root>', /names no known release/);
  });

  test('a RoleBasedGroup without the annotation is checked against the newest release serving its version', () => {
    for (const [t, source] of [[RbgTarget.V0_7, RBG_SOURCES['v0.7']], [RbgTarget.V0_6, RBG_SOURCES['v0.6']]] as const) {
      const rbg = rbgOf(t);
      delete rbg.metadata.annotations[RBG_TARGET_ANNOTATION];
      expect(schemaSource(rbg)).toBe(source);
      expect(validateManifest(rbg)).toEqual([]);
    }
  });

  test('duplicate role names (list-map key) fail', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    rbg.spec.roles.push(clone(rbg.spec.roles[0]));
    expectError(validateManifest(rbg), 'spec.roles', /duplicate entry/);
  });
});

describe('CEL rules (x-kubernetes-validations), evaluated by @bufbuild/cel', () => {
  test('which rules the RoleBasedGroup CRDs have', () => {
    expect(celRules(rbgSchemaFile('v0.4'))).toEqual([]);
    expect(celRules(rbgSchemaFile('v0.6')).map((r) => `${r.path}: ${r.message}`)).toEqual([
      '.spec.roles[]: templateRef is not supported for InstanceSet workloads',
      '.spec.roles[]: templateRef is not supported for LeaderWorkerSet workloads',
      '.spec.roles[]: template or templateRef must be set for non-InstanceSet workloads',
      '.spec.roles[]: template and templateRef are mutually exclusive',
    ]);
    expect(celRules(rbgSchemaFile('v0.7')).map((r) => `${r.path}: ${r.message}`)).toEqual([
      '.spec.roles[]: standalonePattern and leaderWorkerPattern are mutually exclusive',
      '.spec.roles[]: leaderWorkerPattern.sharedServiceSelection=LeaderOnly is only supported for RoleInstanceSet + leaderWorkerPattern',
      '.spec.roles[].leaderWorkerPattern: template and templateRef are mutually exclusive',
      '.spec.roles[].standalonePattern: template and templateRef are mutually exclusive',
    ]);
  });

  test('every rule of every committed CRD parses and plans, and none is a transition rule', () => {
    const all = schemaIndex().crds.flatMap((c) => celRules(c.file).map((r) => ({ file: c.file, ...r })));
    expect(all.length).toBeGreaterThan(90); // HTTPRoute alone has 89
    for (const r of all) expect(() => compileRule(r.rule)).not.toThrow();
    expect(all.filter((r) => isTransitionRule(r.rule))).toEqual([]);
  });

  test('self is typed by the schema: integers are CEL ints, numbers doubles, fields escaped, map keys not', () => {
    const node = {
      type: 'object',
      properties: {
        i: { type: 'integer' }, d: { type: 'number' }, ios: { 'x-kubernetes-int-or-string': true },
        namespace: { type: 'string' }, 'a-b': { type: 'string' }, m: { type: 'object', additionalProperties: { type: 'integer' } },
      },
    };
    const value = { i: 1, d: 1, ios: 2, namespace: 'ns', 'a-b': 'x', m: { 'k-1': 3 } };
    const ok = (rule: string) => celErrors([{ rule, message: 'no' }], value, node);
    for (const rule of [
      'type(self.i) == int', 'type(self.d) == double', 'type(self.ios) == int', "self.__namespace__ == 'ns'", "self.a__dash__b == 'x'",
      "self.m['k-1'] == 3", "has(self.m) && 'k-1' in self.m",
    ]) expect({ rule, errors: ok(rule) }).toEqual({ rule, errors: [] });
    expect(ok('type(self.i) == double')).toEqual(['no (x-kubernetes-validations: type(self.i) == double)']);
    expect(ok('self.missing == 1')[0]).toMatch(/^CEL rule could not be evaluated/);
    expect(escapeFieldName('a.b')).toBe('a__dot__b');
    expect(escapeFieldName('x/y')).toBe('x__slash__y');
    expect(escapeFieldName('a__b')).toBe('a__underscores__b');
    expect(escapeFieldName('1abc')).toBeUndefined();
  });

  test('v1alpha2: standalonePattern and leaderWorkerPattern are exclusive, and one pattern is needed', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    rbg.spec.roles[0].leaderWorkerPattern = { size: 2, template: rbg.spec.roles[0].standalonePattern.template };
    const errors = validateManifest(rbg);
    expectError(errors, 'spec.roles[0]', /standalonePattern and leaderWorkerPattern are mutually exclusive/);
    expectError(errors, 'spec.roles[0]', /exactly one of standalonePattern, leaderWorkerPattern, customComponentsPattern/);

    const none = rbgOf(RbgTarget.V0_7);
    delete none.spec.roles[2].standalonePattern;
    expectError(validateManifest(none), 'spec.roles[2]', /exactly one of .* \(has none\)/);
  });

  test('v1alpha2: LeaderOnly service selection needs the RoleInstanceSet workload type', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    const role = rbg.spec.roles[0];
    role.leaderWorkerPattern = { size: 2, template: role.standalonePattern.template, sharedServiceSelection: 'LeaderOnly' };
    delete role.standalonePattern;
    role.annotations = { 'rbg.workloads.x-k8s.io/role-workload-type': 'apps/v1/StatefulSet' };
    expectError(validateManifest(rbg), 'spec.roles[0]', /LeaderOnly is only supported for RoleInstanceSet/);
    role.annotations['rbg.workloads.x-k8s.io/role-workload-type'] = 'workloads.x-k8s.io/v1alpha2/RoleInstanceSet';
    expect(validateManifest(rbg).filter((e) => /x-kubernetes-validations/.test(e))).toEqual([]);
  });

  test('v1alpha2: template and templateRef are exclusive; templateRef needs a patch', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    rbg.spec.roleTemplates = [{ name: 'base', template: rbg.spec.roles[0].standalonePattern.template }];
    rbg.spec.roles[0].standalonePattern.templateRef = { name: 'base', patch: {} };
    expectError(validateManifest(rbg), 'spec.roles[0].standalonePattern', /template and templateRef are mutually exclusive/);

    delete rbg.spec.roles[0].standalonePattern.template;
    expect(validateManifest(rbg)).toEqual([]);
    delete rbg.spec.roles[0].standalonePattern.templateRef.patch;
    expectError(validateManifest(rbg), 'spec.roles[0].standalonePattern.templateRef.patch', /needs a patch/);
  });

  test('v0.6 (v1alpha1): template and templateRef are exclusive, and one is needed', () => {
    const rbg = rbgOf(RbgTarget.V0_6);
    rbg.spec.roleTemplates = [{ name: 'base', template: rbg.spec.roles[0].template }];
    rbg.spec.roles[0].templateRef = { name: 'base' };
    rbg.spec.roles[0].templatePatch = {};
    const errors = validateManifest(rbg);
    expectError(errors, 'spec.roles[0]', /template and templateRef are mutually exclusive/);
    expectError(errors, 'spec.roles[0]', /template or templateRef must be set/);

    delete rbg.spec.roles[1].template;
    expectError(validateManifest(rbg), 'spec.roles[1]', /template or templateRef must be set for non-InstanceSet workloads/);

    const lws = rbgOf(RbgTarget.V0_6);
    lws.spec.roleTemplates = [{ name: 'base', template: lws.spec.roles[0].template }];
    delete lws.spec.roles[0].template;
    lws.spec.roles[0].templateRef = { name: 'base' };
    lws.spec.roles[0].workload = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet' };
    expectError(validateManifest(lws), 'spec.roles[0]', /templateRef is not supported for LeaderWorkerSet workloads/);
  });

  test('v0.4: template is required by the schema (no CEL there)', () => {
    const rbg = rbgOf(RbgTarget.V0_4);
    delete rbg.spec.roles[0].template;
    expectError(validateManifest(rbg), 'spec.roles[0].template', /required/);
  });

  test('dependencies must name other roles and must not form a cycle', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    rbg.spec.roles[0].dependencies = ['nope'];
    expectError(validateManifest(rbg), 'spec.roles[0].dependencies[0]', /unknown role "nope"/);
    const router = rbg.spec.roles.findIndex((r: any) => r.name === 'router');
    rbg.spec.roles[0].dependencies = ['router'];
    expect(rbg.spec.roles[router].dependencies).toContain(rbg.spec.roles[0].name);
    expectError(validateManifest(rbg), 'spec.roles', /dependency cycle/);
  });
});

describe('add-on CRDs are picked by group/kind/version', () => {
  const meta = { name: 'sglang-pd', namespace: 'default' };
  const ADDONS: Manifest[] = [
    {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: meta,
      spec: { selector: { matchLabels: { 'alibabacloud.com/inference-backend': 'sglang' } }, podMetricsEndpoints: [{ port: 'http', path: '/metrics' }] },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta,
      spec: { selector: { matchLabels: { app: 'x' } }, endpoints: [{ port: 'http', interval: '30s' }] },
    },
    {
      apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', metadata: meta,
      spec: { selector: { matchLabels: { app: 'x' } }, targetPorts: [{ number: 8000 }], endpointPickerRef: { name: 'epp', port: { number: 9002 } } },
    },
    {
      apiVersion: 'inference.networking.x-k8s.io/v1alpha2', kind: 'InferencePool', metadata: meta,
      spec: { selector: { app: 'x' }, targetPortNumber: 8000, extensionRef: { name: 'epp' } },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta,
      spec: {
        parentRefs: [{ name: 'inference-gateway' }],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'sglang-pd' }] }],
      },
    },
    {
      apiVersion: 'data.fluid.io/v1alpha1', kind: 'Dataset', metadata: meta,
      spec: { mounts: [{ mountPoint: 'oss://bucket/Qwen3-32B/', name: 'qwen3-32b', options: { 'fs.oss.endpoint': 'oss-cn-hangzhou-internal.aliyuncs.com' } }] },
    },
    {
      apiVersion: 'data.fluid.io/v1alpha1', kind: 'JindoRuntime', metadata: meta,
      spec: { replicas: 2, tieredstore: { levels: [{ mediumtype: 'MEM', path: '/dev/shm', quota: '40Gi', high: '0.99', low: '0.95' }] } },
    },
    {
      apiVersion: 'data.fluid.io/v1alpha1', kind: 'DataLoad', metadata: meta,
      spec: { dataset: { name: 'qwen3-32b', namespace: 'default' }, loadMetadata: true, target: [{ path: '/', replicas: 1 }] },
    },
    {
      apiVersion: 'workloads.x-k8s.io/v1alpha2', kind: 'CoordinatedPolicy', metadata: meta,
      spec: { policies: [{ name: 'prefill-decode', roles: ['prefill', 'decode'], strategy: { rollingUpdate: { maxSkew: '10%', partition: 1 } } }] },
    },
  ];

  test.each(ADDONS.map((o) => [`${o.kind} ${o.apiVersion}`, o] as const))('%s: valid, and an unknown spec field fails', (_kind, obj) => {
    const [group, version] = obj.apiVersion.split('/');
    expect(schemaSource(obj)).toMatch(new RegExp(`^crd:${group.replace(/\./g, '\\.')}/${obj.kind}\\.${version}@v[0-9.]+$`));
    expect(validateManifest(obj)).toEqual([]);
    const bad = clone(obj);
    bad.spec.bogusField = 1;
    expectError(validateManifest(bad), 'spec.bogusField', /unknown field/);
  });

  test('CoordinatedPolicy: a rule needs roles and a strategy; the rule names are a map key', () => {
    const policy = clone(ADDONS[ADDONS.length - 1]);
    delete policy.spec.policies[0].roles;
    delete policy.spec.policies[0].strategy;
    expectError(validateManifest(policy), 'spec.policies[0].roles', /required/);
    expectError(validateManifest(policy), 'spec.policies[0].strategy', /required/);
    const twice = clone(ADDONS[ADDONS.length - 1]);
    twice.spec.policies.push(clone(twice.spec.policies[0]));
    expectError(validateManifest(twice), 'spec.policies', /duplicate|unique/);
  });

  test('the CRD version must be one of the committed ones', () => {
    expectError(validateManifest({ ...ADDONS[0], apiVersion: 'monitoring.coreos.com/v9' }), '<root>', /PodMonitor CRD schemas are of v1, not v9/);
  });

  test('InferencePool v1: CEL rules on endpointPickerRef and targetPorts', () => {
    const pool = clone(ADDONS[2]);
    pool.spec.endpointPickerRef = { kind: 'Service', name: 'epp' };
    pool.spec.targetPorts = [{ number: 8000 }, { number: 8000 }];
    const errors = validateManifest(pool);
    expectError(errors, 'spec.endpointPickerRef', /x-kubernetes-validations: self.kind != 'Service' \|\| has\(self.port\)/);
    expectError(errors, 'spec.targetPorts', /x-kubernetes-validations: self.all\(p1, self.exists_one/);
  });

  test('HTTPRoute: CEL rules on paths, filters and repeated parents (escaped field namespace)', () => {
    const route = clone(ADDONS[4]);
    route.spec.rules[0].matches[0].path.value = 'v1/chat';
    expectError(validateManifest(route), 'spec.rules[0].matches[0].path', /must be an absolute path/);
    route.spec.rules[0].matches[0].path.value = '/v1/a b';
    expectError(validateManifest(route), 'spec.rules[0].matches[0].path', /must only contain valid characters/);

    const parents = clone(ADDONS[4]);
    // group and kind are defaulted (gateway.networking.k8s.io, Gateway) before the rules run
    parents.spec.parentRefs = [{ name: 'gw', namespace: 'a' }, { name: 'gw', namespace: 'a' }];
    expectError(validateManifest(parents), 'spec.parentRefs', /sectionName must be unique when parentRefs includes 2 or more references to the same parent/);
    parents.spec.parentRefs[1].namespace = 'b'; // a different parent: `namespace` is seen as __namespace__
    expect(validateManifest(parents)).toEqual([]);
    parents.spec.parentRefs = [{ name: 'gw', sectionName: 'http' }, { name: 'gw', group: 'gateway.networking.k8s.io' }];
    expectError(validateManifest(parents), 'spec.parentRefs', /sectionName must be specified when parentRefs includes 2 or more references to the same parent/);

    const timeouts = clone(ADDONS[4]);
    timeouts.spec.rules[0].timeouts = { request: '10s', backendRequest: '20s' };
    expectError(validateManifest(timeouts), 'spec.rules[0].timeouts', /backendRequest timeout cannot be longer than request timeout/);
    timeouts.spec.rules[0].timeouts.backendRequest = '5s';
    expect(validateManifest(timeouts)).toEqual([]);
  });
});

describe('the objects of monitoring, the inference gateway and autoscaling are checked against their CRDs', () => {
  function synthOps(kind: lib.MonitorKind, poolApi: lib.InferencePoolApi): Manifest[] {
    const chart: Chart = Testing.chart();
    const g = tutorialGroup(chart, {
      router: { discovery: RouterDiscovery.KUBERNETES },
      prefill: { autoscaling: { minReplicas: 1, maxReplicas: 4, metric: lib.ScalingMetric.cpuUtilization(70) } },
      decode: { autoscaling: { maxReplicas: 2 } },
    });
    g.enableMonitoring({ kind });
    g.exposeThroughInferenceGateway({ gateway: 'inference-gateway', poolApi, hostnames: ['llm.example.com'] });
    return Testing.synth(chart);
  }

  test.each([
    [lib.MonitorKind.POD_MONITOR, lib.InferencePoolApi.V1, 'crd:monitoring.coreos.com/PodMonitor.v1@v0.93.0', 'crd:inference.networking.k8s.io/InferencePool.v1@v1.6.0'],
    [lib.MonitorKind.SERVICE_MONITOR, lib.InferencePoolApi.V1ALPHA2, 'crd:monitoring.coreos.com/ServiceMonitor.v1@v0.93.0', 'crd:inference.networking.x-k8s.io/InferencePool.v1alpha2@v1.4.0'],
  ])('%s with an InferencePool %s', (kind, poolApi, monitorSource, poolSource) => {
    const manifests = synthOps(kind, poolApi);
    expect(validateManifests(manifests)).toEqual([]);
    const sources = (k: string) => manifests.filter((m) => m.kind === k).map((m) => schemaSource(m));
    expect(sources(kind)).toEqual([monitorSource]);
    expect(sources('InferencePool')).toEqual([poolSource]);
    expect(sources('HTTPRoute')).toEqual(['crd:gateway.networking.k8s.io/HTTPRoute.v1@v1.6.1']);
    expect(sources('HorizontalPodAutoscaler')).toEqual([`core:io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler@${K8S_VERSION}`, `core:io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler@${K8S_VERSION}`]);
    // and the check bites on them: a relabeling action the operator does not know, a second target port of the same number
    const monitor = clone(manifests.find((m) => m.kind === kind));
    (monitor.spec.podMetricsEndpoints ?? monitor.spec.endpoints)[0].relabelings[0].action = 'Keepp';
    expectError(validateManifest(monitor), `spec.${kind === lib.MonitorKind.POD_MONITOR ? 'podMetricsEndpoints' : 'endpoints'}[0].relabelings[0].action`, /must be one of "replace", .*\(got string "Keepp"\)/);
    const hpa = clone(findObject(manifests, 'HorizontalPodAutoscaler', 'sglang-pd-decode'));
    hpa.spec.metrics[0].pods.target.averageValue = '0.8 of the pool';
    expectError(validateManifest(hpa), 'spec.metrics[0].pods.target.averageValue', /format "quantity"/);
  });
});
