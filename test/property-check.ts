/*
 * The checks of the property test (test/property.test.ts): `checkConfig(spec, outdir)` builds one
 * configuration and throws unless it synthesizes cleanly or is refused properly. To look at a
 * counterexample printed by fast-check, paste its spec into `checkConfig` (or `buildApp`).
 */
import { strictSynth } from './support/check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { CapacityReport, SglangPdValidationError, SglangServerRole, synthesize } from '../lib';
import {
  AppSpec, Built, FORBIDDEN_TEXT, ServerSpec, YAML_JUNK, apiServerProblems, buildApp, isBadExtraArgs, junkValues,
  podTemplates,
} from './property-support';
import { validateManifests } from './schema/strict-schema';

/** Outcomes so far (the property test reports them). */
export const stats = { ok: 0, refused: 0, synthesizedToDisk: 0 };

// ---------------------------------------------------------------------------------------------
// The oracle: fields that are wrong for certain, whatever else the config holds
// ---------------------------------------------------------------------------------------------

const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** [role path suffix or '', field] pairs that must be reported. */
export function certainFaults(spec: AppSpec): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const g = spec.group;
  if (!(typeof g.name === 'string' && g.name.length <= 63 && DNS_LABEL.test(g.name))) out.push(['/pd', 'name']);
  const http = g.httpPort ?? 8000;
  const bootstrap = g.bootstrapPort ?? 34000;
  if (!isInt(bootstrap, 1, 65535) || bootstrap === http) out.push(['/pd/prefill', 'bootstrapPort']);
  for (const role of ['prefill', 'decode', 'router'] as const) {
    const at = `/pd/${role}`;
    if (!isInt(http, 1, 65535)) out.push([at, 'httpPort']);
    const own = g[role] ?? {};
    if (!isInt(own.replicas ?? 1, 1, 1000)) out.push([at, 'replicas']);
    const image = own.image ?? g.image;
    if (image !== undefined && (image.length === 0 || /\s/.test(image))) out.push([at, 'image']);
    const cpu = own.cpu;
    if (cpu !== undefined && !(Number.isFinite(cpu) && cpu > 0 && Number.isInteger(cpu * 1000))) out.push([at, 'cpu']);
    for (const name of Object.keys(own.env ?? {})) {
      if (['SGLANG_HOST_IP', 'POD_NAMESPACE'].includes(name) || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) out.push([at, 'env']);
    }
    if (role === 'router') {
      const r = g.router ?? {};
      const mp = r.metricsPort ?? 29000;
      if (!isInt(mp, 1, 65535) || mp === http) out.push([at, 'router.metricsPort']);
      if (r.discovery !== undefined && !['static', 'kubernetes'].includes(r.discovery)) out.push([at, 'router.discovery']);
      if (r.policy !== undefined && !['random', 'round_robin', 'cache_aware', 'power_of_two', 'bucket', 'manual', 'consistent_hashing', 'prefix_hash'].includes(r.policy)) out.push([at, 'router.policy']);
      if (isBadExtraArgs(r.extraArgs)) out.push([at, 'extraArgs']);
      continue;
    }
    const s: ServerSpec = { ...g.engine, ...g[role] };
    if (!isInt(s.tensorParallelSize ?? 1, 1, 64)) out.push([at, 'tensorParallelSize']);
    if (!isInt(s.dataParallelSize ?? 1, 1, 64)) out.push([at, 'dataParallelSize']);
    if (s.memFractionStatic !== undefined && !(s.memFractionStatic > 0 && s.memFractionStatic < 1)) out.push([at, 'memFractionStatic']);
    for (const f of ['contextLength', 'chunkedPrefillSize', 'maxRunningRequests', 'pageSize'] as const) {
      if (s[f] !== undefined && !isInt(s[f], 1, 16_777_216)) out.push([at, f]);
    }
    if (s.kvCacheDtype !== undefined && !['auto', 'fp8_e5m2', 'fp8_e4m3', 'bf16'].includes(s.kvCacheDtype)) out.push([at, 'kvCacheDtype']);
    if (s.transferBackend !== undefined && !['mooncake', 'nixl', 'mooncake_tcp', 'ascend', 'mori'].includes(s.transferBackend)) out.push([at, 'transferBackend']);
    if (s.transferBackend !== undefined && ['mooncake', 'nixl', 'mori'].includes(s.transferBackend) && g.rdma?.kind === 'none') out.push([at, 'transferBackend']);
    if (isBadExtraArgs(s.extraArgs)) out.push([at, 'extraArgs']);
  }
  if (g.rbg === 'bogus') out.push(['/pd', 'rbg']);
  const v = spec.volume;
  if ('pvc' in v.source) {
    if (!(v.source.pvc.length <= 253 && DNS_SUBDOMAIN.test(v.source.pvc))) out.push(['/model', 'source.claimName']);
  } else {
    const claim = v.claimName ?? 'llm-model';
    if (!(claim.length <= 253 && DNS_SUBDOMAIN.test(claim))) out.push(['/model', 'claimName']);
    const o = v.source.oss;
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(o.bucket)) out.push(['/model', 'source.bucket']);
    if (o.rrsaRoleName !== undefined && (o.credentials !== undefined || o.secretName !== undefined)) out.push(['/model', 'source.rrsaRoleName']);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------------------------

function hasNaN(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  return Object.values(value as Record<string, unknown>).some((v) => hasNaN(v, seen));
}

/** The AccessKey strings the user passed (long enough to search for). */
export function secretsOf(spec: AppSpec): string[] {
  return [spec.volume, spec.second?.volume].flatMap((v) => {
    const c = v !== undefined && 'oss' in v.source ? v.source.oss.credentials : undefined;
    return c === undefined ? [] : [c.accessKeyId, c.accessKeySecret].filter((s) => s.length >= 8);
  });
}

function checkRefusal(spec: AppSpec, e: SglangPdValidationError, built: Built | undefined, emptyOutdir: string): void {
  expect(e.problems.length).toBeGreaterThan(0);
  // NaN in a problem is fine only where the user wrote a non-finite number.
  const nonFiniteInput = hasNaN(spec);
  for (const p of e.problems) {
    const where = JSON.stringify(p);
    for (const key of ['path', 'field', 'message', 'value'] as const) {
      if (typeof p[key] !== 'string' || p[key].length === 0) throw new Error(`problem with empty ${key}: ${where}`);
    }
    if (/\[object Object\]|undefined/.test(p.value + p.message)) throw new Error(`problem renders junk: ${where}`);
    if (!nonFiniteInput && /NaN|Infinity/.test(p.value + p.message)) throw new Error(`problem shows a computed NaN/Infinity: ${where}`);
  }
  for (const s of secretsOf(spec)) {
    if (e.message.includes(s)) throw new Error('a validation message reveals the credentials');
  }
  const missing = certainFaults(spec).filter(([at, field]) => !e.problems.some((p) => p.field === field && p.path.endsWith(at)));
  if (missing.length > 0) throw new Error(`refused, but without the problems ${JSON.stringify(missing)}; got:\n${e.message}`);

  // The same app through synthesize(): the same error, and nothing written.
  if (built !== undefined) {
    let thrown: unknown;
    try {
      synthesize(built.app, { log: () => undefined });
    } catch (err) {
      thrown = err;
    }
    if (!(thrown instanceof SglangPdValidationError)) throw new Error(`synthesize() did not refuse with SglangPdValidationError: ${String(thrown)}`);
    const written = fs.readdirSync(emptyOutdir);
    if (written.length > 0) throw new Error(`synthesize() failed but wrote ${written.join(', ')}`);
  }
}

function checkOutput(spec: AppSpec, built: Built, objs: any[], toDisk: boolean): void {
  const problems: string[] = [];
  problems.push(...validateManifests(objs));
  problems.push(...junkValues(objs));
  const yaml = Yaml.stringify(...objs);
  const junk = YAML_JUNK.exec(yaml);
  if (junk) problems.push(`YAML contains ${JSON.stringify(junk[0])} near: ${yaml.slice(Math.max(0, junk.index - 80), junk.index + 40)}`);
  problems.push(...apiServerProblems(objs));

  // The objects agree with each other and with the constructs.
  for (const g of built.groups) {
    const rbg = objs.find((o) => o.metadata?.name === g.name && /RoleBasedGroup/.test(o.kind));
    const svc = objs.find((o) => o.kind === 'Service' && o.metadata?.name === g.name);
    if (!rbg || !svc) {
      problems.push(`group ${g.name}: missing RoleBasedGroup or Service`);
      continue;
    }
    for (const { role, template } of podTemplates(rbg)) {
      const r = g.roles.find((x) => x.roleName === role)!;
      const c = template.spec.containers[0];
      if (r.gpusPerPod > 0) {
        const limit = c.resources?.limits?.[g.gpu.resourceName];
        if (Number(limit) !== r.gpusPerPod) problems.push(`${role}: GPU limit ${limit} but TP x DP = ${r.gpusPerPod}`);
        if (r instanceof SglangServerRole && g.rdma.enabled && Number(c.resources?.limits?.[g.rdma.resourceName!]) !== g.rdma.count) problems.push(`${role}: RDMA limit differs from the profile`);
      }
      if (role === 'router') {
        const ports = (c.ports ?? []).map((p: any) => p.containerPort);
        if (!ports.includes(svc.spec.ports[0].targetPort)) problems.push(`Service targetPort ${svc.spec.ports[0].targetPort} is not a router port (${ports})`);
        // The controller labels the pods; the Service must select exactly the router's labels.
        if (JSON.stringify(svc.spec.selector) !== JSON.stringify(g.rbg.podSelector(g.name, 'router'))) problems.push(`Service selector ${JSON.stringify(svc.spec.selector)} is not the router's`);
      }
    }
    const report = CapacityReport.of(g);
    const text = `${report.toText()}\n${report.toMarkdown()}`;
    if (FORBIDDEN_TEXT.test(text)) problems.push(`capacity report contains junk: ${FORBIDDEN_TEXT.exec(text)![0]}`);
  }
  for (const s of secretsOf(spec)) {
    const holders = objs.filter((o) => JSON.stringify(o).includes(s));
    if (holders.length !== 1 || holders[0].kind !== 'Secret') problems.push(`credentials appear in ${holders.map((o) => o.kind).join(', ')}`);
  }
  if (problems.length > 0) throw new Error(`synthesized a broken deployment:\n  ${problems.slice(0, 20).join('\n  ')}`);

  // Now and then, the whole way to disk.
  if (toDisk) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sglang-pd-property-ok-'));
    try {
      const again = buildApp(spec, dir);
      synthesize(again.app, { log: () => undefined });
      const files = fs.readdirSync(dir).sort();
      expect(files).toEqual(['capacity-report.md', 'test.k8s.yaml']);
      expect(fs.readFileSync(path.join(dir, 'test.k8s.yaml'), 'utf8')).toEqual(yaml);
      stats.synthesizedToDisk++;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Builds and synthesizes one configuration into `emptyOutdir` (which must stay empty) and checks
 * the outcome; with `toDisk`, a successful one is also synthesized to disk through synthesize().
 */
export function checkConfig(spec: AppSpec, emptyOutdir: string, toDisk = false): 'ok' | 'refused' {
  let built: Built | undefined;
  let objs: any[];
  try {
    built = buildApp(spec, emptyOutdir);
    objs = strictSynth(built.chart);
  } catch (e) {
    if (!(e instanceof SglangPdValidationError)) {
      throw new Error(`threw ${(e as Error)?.constructor?.name ?? typeof e} instead of SglangPdValidationError: ${(e as Error)?.stack ?? String(e)}`);
    }
    checkRefusal(spec, e, built, emptyOutdir);
    stats.refused++;
    return 'refused';
  }
  checkOutput(spec, built, objs, toDisk);
  stats.ok++;
  return 'ok';
}
