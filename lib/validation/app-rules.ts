import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { isDnsLabel } from '../util/names';
import { manifestRules } from './manifest-rules';
import { ValidationProblem } from './problem';
import { addAppRule, perPass } from './register';

/**
 * Rules that look at the whole app at once, registered once per construct tree:
 *
 * - the chart of each of our constructs has a valid namespace (or none);
 * - every object (ours, and any other object in the app) has a unique name per kind and
 *   namespace, where "no namespace" means `default` and cluster-scoped kinds are unique app-wide;
 * - our objects never clash with what the targeted controller creates for any group in the same
 *   namespace (headless Services and workloads named after group and role);
 * - a group's model volume lives in the group's namespace;
 * - with `YamlOutputType.FILE_PER_RESOURCE` no two objects share a file name;
 * - each of our objects passes the manifest rules (sizes, YAML 1.1 types).
 */

/** What one of our constructs tells the app-wide rules. */
export interface AppFacts {
  /** Objects the controller will create on the construct's behalf. */
  readonly controllerObjects?: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly why: string }>;
  /** Constructs that must be in the same namespace as this one. */
  readonly sameNamespaceAs?: ReadonlyArray<{ readonly construct: IConstruct; readonly field: string }>;
}

const facts = new WeakMap<IConstruct, () => AppFacts>();

/** Kinds without a namespace (of those an app of this library may hold). */
const CLUSTER_SCOPED = new Set(['PersistentVolume', 'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition', 'PriorityClass', 'ClusterEngineRuntimeProfile']);

/**
 * Registers `construct` as one of ours for the app-wide rules, with what it tells them.
 * @internal
 */
export function registerAppRules(construct: IConstruct, tell: () => AppFacts = () => ({})): void {
  facts.set(construct, tell);
  addAppRule(construct, 'cdk8s-sglang-pd', appRules);
}

function namespaceOf(c: IConstruct): string {
  try {
    return Chart.of(c).namespace ?? 'default';
  } catch {
    return 'default';
  }
}

/**
 * The namespace of the chart holding `c` (once per chart): the API server refuses objects whose
 * namespace is not a DNS-1123 label.
 */
function chartNamespaceProblems(c: IConstruct, checked: Set<Chart>): ValidationProblem[] {
  let chart: Chart;
  try {
    chart = Chart.of(c);
  } catch {
    return [];
  }
  if (checked.has(chart)) return [];
  checked.add(chart);
  const ns: unknown = chart.namespace;
  if (ns === undefined || isDnsLabel(ns)) return [];
  return [{
    path: chart.node.path,
    field: 'namespace',
    value: JSON.stringify(ns),
    message: 'must be a DNS-1123 label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit), or unset for "default"; the API server refuses objects in any other namespace',
  }];
}

function isOurs(c: IConstruct): boolean {
  return c.node.scopes.some((s) => facts.has(s));
}

interface Entry { readonly key: string; readonly name: string; readonly path: string; readonly what: string; readonly ours: boolean }

/** `toJson` of each of our objects as cdk8s defines it (see `shareManifest`). */
const ownToJson = new WeakMap<ApiObject, () => unknown>();

/**
 * The object as it will be written, built once per pass; undefined while its construct's props
 * are invalid (reported by that construct).
 */
const manifestOf = perPass((o: ApiObject): unknown => {
  try {
    return (ownToJson.get(o) ?? (() => o.toJson()))();
  } catch {
    return undefined;
  }
});

/**
 * Makes `o.toJson()` answer with the manifest the rules checked while a pass runs, so that
 * `synthesize()` builds each of our objects once: the rules read it, then cdk8s writes it.
 * Outside a pass, and when building it failed, `toJson()` is cdk8s' own.
 */
function shareManifest(o: ApiObject): void {
  if (ownToJson.has(o)) return;
  const own = o.toJson.bind(o);
  ownToJson.set(o, own);
  o.toJson = () => manifestOf(o) ?? own();
}

/**
 * The manifest rules' findings for one object, computed once per pass: the app rule reads its
 * errors, `validate()` and the capacity report its warnings.
 */
const manifestFindingsOf = perPass((o: ApiObject) => manifestRules(manifestOf(o), `${o.kind}/${o.name}`));

function appRules(root: IConstruct): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const all = root.node.findAll();
  const objects = all.filter((c): c is ApiObject => c instanceof ApiObject);
  const seen = new Map<string, Entry>();
  // One problem per pair of clashing constructs, listing every object they share.
  const clashes = new Map<string, { path: string; name: string; other: string; what: string[] }>();
  const claim = (e: Entry): void => {
    const first = seen.get(e.key);
    if (first === undefined) {
      seen.set(e.key, e);
      return;
    }
    if (!e.ours && !first.ours) return;
    const pair = `${e.path}\n${first.path}`;
    const clash = clashes.get(pair) ?? { path: e.path, name: e.name, other: first.path || '(app)', what: [] };
    clash.what.push(e.what);
    clashes.set(pair, clash);
  };
  const chartsChecked = new Set<Chart>();
  for (const c of all) {
    const tell = facts.get(c);
    if (tell === undefined) continue;
    problems.push(...chartNamespaceProblems(c, chartsChecked));
    const ns = namespaceOf(c);
    const f = tell();
    for (const o of f.controllerObjects ?? []) {
      claim({ key: `${o.kind}|${ns}|${o.name}`, name: o.name, path: c.node.path, what: `${o.kind} ${o.name} (${o.why})`, ours: true });
    }
    for (const other of f.sameNamespaceAs ?? []) {
      const otherNs = namespaceOf(other.construct);
      if (otherNs !== ns) {
        problems.push({ path: c.node.path, field: other.field, value: JSON.stringify(other.construct.node.path), message: `is in namespace ${otherNs}, but this construct is in namespace ${ns}; pods can only mount a claim of their own namespace` });
      }
    }
  }
  for (const o of objects) {
    const ours = isOurs(o);
    const scoped = CLUSTER_SCOPED.has(o.kind);
    const ns = scoped ? '' : o.metadata.namespace ?? 'default';
    const group = o.apiGroup;
    claim({
      key: `${o.kind}|${ns}|${o.name}`,
      name: o.name,
      path: o.node.scope?.node.path ?? o.node.path,
      what: scoped ? `cluster-scoped ${o.kind} ${o.name}` : `${o.kind}${group === '' || group === 'core' ? '' : `.${group}`} ${o.name} in namespace ${ns}`,
      ours,
    });
    if (ours) {
      shareManifest(o);
      for (const m of manifestFindingsOf(o)) {
        if (m.severity === 'error') problems.push({ path: o.node.scope?.node.path ?? o.node.path, field: m.field, value: m.value, message: m.message });
      }
    }
  }
  for (const c of clashes.values()) {
    problems.push({ path: c.path, field: 'name', value: JSON.stringify(c.name), message: `clashes with ${c.other}: both would write ${c.what.join(', ')}; give them different names or namespaces` });
  }
  if (root instanceof App && root.yamlOutputType === YamlOutputType.FILE_PER_RESOURCE) {
    const files = new Map<string, ApiObject>();
    for (const o of objects) {
      const file = `${o.kind}.${o.name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
      const first = files.get(file);
      if (first === undefined) files.set(file, o);
      else if (isOurs(o) || isOurs(first)) {
        problems.push({ path: o.node.scope?.node.path ?? o.node.path, field: 'name', value: JSON.stringify(o.name), message: `would be written to ${file}${root.outputFileExtension} like the ${first.kind} of ${first.node.scope?.node.path}, overwriting it (YamlOutputType.FILE_PER_RESOURCE writes every chart into one folder); give them different names or use FOLDER_PER_CHART_FILE_PER_RESOURCE` });
      }
    }
  }
  return problems;
}

/**
 * Warnings of the manifest rules for our objects under `scope` (sizes near kubectl's limits).
 * @internal
 */
export function manifestWarnings(scope: IConstruct): ValidationProblem[] {
  return scope.node.findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject && isOurs(c))
    .flatMap((o) => manifestFindingsOf(o)
      .filter((m) => m.severity === 'warning')
      .map((m) => ({ path: o.node.scope?.node.path ?? o.node.path, field: m.field, value: m.value, message: m.message })));
}
