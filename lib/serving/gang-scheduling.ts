import { Duration } from 'cdk8s';
import { ownedProps } from '../util/copy';

/**
 * Scheduler that enforces gang scheduling for a group.
 */
export enum GangScheduler {
  /** The coscheduling plugin of kubernetes-sigs/scheduler-plugins (a `PodGroup` of `scheduling.x-k8s.io`). */
  SCHEDULER_PLUGINS = 'scheduler-plugins',
  /** Volcano (a `PodGroup` of `scheduling.volcano.sh`). */
  VOLCANO = 'volcano',
}

/**
 * Options of gang scheduling with the scheduler-plugins coscheduling plugin.
 */
export interface SchedulerPluginsGangOptions {
  /**
   * How long the scheduler waits for the whole group to fit before it gives up and retries.
   * Whole seconds.
   * @default - the controller's default, 60 seconds
   */
  readonly timeout?: Duration;
}

/**
 * Options of gang scheduling with Volcano.
 */
export interface VolcanoGangOptions {
  /**
   * Volcano queue of the group's PodGroup.
   * @default - Volcano's `default` queue
   */
  readonly queue?: string;
  /**
   * PriorityClass of the group's PodGroup.
   * @default - none
   */
  readonly priorityClassName?: string;
}

/**
 * Gang scheduling: every pod of the group is scheduled at once or none is, so a group never
 * holds GPUs with only part of its pods running. The controller creates a PodGroup whose minimum
 * is every pod of the group (all roles, every node of a multi-node instance).
 *
 * Written the way the targeted controller reads it: `spec.podGroupPolicy` on RBG v0.4-v0.6, the
 * annotations `rbg.workloads.x-k8s.io/group-gang-scheduling*` on v0.7 (whose controller picks the
 * scheduler with its `--scheduler-name` flag, which must match). The scheduler itself must be
 * installed.
 */
export class GangScheduling {
  /** Gang scheduling through the scheduler-plugins coscheduling plugin. */
  public static schedulerPlugins(options: SchedulerPluginsGangOptions = {}): GangScheduling {
    const o = ownedProps(options);
    return new GangScheduling(GangScheduler.SCHEDULER_PLUGINS, o.timeout, undefined, undefined);
  }

  /** Gang scheduling through Volcano. */
  public static volcano(options: VolcanoGangOptions = {}): GangScheduling {
    const o = ownedProps(options);
    return new GangScheduling(GangScheduler.VOLCANO, undefined, o.queue, o.priorityClassName);
  }

  private constructor(
    /** The scheduler. */
    public readonly scheduler: GangScheduler,
    /** scheduler-plugins: schedule timeout, if set. */
    public readonly timeout: Duration | undefined,
    /** Volcano: queue, if set. */
    public readonly queue: string | undefined,
    /** Volcano: PriorityClass, if set. */
    public readonly priorityClassName: string | undefined,
  ) {}
}
