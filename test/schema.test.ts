/*
 * Strict schema validation of everything the library synthesizes: RoleBasedGroups against the
 * upstream CRD of the targeted controller release (from ../shared/crds or $SHARED_CRDS), core
 * objects against the Kubernetes schemas of kubernetes-models, unknown fields rejected, and the
 * CRDs' CEL rules re-implemented as explicit checks. See test/schema/strict-schema.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { EXAMPLES } from '../examples';
import * as lib from '../lib';
import { tutorialGroup } from '../examples/tutorial';
import { RbgTarget, RouterDiscovery } from '../lib';
import {
  RBG_CRDS, RBG_TARGET_ANNOTATION, celRules, crdOpenApiSchema, schemaSource, unimplementedCelRules, validateManifest, validateManifests,
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
    const crd = RBG_CRDS[release as keyof typeof RBG_CRDS];
    expect(schemaSource(rbgOf(target))).toBe(`crd:${crd.file}#${crd.version}`);
  });
});

describe('core objects are checked against kubernetes-models schemas', () => {
  test('each core kind has a real schema', () => {
    const sources = group(RbgTarget.V0_7, RouterDiscovery.KUBERNETES)
      .filter((m) => m.kind !== 'RoleBasedGroup')
      .map((m) => `${m.kind} ${schemaSource(m)}`);
    expect(sources.sort()).toEqual([
      'PersistentVolume kubernetes-models:IoK8sApiCoreV1PersistentVolume',
      'PersistentVolumeClaim kubernetes-models:IoK8sApiCoreV1PersistentVolumeClaim',
      'Role kubernetes-models:IoK8sApiRbacV1Role',
      'RoleBinding kubernetes-models:IoK8sApiRbacV1RoleBinding',
      'Service kubernetes-models:IoK8sApiCoreV1Service',
      'ServiceAccount kubernetes-models:IoK8sApiCoreV1ServiceAccount',
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

  test('read tracking sees every field that kubernetes-models declares (cross-check with its .d.ts)', () => {
    const declared = (file: string): string[] => {
      const text = fs.readFileSync(path.join(__dirname, '..', 'node_modules', file), 'utf8');
      const body = /export interface I\w+ \{([\s\S]*?)\n\}/.exec(text)![1];
      return [...body.matchAll(/^ {4}"([^"]+)"\??:/gm)].map((m) => m[1]);
    };
    const allNull = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, null]));
    const cases: [Manifest, string][] = [
      [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: allNull(declared('kubernetes-models/v1/ServiceSpec.d.ts')) }, 'spec'],
      [{ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'a' }, spec: allNull(declared('kubernetes-models/v1/PersistentVolumeSpec.d.ts')) }, 'spec'],
      [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [allNull(declared('kubernetes-models/v1/Container.d.ts'))] } }, 'spec.containers[0]'],
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...allNull(declared('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta.d.ts')), name: 'a' } }, 'metadata'],
    ];
    for (const [obj, at] of cases) {
      const target = at.split(/[.[\]]+/).filter(Boolean).reduce((o: any, k) => o[k], obj);
      expect(Object.keys(target).length).toBeGreaterThan(5);
      expect(validateManifest(obj).filter((e) => /unknown field/.test(e))).toEqual([]);
      target.zzUndeclared = 1;
      const unknown = validateManifest(obj).filter((e) => /unknown field/.test(e));
      expect(unknown).toHaveLength(1);
      expect(unknown[0].startsWith(`${obj.kind}/a ${at}.zzUndeclared: unknown field`)).toBe(true);
    }
  });

  test('unknown kinds fail instead of passing unchecked', () => {
    expectError(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), '<root>', /no schema/);
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

  test('int-or-string and int32 formats are enforced', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    const c = rbg.spec.roles[0].standalonePattern.template.spec.containers[0];
    c.ports[0].containerPort = 2 ** 31;
    c.resources = { ...c.resources, limits: { ...(c.resources?.limits ?? {}), cpu: true } };
    const errors = validateManifest(rbg);
    expectError(errors, 'spec.roles[0].standalonePattern.template.spec.containers[0].ports[0].containerPort', /format "int32"/);
    expectError(errors, 'spec.roles[0].standalonePattern.template.spec.containers[0].resources.limits.cpu', /integer or string/);
  });

  test('a v1alpha2-only field in a v0.4 object fails', () => {
    const rbg = rbgOf(RbgTarget.V0_4);
    rbg.spec.roles[0].standalonePattern = { template: rbg.spec.roles[0].template };
    expectError(validateManifest(rbg), 'spec.roles[0].standalonePattern', /unknown field/);
  });

  test('v0.4 objects use no field the v0.4 CRD lacks', () => {
    // Independent of Ajv: walk the object alongside the raw v0.4 schema.
    const schema = crdOpenApiSchema(RBG_CRDS['v0.4'].file, RBG_CRDS['v0.4'].version);
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
  });

  test('duplicate role names (list-map key) fail', () => {
    const rbg = rbgOf(RbgTarget.V0_7);
    rbg.spec.roles.push(clone(rbg.spec.roles[0]));
    expectError(validateManifest(rbg), 'spec.roles', /duplicate entry/);
  });
});

describe('CEL rules of the RoleBasedGroup CRDs', () => {
  test('which rules exist, and every one is implemented', () => {
    expect(celRules(RBG_CRDS['v0.4'].file, 'v1alpha1')).toEqual([]);
    expect(celRules(RBG_CRDS['v0.6'].file, 'v1alpha1').map((r) => r.message)).toEqual([
      'templateRef is not supported for InstanceSet workloads',
      'templateRef is not supported for LeaderWorkerSet workloads',
      'template or templateRef must be set for non-InstanceSet workloads',
      'template and templateRef are mutually exclusive',
    ]);
    expect(celRules(RBG_CRDS['v0.7'].file, 'v1alpha2').map((r) => `${r.path}: ${r.message}`)).toEqual([
      '.spec.roles[]: standalonePattern and leaderWorkerPattern are mutually exclusive',
      '.spec.roles[]: leaderWorkerPattern.sharedServiceSelection=LeaderOnly is only supported for RoleInstanceSet + leaderWorkerPattern',
      '.spec.roles[].customComponentsPattern.restartPolicyConfig: maxDelaySeconds must be greater than or equal to baseDelaySeconds',
      '.spec.roles[].leaderWorkerPattern: template and templateRef are mutually exclusive',
      '.spec.roles[].leaderWorkerPattern.restartPolicyConfig: maxDelaySeconds must be greater than or equal to baseDelaySeconds',
      '.spec.roles[].standalonePattern: template and templateRef are mutually exclusive',
    ]);
    for (const t of Object.values(RBG_CRDS)) expect(unimplementedCelRules(t.file, t.version)).toEqual([]);
    expect(unimplementedCelRules(RBG_CRDS['v0.7'].file, 'v1alpha1')).toEqual([]);
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

describe('the shared CRD folder', () => {
  test('a missing folder fails with a message saying what is needed', () => {
    const saved = process.env.SHARED_CRDS;
    process.env.SHARED_CRDS = '/nonexistent/shared/crds';
    try {
      expect(() => validateManifest(rbgOf(RbgTarget.V0_6))).toThrow(/needs the upstream CRDs.*SHARED_CRDS.*rbg-v0\.4-rolebasedgroups\.yaml/s);
    } finally {
      if (saved === undefined) delete process.env.SHARED_CRDS;
      else process.env.SHARED_CRDS = saved;
    }
  });
});

describe('add-on CRDs (addons/*.yaml) are picked by group/kind/version', () => {
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
  ];

  test.each(ADDONS.map((o) => [o.kind, o] as const))('%s: valid, and an unknown spec field fails', (_kind, obj) => {
    expect(schemaSource(obj)).toMatch(/^crd:addons\//);
    expect(validateManifest(obj)).toEqual([]);
    const bad = clone(obj);
    bad.spec.bogusField = 1;
    expectError(validateManifest(bad), 'spec.bogusField', /unknown field/);
  });

  test('the CRD version must be served', () => {
    expectError(validateManifest({ ...ADDONS[0], apiVersion: 'monitoring.coreos.com/v9' }), '<root>', /does not serve PodMonitor v9 \(serves v1\)/);
  });
});
