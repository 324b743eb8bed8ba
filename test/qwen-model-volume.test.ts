import { strictSynth } from './support/check';
import { Chart, Size, Testing } from 'cdk8s';
import { ModelSource, OssfsVersion, QwenModel, QwenModelVolume, SglangPdValidationError } from '../lib';
import { findObject, kinds, Manifest } from './util';

const OSS = { bucket: 'models', endpoint: 'oss-cn-beijing-internal.aliyuncs.com', path: '/Qwen3-8B/' };

function synth(build: (chart: Chart) => void, namespace?: string): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  build(chart);
  return strictSynth(chart);
}

describe('QwenModelVolume', () => {
  test('OSS with an existing Secret: PV + PVC only, defaults from the model', () => {
    // GIVEN an OSS source without credentials
    let volume!: QwenModelVolume;
    const manifests = synth((chart) => {
      volume = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_8B, source: ModelSource.oss(OSS) });
    }, 'serving');
    // THEN
    expect(manifests).toMatchSnapshot();
    expect(kinds(manifests)).toEqual(['PersistentVolume/llm-model', 'PersistentVolumeClaim/llm-model']);
    expect(volume.mountPath).toBe('/models/Qwen3-8B');
    expect(volume.claimName).toBe('llm-model');
    const pv = findObject(manifests, 'PersistentVolume', 'llm-model');
    expect(pv.spec.csi.nodePublishSecretRef).toEqual({ name: 'oss-secret', namespace: 'serving' });
    expect(pv.metadata.namespace).toBeUndefined(); // cluster-scoped, even in a namespaced chart
    expect(findObject(manifests, 'PersistentVolumeClaim', 'llm-model').metadata.namespace).toBe('serving');
  });

  test('explicit credentials emit exactly one Secret with keys akId and akSecret', () => {
    const manifests = synth((chart) => new QwenModelVolume(chart, 'model', {
      model: QwenModel.QWEN3_8B,
      source: ModelSource.oss({ ...OSS, secretName: 'my-oss', credentials: { accessKeyId: 'LTAIexample', accessKeySecret: 'example-secret' } }),
    }));
    const secrets = manifests.filter((m) => m.kind === 'Secret');
    expect(secrets).toHaveLength(1);
    expect(secrets[0].metadata.name).toBe('my-oss');
    expect(secrets[0].stringData).toEqual({ akId: 'LTAIexample', akSecret: 'example-secret' });
    expect(kinds(manifests)[0]).toBe('Secret/my-oss');
    expect(findObject(manifests, 'PersistentVolume', 'llm-model').spec.csi.nodePublishSecretRef.name).toBe('my-oss');
  });

  test('ossfs 2.0 sets fuseType and drops the ossfs 1.0 options', () => {
    const manifests = synth((chart) => new QwenModelVolume(chart, 'model', {
      model: QwenModel.QWEN3_8B,
      claimName: 'qwen3-8b',
      capacity: Size.gibibytes(20),
      source: ModelSource.oss({ ...OSS, ossfsVersion: OssfsVersion.V2 }),
    }));
    const pv = findObject(manifests, 'PersistentVolume', 'qwen3-8b');
    expect(pv.spec.csi.volumeAttributes).toEqual({ bucket: 'models', url: OSS.endpoint, path: '/Qwen3-8B/', fuseType: 'ossfs2' });
    expect(pv.spec.capacity).toEqual({ storage: '20Gi' });
  });

  test('RRSA replaces the Secret reference', () => {
    const manifests = synth((chart) => new QwenModelVolume(chart, 'model', {
      model: QwenModel.QWEN3_8B,
      source: ModelSource.oss({ ...OSS, rrsaRoleName: 'oss-reader' }),
    }));
    const pv = findObject(manifests, 'PersistentVolume', 'llm-model');
    expect(pv.spec.csi.nodePublishSecretRef).toBeUndefined();
    expect(pv.spec.csi.volumeAttributes).toMatchObject({ authType: 'rrsa', roleName: 'oss-reader' });
  });

  test('bad input is reported with path, field and value; credentials are never echoed', () => {
    // GIVEN several bad props at once
    let caught: unknown;
    try {
      synth((chart) => new QwenModelVolume(chart, 'model', {
        model: QwenModel.QWEN3_8B,
        claimName: 'Bad_Name',
        source: ModelSource.oss({
          bucket: 'B', endpoint: 'https://oss', ossfsVersion: OssfsVersion.V2,
          mountOptions: ['max_stat_cache_size=0'], credentials: { accessKeyId: 'AKIDSECRETVALUE', accessKeySecret: '' },
        }),
      }));
    } catch (e) {
      caught = e;
    }
    // THEN one error lists them all
    expect(caught).toBeInstanceOf(SglangPdValidationError);
    const err = caught as SglangPdValidationError;
    expect(err.problems.map((p) => `${p.field}=${p.value}`)).toEqual([
      'claimName="Bad_Name"',
      'source.bucket="B"',
      'source.endpoint="https://oss"',
      'source.credentials="<redacted>"',
      'source.mountOptions="max_stat_cache_size=0"',
    ]);
    expect(err.message).not.toContain('AKIDSECRETVALUE');
    expect(err.problems.every((p) => p.path === 'test/model')).toBe(true);
  });
});
