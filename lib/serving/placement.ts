import { k8s } from '../rbg/k8s';
import { RbgTarget } from '../rbg/rbg-target';
import { GangModel, GroupModel } from '../rbg/role-based-group';
import { GangScheduler, GangScheduling } from './gang-scheduling';
import { PeerAffinity } from './sglang-role';

/**
 * How strongly the scheduler must honour a placement constraint.
 */
export enum AffinityStrength {
  /** A hard constraint: pods stay Pending rather than break it. */
  REQUIRED = 'required',
  /** A preference (weight 100): broken when nothing else fits. */
  PREFERRED = 'preferred',
  /** No constraint. */
  NONE = 'none',
}

/** Default topology key prefill and decode share: the zone. */
export const DEFAULT_KV_LOCALITY_KEY = 'topology.kubernetes.io/zone';

/**
 * Where a group's pods land as a whole. Per-role node selection (`nodeSelector`, `tolerations`,
 * `requiredNodeAffinity`, `preferredNodeAffinity`) is set on each role.
 */
export interface PlacementOptions {
  /**
   * Node label whose value prefill and decode pods of the group share, because the KV cache
   * crosses the link between them: `topology.kubernetes.io/zone`, a rack label, or
   * `kubernetes.io/hostname` for one node. Every prefill and decode pod gets a pod affinity to
   * the group's other prefill and decode pods on this key; the first one is placed freely.
   * @default 'topology.kubernetes.io/zone'
   */
  readonly kvLocalityKey?: string;
  /**
   * Whether that affinity is a hard constraint. With `REQUIRED`, nodes without the label cannot
   * run prefill or decode pods (cloud nodes carry the zone label).
   * @default AffinityStrength.REQUIRED
   */
  readonly kvLocality?: AffinityStrength;
  /**
   * Exclusive topology: the controller keeps every pod of the group in one domain of this node
   * label and no other exclusive group's pods there (e.g. `kubernetes.io/hostname`: one node per
   * group; a rack label: one rack). Written as the annotation the targeted controller reads.
   * @default - none
   */
  readonly exclusiveTopologyKey?: string;
  /**
   * All pods of the group or none. The router then starts together with prefill and decode
   * instead of after them (a PodGroup must see every pod at once), and is ready once its workers
   * are.
   * @default - none
   */
  readonly gangScheduling?: GangScheduling;
}

/** The group-wide settings of a valid placement, release-neutral. @internal */
export function groupPlacementModel(p: PlacementOptions): GroupModel {
  const g: GangScheduling | undefined = p.gangScheduling;
  const gang: GangModel | undefined = g === undefined ? undefined : g.scheduler === GangScheduler.VOLCANO
    ? { scheduler: 'volcano', queue: g.queue, priorityClassName: g.priorityClassName }
    : { scheduler: 'scheduler-plugins', timeoutSeconds: g.timeout?.toSeconds() };
  return { exclusiveTopologyKey: p.exclusiveTopologyKey, gang };
}

/**
 * The pod affinity of a valid placement that keeps the given roles of a group together, selected
 * by the labels the targeted controller puts on their pods.
 * @internal
 */
export function kvPeerAffinity(p: PlacementOptions, target: RbgTarget, groupName: string, roleNames: string[]): PeerAffinity {
  const term: k8s.PodAffinityTerm = {
    labelSelector: {
      matchLabels: { [target.groupLabel]: groupName },
      matchExpressions: [{ key: target.roleLabel, operator: 'In', values: [...roleNames] }],
    },
    topologyKey: p.kvLocalityKey ?? DEFAULT_KV_LOCALITY_KEY,
  };
  return { term, strength: p.kvLocality ?? AffinityStrength.REQUIRED };
}
