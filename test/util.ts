/* Helpers shared by the tests: find synthesized objects by kind and name, not by position. */

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: any };

export function findObject(manifests: Manifest[], kind: string, name: string): Manifest {
  const hits = manifests.filter((m) => m.kind === kind && m.metadata?.name === name);
  if (hits.length !== 1) {
    throw new Error(`expected exactly one ${kind}/${name}, found ${hits.length} among ${manifests.map((m) => `${m.kind}/${m.metadata?.name}`).join(', ')}`);
  }
  return hits[0];
}

export function kinds(manifests: Manifest[]): string[] {
  return manifests.map((m) => `${m.kind}/${m.metadata.name}`);
}

/** The role entry of a RoleBasedGroup, whatever its API version. */
export function findRole(rbg: Manifest, role: string): any {
  const hits = (rbg.spec.roles as any[]).filter((r) => r.name === role);
  if (hits.length !== 1) throw new Error(`expected one role ${role} in ${rbg.metadata.name}`);
  return hits[0];
}

/** The pod template of a role, whatever its API version (v1alpha1 template / v1alpha2 standalonePattern or leaderWorkerPattern). */
export function podTemplate(rbg: Manifest, role: string): any {
  const r = findRole(rbg, role);
  return rbg.apiVersion.endsWith('/v1alpha2') ? (r.standalonePattern ?? r.leaderWorkerPattern).template : r.template;
}

export function container(rbg: Manifest, role: string): any {
  const spec = podTemplate(rbg, role).spec;
  expect(spec.containers).toHaveLength(1);
  return spec.containers[0];
}

/** Value following `flag` in an argv; every occurrence when `all` is set. */
export function flagValues(args: string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((a, i) => { if (a === flag) out.push(args[i + 1]); });
  return out;
}

/** The groups of tokens after each occurrence of `flag` up to the next `--` token. */
export function flagGroups(args: string[], flag: string): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a !== flag) return;
    const group: string[] = [];
    for (let j = i + 1; j < args.length && !args[j].startsWith('--'); j++) group.push(args[j]);
    out.push(group);
  });
  return out;
}
