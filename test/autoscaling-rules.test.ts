/*
 * The group's autoscaling rules as pure functions: the prefill:decode ratio rule against a brute
 * force over every reachable pair of replica counts, and its suggested bounds.
 */
import fc from 'fast-check';
import { RouterDiscovery } from '../lib';
import { ScaledRole, groupAutoscalingRules } from '../lib/validation/autoscaling-rules';

const role = (roleName: string, [min, max]: [number, number]): ScaledRole => ({ roleName, replicas: min, gpusPerPod: 1, bounds: { minReplicas: min, maxReplicas: max } });

function ratioErrors(p: [number, number], d: [number, number], ratio: { minPrefillPerDecode?: number; maxPrefillPerDecode?: number }): string[] {
  return groupAutoscalingRules({ discovery: RouterDiscovery.KUBERNETES, prefill: role('prefill', p), decode: role('decode', d), ratio })
    .filter((f) => f.severity === 'error').map((f) => f.field);
}

/** Every pair of counts the two HPAs can reach, by enumeration. */
function pairs([p0, p1]: [number, number], [d0, d1]: [number, number]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = p0; p <= p1; p++) for (let d = d0; d <= d1; d++) out.push([p, d]);
  return out;
}

const bounds = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 8 })).map(([lo, span]): [number, number] => [lo, lo + span]);
const limit = fc.integer({ min: 1, max: 40 }).map((n) => n / 4); // 0.25 .. 10 in quarters

describe('replicaRatio over every reachable pair', () => {
  test('GIVEN any bounds and limits WHEN checked THEN a limit is refused exactly when some reachable pair breaks it', () => {
    fc.assert(fc.property(bounds, bounds, limit, limit, (p, d, a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const errors = ratioErrors(p, d, { minPrefillPerDecode: lo, maxPrefillPerDecode: hi });
      const all = pairs(p, d);
      expect(errors.includes('replicaRatio.minPrefillPerDecode')).toBe(all.some(([x, y]) => x / y < lo));
      expect(errors.includes('replicaRatio.maxPrefillPerDecode')).toBe(all.some(([x, y]) => x / y > hi));
    }), { seed: 20260801, numRuns: 2000 });
  });

  test('GIVEN a refused limit WHEN either suggested bound is applied THEN that limit holds', () => {
    fc.assert(fc.property(bounds, bounds, limit, (p, d, lo) => {
      const findings = groupAutoscalingRules({ discovery: RouterDiscovery.KUBERNETES, prefill: role('prefill', p), decode: role('decode', d), ratio: { minPrefillPerDecode: lo } });
      const f = findings.find((x) => x.field === 'replicaRatio.minPrefillPerDecode');
      if (f === undefined) return;
      const raise = /raise prefill's minimum to (\d+)/.exec(f.message);
      expect(raise).not.toBeNull();
      const raiseP = Number(raise![1]);
      // raising prefill's minimum (its maximum with it, if needed) keeps the limit
      expect(ratioErrors([raiseP, Math.max(raiseP, p[1])], d, { minPrefillPerDecode: lo })).toEqual([]);
      // lowering decode's maximum is offered only when decode's minimum allows it, and keeps it too
      const lower = /or lower decode's maximum to (\d+)/.exec(f.message);
      if (lower !== null) {
        expect(Number(lower[1])).toBeGreaterThanOrEqual(d[0]);
        expect(ratioErrors(p, [d[0], Number(lower[1])], { minPrefillPerDecode: lo })).toEqual([]);
      }
    }), { seed: 20260802, numRuns: 1000 });
  });

  test('GIVEN a refused upper limit WHEN either suggested bound is applied THEN that limit holds', () => {
    fc.assert(fc.property(bounds, bounds, limit, (p, d, hi) => {
      const findings = groupAutoscalingRules({ discovery: RouterDiscovery.KUBERNETES, prefill: role('prefill', p), decode: role('decode', d), ratio: { maxPrefillPerDecode: hi } });
      const f = findings.find((x) => x.field === 'replicaRatio.maxPrefillPerDecode');
      if (f === undefined) return;
      const raise = /raise decode's minimum to (\d+)/.exec(f.message);
      expect(raise).not.toBeNull();
      const raiseD = Number(raise![1]);
      expect(ratioErrors(p, [raiseD, Math.max(raiseD, d[1])], { maxPrefillPerDecode: hi })).toEqual([]);
      const lower = /lower prefill's maximum to (\d+)/.exec(f.message);
      if (lower !== null) {
        expect(Number(lower[1])).toBeGreaterThanOrEqual(p[0]);
        expect(ratioErrors([p[0], Number(lower[1])], d, { maxPrefillPerDecode: hi })).toEqual([]);
      }
    }), { seed: 20260803, numRuns: 1000 });
  });

  test('GIVEN a role without autoscaling WHEN checked THEN its replicas are its only count', () => {
    const fixed: ScaledRole = { roleName: 'decode', replicas: 3, gpusPerPod: 1 };
    const f = groupAutoscalingRules({ discovery: RouterDiscovery.STATIC, prefill: { roleName: 'prefill', replicas: 3, gpusPerPod: 1 }, decode: fixed, ratio: { minPrefillPerDecode: 1, maxPrefillPerDecode: 1 } });
    expect(f).toEqual([]);
  });
});
