import { checkExtraArgs, flagValuesOf } from '../sglang/extra-args';
import { FlagRoleKind } from '../sglang/flags';
import { AGREEMENT_FLAGS, CONTRADICTING_FLAGS, ROUTER_TYPED_FLAGS, SERVER_TYPED_FLAGS } from '../sglang/typed-flags';
import { Finding, Findings } from './findings';

/**
 * `extraArgs` checked against the pinned SGLang / router flag catalogs and the typed wiring.
 * @internal
 */
export function extraArgRules(role: FlagRoleKind, args: unknown): Finding[] {
  if (!Array.isArray(args) || args.some((x) => typeof x !== 'string')) return [];
  const f = new Findings();
  const program = role === 'router' ? 'router' : 'server';
  const typed = new Map(Object.entries(program === 'router' ? ROUTER_TYPED_FLAGS : SERVER_TYPED_FLAGS));
  for (const p of checkExtraArgs(role, args as string[], typed, new Map(Object.entries(CONTRADICTING_FLAGS[program])))) {
    if (p.severity === 'error') f.error('extraArgs', p.flag, p.message);
    else f.warn('extraArgs', p.flag, p.message);
  }
  return f.list;
}

/**
 * Flags that both sides must give alike, when one side gives them in `extraArgs`.
 * @internal
 */
export function extraArgAgreementRules(prefillArgs: readonly string[], decodeArgs: readonly string[]): Finding[] {
  const f = new Findings();
  const p = flagValuesOf('server', prefillArgs);
  const d = flagValuesOf('server', decodeArgs);
  for (const flag of AGREEMENT_FLAGS) {
    const pv = p.get(flag);
    const dv = d.get(flag);
    if (pv === undefined && dv === undefined) continue;
    if (JSON.stringify(pv ?? null) !== JSON.stringify(dv ?? null)) {
      f.error('decode.extraArgs', flag, `prefill gives ${flag} ${pv === undefined ? 'nowhere' : pv.join(' ')}, decode ${dv === undefined ? 'nowhere' : dv.join(' ')}: both sides must load the model the same way; give it alike in both (or once in engine.extraArgs)`);
    }
  }
  return f.list;
}
