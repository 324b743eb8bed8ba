import { GpuProfile, QwenModel } from '../lib';

describe('QwenModel catalog (FACTS §5)', () => {
  test.each([
    [QwenModel.QWEN3_0_6B, 114_688],
    [QwenModel.QWEN3_8B, 147_456],
    [QwenModel.QWEN3_14B, 163_840],
    [QwenModel.QWEN3_32B, 262_144],
    [QwenModel.QWEN3_30B_A3B, 98_304],
    [QwenModel.QWEN3_235B_A22B, 192_512],
  ])('%s: KV bytes per token at TP=1 in bf16', (model, bytes) => {
    expect(model.kvBytesPerTokenPerGpu(1)).toBe(bytes);
  });

  test('TP splits KV heads until one head per GPU, then replicates', () => {
    const m = QwenModel.QWEN3_32B; // 8 KV heads
    expect(m.kvBytesPerTokenPerGpu(2)).toBe(262_144 / 2);
    expect(m.kvBytesPerTokenPerGpu(8)).toBe(262_144 / 8);
    expect(m.kvBytesPerTokenPerGpu(16)).toBe(262_144 / 8);
    expect(m.kvBytesPerTokenPerGpu(2, 1)).toBe(262_144 / 4);
  });

  test('weights in bytes and MoE shape', () => {
    expect(QwenModel.QWEN3_32B.weightsBytes).toBe(65_500_000_000);
    expect(QwenModel.QWEN3_32B.moe).toBeUndefined();
    expect(QwenModel.QWEN3_235B_A22B.moe).toEqual({ experts: 128, activeExperts: 8 });
    expect(QwenModel.CATALOG.map((m) => m.name)).toEqual(['Qwen3-0.6B', 'Qwen3-8B', 'Qwen3-14B', 'Qwen3-32B', 'Qwen3-30B-A3B', 'Qwen3-235B-A22B']);
  });

  test('custom models take defaults for head size and context', () => {
    const m = QwenModel.custom({ name: 'MyQwen', layers: 2, attentionHeads: 4, kvHeads: 2, paramsBillions: 0.1, weightsGigabytes: 0.2 });
    expect(m.headDim).toBe(128);
    expect(m.nativeContextLength).toBe(40960);
  });
});

describe('GpuProfile', () => {
  test('presets and node size', () => {
    expect(GpuProfile.L20.memoryBytes).toBe(46068 * 1024 ** 2); // as the driver reports it (FACTS §5b)
    expect(GpuProfile.L20.gpusPerNode).toBe(8);
    expect(GpuProfile.H200.withGpusPerNode(4).gpusPerNode).toBe(4);
    expect(GpuProfile.H200.gpusPerNode).toBe(8);
    expect(GpuProfile.PRESETS.map((g) => g.name)).toEqual(['L20 48GB', 'A10 24GB', 'A100 40GB', 'A100 80GB', 'H20 96GB', 'H100 80GB', 'H200 141GB']);
  });
});
