/**
 * imports/k8s.js and imports/k8s.d.ts: the cut of cdk8s-plus-28's generated Kubernetes module
 * (scripts/gen-k8s-imports.mjs) is current, and its classes write what upstream's write.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as upstream from 'cdk8s-plus-28/lib/imports/k8s';
import * as cut from '../imports/k8s';

const ROOT = path.resolve(__dirname, '..');

test('GIVEN the installed cdk8s-plus-28 WHEN the cut is regenerated THEN imports/k8s.* are unchanged', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'gen-k8s-imports.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stdout).toMatch(/imports\/k8s\.js and imports\/k8s\.d\.ts are current \(\d+ declarations\)/);
});

test('GIVEN the same props WHEN a Service, a PersistentVolume and an HPA are built with the cut and with upstream THEN the JSON is identical', () => {
  // GIVEN: props that reach nested toJson_ conversions, Quantity and IntOrString.
  const build = (k8s: typeof upstream | typeof cut): unknown[] => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new k8s.KubeService(chart, 'svc', {
      metadata: { name: 'router', labels: { app: 'x' } },
      spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 8000, targetPort: k8s.IntOrString.fromString('http') }] },
    });
    new k8s.KubePersistentVolume(chart, 'pv', {
      metadata: { name: 'model' },
      spec: {
        capacity: { storage: k8s.Quantity.fromString('30Gi') },
        accessModes: ['ReadOnlyMany'],
        csi: { driver: 'ossplugin.csi.alibabacloud.com', volumeHandle: 'model', nodePublishSecretRef: { name: 's', namespace: 'llm' }, volumeAttributes: { bucket: 'b' } },
      },
    });
    new k8s.KubeHorizontalPodAutoscalerV2(chart, 'hpa', {
      metadata: { name: 'decode' },
      spec: {
        scaleTargetRef: { apiVersion: 'workloads.x-k8s.io/v1alpha1', kind: 'RoleBasedGroupScalingAdapter', name: 'a' },
        maxReplicas: 4,
        metrics: [{ type: 'Pods', pods: { metric: { name: 'm' }, target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString('10') } } }],
      },
    });
    // WHEN
    return chart.toJson();
  };
  // THEN
  const fromCut = build(cut);
  expect(fromCut).toHaveLength(3);
  expect(fromCut).toEqual(build(upstream));
  expect(fromCut[1]).toMatchObject({ kind: 'PersistentVolume', spec: { capacity: { storage: '30Gi' }, csi: { nodePublishSecretRef: { name: 's' } } } });
});

test('GIVEN the cut WHEN it is loaded THEN its API object classes are exactly the ones lib/ names (no L2 constructs, no unrelated kinds)', () => {
  // GIVEN: every `k8s.Kube<Kind>` written in lib/.
  const named = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/\bk8s\.(Kube[A-Za-z0-9]+)\b/g)) named.add(m[1]);
    }
  };
  walk(path.join(ROOT, 'lib'));
  // WHEN
  const classes = Object.keys(cut).filter((k) => k.startsWith('Kube'));
  // THEN
  expect(named).toContain('KubeService');
  expect(classes.sort()).toEqual([...named].sort());
  expect(Object.keys(upstream).filter((k) => k.startsWith('Kube')).length).toBeGreaterThan(100);
});
