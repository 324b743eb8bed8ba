import { IConstruct } from 'constructs';
import { Finding } from './findings';
import { ValidationProblem, formatProblem } from './problem';

/**
 * How constructs of this library hand their rules to cdk8s: each construct registers a producer of
 * findings with `node.addValidation`, so a plain `app.synth()` fails with every message (ours and
 * the app's own), and `synthesize()` can read the same findings as structured problems.
 */

type Producer = () => readonly Finding[];
type AppRule = (root: IConstruct) => readonly ValidationProblem[];

const producers = new WeakMap<IConstruct, Producer[]>();
/**
 * True while `collectProblems` walks a tree: it runs our rules itself (structured), so the
 * validations registered with cdk8s stand aside and `node.validate()` yields only the app's own.
 */
let collecting = false;
const appRules = new WeakMap<IConstruct, Map<string, AppRule>>();

/**
 * Registers `produce` as a validation of `construct`; it runs at synth time, over the construct's
 * state as it is then.
 * @internal
 */
export function addRules(construct: IConstruct, produce: Producer): void {
  const list = producers.get(construct);
  if (list !== undefined) {
    list.push(produce);
    return;
  }
  producers.set(construct, [produce]);
  construct.node.addValidation({
    validate: () => (collecting ? [] : findingsOf(construct))
      .filter((f) => f.severity === 'error')
      .map((f) => formatProblem({ path: '', field: f.field, value: f.value, message: f.message }).replace(/^\[\] /, '')),
  });
}

/**
 * Registers a rule over the whole construct tree of `scope`, once per tree and `id` however many
 * constructs ask for it.
 * @internal
 */
export function addAppRule(scope: IConstruct, id: string, rule: AppRule): void {
  const root = scope.node.root;
  let rules = appRules.get(root);
  if (rules === undefined) {
    rules = new Map();
    appRules.set(root, rules);
    root.node.addValidation({
      validate: () => (collecting ? [] : appProblemsOf(root)).map((p) => formatProblem(p)),
    });
  }
  if (!rules.has(id)) rules.set(id, rule);
}

/**
 * What one pass of `whileUnchanged` has computed: findings per construct, app-wide problems per
 * root, and the values of each `perPass` function.
 */
interface Pass {
  readonly findings: WeakMap<IConstruct, Finding[]>;
  readonly appProblems: WeakMap<IConstruct, ValidationProblem[]>;
  readonly memos: Map<symbol, WeakMap<object, unknown>>;
}
let pass: Pass | undefined;

/**
 * `compute` with its result per key kept for the rest of a pass of `whileUnchanged` (and computed
 * every time outside one), e.g. an object's manifest, which several rules and the capacity report
 * read.
 * @internal
 */
export function perPass<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const id = Symbol('perPass');
  return (key) => {
    if (pass === undefined) return compute(key);
    let table = pass.memos.get(id);
    if (table === undefined) {
      table = new WeakMap();
      pass.memos.set(id, table);
    }
    if (table.has(key)) return table.get(key) as V;
    const value = compute(key);
    table.set(key, value);
    return value;
  };
}

/**
 * Runs `fn` (which must not change the tree) with every rule's result computed once and reused:
 * `synthesize()` checks the tree, writes it (cdk8s validates the app again for each chart) and
 * reports its warnings from one pass of the rules.
 * @internal
 */
export function whileUnchanged<T>(fn: () => T): T {
  if (pass !== undefined) return fn();
  pass = { findings: new WeakMap(), appProblems: new WeakMap(), memos: new Map() };
  try {
    return fn();
  } finally {
    pass = undefined;
  }
}

/** Every finding of one construct's own rules, errors and warnings. */
function findingsOf(construct: IConstruct): Finding[] {
  const known = pass?.findings.get(construct);
  if (known !== undefined) return known;
  const found = (producers.get(construct) ?? []).flatMap((p) => [...p()]);
  pass?.findings.set(construct, found);
  return found;
}

/** The problems of the app-wide rules registered on `root` (none when it has none). */
function appProblemsOf(root: IConstruct): ValidationProblem[] {
  const known = pass?.appProblems.get(root);
  if (known !== undefined) return known;
  const found = [...(appRules.get(root)?.values() ?? [])].flatMap((r) => [...r(root)]);
  pass?.appProblems.set(root, found);
  return found;
}

/** True when `construct` has rules of this library. */
function hasRules(construct: IConstruct): boolean {
  return producers.has(construct);
}

/**
 * Every problem of the tree under `root`, in construct order: our constructs' errors, our app-wide
 * rules, and the messages of any other `node.addValidation` (the app's own).
 * @internal
 */
export function collectProblems(root: IConstruct): { errors: ValidationProblem[]; warnings: ValidationProblem[] } {
  const errors: ValidationProblem[] = [];
  const warnings: ValidationProblem[] = [];
  for (const c of root.node.findAll()) {
    const path = c.node.path;
    for (const f of hasRules(c) ? findingsOf(c) : []) {
      (f.severity === 'error' ? errors : warnings).push({ path, field: f.field, value: f.value, message: f.message });
    }
    if (appRules.has(c)) errors.push(...appProblemsOf(c));
    collecting = true;
    let foreign: string[];
    try {
      foreign = c.node.validate();
    } finally {
      collecting = false;
    }
    for (const message of foreign) errors.push({ path: path === '' ? '(app)' : path, field: '', value: '', message });
  }
  return { errors, warnings };
}

/**
 * Warnings of the constructs under `scope` (our rules only).
 * @internal
 */
export function collectWarnings(scope: IConstruct): ValidationProblem[] {
  return scope.node.findAll().filter(hasRules).flatMap((c) => findingsOf(c)
    .filter((f) => f.severity === 'warning')
    .map((f) => ({ path: c.node.path, field: f.field, value: f.value, message: f.message })));
}
