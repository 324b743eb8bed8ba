#!/usr/bin/env node
// Independent reference for test/memory-model.test.ts: SGLang v0.5.18's default
// --mem-fraction-static, worked out step by step from FACTS §3 (and §5b for the GPU memory),
// written apart from lib/sglang/memory-model.ts and on purpose shaped differently (table
// lookups, an explicit capture list, exact BigInt rounding). It must not import the library.
//
// Prints the table for every GPU preset x TP 1/2/4/8 x server mode as JSON. The committed copy
// is test/support/mem-fraction-table.json; regenerate it with
//   node test/support/mem-fraction-reference.mjs > test/support/mem-fraction-table.json
// and a test checks that this script still prints exactly the committed table.

// FACTS §5b: nvidia-smi memory.total, MiB.
const GPUS = [
  ['L20', 46068],
  ['A10', 23028],
  ['A100_40GB', 40960],
  ['A100_80GB', 81920],
  ['H20', 97871],
  ['H100', 81559],
  ['H200', 143771],
];
const TPS = [1, 2, 4, 8];
const MODES = ['prefill', 'decode', 'null'];

const GIB = 1024; // MiB

// Step 1. Rows: [upper bound in MiB (exclusive), C, B when TP < 4, B when TP >= 4].
// FACTS: "< 90 GiB and < 160 GiB: C 8192, B 256 (TP < 4) or 512" is two rows with equal values.
const BUCKETS = [
  [20 * GIB, 2048, 8, 8],
  [35 * GIB, 2048, 24, 80],
  [60 * GIB, 4096, 32, 160],
  [90 * GIB, 8192, 256, 512],
  [160 * GIB, 8192, 256, 512],
  [Infinity, 16384, 512, 512],
];

function bucket(m, tp) {
  const row = BUCKETS.find(([limit]) => m < limit);
  return { c: row[1], b: tp < 4 ? row[2] : row[3] };
}

// Step 4: the prefill capture list, written out in full, then cut at C.
function captureList(c) {
  const list = [];
  const add = (from, to, step) => { for (let s = from; s <= to; s += step) list.push(s); };
  add(4, 32, 4);
  add(48, 256, 16);
  add(288, 512, 32);
  add(576, 1024, 64);
  add(1280, 4096, 256);
  add(4608, Math.max(c, 4608), 512);
  return list.filter((s) => s <= c);
}

// Step 6: Python's round(x, 3) on a double: exact binary value, ties to even.
function pyRound3(x) {
  if (x === 0) return 0;
  const neg = x < 0;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp;
  if (expBits === 0) { exp = -1074; } else { mant |= 1n << 52n; exp = expBits - 1075; }
  // |x| = mant * 2^exp; q, r = divmod(mant * 1000, 2^-exp)
  let num = mant * 1000n;
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp); else den <<= BigInt(-exp);
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  const v = Number(q) / 1000;
  return neg ? -v : v;
}

function row(name, m, tp, mode) {
  const pp = 1;
  const { c, b } = bucket(m, tp);
  // Step 2: a prefill server has no decode graph, a decode server no prefill graph.
  const decodeGraph = mode !== 'prefill';
  const prefillGraph = mode !== 'decode';
  // Step 3.
  const a = mode === 'decode' ? Math.max(b, 2048) : Math.max(c, 2048);
  // Step 4 (no DP attention in this table).
  const sizes = prefillGraph ? captureList(c).length : 0;
  const g = (decodeGraph ? 2 * b : 0) + 8 * sizes;
  let r = 512 + 1.5 * a + (tp * pp / 8) * 1024 + g;
  // Step 5.
  const floorApplied = m > 60 * GIB && r < 10240;
  if (m > 60 * GIB) r = Math.max(r, 10240);
  return {
    gpu: name,
    gpuMemoryMiB: m,
    tpSize: tp,
    mode,
    chunkedPrefillSize: c,
    cudaGraphMaxBs: b,
    activationTokens: a,
    prefillCaptureSizeCount: sizes,
    graphReserveMiB: g,
    reserveMiB: r,
    reserveFloorApplied: floorApplied,
    memFractionStatic: pyRound3((m - r) / m),
  };
}

const rows = [];
for (const [name, m] of GPUS) for (const tp of TPS) for (const mode of MODES) rows.push(row(name, m, tp, mode));
process.stdout.write(JSON.stringify({ source: 'FACTS §3 steps 1-6, SGLang v0.5.18', rows }, null, 2) + '\n');
