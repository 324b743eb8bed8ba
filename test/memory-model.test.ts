/*
 * lib/sglang/memory-model.ts against FACTS §3 ("Default --mem-fraction-static of SGLang v0.5.18")
 * and §5b (GPU memory as nvidia-smi reports it).
 *
 * Every expected number here is worked out by hand from FACTS (the arithmetic is in the comments)
 * or comes from test/support/mem-fraction-reference.mjs, a separate script that follows FACTS
 * step by step without importing the library. None is produced by the code under test.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  CudaGraphBackend,
  DEFAULT_MAX_PREFILL_TOKENS,
  DEFAULT_PRELOAD_OVERHEAD_MIB,
  DisaggregationMode,
  EngineMemoryInput,
  LARGE_GPU_RESERVE_FLOOR_MIB,
  prefillCudaGraphCaptureSizes,
  resolveEngineMemory,
  roundHalfEven,
} from '../lib/sglang/memory-model';
import { KvPoolInput, kvPool, kvPoolRange } from '../lib/sglang/kv-pool';
import { GpuProfile } from '../lib';

/** nvidia-smi memory.total of each preset, in MiB, as FACTS §5b lists them (written by hand). */
const GPU_MEMORY_TOTAL_MIB = { L20: 46068, A10: 23028, A100_40GB: 40960, A100_80GB: 81920, H20: 97871, H100: 81559, H200: 143771 };

const GiB = 1024 ** 3;
const L20 = 46068;
const { PREFILL, DECODE, NONE } = DisaggregationMode;

/** L20, TP 2: the tutorial's prefill and decode servers, plus overrides. */
function l20(mode: DisaggregationMode, extra: Partial<EngineMemoryInput> = {}) {
  return resolveEngineMemory({ gpuMemoryMiB: L20, mode, tpSize: 2, ...extra });
}

/** Qwen3-32B (FACTS §5): 64 layers, 8 KV heads, head dim 128, 65.5 GB of bf16 weights; TP 2 on L20. */
function qwen32bOnL20(memFractionStatic: number, extra: Partial<KvPoolInput> = {}): KvPoolInput {
  return {
    gpuMemoryMiB: L20, memFractionStatic, weightsBytes: 65.5e9, layers: 64, kvHeads: 8, headDim: 128,
    tpSize: 2, contextLength: 40960, ...extra,
  };
}

describe('GPU memory presets (FACTS §5b)', () => {
  test('GIVEN the presets WHEN read THEN they are nvidia-smi memory.total in MiB, not marketing sizes', () => {
    expect({
      L20: GpuProfile.L20.reportedMemoryMiB, A10: GpuProfile.A10.reportedMemoryMiB, A100_40GB: GpuProfile.A100_40GB.reportedMemoryMiB,
      A100_80GB: GpuProfile.A100_80GB.reportedMemoryMiB, H20: GpuProfile.H20.reportedMemoryMiB, H100: GpuProfile.H100.reportedMemoryMiB,
      H200: GpuProfile.H200.reportedMemoryMiB,
    }).toEqual(GPU_MEMORY_TOTAL_MIB);
  });

  test('GIVEN the documented defaults WHEN read THEN 1 GiB pre-load overhead, 16384 prefill tokens, 10 GiB floor', () => {
    expect(DEFAULT_PRELOAD_OVERHEAD_MIB).toBe(1024);
    expect(DEFAULT_MAX_PREFILL_TOKENS).toBe(16384);
    expect(LARGE_GPU_RESERVE_FLOOR_MIB).toBe(10240);
  });
});

describe('resolveEngineMemory: the worked example of FACTS §3 (Qwen3-32B, TP 2, L20 M = 46068)', () => {
  test('GIVEN a prefill server WHEN resolved THEN C 4096, 50 capture sizes, R = 512 + 6144 + 256 + 400 = 7312, fraction 0.841', () => {
    const p = l20(PREFILL);
    expect(p).toEqual({
      gpuMemoryMiB: 46068,
      mode: PREFILL,
      chunkedPrefillSize: 4096, // 44.99 GiB < 60 GiB
      chunkedPrefillEnabled: true,
      cudaGraphMaxBs: 32, // TP < 4
      decodeCudaGraphCaptured: false,
      prefillCudaGraphCaptured: true,
      prefillCaptureSizeCount: 50,
      activationTokens: 4096, // max(C, 2048)
      baseReserveMiB: 512,
      activationReserveMiB: 6144, // 1.5 x 4096
      parallelReserveMiB: 256, // 2 x 1 / 8 x 1024
      graphReserveMiB: 400, // 8 x 50, no decode graph
      reserveBeforeFloorMiB: 7312,
      reserveMiB: 7312,
      reserveFloorApplied: false, // 46068 MiB is not > 60 GiB
      defaultMemFractionStatic: 0.841, // 38756 / 46068 = 0.8413
      memFractionStatic: 0.841,
      memFractionStaticFromUser: false,
    });
  });

  test('GIVEN a decode server WHEN resolved THEN A 2048, R = 512 + 3072 + 256 + 64 = 3904, fraction 0.915', () => {
    const d = l20(DECODE);
    expect(d.activationTokens).toBe(2048); // max(B = 32, 2048)
    expect(d.activationReserveMiB).toBe(3072);
    expect(d.graphReserveMiB).toBe(64); // 2 x B, no prefill graph
    expect(d.decodeCudaGraphCaptured).toBe(true);
    expect(d.prefillCudaGraphCaptured).toBe(false);
    expect(d.prefillCaptureSizeCount).toBe(0);
    expect(d.reserveMiB).toBe(3904);
    expect(d.memFractionStatic).toBe(0.915); // 42164 / 46068 = 0.9153
  });

  test('GIVEN a non-PD server WHEN resolved THEN it counts both graphs: G = 64 + 400, R = 7376, fraction 0.840', () => {
    const n = l20(NONE);
    expect(n.decodeCudaGraphCaptured && n.prefillCudaGraphCaptured).toBe(true);
    expect(n.graphReserveMiB).toBe(464);
    expect(n.reserveMiB).toBe(7376);
    expect(n.memFractionStatic).toBe(0.84); // 38692 / 46068 = 0.8399
  });
});

describe('kvPool / kvPoolRange: the KV table of FACTS §3 (Qwen3-32B TP 2 on L20)', () => {
  test('GIVEN the prefill fraction 0.841 WHEN sized at 1 GiB overhead and at 0 THEN 6.49 GiB / 53,193 tokens / 1 request, and 7.33 GiB / 60,082 / 1', () => {
    const r = kvPoolRange(qwen32bOnL20(0.841));
    expect(r.expected.preloadOverheadMiB).toBe(1024);
    expect((r.expected.weightsPerGpuBytes / GiB).toFixed(2)).toBe('30.50');
    expect(r.expected.kvBytesPerTokenPerGpu).toBe(131072); // 2 x 64 x 4 x 128 x 2
    expect((r.expected.kvPoolPerGpuBytes / GiB).toFixed(2)).toBe('6.49');
    expect(r.expected.kvTokensPerInstance).toBe(53193);
    expect(r.expected.fullContextRequestsPerInstance).toBe(1);
    expect(r.upperBound.preloadOverheadMiB).toBe(0);
    expect((r.upperBound.kvPoolPerGpuBytes / GiB).toFixed(2)).toBe('7.33');
    expect(r.upperBound.kvTokensPerInstance).toBe(60082);
    expect(r.upperBound.fullContextRequestsPerInstance).toBe(1);
    expect(r.fullContextRequestsVary).toBe(false);
  });

  test('GIVEN the decode fraction 0.915 WHEN sized at 1 GiB overhead and at 0 THEN 9.75 GiB / 79,859 / 1, and 10.66 GiB / 87,355 / 2: the count flips', () => {
    const r = kvPoolRange(qwen32bOnL20(0.915));
    expect((r.expected.kvPoolPerGpuBytes / GiB).toFixed(2)).toBe('9.75');
    expect(r.expected.kvTokensPerInstance).toBe(79859);
    expect(r.expected.fullContextRequestsPerInstance).toBe(1);
    expect((r.upperBound.kvPoolPerGpuBytes / GiB).toFixed(2)).toBe('10.66');
    expect(r.upperBound.kvTokensPerInstance).toBe(87355);
    expect(r.upperBound.fullContextRequestsPerInstance).toBe(2);
    expect(r.fullContextRequestsVary).toBe(true);
  });

  test('GIVEN the fractions resolveEngineMemory picks WHEN fed to kvPool THEN the tutorial figures follow end to end', () => {
    const prefill = kvPool(qwen32bOnL20(l20(PREFILL).memFractionStatic));
    const decode = kvPool(qwen32bOnL20(l20(DECODE).memFractionStatic));
    expect([prefill.kvTokensPerInstance, decode.kvTokensPerInstance]).toEqual([53193, 79859]);
  });

  test('GIVEN a pre-load overhead of 512 MiB WHEN sized THEN it lies between the two bounds', () => {
    // (46068 - 512) x 0.915 MiB - 32.75e9 B = 41683.74 MiB - 31232.834 MiB = 10450.906 MiB; 8 tokens per MiB
    const p = kvPool(qwen32bOnL20(0.915, { preloadOverheadMiB: 512 }));
    expect(p.preloadOverheadMiB).toBe(512);
    expect(p.kvTokensPerInstance).toBe(83607);
  });
});

describe('resolveEngineMemory: every GPU preset x TP 1/2/4/8 x server mode against the reference script', () => {
  const script = path.join(__dirname, 'support', 'mem-fraction-reference.mjs');
  const tableFile = path.join(__dirname, 'support', 'mem-fraction-table.json');
  const table = JSON.parse(fs.readFileSync(tableFile, 'utf8')) as { rows: Array<Record<string, any>> };

  test('GIVEN the reference script WHEN run again THEN it prints exactly the committed table', () => {
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    expect(out).toBe(fs.readFileSync(tableFile, 'utf8'));
  });

  test('GIVEN the committed table WHEN read THEN it covers 7 presets x 4 TP x 3 modes and holds the worked example', () => {
    expect(table.rows).toHaveLength(7 * 4 * 3);
    const pick = (gpu: string, tp: number, mode: string) => table.rows.find((r) => r.gpu === gpu && r.tpSize === tp && r.mode === mode);
    expect(pick('L20', 2, 'prefill')).toMatchObject({ reserveMiB: 7312, memFractionStatic: 0.841 });
    expect(pick('L20', 2, 'decode')).toMatchObject({ reserveMiB: 3904, memFractionStatic: 0.915 });
    expect(new Set(table.rows.map((r) => r.gpuMemoryMiB))).toEqual(new Set(Object.values(GPU_MEMORY_TOTAL_MIB)));
  });

  test.each(table.rows.map((r) => [`${r.gpu} TP ${r.tpSize} ${r.mode}`, r] as const))('%s', (_name, row) => {
    const got = resolveEngineMemory({ gpuMemoryMiB: row.gpuMemoryMiB, tpSize: row.tpSize, mode: row.mode as DisaggregationMode });
    expect({
      chunkedPrefillSize: got.chunkedPrefillSize,
      cudaGraphMaxBs: got.cudaGraphMaxBs,
      activationTokens: got.activationTokens,
      prefillCaptureSizeCount: got.prefillCaptureSizeCount,
      graphReserveMiB: got.graphReserveMiB,
      reserveMiB: got.reserveMiB,
      reserveFloorApplied: got.reserveFloorApplied,
      memFractionStatic: got.memFractionStatic,
    }).toEqual({
      chunkedPrefillSize: row.chunkedPrefillSize,
      cudaGraphMaxBs: row.cudaGraphMaxBs,
      activationTokens: row.activationTokens,
      prefillCaptureSizeCount: row.prefillCaptureSizeCount,
      graphReserveMiB: row.graphReserveMiB,
      reserveMiB: row.reserveMiB,
      reserveFloorApplied: row.reserveFloorApplied,
      memFractionStatic: row.memFractionStatic,
    });
  });
});

describe('resolveEngineMemory: buckets of step 1', () => {
  test.each([
    // [M MiB, TP, C, B]
    [20479, 2, 2048, 8],
    [20480, 2, 2048, 24],
    [35839, 4, 2048, 80],
    [35840, 3, 4096, 32], // TP 3 is still "TP < 4"
    [61439, 4, 4096, 160],
    [61440, 2, 8192, 256],
    [92159, 2, 8192, 256],
    [92160, 2, 8192, 256], // "< 90 GiB and < 160 GiB": two buckets with the same values
    [163839, 8, 8192, 512],
    [163840, 2, 16384, 512],
    [163840, 8, 16384, 512],
  ])('GIVEN M = %i MiB and TP %i WHEN resolved THEN C %i and B %i', (m, tp, c, b) => {
    const r = resolveEngineMemory({ gpuMemoryMiB: m, tpSize: tp, mode: NONE });
    expect([r.chunkedPrefillSize, r.cudaGraphMaxBs]).toEqual([c, b]);
  });

  test('GIVEN H20 (97871 MiB) and H200 (143771 MiB) WHEN resolved THEN they take the [90, 160) GiB bucket, not the last one', () => {
    for (const m of [GPU_MEMORY_TOTAL_MIB.H20, GPU_MEMORY_TOTAL_MIB.H200]) {
      const r = resolveEngineMemory({ gpuMemoryMiB: m, tpSize: 1, mode: PREFILL });
      expect([r.chunkedPrefillSize, r.cudaGraphMaxBs]).toEqual([8192, 256]);
    }
  });
});

describe('resolveEngineMemory: user values feed the same function', () => {
  test('GIVEN memFractionStatic WHEN resolved THEN the user value wins and the default is still reported', () => {
    const d = l20(DECODE, { memFractionStatic: 0.9 });
    expect(d.memFractionStatic).toBe(0.9);
    expect(d.memFractionStaticFromUser).toBe(true);
    expect(d.defaultMemFractionStatic).toBe(0.915);
    expect(d.reserveMiB).toBe(3904);
  });

  test('GIVEN chunkedPrefillSize 8192 on a prefill server WHEN resolved THEN 58 capture sizes, R = 512 + 12288 + 256 + 464 = 13520, 0.707', () => {
    const p = l20(PREFILL, { chunkedPrefillSize: 8192 });
    expect(p.chunkedPrefillSize).toBe(8192);
    expect(p.prefillCaptureSizeCount).toBe(58); // 50 + 4608 ... 8192 step 512
    expect(p.reserveMiB).toBe(13520);
    expect(p.memFractionStatic).toBe(0.707); // 32548 / 46068 = 0.7065
  });

  test('GIVEN chunked prefill off WHEN resolved THEN A = max_prefill_tokens (16384 by default), no capture sizes', () => {
    const off = l20(PREFILL, { chunkedPrefillSize: -1 });
    expect(off.chunkedPrefillEnabled).toBe(false);
    expect(off.activationTokens).toBe(16384);
    expect(off.prefillCaptureSizeCount).toBe(0);
    expect(off.prefillCudaGraphCaptured).toBe(true);
    expect(off.reserveMiB).toBe(25344); // 512 + 24576 + 256
    expect(off.memFractionStatic).toBe(0.45); // 20724 / 46068 = 0.4499
    const zero = l20(PREFILL, { chunkedPrefillSize: 0, maxPrefillTokens: 8192 });
    expect(zero.chunkedPrefillEnabled).toBe(false);
    expect(zero.reserveMiB).toBe(13056); // 512 + 12288 + 256
    expect(zero.memFractionStatic).toBe(0.717); // 33012 / 46068 = 0.7166
  });

  test('GIVEN maxRunningRequests on a decode server WHEN resolved THEN it sets A (at least 2048)', () => {
    const big = l20(DECODE, { maxRunningRequests: 4096 });
    expect(big.activationTokens).toBe(4096);
    expect(big.reserveMiB).toBe(6976); // 512 + 6144 + 256 + 64
    expect(big.memFractionStatic).toBe(0.849); // 39092 / 46068 = 0.8486
    expect(l20(DECODE, { maxRunningRequests: 1000 }).memFractionStatic).toBe(0.915);
  });

  test('GIVEN maxRunningRequests on a prefill server WHEN resolved THEN it changes nothing', () => {
    expect(l20(PREFILL, { maxRunningRequests: 4096 }).memFractionStatic).toBe(0.841);
  });

  test('GIVEN speculative draft tokens WHEN resolved THEN requests x draft tokens is taken before the 2048 minimum', () => {
    const d = l20(DECODE, { maxRunningRequests: 600, speculativeNumDraftTokens: 4 });
    expect(d.activationTokens).toBe(2400); // max(600 x 4, 2048), not max(600, 2048) x 4
    expect(d.reserveMiB).toBe(4432); // 512 + 3600 + 256 + 64
    expect(d.memFractionStatic).toBe(0.904); // 41636 / 46068 = 0.9038
  });

  test('GIVEN cudaGraphMaxBs on a decode server WHEN resolved THEN it sets the graph term and, without maxRunningRequests, A', () => {
    const b256 = l20(DECODE, { cudaGraphMaxBs: 256 });
    expect([b256.cudaGraphMaxBs, b256.activationTokens, b256.graphReserveMiB, b256.reserveMiB]).toEqual([256, 2048, 512, 4352]);
    expect(b256.memFractionStatic).toBe(0.906); // 41716 / 46068 = 0.9055
    const b4096 = l20(DECODE, { cudaGraphMaxBs: 4096 });
    expect([b4096.activationTokens, b4096.graphReserveMiB, b4096.reserveMiB]).toEqual([4096, 8192, 15104]);
    expect(b4096.memFractionStatic).toBe(0.672); // 30964 / 46068 = 0.6721
  });

  test('GIVEN cudaGraphMaxBs on a prefill server WHEN resolved THEN it is reported but reserves nothing (no decode graph)', () => {
    const p = l20(PREFILL, { cudaGraphMaxBs: 256 });
    expect(p.cudaGraphMaxBs).toBe(256);
    expect(p.memFractionStatic).toBe(0.841);
  });

  test('GIVEN disableCudaGraph WHEN resolved THEN both phases lose their graph (v0.5.18: the legacy flag covers both)', () => {
    const d = l20(DECODE, { disableCudaGraph: true });
    expect([d.decodeCudaGraphCaptured, d.graphReserveMiB, d.reserveMiB]).toEqual([false, 0, 3840]);
    expect(d.activationTokens).toBe(2048); // B still sizes A
    expect(d.memFractionStatic).toBe(0.917); // 42228 / 46068 = 0.9166
    const p = l20(PREFILL, { disableCudaGraph: true });
    expect([p.prefillCudaGraphCaptured, p.prefillCaptureSizeCount, p.reserveMiB]).toEqual([false, 0, 6912]);
    expect(p.memFractionStatic).toBe(0.85); // 39156 / 46068 = 0.8500
  });

  test('GIVEN per-phase disable flags WHEN resolved THEN only the server\'s own phase matters', () => {
    expect(l20(PREFILL, { disableDecodeCudaGraph: true }).memFractionStatic).toBe(0.841);
    expect(l20(PREFILL, { disablePrefillCudaGraph: true }).memFractionStatic).toBe(0.85);
    expect(l20(DECODE, { disablePrefillCudaGraph: true }).memFractionStatic).toBe(0.915);
    expect(l20(DECODE, { disableDecodeCudaGraph: true }).memFractionStatic).toBe(0.917);
  });

  test('GIVEN an explicit graph backend WHEN resolved THEN it wins over disable flags, and the other phase of a PD role is captured but not reserved', () => {
    const forced = l20(DECODE, { disableCudaGraph: true, decodeCudaGraphBackend: CudaGraphBackend.FULL });
    expect(forced.decodeCudaGraphCaptured).toBe(true);
    expect(forced.memFractionStatic).toBe(0.915);
    const other = l20(DECODE, { prefillCudaGraphBackend: CudaGraphBackend.BREAKABLE });
    expect(other.prefillCudaGraphCaptured).toBe(true);
    expect(other.prefillCaptureSizeCount).toBe(50);
    expect(other.graphReserveMiB).toBe(64);
    expect(other.memFractionStatic).toBe(0.915);
    const off = l20(PREFILL, { prefillCudaGraphBackend: CudaGraphBackend.DISABLED });
    expect(off.prefillCudaGraphCaptured).toBe(false);
    expect(off.memFractionStatic).toBe(0.85);
  });
});

describe('resolveEngineMemory: DP attention, PP and the large-GPU floor', () => {
  test('GIVEN DP attention on a decode server (L20, TP 4, DP 2) WHEN resolved THEN G = 2 x 160 + 3 x 160 x 2, R = 5376, 0.883', () => {
    const d = resolveEngineMemory({ gpuMemoryMiB: L20, mode: DECODE, tpSize: 4, dpSize: 2, enableDpAttention: true });
    expect(d.cudaGraphMaxBs).toBe(160);
    expect(d.graphReserveMiB).toBe(1280);
    expect(d.reserveMiB).toBe(5376); // 512 + 3072 + 512 + 1280
    expect(d.memFractionStatic).toBe(0.883); // 40692 / 46068 = 0.8833
  });

  test('GIVEN DP attention with B > 300 (H20, TP 8, DP 8) WHEN resolved THEN 1.5 x B x DP more: G = 1024 + 12288 + 6144', () => {
    const d = resolveEngineMemory({ gpuMemoryMiB: 97871, mode: DECODE, tpSize: 8, dpSize: 8, enableDpAttention: true });
    expect(d.cudaGraphMaxBs).toBe(512);
    expect(d.graphReserveMiB).toBe(19456);
    expect(d.reserveMiB).toBe(24064); // 512 + 3072 + 1024 + 19456, above the floor
    expect(d.reserveFloorApplied).toBe(false);
    expect(d.memFractionStatic).toBe(0.754); // 73807 / 97871 = 0.7541
  });

  test('GIVEN DP attention on a prefill server WHEN resolved THEN no DP term (as in v0.5.18)', () => {
    const p = resolveEngineMemory({ gpuMemoryMiB: L20, mode: PREFILL, tpSize: 4, dpSize: 2, enableDpAttention: true });
    expect(p.graphReserveMiB).toBe(400);
    expect(p.memFractionStatic).toBe(0.836); // 512 + 6144 + 512 + 400 = 7568; 38500 / 46068
  });

  test('GIVEN DP attention on a decode server without decode graph WHEN resolved THEN the DP term stays', () => {
    const d = resolveEngineMemory({ gpuMemoryMiB: L20, mode: DECODE, tpSize: 4, dpSize: 2, enableDpAttention: true, disableDecodeCudaGraph: true });
    expect(d.graphReserveMiB).toBe(960);
    expect(d.memFractionStatic).toBe(0.89); // R = 5056; 41012 / 46068 = 0.8902
  });

  test('GIVEN dpSize without DP attention WHEN resolved THEN the reserve ignores it', () => {
    expect(resolveEngineMemory({ gpuMemoryMiB: L20, mode: DECODE, tpSize: 2, dpSize: 2 }).memFractionStatic).toBe(0.915);
  });

  test('GIVEN PP 2 WHEN resolved THEN the parallel term is TP x PP / 8 x 1024 = 512', () => {
    const d = l20(DECODE, { ppSize: 2 });
    expect(d.parallelReserveMiB).toBe(512);
    expect(d.reserveMiB).toBe(4160);
    expect(d.memFractionStatic).toBe(0.91); // 41908 / 46068 = 0.9097
    expect(l20(PREFILL, { ppSize: 2 }).memFractionStatic).toBe(0.836); // R = 7568
  });

  test('GIVEN a GPU of more than 60 GiB and a small reserve WHEN resolved THEN R is raised to 10240', () => {
    const d = resolveEngineMemory({ gpuMemoryMiB: GPU_MEMORY_TOTAL_MIB.H100, mode: DECODE, tpSize: 1 });
    expect(d.reserveBeforeFloorMiB).toBe(4224); // 512 + 3072 + 128 + 512
    expect(d.reserveMiB).toBe(10240);
    expect(d.reserveFloorApplied).toBe(true);
    expect(d.memFractionStatic).toBe(0.874); // 71319 / 81559 = 0.8744
  });

  test('GIVEN exactly 60 GiB WHEN resolved THEN no floor; one MiB more THEN the floor', () => {
    const at = resolveEngineMemory({ gpuMemoryMiB: 61440, mode: DECODE, tpSize: 2 });
    expect([at.reserveMiB, at.reserveFloorApplied, at.memFractionStatic]).toEqual([4352, false, 0.929]); // 57088 / 61440
    const above = resolveEngineMemory({ gpuMemoryMiB: 61441, mode: DECODE, tpSize: 2 });
    expect([above.reserveMiB, above.reserveFloorApplied, above.memFractionStatic]).toEqual([10240, true, 0.833]); // 51201 / 61441
  });

  test('GIVEN a large reserve on a large GPU WHEN resolved THEN the floor does not apply', () => {
    const p = resolveEngineMemory({ gpuMemoryMiB: GPU_MEMORY_TOTAL_MIB.H100, mode: PREFILL, tpSize: 1 });
    expect([p.reserveMiB, p.reserveFloorApplied]).toEqual([13392, false]); // 512 + 12288 + 128 + 464
  });
});

describe('rounding to 3 decimals like Python round()', () => {
  test('GIVEN (M - R) / M = 0.8125 exactly (A100 40GB, decode, TP 4, 4224 running requests) WHEN resolved THEN 0.812 (ties to even)', () => {
    const d = resolveEngineMemory({ gpuMemoryMiB: 40960, mode: DECODE, tpSize: 4, maxRunningRequests: 4224 });
    expect(d.reserveMiB).toBe(7680); // 512 + 6336 + 512 + 320
    expect(d.memFractionStatic).toBe(0.812); // 33280 / 40960 = 0.8125
  });

  test.each([
    [0.8125, 0.812], [0.9375, 0.938], [0.0625, 0.062], [0.6875, 0.688], [1.0005, 1], [0.84128, 0.841], [0.91525, 0.915], [-0.8125, -0.812],
  ])('GIVEN %d WHEN rounded THEN %d (Python round(x, 3))', (x, want) => {
    expect(roundHalfEven(x, 3)).toBe(want);
  });

  test('GIVEN other digit counts WHEN rounded THEN ties go to even there too', () => {
    expect(roundHalfEven(2.675, 2)).toBe(2.67); // the double is below 2.675
    expect(roundHalfEven(0.125, 2)).toBe(0.12);
    expect(roundHalfEven(2.5, 0)).toBe(2);
  });
});

describe('prefillCudaGraphCaptureSizes', () => {
  test('GIVEN C 4096 WHEN listed THEN 8 + 14 + 8 + 8 + 12 = 50 sizes from 4 to 4096', () => {
    const s = prefillCudaGraphCaptureSizes(4096);
    expect(s).toHaveLength(50);
    expect(s.slice(0, 9)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 48]);
    expect(s).toEqual(expect.arrayContaining([256, 288, 512, 576, 1024, 1280, 1536, 4096]));
    expect(s).not.toContain(36);
    expect(s[s.length - 1]).toBe(4096);
  });

  test.each([[2048, 42], [8192, 58], [16384, 74], [5000, 51], [3, 0], [-1, 0]])('GIVEN C %i WHEN listed THEN %i sizes', (c, n) => {
    expect(prefillCudaGraphCaptureSizes(c)).toHaveLength(n);
  });
});

describe('kvPool: DP, TP beyond the KV heads, PP, dtype', () => {
  /**
   * A made-up model sized for hand arithmetic: M 10240 MiB, fraction 0.9, overhead 1024 MiB ->
   * 8294.4 MiB static; 4 GiB of weights over TP 4 -> 1024 MiB per GPU; pool 7270.4 MiB.
   */
  const toy: KvPoolInput = {
    gpuMemoryMiB: 10240, memFractionStatic: 0.9, weightsBytes: 4 * GiB, layers: 4, kvHeads: 8, headDim: 128,
    tpSize: 4, contextLength: 100000,
  };

  test('GIVEN TP 4 WHEN sized THEN 2 KV heads per GPU, 4096 B per token, 1,861,222 tokens, 18 requests', () => {
    const p = kvPool(toy);
    expect(p.kvPoolPerGpuBytes / (1024 * 1024)).toBeCloseTo(7270.4, 6);
    expect([p.attentionTpSize, p.kvHeadsPerGpu, p.kvBytesPerTokenPerGpu]).toEqual([4, 2, 4096]); // 2 x 4 x 2 x 128 x 2
    expect([p.kvPoolsPerInstance, p.kvTokensPerPool, p.kvTokensPerInstance, p.fullContextRequestsPerInstance]).toEqual([1, 1861222, 1861222, 18]);
  });

  test('GIVEN DP attention with DP 2 WHEN sized THEN attention TP 2, 4 heads per GPU, two pools of 930,611 tokens', () => {
    const p = kvPool({ ...toy, dpSize: 2, enableDpAttention: true });
    expect([p.attentionTpSize, p.kvHeadsPerGpu, p.kvBytesPerTokenPerGpu]).toEqual([2, 4, 8192]);
    expect([p.kvPoolsPerInstance, p.kvTokensPerPool, p.kvTokensPerInstance]).toEqual([2, 930611, 1861222]);
    expect(p.fullContextRequestsPerInstance).toBe(18); // 9 per pool x 2
  });

  test('GIVEN DP 2 without DP attention WHEN sized THEN two full replicas: two pools at TP 4', () => {
    const p = kvPool({ ...toy, dpSize: 2 });
    expect([p.attentionTpSize, p.kvTokensPerPool, p.kvTokensPerInstance, p.fullContextRequestsPerInstance]).toEqual([4, 1861222, 3722444, 36]);
  });

  test('GIVEN TP above the KV heads WHEN sized THEN one head per GPU, replicated', () => {
    const p = kvPool({ ...toy, tpSize: 16 });
    expect([p.kvHeadsPerGpu, p.kvHeadsReplicated, p.kvBytesPerTokenPerGpu]).toEqual([1, true, 2048]);
    expect(kvPool(toy).kvHeadsReplicated).toBe(false);
  });

  test('GIVEN PP 2 and 5 layers WHEN sized THEN weights / (TP x PP) and the 3-layer stage sets the bytes per token', () => {
    const p = kvPool({ ...toy, layers: 5, ppSize: 2 });
    expect(p.weightsPerGpuBytes).toBe(512 * 1024 * 1024);
    expect(p.kvBytesPerTokenPerGpu).toBe(2 * 3 * 2 * 128 * 2);
  });

  test('GIVEN an fp8 KV cache WHEN sized THEN one byte per element', () => {
    expect(kvPool({ ...toy, kvDtypeBytes: 1 }).kvBytesPerTokenPerGpu).toBe(2048);
  });

  test('GIVEN weights that do not fit WHEN sized THEN a negative pool and no tokens', () => {
    const p = kvPool({ ...toy, weightsBytes: 40 * GiB });
    expect(p.kvPoolPerGpuBytes).toBeLessThan(0);
    expect([p.kvTokensPerInstance, p.fullContextRequestsPerInstance]).toEqual([0, 0]);
  });
});

describe('input checks', () => {
  test.each<[string, Partial<EngineMemoryInput>]>([
    ['gpuMemoryMiB', { gpuMemoryMiB: 0 }],
    ['tpSize', { tpSize: 1.5 }],
    ['ppSize', { ppSize: 0 }],
    ['dpSize', { dpSize: -1 }],
    ['dpSize (3) must divide tpSize (2)', { dpSize: 3, enableDpAttention: true }],
    ['chunkedPrefillSize', { chunkedPrefillSize: 100.5 }],
    ['cudaGraphMaxBs', { cudaGraphMaxBs: 0 }],
    ['maxRunningRequests', { maxRunningRequests: 0 }],
    ['maxPrefillTokens', { maxPrefillTokens: -5 }],
    ['speculativeNumDraftTokens', { speculativeNumDraftTokens: 0 }],
    ['memFractionStatic', { memFractionStatic: 1.2 }],
    ['mode', { mode: 'mixed' as DisaggregationMode }],
    ['decodeCudaGraphBackend', { decodeCudaGraphBackend: 'eager' as CudaGraphBackend }],
  ])('GIVEN a bad %s WHEN resolved THEN a RangeError names it', (name, bad) => {
    expect(() => l20(DECODE, bad)).toThrow(RangeError);
    expect(() => l20(DECODE, bad)).toThrow(name);
  });

  test.each<[string, Partial<KvPoolInput>]>([
    ['memFractionStatic', { memFractionStatic: 0 }],
    ['weightsBytes', { weightsBytes: -1 }],
    ['contextLength', { contextLength: 0 }],
    ['preloadOverheadMiB', { preloadOverheadMiB: -1 }],
    ['preloadOverheadMiB', { preloadOverheadMiB: 46068 }],
    ['dpSize (3) must divide tpSize (2)', { dpSize: 3, enableDpAttention: true }],
  ])('GIVEN a bad %s WHEN sizing the KV pool THEN a RangeError names it', (name, bad) => {
    expect(() => kvPool(qwen32bOnL20(0.9, bad))).toThrow(RangeError);
    expect(() => kvPool(qwen32bOnL20(0.9, bad))).toThrow(name);
  });
});
