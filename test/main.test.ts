import { Testing } from 'cdk8s';
import { SglangPdChart } from '../main';
import { container, findObject, findRole, flagGroups, flagValues, kinds, Manifest, podTemplate } from './util';

describe('default app (ACK tutorial 2P1D Qwen3-32B)', () => {
  // GIVEN the app exactly as `npm run synth` builds it
  const app = Testing.app();
  const chart = new SglangPdChart(app, 'sglang-pd');
  // WHEN it is synthesized
  const manifests: Manifest[] = Testing.synth(chart);
  const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');

  test('matches the reviewed snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('emits objects in an order kubectl apply accepts, and no Secret', () => {
    expect(kinds(manifests)).toEqual([
      'PersistentVolume/llm-model',
      'PersistentVolumeClaim/llm-model',
      'RoleBasedGroup/sglang-pd',
      'CoordinatedPolicy/sglang-pd',
      'Service/sglang-pd',
      'NetworkPolicy/sglang-pd-router',
      'NetworkPolicy/sglang-pd-prefill',
      'NetworkPolicy/sglang-pd-decode',
    ]);
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  test('targets RBG v0.7: v1alpha2 standalone roles, router x1, prefill x2, decode x1', () => {
    expect(rbg.apiVersion).toBe('workloads.x-k8s.io/v1alpha2');
    expect(findRole(rbg, 'router').replicas).toBe(1);
    expect(findRole(rbg, 'prefill').replicas).toBe(2);
    expect(findRole(rbg, 'decode').replicas).toBe(1);
    expect(findRole(rbg, 'router').dependencies).toEqual(['prefill', 'decode']);
    expect(findRole(rbg, 'prefill').dependencies).toBeUndefined();
  });

  test.each(['prefill', 'decode'])('%s pods: TP=2 on 2 GPUs, one eRDMA device, IPC_LOCK, model read-only', (role) => {
    const c = container(rbg, role);
    expect(c.resources.limits).toEqual({ 'nvidia.com/gpu': 2, 'aliyun/erdma': 1 });
    expect(flagValues(c.args, '--tp-size')).toEqual(['2']);
    expect(flagValues(c.args, '--model-path')).toEqual(['/models/Qwen3-32B']);
    expect(flagValues(c.args, '--disaggregation-mode')).toEqual([role]);
    expect(flagValues(c.args, '--host')).toEqual(['0.0.0.0']);
    expect(flagValues(c.args, '--port')).toEqual(['8000']);
    expect(c.args).toContain('--enable-metrics');
    expect(c.args).not.toContain('--tp');
    expect(c.securityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } });
    expect(podTemplate(rbg, role).spec.automountServiceAccountToken).toBe(false);
    expect(c.volumeMounts).toContainEqual({ name: 'model', mountPath: '/models/Qwen3-32B', readOnly: true });
    expect(c.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    const volumes = podTemplate(rbg, role).spec.volumes;
    expect(volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'llm-model', readOnly: true } });
    expect(volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory' } });
    expect(c.ports).toContainEqual({ name: 'http', containerPort: 8000, protocol: 'TCP' });
  });

  test('prefill alone has the bootstrap port, as a flag and a named port', () => {
    const prefill = container(rbg, 'prefill');
    const decode = container(rbg, 'decode');
    expect(flagValues(prefill.args, '--disaggregation-bootstrap-port')).toEqual(['34000']);
    expect(prefill.ports).toContainEqual({ name: 'bootstrap', containerPort: 34000, protocol: 'TCP' });
    expect(decode.args).not.toContain('--disaggregation-bootstrap-port');
    expect(decode.ports.map((p: any) => p.name)).toEqual(['http']);
  });

  test('router lists every prefill pod with its bootstrap port and every decode pod, by pod DNS', () => {
    const c = container(rbg, 'router');
    expect(c.command).toEqual(['python3', '-m', 'sglang_router.launch_router']);
    expect(c.args[0]).toBe('--pd-disaggregation');
    expect(flagGroups(c.args, '--prefill')).toEqual([
      ['http://sglang-pd-prefill-0.s-sglang-pd-prefill:8000', '34000'],
      ['http://sglang-pd-prefill-1.s-sglang-pd-prefill:8000', '34000'],
    ]);
    expect(flagGroups(c.args, '--decode')).toEqual([['http://sglang-pd-decode-0.s-sglang-pd-decode:8000']]);
    expect(flagValues(c.args, '--port')).toEqual(['8000']);
    expect(c.resources.limits).toBeUndefined();
    expect(c.securityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(podTemplate(rbg, 'router').spec.automountServiceAccountToken).toBe(false);
  });

  test('Service sglang-pd:8000 selects the router pods by the v0.7 labels', () => {
    const svc = findObject(manifests, 'Service', 'sglang-pd');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.selector).toEqual({
      'rbg.workloads.x-k8s.io/group-name': 'sglang-pd',
      'rbg.workloads.x-k8s.io/role-name': 'router',
    });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000, protocol: 'TCP' }]);
  });

  test('static OSS volume as in the tutorial', () => {
    const pv = findObject(manifests, 'PersistentVolume', 'llm-model');
    expect(pv.metadata.labels).toEqual({ 'alicloud-pvname': 'llm-model' });
    expect(pv.spec.capacity).toEqual({ storage: '30Gi' });
    expect(pv.spec.accessModes).toEqual(['ReadOnlyMany']);
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.spec.csi.driver).toBe('ossplugin.csi.alibabacloud.com');
    expect(pv.spec.csi.volumeHandle).toBe('llm-model');
    expect(pv.spec.csi.nodePublishSecretRef).toEqual({ name: 'oss-secret', namespace: 'default' });
    expect(pv.spec.csi.volumeAttributes).toEqual({
      bucket: 'your-bucket-name',
      url: 'oss-cn-hangzhou-internal.aliyuncs.com',
      path: '/Qwen3-32B/',
      otherOpts: '-o umask=022 -o max_stat_cache_size=0 -o allow_other',
    });
    const pvc = findObject(manifests, 'PersistentVolumeClaim', 'llm-model');
    expect(pvc.spec.accessModes).toEqual(['ReadOnlyMany']);
    expect(pvc.spec.resources.requests).toEqual({ storage: '30Gi' });
    expect(pvc.spec.selector).toEqual({ matchLabels: { 'alicloud-pvname': 'llm-model' } });
  });

  test('app.synth writes one manifest file', () => {
    const out = Testing.app();
    new SglangPdChart(out, 'sglang-pd');
    out.synth();
    expect(require('fs').readdirSync(out.outdir)).toEqual(['sglang-pd.k8s.yaml']);
  });
});
