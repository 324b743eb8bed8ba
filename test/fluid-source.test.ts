/* ModelSource.fluid: Fluid Dataset, JindoRuntime and DataLoad in front of the OSS model, and the claim the pods mount. */
import { ApiObject, Chart, Size, Testing } from 'cdk8s';
import { fluidCache } from '../examples/fluid-cache';
import { FluidCacheMedium, FluidSourceOptions, ModelSource, PdServingGroup, QwenModel, QwenModelVolume } from '../lib';
import { errorLines, strictSynth } from './support/check';
import { validateManifests } from './schema/strict-schema';
import { findObject, kinds, Manifest, podTemplate } from './util';

const OSS = { bucket: 'models', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', path: '/Qwen3-32B/' };

function chartWith(options: Partial<FluidSourceOptions>, claimName = 'qwen3-32b-cache', namespace?: string): Chart {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_32B, claimName, source: ModelSource.fluid({ ...OSS, ...options }) });
  new PdServingGroup(chart, 'pd', { name: 'pd', model, engine: { tensorParallelSize: 2 } });
  return chart;
}
const synth = (options: Partial<FluidSourceOptions> = {}, namespace?: string): Manifest[] => strictSynth(chartWith(options, undefined, namespace));
const problems = (options: Partial<FluidSourceOptions>, claimName?: string): string[] => errorLines(chartWith(options, claimName));

describe('example fluid-cache', () => {
  // GIVEN the tutorial group on a Fluid cache with 2 memory workers WHEN synthesized
  const manifests = strictSynth(fluidCache(Testing.app()));

  test('a Dataset over the same OSS directory, credentials from the existing Secret, files at the root', () => {
    const ds = findObject(manifests, 'Dataset', 'qwen3-32b-cache');
    expect(ds.metadata.namespace).toBe('llm');
    expect(ds.spec).toEqual({
      accessModes: ['ReadOnlyMany'],
      mounts: [{
        name: 'qwen3-32b-cache',
        mountPoint: 'oss://your-bucket-name/Qwen3-32B/',
        path: '/',
        readOnly: true,
        options: { 'fs.oss.endpoint': 'oss-cn-hangzhou-internal.aliyuncs.com' },
        encryptOptions: [
          { name: 'fs.oss.accessKeyId', valueFrom: { secretKeyRef: { name: 'oss-secret', key: 'akId' } } },
          { name: 'fs.oss.accessKeySecret', valueFrom: { secretKeyRef: { name: 'oss-secret', key: 'akSecret' } } },
        ],
      }],
    });
  });

  test('a JindoRuntime named like the Dataset, memory tier sized from the weights', () => {
    // 65.5e9 B x 1.1 / 2 workers = 36.03e9 B = 33.55 GiB -> 34Gi per worker
    expect(findObject(manifests, 'JindoRuntime', 'qwen3-32b-cache').spec).toEqual({
      replicas: 2,
      tieredstore: { levels: [{ mediumtype: 'MEM', volumeType: 'emptyDir', path: '/dev/shm', quota: '34Gi', high: '0.99', low: '0.95' }] },
    });
  });

  test('a DataLoad warms the whole Dataset once', () => {
    expect(findObject(manifests, 'DataLoad', 'qwen3-32b-cache-warmup').spec).toEqual({
      dataset: { name: 'qwen3-32b-cache', namespace: 'llm' }, loadMetadata: true, target: [{ path: '/', replicas: 1 }],
    });
  });

  test('the pods mount the claim Fluid creates (named after the Dataset) read-only; no PV or PVC is emitted', () => {
    const rbg = findObject(manifests, 'RoleBasedGroup', 'sglang-pd');
    for (const role of ['prefill', 'decode']) {
      expect(podTemplate(rbg, role).spec.volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'qwen3-32b-cache', readOnly: true } });
    }
    expect(kinds(manifests).filter((k) => /^(PersistentVolume|PersistentVolumeClaim|Secret)\//.test(k))).toEqual([]);
    expect(kinds(manifests).slice(0, 3)).toEqual(['Dataset/qwen3-32b-cache', 'JindoRuntime/qwen3-32b-cache', 'DataLoad/qwen3-32b-cache-warmup']);
  });

  test('every object validates against its CRD', () => {
    expect(validateManifests(manifests)).toEqual([]);
  });
});

describe('cache options', () => {
  test('a disk tier is a host path of the worker\'s node', () => {
    const rt = findObject(synth({ cacheMedium: FluidCacheMedium.SSD }), 'JindoRuntime', 'qwen3-32b-cache');
    // one worker: 65.5e9 x 1.1 = 72.05e9 B = 67.10 GiB -> 68Gi
    expect(rt.spec.tieredstore.levels).toEqual([{ mediumtype: 'SSD', volumeType: 'hostPath', path: '/mnt/disk1', quota: '68Gi', high: '0.99', low: '0.95' }]);
    const custom = findObject(synth({ cacheMedium: FluidCacheMedium.HDD, cachePath: '/data/cache', cacheQuota: Size.gibibytes(100) }), 'JindoRuntime', 'qwen3-32b-cache');
    expect(custom.spec.tieredstore.levels[0]).toEqual(expect.objectContaining({ mediumtype: 'HDD', path: '/data/cache', quota: '100Gi' }));
  });

  test('warmUp: false emits no DataLoad; a chart without namespace loads from `default`', () => {
    expect(synth({ warmUp: false }).filter((m) => m.kind === 'DataLoad')).toEqual([]);
    expect(findObject(synth({}), 'DataLoad', 'qwen3-32b-cache-warmup').spec.dataset).toEqual({ name: 'qwen3-32b-cache', namespace: 'default' });
  });
});

describe('bad Fluid options are our errors naming the field', () => {
  test('a cache smaller than the weights', () => {
    // Qwen3-32B: 65.5e9 B = 61.00 GiB; 30Gi x 2 x 0.99 = 59.40 GiB
    expect(problems({ cacheQuota: Size.gibibytes(30), cacheWorkers: 2 })).toEqual([
      'test/model source.cacheQuota="30Gi": x 2 cache worker(s) x 0.99 (eviction watermark) = 59.40 GiB is smaller than the 61.00 GiB of weights of Qwen3-32B; give at least Size.gibibytes(31) per worker or more cacheWorkers',
    ]);
    expect(problems({ cacheQuota: Size.gibibytes(31), cacheWorkers: 2 })).toEqual([]);
  });

  test('location, workers, medium, path and names', () => {
    expect(problems({ bucket: 'Bad_Bucket', cacheWorkers: 0, cacheMedium: 'NVME' as any, cachePath: '/mnt/a,/mnt/b', warmUp: 'yes' as any, cacheSize: 1 } as any, '1-cache')).toEqual([
      'test/model source.cacheSize=1: is not an option of ModelSource.fluid (bucket, endpoint, path, secretName, cacheMedium, cachePath, cacheWorkers, cacheQuota, warmUp)',
      'test/model source.bucket="Bad_Bucket": must be an OSS bucket name: 3-63 characters of a-z, 0-9 and "-", starting and ending alphanumeric',
      'test/model claimName="1-cache": names the Fluid Dataset, its JindoRuntime and the claim Fluid creates, so it must be a DNS-1035 label: at most 63 characters of a-z, 0-9 and "-", starting with a letter and ending alphanumeric',
      'test/model source.cacheMedium="NVME": must be a FluidCacheMedium (one of MEM, SSD, HDD)',
      'test/model source.cachePath="/mnt/a,/mnt/b": must be one absolute path below "/" without ",", ":", "$", ".." or control characters, e.g. "/mnt/disk1"',
      'test/model source.cacheWorkers=0: must be an integer from 1 to 1000',
      'test/model source.warmUp="yes": must be true or false',
    ]);
  });

  test('with bad options no Fluid object is built, and the synth fails with the errors', () => {
    const chart = chartWith({ cacheQuota: Size.gibibytes(1) });
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject && c.apiGroup === 'data.fluid.io')).toEqual([]);
    expect(() => strictSynth(chart)).toThrow(/source.cacheQuota/);
  });
});
