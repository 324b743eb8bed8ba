/*
 * The typed RoleBasedGroup L1 layer (lib/rbg/role-based-group.ts): one API object per group in
 * the shape of the targeted controller release, roles produced at synth time.
 */
import { Testing } from 'cdk8s';
import { k8s } from '../lib/rbg/k8s';
import { RbgTarget } from '../lib';
import { createRoleBasedGroup, RoleModel } from '../lib/rbg/role-based-group';

const template: k8s.PodTemplateSpec = {
  metadata: { labels: { app: 'x' } },
  spec: {
    containers: [{
      name: 'c',
      image: 'img:1',
      ports: [{ name: 'http', containerPort: 8000 }],
      readinessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString('http') } },
      resources: { limits: { 'nvidia.com/gpu': k8s.Quantity.fromNumber(2) }, requests: { memory: k8s.Quantity.fromString('64Gi') } },
    }],
  },
};

const expectedTemplate = {
  metadata: { labels: { app: 'x' } },
  spec: {
    containers: [{
      name: 'c',
      image: 'img:1',
      ports: [{ name: 'http', containerPort: 8000 }],
      readinessProbe: { httpGet: { path: '/health', port: 'http' } },
      resources: { limits: { 'nvidia.com/gpu': 2 }, requests: { memory: '64Gi' } },
    }],
  },
};

function synth(target: RbgTarget, roles: () => RoleModel[]) {
  const chart = Testing.chart();
  const obj = createRoleBasedGroup(chart, target, { name: 'g' }, roles);
  return { obj, manifests: () => Testing.synth(chart) };
}

describe('createRoleBasedGroup', () => {
  const roles: RoleModel[] = [
    { name: 'a', replicas: 2, dependencies: [], template },
    { name: 'b', replicas: 1, dependencies: ['a'], template },
  ];

  test('v0.7: v1alpha2, the pod template under standalonePattern', () => {
    // GIVEN two roles WHEN synthesized for v0.7 THEN a v1alpha2 group with standalone roles
    const { obj, manifests } = synth(RbgTarget.V0_7, () => roles);
    expect(obj.node.id).toBe('Resource');
    expect(manifests()).toEqual([{
      apiVersion: 'workloads.x-k8s.io/v1alpha2',
      kind: 'RoleBasedGroup',
      metadata: { name: 'g' },
      spec: {
        roles: [
          { name: 'a', replicas: 2, standalonePattern: { template: expectedTemplate } },
          { name: 'b', replicas: 1, dependencies: ['a'], standalonePattern: { template: expectedTemplate } },
        ],
      },
    }]);
  });

  test.each([RbgTarget.V0_6, RbgTarget.V0_4].map((t) => [t.release, t] as const))('%s: v1alpha1, roles[].template', (_release, target) => {
    // GIVEN two roles WHEN synthesized for a v1alpha1 release THEN the template sits on the role
    expect(synth(target, () => roles).manifests()).toEqual([{
      apiVersion: 'workloads.x-k8s.io/v1alpha1',
      kind: 'RoleBasedGroup',
      metadata: { name: 'g' },
      spec: {
        roles: [
          { name: 'a', replicas: 2, template: expectedTemplate },
          { name: 'b', replicas: 1, dependencies: ['a'], template: expectedTemplate },
        ],
      },
    }]);
  });

  test('roles are read at synth time, not at creation', () => {
    // GIVEN a role list that grows after the group is created WHEN synthesized THEN all roles appear
    const later: RoleModel[] = [];
    const { manifests } = synth(RbgTarget.V0_7, () => later);
    later.push({ name: 'late', replicas: 3, dependencies: [], template });
    expect(manifests()[0].spec.roles.map((r: { name: string }) => r.name)).toEqual(['late']);
  });

  test.each(RbgTarget.ALL.map((t) => [t.release, t] as const))('%s: host aliases keep their IP', (_release, target) => {
    // GIVEN a pod template with a host alias WHEN synthesized THEN it is emitted as given
    const withAlias: k8s.PodTemplateSpec = { spec: { containers: [{ name: 'c' }], hostAliases: [{ ip: '127.0.0.1', hostnames: ['h'] }] } };
    const [rbg] = synth(target, () => [{ name: 'a', replicas: 1, dependencies: [], template: withAlias }]).manifests();
    const role = rbg.spec.roles[0];
    expect((role.standalonePattern ?? role).template.spec.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['h'] }]);
  });

  test('a host alias without an IP (optional in the Kubernetes 1.28 types, required by the CRDs) is refused', () => {
    // GIVEN a host alias with no IP WHEN synthesized THEN an error names the field
    const noIp: k8s.PodTemplateSpec = { spec: { containers: [{ name: 'c' }], hostAliases: [{ ip: '127.0.0.1' }, { hostnames: ['h'] }] } };
    const { manifests } = synth(RbgTarget.V0_7, () => [{ name: 'a', replicas: 1, dependencies: [], template: noIp }]);
    expect(manifests).toThrow(/hostAliases\[1\]\.ip is required/);
  });

  test.each([
    [RbgTarget.V0_7.release, RbgTarget.V0_7, { enable: true, labels: { team: 'llm' } }],
    [RbgTarget.V0_6.release, RbgTarget.V0_6, { enable: true }],
    [RbgTarget.V0_4.release, RbgTarget.V0_4, { enable: true }],
  ])('%s: a role\'s scalingAdapter, with labels only where the CRD has them', (_release, target, expected) => {
    // GIVEN a role with an enabled scaling adapter and labels WHEN synthesized THEN v1alpha2 keeps the labels, v1alpha1 only enable
    const [rbg] = synth(target, () => [
      { name: 'a', replicas: 1, dependencies: [], template, scalingAdapter: { enable: true, labels: { team: 'llm' } } },
      { name: 'b', replicas: 1, dependencies: [], template },
    ]).manifests();
    expect(rbg.spec.roles.map((r: { scalingAdapter?: unknown }) => r.scalingAdapter)).toEqual([expected, undefined]);
  });

  test('an unknown target (from JavaScript) is refused', () => {
    const bogus: unknown = { release: 'v9' };
    expect(() => synth(bogus as RbgTarget, () => [])).toThrow('unsupported RBG target v9');
  });

  test.each([
    ['v0.7', RbgTarget.V0_7, { leaderWorkerPattern: { size: 2, template: expectedTemplate } }],
    ['v0.6', RbgTarget.V0_6, { template: expectedTemplate, leaderWorkerSet: { size: 2 }, workload: { apiVersion: 'workloads.x-k8s.io/v1alpha1', kind: 'InstanceSet' } }],
    ['v0.4', RbgTarget.V0_4, { template: expectedTemplate, leaderWorkerSet: { size: 2 }, workload: { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet' } }],
  ] as const)('%s: a leader/worker role in the shape of the release', (_release, target, shape) => {
    // GIVEN a role of 2 pods per instance WHEN synthesized THEN the release's leader/worker fields carry it
    const [rbg] = synth(target, () => [{ name: 'a', replicas: 1, dependencies: [], template, leaderWorkerSize: 2 }]).manifests();
    expect(rbg.spec.roles).toEqual([{ name: 'a', replicas: 1, ...shape }]);
  });

  test.each(RbgTarget.ALL.map((t) => [t.release, t] as const))('%s: group-wide settings as annotations or spec fields', (release, target) => {
    // GIVEN exclusive topology, gang scheduling and a coordination WHEN synthesized THEN each lands where the release reads it
    const chart = Testing.chart();
    createRoleBasedGroup(chart, target, { name: 'g' }, () => [], {
      exclusiveTopologyKey: 'example.com/rack',
      gang: { scheduler: 'volcano', queue: 'q' },
      coordination: { name: 'c', roles: ['a', 'b'], maxSkew: '5%' },
    });
    const [rbg] = Testing.synth(chart);
    if (release === 'v0.7') {
      expect(rbg.metadata.annotations).toEqual({
        'rbg.workloads.x-k8s.io/group-exclusive-topology': 'example.com/rack',
        'rbg.workloads.x-k8s.io/group-gang-scheduling': 'true',
        'rbg.workloads.x-k8s.io/group-gang-scheduling-volcano-queue': 'q',
      });
      expect(rbg.spec).toEqual({ roles: [] });
    } else {
      expect(rbg.metadata.annotations).toEqual({ 'rolebasedgroup.workloads.x-k8s.io/exclusive-topology': 'example.com/rack' });
      expect(rbg.spec.podGroupPolicy).toEqual({ volcanoScheduling: { queue: 'q' } });
      // spec.coordination came with v0.5
      expect(rbg.spec.coordination).toEqual(release === 'v0.6' ? [{ name: 'c', roles: ['a', 'b'], strategy: { rollingUpdate: { maxSkew: '5%' } } }] : undefined);
    }
  });
});
