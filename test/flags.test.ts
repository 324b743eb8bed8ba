import { checkExtraArgs } from '../lib/sglang/extra-args';
import { FlagProblem, flagCatalogVersion, lookupFlag } from '../lib/sglang/flags';

const NONE: ReadonlySet<string> = new Set();

function errors(problems: FlagProblem[]): FlagProblem[] {
  return problems.filter((p) => p.severity === 'error');
}

function only(problems: FlagProblem[]): FlagProblem {
  expect(problems).toHaveLength(1);
  const [first] = problems;
  if (!first) throw new Error('expected one problem');
  return first;
}

describe('lookupFlag', () => {
  test('finds a flag by canonical name, with or without the leading dashes', () => {
    // GIVEN the server catalog
    // WHEN looking up tp-size both ways
    const withDashes = lookupFlag('server', '--tp-size');
    const bare = lookupFlag('server', 'tp-size');
    // THEN both resolve to the same int flag
    expect(withDashes?.name).toBe('--tp-size');
    expect(withDashes?.type).toBe('int');
    expect(withDashes?.default).toBe(1);
    expect(bare).toBe(withDashes);
  });

  test('is alias- and negation-aware', () => {
    // GIVEN an alias and a --no- spelling
    // WHEN looking them up
    // THEN they resolve to the canonical flag
    expect(lookupFlag('server', '--tensor-parallel-size')?.name).toBe('--tp-size');
    expect(lookupFlag('server', '--no-dllm-fdfo')?.name).toBe('--dllm-fdfo');
    expect(lookupFlag('server', '--dllm-fdfo')?.type).toBe('bool_optional');
  });

  test('exposes choices, nargs, status and replacement', () => {
    // GIVEN flags of both programs
    // WHEN looking them up
    const backend = lookupFlag('server', 'disaggregation-transfer-backend');
    const prefill = lookupFlag('router', '--prefill');
    const removed = lookupFlag('server', '--disaggregation-decode-tp');
    const deprecated = lookupFlag('server', '--disable-cuda-graph');
    // THEN the catalog data is carried over
    expect(backend?.choices).toContain('mooncake');
    expect(prefill).toMatchObject({ type: 'list', nargs: '+', repeatable: true });
    expect(lookupFlag('router', '--decode')?.nargs).toBe(1);
    expect(removed).toMatchObject({ status: 'removed', since: '0.5.10' });
    expect(deprecated).toMatchObject({ status: 'deprecated', since: '0.5.15' });
    expect(deprecated?.replacedBy).toEqual([
      '--cuda-graph-backend-decode=disabled',
      '--cuda-graph-backend-prefill=disabled',
    ]);
  });

  test('returns undefined for unknown names and keeps programs apart', () => {
    // GIVEN a server-only flag
    // WHEN looking it up in the router catalog, and a made-up flag in the server catalog
    // THEN nothing is found
    expect(lookupFlag('router', '--tp-size')).toBeUndefined();
    expect(lookupFlag('server', '--no-such-flag')).toBeUndefined();
    expect([flagCatalogVersion('server'), flagCatalogVersion('router')]).toEqual(['0.5.18', '0.3.2']);
  });
});

describe('checkExtraArgs: valid argv', () => {
  test('a realistic prefill argv has no problems', () => {
    // GIVEN prefill extra args in both "--flag value" and "--flag=value" forms
    // prettier-ignore
    const args = [
      '--mem-fraction-static', '0.85',
      '--chunked-prefill-size=8192',
      '--disaggregation-transfer-backend', 'mooncake',
      '--disaggregation-ib-device', 'mlx5_0,mlx5_1',
      '--disaggregation-bootstrap-port', '8998',
      '--json-model-override-args', '{"rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":32768},"max_position_embeddings":131072}',
      '--context-length', '128k',
      '--reasoning-parser', 'qwen3',
      '--tool-call-parser', 'qwen25',
      '--enable-metrics',
      '--max-running-requests', '256',
      '--no-dllm-fdfo',
      '--model-checksum',
    ];
    // WHEN checking them with the typed flags set apart
    const problems = checkExtraArgs('prefill', args, new Set(['--tp-size', '--model-path']));
    // THEN nothing is reported
    expect(problems).toEqual([]);
  });

  test('a realistic decode argv has no problems', () => {
    // GIVEN decode extra args, including a list flag and an inline --flag=value
    // prettier-ignore
    const args = [
      '--cuda-graph-max-bs-decode', '256',
      '--disaggregation-decode-enable-radix-cache',
      '--kv-cache-dtype=fp8_e4m3',
      '--dp-size', '2',
      '--enable-dp-attention',
      '--gc-threshold', '500', '10', '10',
      '--schedule-conservativeness', '1.3',
    ];
    // WHEN checking them
    // THEN nothing is reported
    expect(checkExtraArgs('decode', args, new Set(['tp-size']))).toEqual([]);
  });

  test('a router argv with repeated --prefill/--decode has no problems', () => {
    // GIVEN a static PD router argv with two prefill and two decode workers
    // prettier-ignore
    const args = [
      '--pd-disaggregation',
      '--prefill', 'http://prefill-0.prefill:30000', '8998',
      '--prefill', 'http://prefill-1.prefill:30000', 'none',
      '--prefill', 'http://prefill-2.prefill:30000',
      '--decode', 'http://decode-0.decode:30000',
      '--decode', 'http://decode-1.decode:30000',
      '--policy', 'cache_aware',
      '--prefill-policy=random',
      '--max-concurrent-requests', '-1',
      '--prometheus-port', '29000',
    ];
    // WHEN checking them
    // THEN nothing is reported
    expect(checkExtraArgs('router', args, new Set(['--host', '--port']))).toEqual([]);
  });

  test('a router argv with Kubernetes service discovery has no problems', () => {
    // GIVEN selector flags that take several key=value labels
    // prettier-ignore
    const args = [
      '--pd-disaggregation',
      '--service-discovery',
      '--service-discovery-namespace', 'llm',
      '--service-discovery-port', '30000',
      '--prefill-selector', 'app=qwen3', 'role=prefill',
      '--decode-selector', 'app=qwen3', 'role=decode',
    ];
    // WHEN checking them
    // THEN nothing is reported
    expect(checkExtraArgs('router', args, NONE)).toEqual([]);
  });
});

describe('checkExtraArgs: errors', () => {
  test('unknown flag with a did-you-mean suggestion', () => {
    // GIVEN a misspelled flag
    // WHEN checking it
    const problem = only(checkExtraArgs('prefill', ['--tp-sise', '2'], NONE));
    // THEN the error names the flag, the program and the closest flag
    expect(problem).toMatchObject({ severity: 'error', flag: '--tp-sise' });
    expect(problem.message).toBe(
      'prefill extraArgs: unknown flag --tp-sise for SGLang v0.5.18; did you mean --tp-size?',
    );
  });

  test('unknown flag without a close match, and server flags on the router', () => {
    // GIVEN a made-up flag and a server-only flag on the router
    // WHEN checking them
    const far = only(checkExtraArgs('decode', ['--frobnicate-widgets'], NONE));
    const wrongProgram = only(checkExtraArgs('router', ['--mem-fraction-static', '0.8'], NONE));
    // THEN both are unknown; no suggestion is invented
    expect(far.message).toBe('decode extraArgs: unknown flag --frobnicate-widgets for SGLang v0.5.18');
    expect(wrongProgram.message).toContain('unknown flag --mem-fraction-static for sglang-router v0.3.2');
  });

  test('single-dash spelling and ambiguous abbreviations', () => {
    // GIVEN a flag written with one dash, and a prefix shared by several flags
    // WHEN checking them
    const oneDash = only(checkExtraArgs('prefill', ['-tp-size', '2'], NONE));
    const ambiguous = only(checkExtraArgs('decode', ['--disaggregation-decode', '1'], NONE));
    // THEN the first suggests the double-dash flag, the second lists the candidates
    expect(oneDash.message).toBe(
      'prefill extraArgs: unknown flag -tp-size for SGLang v0.5.18; did you mean --tp-size?',
    );
    expect(ambiguous.message).toContain(
      'unknown flag --disaggregation-decode for SGLang v0.5.18; it abbreviates several flags (--disaggregation-decode-enable-offload-kvcache,',
    );
    expect(ambiguous.message).toContain('write one in full');
  });

  test('removed flag says since when, and its value is not reported again', () => {
    // GIVEN a flag removed in v0.5.10 followed by its value
    // WHEN checking it
    const problem = only(checkExtraArgs('decode', ['--disaggregation-decode-tp', '4'], NONE));
    // THEN one error names the removal version
    expect(problem.severity).toBe('error');
    expect(problem.message).toBe(
      'decode extraArgs: --disaggregation-decode-tp was removed in SGLang v0.5.10 and is rejected by SGLang v0.5.18; remove it',
    );
  });

  test('removed flag with a known replacement', () => {
    // GIVEN a removed flag the catalog names a replacement for
    // WHEN checking it
    const problem = only(checkExtraArgs('prefill', ['--enable-expert-distribution-metrics'], NONE));
    // THEN the replacement is suggested
    expect(problem.message).toContain('use --expert-balancedness-report-mode instead');
  });

  test('aliases and abbreviations must be written as the canonical name', () => {
    // GIVEN an alias, a short alias and an argparse-style abbreviation
    // WHEN checking them
    const alias = only(checkExtraArgs('prefill', ['--tensor-parallel-size', '2'], NONE));
    const model = only(checkExtraArgs('prefill', ['--model', 'Qwen/Qwen3-8B'], NONE));
    const abbrev = only(checkExtraArgs('prefill', ['--tp', '2'], NONE));
    // THEN each error names the full flag
    expect(alias.message).toBe(
      'prefill extraArgs: --tensor-parallel-size is an alias of --tp-size; always write the canonical flag name --tp-size',
    );
    expect(model.message).toContain('--model is an alias of --model-path');
    expect(abbrev).toMatchObject({ severity: 'error', flag: '--tp' });
    expect(abbrev.message).toBe(
      'prefill extraArgs: --tp is an abbreviation of --tp-size; always write the full flag name --tp-size',
    );
  });

  test('value not among the choices lists what is allowed', () => {
    // GIVEN a transfer backend that does not exist, and a bad router policy
    // WHEN checking them
    const server = only(checkExtraArgs('prefill', ['--disaggregation-transfer-backend', 'rdma'], NONE));
    const router = only(checkExtraArgs('router', ['--policy=fastest'], NONE));
    // THEN the choices are listed
    expect(server.message).toBe(
      'prefill extraArgs: --disaggregation-transfer-backend value "rdma" is not allowed; choose one of: mooncake, nixl, ascend, fake, mori, mooncake_tcp',
    );
    expect(router.message).toContain(
      '--policy value "fastest" is not allowed; choose one of: random, round_robin, cache_aware',
    );
  });

  test('values of the wrong type', () => {
    // GIVEN an int, a float, a JSON and an int-list flag with bad values
    // prettier-ignore
    const args = [
      '--tp-size', 'two',
      '--mem-fraction-static', 'high',
      '--json-model-override-args', '{rope_scaling:',
      '--gc-threshold', '500', 'ten',
      '--context-length', '32kb',
    ];
    // WHEN checking them
    const messages = checkExtraArgs('prefill', args, NONE).map((p) => p.message);
    // THEN each value is reported with what was expected
    expect(messages).toHaveLength(5);
    expect(messages[0]).toBe('prefill extraArgs: --tp-size value "two" is not an integer');
    expect(messages[1]).toBe('prefill extraArgs: --mem-fraction-static value "high" is not a number');
    expect(messages[2]).toMatch(
      /^prefill extraArgs: --json-model-override-args value "\{rope_scaling:" is not valid JSON \(/,
    );
    expect(messages[3]).toBe('prefill extraArgs: --gc-threshold value "ten" is not an integer');
    expect(messages[4]).toBe(
      'prefill extraArgs: --context-length value "32kb" is not an integer (suffixes such as 32k or 128Ki are accepted)',
    );
  });

  test('missing value', () => {
    // GIVEN a value flag at the end, and one followed by another flag
    // WHEN checking them
    const atEnd = only(checkExtraArgs('decode', ['--tp-size'], NONE));
    const beforeFlag = errors(checkExtraArgs('decode', ['--kv-cache-dtype', '--enable-metrics'], NONE));
    const emptyList = only(checkExtraArgs('router', ['--prefill-selector'], NONE));
    // THEN the error says what value is needed
    expect(atEnd.message).toBe('decode extraArgs: --tp-size needs a value (an integer), but none was given');
    expect(beforeFlag).toHaveLength(1);
    expect(beforeFlag[0]?.message).toContain(
      '--kv-cache-dtype needs a value (one of: auto, fp8_e5m2, fp8_e4m3, mxfp8, bf16, bfloat16, nvfp4, fp4_mx_block16, fp4_e2m1), but the next token is the flag --enable-metrics',
    );
    expect(emptyList.message).toContain('--prefill-selector needs a value');
  });

  test('a value given to an on/off switch', () => {
    // GIVEN a store_true flag with a separate value and with an inline value
    // WHEN checking them
    const separate = only(checkExtraArgs('prefill', ['--enable-metrics', 'true'], NONE));
    const inline = only(checkExtraArgs('prefill', ['--trust-remote-code=false'], NONE));
    const negatable = only(checkExtraArgs('prefill', ['--dllm-fdfo=no'], NONE));
    // THEN the error says the switch takes no value
    expect(separate.message).toBe(
      'prefill extraArgs: --enable-metrics is an on/off switch and takes no value, but got "true"; write just --enable-metrics, or leave it out to keep it off',
    );
    expect(inline.message).toContain('--trust-remote-code is an on/off switch and takes no value, but got "false"');
    expect(negatable.message).toContain('write --dllm-fdfo or --no-dllm-fdfo');
  });

  test('a flag given twice', () => {
    // GIVEN the same flag twice, and both spellings of a negatable flag
    // WHEN checking them
    const twice = only(checkExtraArgs('decode', ['--max-running-requests', '8', '--max-running-requests', '16'], NONE));
    const both = only(checkExtraArgs('decode', ['--dllm-fdfo', '--no-dllm-fdfo'], NONE));
    // THEN each is an error
    expect(twice.message).toBe('decode extraArgs: --max-running-requests is given twice; give it once');
    expect(both.message).toContain('--dllm-fdfo is given twice (as --dllm-fdfo and as --no-dllm-fdfo)');
  });

  test('a flag already emitted from a typed prop', () => {
    // GIVEN typed flags given with and without the leading dashes
    const typed = new Set(['--tp-size', 'page-size']);
    // WHEN extraArgs repeats them (once through an alias)
    const problems = checkExtraArgs('prefill', ['--page-size', '64', '--tensor-parallel-size', '2'], typed);
    // THEN each is reported as set by the typed prop
    const typedErrors = problems.filter((p) => p.message.includes('typed prop'));
    expect(typedErrors.map((p) => p.message)).toEqual([
      'prefill extraArgs: --page-size is already set by the typed prop; remove it from extraArgs',
      'prefill extraArgs: --tp-size is already set by the typed prop; remove it from extraArgs',
    ]);
    expect(problems).toHaveLength(3); // plus the alias error
  });

  test("role rules: bootstrap port is prefill-only, disaggregation mode is the library's", () => {
    // GIVEN the bootstrap port on decode, and --disaggregation-mode on both roles
    // WHEN checking them
    const bootstrap = only(checkExtraArgs('decode', ['--disaggregation-bootstrap-port', '8998'], NONE));
    const modePrefill = only(checkExtraArgs('prefill', ['--disaggregation-mode', 'prefill'], NONE));
    const modeDecode = only(
      checkExtraArgs('decode', ['--disaggregation-mode=decode'], new Set(['--disaggregation-mode'])),
    );
    // THEN each is an error; the bootstrap port is fine on prefill
    expect(bootstrap.message).toBe(
      'decode extraArgs: --disaggregation-bootstrap-port is prefill-only (the KV bootstrap server runs on prefill); remove it from the decode extraArgs',
    );
    expect(modePrefill.message).toBe(
      'prefill extraArgs: --disaggregation-mode is set by the library from the role (prefill); remove it from extraArgs',
    );
    expect(modeDecode.message).toContain('--disaggregation-mode is set by the library from the role (decode)');
    expect(checkExtraArgs('prefill', ['--disaggregation-bootstrap-port', '8998'], NONE)).toEqual([]);
  });

  test('positional tokens not preceded by a flag', () => {
    // GIVEN a leading bare value, an extra value after a one-value flag, and a bare "--"
    // WHEN checking them
    const leading = only(checkExtraArgs('prefill', ['Qwen/Qwen3-8B'], NONE));
    const extra = only(checkExtraArgs('prefill', ['--tp-size', '2', '4'], NONE));
    const dashDash = only(checkExtraArgs('prefill', ['--'], NONE));
    // THEN each names the stray value
    expect(leading).toMatchObject({ severity: 'error', flag: 'Qwen/Qwen3-8B' });
    expect(leading.message).toBe(
      'prefill extraArgs: unexpected value "Qwen/Qwen3-8B": it does not follow any flag; every value must belong to a --flag',
    );
    expect(extra).toMatchObject({ flag: '--tp-size' });
    expect(extra.message).toContain('unexpected value "4": it follows --tp-size, which takes exactly one value');
    expect(dashDash.message).toContain('a bare "--" ends option parsing');
    // AND a list flag given inline with "=" takes only that one value
    const inlineList = only(checkExtraArgs('prefill', ['--gc-threshold=500', '10'], NONE));
    expect(inlineList.message).toContain(
      'unexpected value "10": it follows --gc-threshold=…, whose value was given with "="',
    );
  });

  test('router nargs: --prefill URL [PORT|none], --decode URL, key=value selectors', () => {
    // GIVEN a --prefill carrying two workers, a bad bootstrap port, two URLs after one --decode and a bad selector
    // WHEN checking them
    const packed = only(
      checkExtraArgs('router', ['--prefill', 'http://p-0:30000', '8998', 'http://p-1:30000', '8998'], NONE),
    );
    const badPort = only(checkExtraArgs('router', ['--prefill', 'http://p-0:30000', 'bootstrap'], NONE));
    const twoDecodes = only(checkExtraArgs('router', ['--decode', 'http://d-0:30000', 'http://d-1:30000'], NONE));
    const selector = only(checkExtraArgs('router', ['--decode-selector', 'app=qwen3', 'role'], NONE));
    // THEN each is an error that says how to write it
    expect(packed.message).toContain(
      '--prefill takes one prefill URL and an optional bootstrap port (or "none"), but got 4 values',
    );
    expect(packed.message).toContain('repeat --prefill once per prefill worker');
    expect(badPort.message).toContain('bootstrap port "bootstrap" must be an integer port or "none"');
    expect(twoDecodes.message).toContain(
      'unexpected value "http://d-1:30000": it follows --decode, which takes exactly one value',
    );
    expect(selector.message).toBe(
      'router extraArgs: --decode-selector takes key=value labels, but got "role" (e.g. app=sglang role=prefill)',
    );
  });
});

describe('checkExtraArgs: warnings', () => {
  test('deprecated flags warn with the version and the replacement', () => {
    // GIVEN two flags deprecated since v0.5.15
    // WHEN checking them
    const problems = checkExtraArgs('decode', ['--disable-cuda-graph', '--cuda-graph-max-bs', '128'], NONE);
    // THEN both are warnings, not errors, naming what to use instead
    expect(problems.every((p) => p.severity === 'warning')).toBe(true);
    expect(problems.map((p) => p.message)).toEqual([
      'decode extraArgs: --disable-cuda-graph is deprecated since SGLang v0.5.15 (still accepted); use --cuda-graph-backend-decode=disabled --cuda-graph-backend-prefill=disabled instead',
      'decode extraArgs: --cuda-graph-max-bs is deprecated since SGLang v0.5.15 (still accepted); use --cuda-graph-max-bs-decode instead',
    ]);
  });

  test('deprecated flag without a known version or replacement', () => {
    // GIVEN a deprecated no-op flag
    // WHEN checking it
    const problem = only(checkExtraArgs('prefill', ['--prefill-round-robin-balance'], NONE));
    // THEN the warning falls back to the catalog version
    expect(problem).toMatchObject({ severity: 'warning', flag: '--prefill-round-robin-balance' });
    expect(problem.message).toBe(
      'prefill extraArgs: --prefill-round-robin-balance is deprecated in SGLang v0.5.18 (still accepted); remove it',
    );
  });
});
