/* GpuProfile: presets carry the memory the driver reports, and the roles size themselves from it. */
import { Size, Testing } from 'cdk8s';
import { DecodeRole, GpuProfile, ModelSource, PrefillRole, QwenModel, QwenModelVolume } from '../lib';
import table from './support/mem-fraction-table.json';

const PRESETS: Array<[string, GpuProfile]> = [
  ['L20', GpuProfile.L20], ['A10', GpuProfile.A10], ['A100_40GB', GpuProfile.A100_40GB], ['A100_80GB', GpuProfile.A100_80GB],
  ['H20', GpuProfile.H20], ['H100', GpuProfile.H100], ['H200', GpuProfile.H200],
];

test('presets carry nvidia-smi memory.total in MiB (FACTS §5b), not the marketing size', () => {
  expect(PRESETS.map(([name, g]) => [name, g.reportedMemoryMiB])).toEqual([
    ['L20', 46068], ['A10', 23028], ['A100_40GB', 40960], ['A100_80GB', 81920], ['H20', 97871], ['H100', 81559], ['H200', 143771],
  ]);
  expect(GpuProfile.PRESETS).toHaveLength(PRESETS.length);
  expect(GpuProfile.L20.memoryBytes).toBe(46068 * 1024 * 1024);
  expect(GpuProfile.L20.preloadOverheadMiB).toBe(1024);
});

test('GpuProfile.custom takes the reported memory or the marketing size', () => {
  expect(GpuProfile.custom({ name: 'x', reportedMemoryMiB: 30000 }).reportedMemoryMiB).toBe(30000);
  expect(GpuProfile.custom({ name: 'y', memory: Size.gibibytes(32) }).reportedMemoryMiB).toBe(32768);
  expect(GpuProfile.L20.withPreloadOverhead(Size.mebibytes(512)).preloadOverheadMiB).toBe(512);
});

describe('every preset x TP 1/2/4/8 x prefill/decode: the fraction the roles use is the reference script\'s', () => {
  const rows = (table as { rows: Array<{ gpu: string; tpSize: number; mode: string; memFractionStatic: number; chunkedPrefillSize: number; cudaGraphMaxBs: number }> }).rows
    .filter((r) => r.mode !== 'null');
  test.each(rows.map((r) => [r.gpu, r.tpSize, r.mode, r] as const))('%s TP %i %s', (gpuName, tp, mode, row) => {
    // GIVEN a role on the preset (Qwen3-0.6B: small enough to fit everywhere; the fraction does not depend on the model)
    const chart = Testing.chart();
    const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
    const gpu = PRESETS.find(([n]) => n === gpuName)![1];
    const props = { groupName: 'g', model, gpu, tensorParallelSize: tp };
    const role = mode === 'prefill' ? new PrefillRole(chart, 'p', props) : new DecodeRole(chart, 'd', props);
    // THEN the capacity uses the reference fraction and the engine's chosen sizes
    const c = role.capacity!;
    expect([c.memFractionStatic, c.chunkedPrefillSize, c.cudaGraphMaxBs]).toEqual([row.memFractionStatic, row.chunkedPrefillSize, row.cudaGraphMaxBs]);
  });
});
