/*
 * lib/sglang/sglang-image.ts: the typed image choice (FACTS §3: `lmsysorg/sglang:v0.5.18` is the
 * CUDA 13 build and needs an NVIDIA driver >= 580; `v0.5.18-cu129` is the CUDA 12.9 build).
 */
import { Testing } from 'cdk8s';
import { CudaVariant, ModelSource, PdServingGroup, QwenModel, QwenModelVolume, SglangImage } from '../lib';
import { errorLines } from './support/check';

describe('SglangImage.v0_5_18', () => {
  test('GIVEN the CUDA 13 build WHEN chosen THEN the bare v0.5.18 tag, driver R580 or newer', () => {
    const image = SglangImage.v0_5_18(CudaVariant.CU13);
    expect(image.reference).toBe('lmsysorg/sglang:v0.5.18');
    expect(image.engineVersion).toBe('0.5.18');
    expect(image.cudaVariant).toBe(CudaVariant.CU13);
    expect(image.minDriverMajor).toBe(580);
    expect(image.isKnownBuild).toBe(true);
  });

  test('GIVEN the CUDA 12.9 build WHEN chosen THEN the -cu129 tag, which runs on drivers below R580', () => {
    const image = SglangImage.v0_5_18(CudaVariant.CU129);
    expect(image.reference).toBe('lmsysorg/sglang:v0.5.18-cu129');
    expect(image.cudaVariant).toBe(CudaVariant.CU129);
    expect(image.minDriverMajor).toBe(535);
    expect(image.minDriverMajor!).toBeLessThan(580);
  });

  test('GIVEN no variant WHEN chosen THEN the CUDA 12.9 build', () => {
    expect(SglangImage.v0_5_18().reference).toBe('lmsysorg/sglang:v0.5.18-cu129');
  });

  test('GIVEN a value that is not a CudaVariant WHEN a group uses it THEN the synth names image.cudaVariant', () => {
    const chart = Testing.chart();
    const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
    new PdServingGroup(chart, 'pd', { name: 'pd', model, image: SglangImage.v0_5_18('cu118' as CudaVariant) });
    expect(errorLines(chart)).toEqual(['prefill', 'decode', 'router'].map((r) => `test/pd/${r} image.cudaVariant="cu118": must be a CudaVariant (cu13, cu129)`));
  });
});

describe('SglangImage.DEFAULT', () => {
  test('GIVEN the recommended default WHEN read THEN it is the CUDA 12.9 build of v0.5.18', () => {
    expect(SglangImage.DEFAULT.reference).toBe('lmsysorg/sglang:v0.5.18-cu129');
    expect(SglangImage.DEFAULT.minDriverMajor).toBe(535);
    expect(SglangImage.ENGINE_VERSION).toBe('0.5.18');
  });
});

describe('SglangImage.of', () => {
  test('GIVEN an unknown image WHEN wrapped THEN it is kept verbatim, unknown build, flags still checked against v0.5.18', () => {
    const image = SglangImage.of('registry.example.com/team/sglang:patched@sha256:0123');
    expect(image.reference).toBe('registry.example.com/team/sglang:patched@sha256:0123');
    expect(image.engineVersion).toBeUndefined();
    expect(image.cudaVariant).toBeUndefined();
    expect(image.minDriverMajor).toBeUndefined();
    expect(image.isKnownBuild).toBe(false);
    expect(image.flagsCheckedAgainst).toBe('0.5.18');
    expect(String(image)).toBe('registry.example.com/team/sglang:patched@sha256:0123');
  });

  test.each([
    ['lmsysorg/sglang:v0.5.18', CudaVariant.CU13, 580],
    ['lmsysorg/sglang:v0.5.18-cu129', CudaVariant.CU129, 535],
    ['docker.io/lmsysorg/sglang:v0.5.18-cu129', CudaVariant.CU129, 535],
  ])('GIVEN the official reference %s WHEN wrapped THEN it is recognised', (ref, variant, driver) => {
    const image = SglangImage.of(ref);
    expect(image.reference).toBe(ref);
    expect([image.engineVersion, image.cudaVariant, image.minDriverMajor]).toEqual(['0.5.18', variant, driver]);
  });

  test.each(['lmsysorg/sglang:v0.5.17', 'lmsysorg/sglang:latest', 'lmsysorg/sglang:v0.5.18-cu126'])(
    'GIVEN %s WHEN wrapped THEN it is not taken for a known build', (ref) => {
      expect(SglangImage.of(ref).isKnownBuild).toBe(false);
    });

  test.each(['', ' ', 'lmsysorg/sglang:v0.5.18 ', 'a\tb', 'LMSYS/SGLang:v1'])('GIVEN the reference %j WHEN a group uses it THEN the synth refuses it, naming image', (ref) => {
    const chart = Testing.chart();
    const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
    new PdServingGroup(chart, 'pd', { name: 'pd', model, router: { image: SglangImage.of(ref) } });
    expect(errorLines(chart)).toEqual([expect.stringMatching(/^test\/pd\/router image=.*: must be a container image reference/)]);
  });
});
