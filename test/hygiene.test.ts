/*
 * Hygiene of everything the library writes (issue #6):
 *
 * (a) No credential material in any synthesized tree (the default app, every example, generated
 *     configurations): no AccessKey-like values, tokens, passwords or private keys, unless the user
 *     passed credentials explicitly; then exactly one Secret holds them, nothing else in the tree
 *     (other manifests, the capacity report, the log) contains them, and synthesize() warns.
 * (b) Pod security posture: no privileged containers, no host namespaces, no hostPath volumes,
 *     capabilities only IPC_LOCK and only where RDMA is on, the model mounted read-only from a
 *     read-only claim.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../examples';
import { PdServingGroup, QwenModelVolume, SglangPdValidationError, synthesize } from '../lib';
import { SglangPdChart } from '../main';
import { AppSpec, buildApp, configurations, credentials, podTemplates } from './property-support';

interface Tree {
  readonly name: string;
  /** Relative path -> text. */
  readonly files: Map<string, string>;
  /** Every object of every manifest file. */
  readonly objects: any[];
  /** What synthesize() printed. */
  readonly log: string[];
  readonly groups: PdServingGroup[];
  readonly volumes: QwenModelVolume[];
  /** Credentials the user passed, one [AccessKey ID, secret] pair per volume (empty when none). */
  readonly credentials: Array<[string, string]>;
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sglang-pd-hygiene-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Synthesizes `app` through synthesize() and reads back what it wrote. */
function synthTree(name: string, app: App, given: Array<[string, string]> = []): Tree {
  const log: string[] = [];
  synthesize(app, { log: (l) => log.push(l) });
  const files = new Map<string, string>();
  for (const f of fs.readdirSync(app.outdir).sort()) files.set(f, fs.readFileSync(path.join(app.outdir, f), 'utf8'));
  const objects = [...files.entries()].filter(([f]) => f.endsWith('.k8s.yaml'))
    .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS())).filter((o) => o !== null);
  const all = app.node.findAll();
  return {
    name, files, objects, log, credentials: given,
    groups: all.filter((c): c is PdServingGroup => c instanceof PdServingGroup),
    volumes: all.filter((c): c is QwenModelVolume => c instanceof QwenModelVolume),
  };
}

function outdir(name: string): string {
  return fs.mkdtempSync(path.join(tmp, `${name}-`));
}

/** The default app, every example, and generated configurations (some with explicit credentials). */
function trees(): Tree[] {
  const out: Tree[] = [];
  const main = new App({ outdir: outdir('default') });
  new SglangPdChart(main, 'sglang-pd');
  out.push(synthTree('default app', main));
  for (const e of EXAMPLES) {
    const app = new App({ outdir: outdir(e.name) });
    e.build(app);
    out.push(synthTree(`example ${e.name}`, app));
  }
  const generated = fc.sample(fc.tuple(configurations('clean'), credentials, fc.boolean()), { seed: 6, numRuns: 150 });
  for (const [i, [spec, creds, withCreds]] of generated.entries()) {
    const s: AppSpec = withCreds && 'oss' in spec.volume.source
      ? { ...spec, volume: { ...spec.volume, source: { oss: { ...spec.volume.source.oss, rrsaRoleName: undefined, credentials: creds } } } }
      : spec;
    const given = [s.volume, s.second?.volume].flatMap((v): Array<[string, string]> => {
      const c = v !== undefined && 'oss' in v.source ? v.source.oss.credentials : undefined;
      return c === undefined ? [] : [[c.accessKeyId, c.accessKeySecret]];
    });
    const dir = outdir(`generated-${i}`);
    try {
      out.push(synthTree(`generated #${i} ${JSON.stringify(s)}`, buildApp(s, dir).app, given));
    } catch (e) {
      if (!(e instanceof SglangPdValidationError)) throw e;
      if (process.env.DEBUG_TREES) console.log(e.message.slice(0, 600));
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  }
  return out;
}

let all: Tree[];
beforeAll(() => {
  all = trees();
});

test('enough trees are checked: the default app, 5 examples, generated ones with and without credentials', () => {
  expect(all.length).toBeGreaterThan(40);
  expect(all.filter((t) => t.credentials.length > 0).length).toBeGreaterThan(5);
  expect(all.filter((t) => t.groups.some((g) => !g.rdma.enabled)).length).toBeGreaterThan(3);
});

// ---------------------------------------------------------------------------------------------
// (a) credentials
// ---------------------------------------------------------------------------------------------

/** Text that looks like credential material. */
const CREDENTIAL_PATTERNS: Array<[string, RegExp]> = [
  ['Alibaba Cloud AccessKey ID', /LTAI[0-9A-Za-z]{12,}/],
  ['AWS access key', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['JSON web token', /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./],
  ['bearer token', /\bBearer\s+[A-Za-z0-9._~+/-]{16,}/],
  ['password or key assignment', /\b(password|passwd|pwd|secret[_-]?key|access[_-]?key[_-]?(id|secret)|ak(Id|Secret)|api[_-]?key|token)["']?\s*[:=]\s*["']?[^\s"',}]{4,}/i],
];

/** Container args that pass a credential on the command line. */
const CREDENTIAL_FLAGS = ['--api-key', '--admin-api-key', '--ssl-keyfile-password', '--control-plane-api-keys', '--oracle-password'];

function credentialHits(text: string): string[] {
  return CREDENTIAL_PATTERNS.filter(([, re]) => re.test(text)).map(([what]) => what);
}

test('a credential flag in extraArgs is warned about by synthesize()', () => {
  const built = buildApp({
    volume: { model: { catalog: 'Qwen3-0.6B' }, source: { pvc: 'weights' } },
    group: { name: 'pd', router: { extraArgs: ['--api-key', 'sk-0123456789abcdef'] } },
  }, outdir('api-key'));
  const t = synthTree('api-key', built.app);
  expect(t.log.join('\n')).toContain('warning: [test/pd/router] extraArgs = "--api-key": router extraArgs: --api-key puts a credential in plain text into the manifests');
  expect(t.log.join('\n')).not.toContain('sk-0123456789abcdef');
});

test('the credential scanner finds what it looks for', () => {
  expect(credentialHits('url: x\nakId: LTAI5tAbCdEfGhIjKlMn\n')).toEqual(['Alibaba Cloud AccessKey ID', 'password or key assignment']);
  expect(credentialHits('-----BEGIN RSA PRIVATE KEY-----')).toEqual(['private key']);
  expect(credentialHits('password: hunter22')).toEqual(['password or key assignment']);
  expect(credentialHits('authorization: Bearer abcdefghijklmnopqrstuvwxyz')).toEqual(['bearer token']);
  expect(credentialHits('nodePublishSecretRef:\n  name: oss-secret\n  namespace: default')).toEqual([]);
});

test('without explicit credentials: no Secret and no credential material anywhere in the tree', () => {
  for (const t of all.filter((x) => x.credentials.length === 0)) {
    const where = t.name;
    expect({ where, secrets: t.objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name) }).toEqual({ where, secrets: [] });
    for (const [file, text] of t.files) {
      expect({ where, file, hits: credentialHits(text) }).toEqual({ where, file, hits: [] });
    }
    expect({ where, log: credentialHits(t.log.join('\n')) }).toEqual({ where, log: [] });
    for (const o of t.objects.filter((x) => x.kind === 'RoleBasedGroup')) {
      const g = t.groups.find((x) => x.name === o.metadata.name)!;
      for (const { role, template } of podTemplates(o)) {
        const args: string[] = template.spec.containers.flatMap((c: any) => c.args ?? []);
        const flags = args.filter((a) => CREDENTIAL_FLAGS.includes(a.split('=')[0]));
        // Only where the user wrote them in extraArgs, and then synthesize() warns.
        const own = (g.roles.find((r) => r.roleName === role)!.extraArgs).filter((a) => CREDENTIAL_FLAGS.includes(a.split('=')[0]));
        expect({ where, role, flags }).toEqual({ where, role, flags: own });
        for (const f of own) expect(t.log.join('\n')).toContain(`${f.split('=')[0]} puts a credential in plain text into the manifests`);
      }
    }
    expect(t.log.filter((l) => l.includes('source.credentials'))).toEqual([]);
  }
});

test('with explicit credentials: exactly one Secret holds them, nothing else does, and synthesize() warns', () => {
  for (const t of all.filter((x) => x.credentials.length > 0)) {
    const where = t.name;
    // One Secret per set of credentials the user passed.
    expect({ where, secrets: t.objects.filter((o) => o.kind === 'Secret').length }).toEqual({ where, secrets: t.credentials.length });
    for (const [id, key] of t.credentials) {
      const holders = t.objects.filter((o) => JSON.stringify(o).includes(key) || JSON.stringify(o).includes(id));
      expect({ where, holders: holders.map((o) => o.kind) }).toEqual({ where, holders: ['Secret'] });
      const secret = holders[0];
      expect(secret.type).toBe('Opaque');
      expect(secret.stringData).toEqual({ akId: id, akSecret: key });
      // The PersistentVolume references the Secret by name only.
      expect(t.objects.filter((o) => o.kind === 'PersistentVolume' && o.spec.csi.nodePublishSecretRef?.name === secret.metadata.name)).toHaveLength(1);
      for (const s of [id, key]) {
        const count = [...t.files.values()].reduce((n, text) => n + text.split(s).length - 1, 0);
        expect({ where, count }).toEqual({ where, count: 1 });
        expect(t.log.join('\n')).not.toContain(s);
      }
      expect(t.log).toContainEqual(expect.stringMatching(new RegExp(`^warning: \\[test/model2?\\] source.credentials = "<redacted>": the AccessKey is written in plain text to the Secret "${secret.metadata.name.replace(/\./g, '\\.')}"`)));
    }
  }
});

// ---------------------------------------------------------------------------------------------
// (b) pod security posture
// ---------------------------------------------------------------------------------------------

test('pods: no privilege, no host namespaces or paths, every capability dropped and IPC_LOCK only with RDMA, model read-only', () => {
  let pods = 0;
  for (const t of all) {
    for (const rbg of t.objects.filter((o) => o.kind === 'RoleBasedGroup')) {
      const g = t.groups.find((x) => x.name === rbg.metadata.name)!;
      for (const { role, template } of podTemplates(rbg)) {
        pods++;
        const where = `${t.name} ${rbg.metadata.name}/${role}`;
        const spec = template.spec;
        expect({ where, hostNetwork: spec.hostNetwork, hostPID: spec.hostPID, hostIPC: spec.hostIPC, privileged: spec.securityContext?.privileged })
          .toEqual({ where, hostNetwork: undefined, hostPID: undefined, hostIPC: undefined, privileged: undefined });
        const volumes: any[] = spec.volumes ?? [];
        expect({ where, hostPath: volumes.filter((v) => v.hostPath !== undefined).map((v) => v.name) }).toEqual({ where, hostPath: [] });
        const server = role !== 'router';
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const sc = c.securityContext ?? {};
          expect({ where, privileged: sc.privileged, escalation: sc.allowPrivilegeEscalation, drop: sc.capabilities?.drop })
            .toEqual({ where, privileged: false, escalation: false, drop: ['ALL'] });
          const rdma = server && g.rdma.enabled;
          const lowPorts = (c.ports ?? []).some((p: any) => p.containerPort < 1024);
          const expected = [...(rdma ? ['IPC_LOCK'] : []), ...(lowPorts ? ['NET_BIND_SERVICE'] : [])];
          expect({ where, rdma, add: sc.capabilities?.add ?? [] }).toEqual({ where, rdma, add: expected });
          // Only the router with Kubernetes discovery calls the API, so only it gets a token.
          const discovery = !server && (c.args as string[]).includes('--service-discovery');
          expect({ where, token: spec.automountServiceAccountToken }).toEqual({ where, token: discovery });
          expect({ where, seccomp: spec.securityContext?.seccompProfile }).toEqual({ where, seccomp: { type: 'RuntimeDefault' } });
          if (rdma) expect(c.resources.limits[g.rdma.resourceName!]).toBe(g.rdma.count);
          if (!server) continue;
          const mount = (c.volumeMounts ?? []).find((m: any) => m.mountPath === g.model.mountPath);
          expect({ where, mount }).toEqual({ where, mount: expect.objectContaining({ readOnly: true }) });
          const volume = volumes.find((v) => v.name === mount.name);
          expect({ where, volume }).toEqual({ where, volume: { name: mount.name, persistentVolumeClaim: { claimName: g.model.claimName, readOnly: true } } });
        }
      }
    }
  }
  expect(pods).toBeGreaterThan(100);
});

test('the model claims and volumes are read-only too', () => {
  for (const t of all) {
    for (const o of t.objects.filter((x) => x.kind === 'PersistentVolume' || x.kind === 'PersistentVolumeClaim')) {
      expect({ where: t.name, name: o.metadata.name, modes: o.spec.accessModes }).toEqual({ where: t.name, name: o.metadata.name, modes: ['ReadOnlyMany'] });
    }
  }
});
