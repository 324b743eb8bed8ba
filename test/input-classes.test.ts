/* The input classes of the core rebuild: each is refused with our error, or emitted correctly. */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing, YamlOutputType } from 'cdk8s';
import {
  GangScheduling, GpuProfile, ModelSource, PdServingGroup, PdServingGroupProps, QwenModel, QwenModelVolume, RdmaProfile,
  SglangImage, SglangPdValidationError, synthesize, validate,
} from '../lib';
import { errorLines, strictSynth } from './support/check';
import { container, findObject, flagValues } from './util';

const OSS = { bucket: 'models', endpoint: 'oss-cn-hangzhou-internal.aliyuncs.com', path: '/Qwen3-0.6B/' };

function small(chart: Chart, overrides: Partial<PdServingGroupProps> = {}, volume?: QwenModelVolume): PdServingGroup {
  const model = volume ?? new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('weights') });
  return new PdServingGroup(chart, 'pd', { name: 'pd', model, ...overrides });
}

describe('Kubernetes variable expansion', () => {
  test('$(VAR) and $$ in extraArgs and env values reach the process as written', () => {
    // GIVEN args and env values that the kubelet would expand
    const chart = Testing.chart();
    const g = small(chart, { decode: { extraArgs: ['--log-level', 'debug', '--api-key', '$(HOME)$$x'], env: { B: '$(A)', A: 'a$$b' } } });
    // WHEN synthesized
    const rbg = findObject(strictSynth(chart), 'RoleBasedGroup', 'pd');
    const c = container(rbg, 'decode');
    // THEN each "$" that starts "$(" or "$$" is doubled, and the library's own $(POD_NAMESPACE) is not
    expect(flagValues(c.args, '--api-key')).toEqual(['$$(HOME)$$$x']);
    expect(c.env.filter((e: { name: string }) => ['A', 'B'].includes(e.name))).toEqual([{ name: 'A', value: 'a$$$b' }, { name: 'B', value: '$$(A)' }]);
    expect(g.decode.extraArgs).toEqual(['--log-level', 'debug', '--api-key', '$(HOME)$$x']);
  });
});

describe('paths', () => {
  test.each(['/dev//shm', '/dev/./shm', '/dev/shm/', '/usr', '/', '/models/../dev/shm', 'models/x', '/models/$(X)'])('mount path %s is refused', (mountPath) => {
    // GIVEN a model mounted at a path that is not a fresh absolute directory WHEN validated THEN refused
    const chart = Testing.chart();
    small(chart, {}, new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w'), mountPath }));
    expect(errorLines(chart)).toEqual([expect.stringMatching(/^test\/model mountPath=/)]);
  });

  test('the model path equals the mount, in normal form', () => {
    // GIVEN a mount path with a doubled and a trailing slash
    const chart = Testing.chart();
    small(chart, {}, new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w'), mountPath: '/models//qwen/' }));
    // THEN --model-path and the mount are the same normal path
    const c = container(findObject(strictSynth(chart), 'RoleBasedGroup', 'pd'), 'prefill');
    expect(flagValues(c.args, '--model-path')).toEqual(['/models/qwen']);
    expect(c.volumeMounts).toContainEqual({ name: 'model', mountPath: '/models/qwen', readOnly: true });
  });
});

describe('values', () => {
  const yarn = (rope: Record<string, unknown>, maxPos: unknown = 131072) => ({ rope_scaling: rope, max_position_embeddings: maxPos });
  test.each([
    ['a non-YaRN rope type', yarn({ rope_type: 'linear', factor: 4, original_max_position_embeddings: 32768 }), 'rope_scaling.rope_type'],
    ['a factor too small for the context', yarn({ rope_type: 'yarn', factor: 2, original_max_position_embeddings: 32768 }), 'rope_scaling.factor'],
    ['max_position_embeddings below the context', yarn({ rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 }, 65536), 'max_position_embeddings'],
    ['an original length above the native one', yarn({ rope_type: 'yarn', factor: 4, original_max_position_embeddings: 65536 }), 'rope_scaling.original_max_position_embeddings'],
  ])('a YaRN context is checked by value: %s is refused', (_what, modelOverrideArgs, field) => {
    // GIVEN a 131k context with a rope scaling that has the keys but wrong values
    const chart = Testing.chart();
    small(chart, { gpu: GpuProfile.H200, engine: { contextLength: 131072, modelOverrideArgs } });
    // THEN the value is refused by name
    expect(errorLines(chart).some((l) => l.includes(`modelOverrideArgs.${field}=`))).toBe(true);
  });

  test.each([
    ['a BigInt', { a: BigInt(1) }],
    ['NaN', { a: NaN }],
    ['a cycle', (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })()],
    ['a class instance', { a: new Date(0) }],
  ])('JSON overrides must serialise: %s is refused', (_what, modelOverrideArgs) => {
    const chart = Testing.chart();
    small(chart, { engine: { modelOverrideArgs } });
    expect(errorLines(chart).filter((l) => l.includes('modelOverrideArgs=')).length).toBeGreaterThan(0);
  });
});

describe('free-form flags that contradict the typed wiring', () => {
  test.each([
    [{ decode: { extraArgs: ['--max-total-tokens', '1000'] } }, 'use maxTotalTokens'],
    [{ prefill: { extraArgs: ['--ssl-certfile', '/c.pem'] } }, 'the probes and the router talk plain HTTP'],
    [{ prefill: { extraArgs: ['--config', '/c.yaml'] } }, 'could override the typed flags'],
    [{ router: { extraArgs: ['--selector', 'a=b'] } }, 'use router.discovery'],
    [{ decode: { extraArgs: ['--dtype', 'float16'] } }, 'prefill gives --dtype nowhere, decode float16'],
  ] as Array<[Partial<PdServingGroupProps>, string]>)('%j is refused: %s', (overrides, message) => {
    const chart = Testing.chart();
    small(chart, overrides);
    expect(errorLines(chart).join('\n')).toContain(message);
  });

  test('maxTotalTokens is a typed prop emitted as --max-total-tokens', () => {
    const chart = Testing.chart();
    small(chart, { engine: { maxTotalTokens: 65536 } });
    expect(flagValues(container(findObject(strictSynth(chart), 'RoleBasedGroup', 'pd'), 'decode').args, '--max-total-tokens')).toEqual(['65536']);
  });
});

describe('Kubernetes names and values', () => {
  test.each([
    [{ image: SglangImage.of('LMSYS/SGLang:v1') }, 'image='],
    [{ image: SglangImage.of('lmsysorg/sglang@sha256:0123') }, 'image='],
    [{ gpu: GpuProfile.custom({ name: 'x', memory: GpuProfile.L20.memory, resourceName: 'requests.nvidia.com/gpu' }) }, 'gpu.resourceName='],
    [{ rdma: RdmaProfile.custom('limits.rdma/hca') }, 'rdma.resourceName='],
    [{ decode: { env: { X: '0o17' } } }, 'test/pd RoleBasedGroup/pd.spec.roles[1].standalonePattern.template.spec.containers[0].env[1].value="0o17": would be written unquoted and read by kubectl (a YAML 1.1 reader) as a number'],
    [{ prefill: { nodeSelector: { pool: '0X1F' } } }, 'read by kubectl (a YAML 1.1 reader) as a number'],
  ] as Array<[Partial<PdServingGroupProps>, string]>)('%j is refused', (overrides, message) => {
    const chart = Testing.chart();
    small(chart, overrides);
    expect(errorLines(chart).join('\n')).toContain(message);
  });

  test.each(['Bad_NS', 'llm.', '-llm', 'a'.repeat(64), ''])('a chart namespace %j is refused, once per chart', (namespace) => {
    // GIVEN a chart whose namespace the API server would refuse, holding a volume and a group
    const app = Testing.app();
    small(new Chart(app, 'c', { namespace }));
    // THEN one problem names the chart, the field and the value
    expect(errorLines(app)).toEqual([expect.stringMatching(new RegExp(`^c namespace=${JSON.stringify(JSON.stringify(namespace)).slice(1, -1)}: must be a DNS-1123 label`))]);
  });

  test('a chart namespace that is a DNS-1123 label, or none, is emitted as it is', () => {
    const app = Testing.app();
    small(new Chart(app, 'c', { namespace: 'llm-serving' }));
    expect(errorLines(app)).toEqual([]);
    expect(Testing.synth(app.charts[0]).map((o: { metadata: { namespace?: string } }) => o.metadata.namespace)).toEqual(expect.arrayContaining(['llm-serving']));
    expect(Testing.synth(app.charts[0]).filter((o: { metadata: { namespace?: string } }) => o.metadata.namespace !== 'llm-serving')).toEqual([]);
  });

  test('OSS: an RRSA role name and a path with control characters are refused', () => {
    const chart = Testing.chart();
    new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.oss({ ...OSS, path: '/a\nb/', rrsaRoleName: 'bad role!' }) });
    expect(errorLines(chart).map((l) => l.split('=')[0])).toEqual(['test/model source.path', 'test/model source.rrsaRoleName']);
  });

  test('the cluster-scoped PersistentVolume is unique across namespaces', () => {
    // GIVEN two charts in different namespaces, each with an OSS volume of the default claim name
    const app = Testing.app();
    for (const ns of ['a', 'b']) new QwenModelVolume(new Chart(app, ns, { namespace: ns }), 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.oss(OSS) });
    // THEN the second is refused for the PV, not for its (namespaced) claim
    expect(errorLines(app)).toEqual([expect.stringContaining('b/model name="llm-model": clashes with a/model: both would write cluster-scoped PersistentVolume llm-model;')]);
  });

  test('our Services never clash with the headless Services the controller creates', () => {
    // GIVEN group "x" (headless Service s-x-prefill) and a group named "s-x-prefill" in the same namespace
    const chart = Testing.chart();
    const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
    new PdServingGroup(chart, 'x', { name: 'x', model });
    new PdServingGroup(chart, 'y', { name: 's-x-prefill', model });
    expect(errorLines(chart)).toEqual([expect.stringContaining('test/y name="s-x-prefill": clashes with test/x:')]);
  });

  test('a group\'s model volume lives in the group\'s namespace', () => {
    const app = Testing.app();
    const volume = new QwenModelVolume(new Chart(app, 'storage', { namespace: 'models' }), 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
    new PdServingGroup(new Chart(app, 'serving', { namespace: 'llm' }), 'pd', { name: 'pd', model: volume });
    expect(errorLines(app)).toEqual(['serving/pd model="storage/model": is in namespace models, but this construct is in namespace llm; pods can only mount a claim of their own namespace']);
  });
});

describe('size limits', () => {
  test('an argument over the kernel limit is refused; a RoleBasedGroup over 256 KiB warns', () => {
    // GIVEN an extra arg of 130 KiB
    const chart = Testing.chart();
    small(chart, { decode: { extraArgs: ['--served-model-name'.replace('served-model-name', 'log-level'), 'x'.repeat(130 * 1024)] } });
    expect(errorLines(chart).join('\n')).toContain("is over the kernel's 131072-byte limit");
    // GIVEN two 127 KiB arguments and 1,000 static prefill URLs THEN a warning about client-side apply
    const big = Testing.chart();
    const long = ['--log-level', 'x'.repeat(127 * 1024)];
    small(big, { prefill: { replicas: 1000, extraArgs: long }, decode: { extraArgs: long } });
    expect(validate(big).warnings.map((w) => w.message).join('\n')).toContain('kubectl apply --server-side');
  });
});

describe('JavaScript callers', () => {
  test('undefined props, wrong primitives and plain strings are our errors, never a TypeError', () => {
    const chart = Testing.chart();
    const js = (x: unknown) => x as never;
    new QwenModelVolume(chart, 'v', js({ model: QwenModel.QWEN3_0_6B }));
    new PdServingGroup(chart, 'g', js(undefined));
    new PdServingGroup(chart, 'h', js({ name: 'h', model: new QwenModelVolume(chart, 'w', js({ model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w'), capacity: '30Gi' })), prefill: { replicas: '2', memory: '8Gi' } }));
    const lines = errorLines(chart);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^test\/v source=unset: must be a ModelSource/),
      expect.stringMatching(/^test\/g name=unset: must be a DNS-1123 label/),
      expect.stringMatching(/^test\/w capacity="30Gi": must be a cdk8s Size/),
      expect.stringMatching(/^test\/h\/prefill replicas="2": must be an integer/),
      expect.stringMatching(/^test\/h\/prefill memory="8Gi": must be a cdk8s Size/),
    ]));
  });
});

test('JavaScript callers: a value of the wrong type is reported as it was passed, whatever the caller changes later', () => {
  // GIVEN an untyped caller passing objects where a number and a port belong
  const chart = Testing.chart();
  const replicas = { count: 2 };
  const httpPort = [8000];
  const queue = { minutes: 1 };
  small(chart, { prefill: { replicas }, httpPort, placement: { gangScheduling: GangScheduling.volcano({ queue: queue as never }) } } as never);
  // WHEN the caller edits its objects after construction
  replicas.count = 3;
  httpPort.push(9000);
  queue.minutes = 5;
  // THEN the messages show the values the construct was given
  const lines = errorLines(chart);
  expect(lines).toEqual(expect.arrayContaining([
    expect.stringMatching(/^test\/pd\/prefill replicas=\{"count":2\}: /),
    expect.stringMatching(/ httpPort=\[8000\]: /),
    expect.stringMatching(/ placement\.gangScheduling\.queue=\{"minutes":1\}: /),
  ]));
  expect(lines.join('\n')).not.toMatch(/"count":3|9000|"minutes":5/);
});

test('JavaScript callers: two groups without a name are each refused for it, not reported as clashing over names built from "undefined"', () => {
  // GIVEN two groups whose untyped caller left the name out
  const chart = Testing.chart();
  const model = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.pvc('w') });
  new PdServingGroup(chart, 'a', { model } as never);
  new PdServingGroup(chart, 'b', { model } as never);
  // THEN each name is refused, and no message shows a name derived from undefined
  const lines = errorLines(chart);
  expect(lines.filter((l) => / name=unset: must be a DNS-1123 label/.test(l)).map((l) => l.split(' ')[0])).toEqual(['test/a', 'test/b']);
  expect(lines.join('\n')).not.toContain('undefined');
});

describe('synthesize() options, secrets, output types, idempotence', () => {
  test.each(['../x.md', 'sub/x.md', 'x.k8s.yaml', 'report.txt', ''])('reportFile %j is refused before anything is written', (reportFile) => {
    const app = Testing.app();
    small(new Chart(app, 'c'));
    expect(() => synthesize(app, { reportFile, log: () => undefined })).toThrow(SglangPdValidationError);
    expect(fs.readdirSync(app.outdir)).toEqual([]);
  });

  test('no credential value appears in an error message or a warning', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const secret = 'S3cretValue0123456789';
    const volume = new QwenModelVolume(chart, 'model', { model: QwenModel.QWEN3_0_6B, source: ModelSource.oss({ ...OSS, credentials: { accessKeyId: secret, accessKeySecret: 7 as never } }) });
    small(chart, { decode: { extraArgs: ['--api-key', secret, secret], env: { TOKEN: 5 as never } } }, volume);
    const { errors, warnings } = validate(app);
    const text = JSON.stringify([errors, warnings]);
    expect(errors.length).toBeGreaterThan(0);
    expect(text).not.toContain(secret);
  });

  test('FILE_PER_RESOURCE never lets two groups overwrite each other\'s files', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(require('os').tmpdir(), 'fpr-')), yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    small(new Chart(app, 'a', { namespace: 'a' }), {}, undefined);
    small(new Chart(app, 'b', { namespace: 'b' }), {}, undefined);
    expect(errorLines(app).join('\n')).toContain('overwriting it (YamlOutputType.FILE_PER_RESOURCE writes every chart into one folder)');
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  test('the same dependency added twice is emitted once; synthesize() twice gives the same bytes', () => {
    const app = Testing.app();
    const g = small(new Chart(app, 'c'));
    g.router.addDependency(g.prefill);
    const log = () => undefined;
    synthesize(app, { log });
    const first = fs.readFileSync(path.join(app.outdir, 'c.k8s.yaml'), 'utf8');
    synthesize(app, { log });
    expect(fs.readFileSync(path.join(app.outdir, 'c.k8s.yaml'), 'utf8')).toBe(first);
    const rbg = findObject(strictSynth(app.charts[0]), 'RoleBasedGroup', 'pd');
    expect(rbg.spec.roles.find((r: { name: string }) => r.name === 'router').dependencies).toEqual(['prefill', 'decode']);
  });
});
