/**
 * The Fluid distributed cache in front of an OSS model: a `Dataset` over the OSS location, a
 * `JindoRuntime` (named like the Dataset, as Fluid requires) with one cache tier, and optionally
 * a `DataLoad` that fills the cache. Fluid then creates a PersistentVolumeClaim named after the
 * Dataset, which the serving pods mount.
 *
 * The three objects are plain ApiObjects built from the typed interfaces below (written from the
 * Fluid v1.0.8 CRDs in ../shared/crds/addons), not generated L1 classes: each uses a handful of
 * fields, and generating the large Fluid CRDs into imports/ is not worth it. The strict schema
 * tests check every emitted object against those CRDs.
 */
import { ApiObject, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { formatQuantity, sizeBytes } from '../util/quantity';

/**
 * Where the Fluid cache workers keep the cached weights.
 */
export enum FluidCacheMedium {
  /** Memory (`/dev/shm` of the cache worker): fastest; counts against the node's memory. */
  MEMORY = 'MEM',
  /** A local SSD (a host path on the cache worker's node). */
  SSD = 'SSD',
  /** A local HDD (a host path on the cache worker's node). */
  HDD = 'HDD',
}

/**
 * Options of a Fluid-cached OSS model source (`ModelSource.fluid`).
 */
export interface FluidSourceOptions {
  /** Bucket name. */
  readonly bucket: string;
  /** OSS endpoint, e.g. `oss-cn-hangzhou-internal.aliyuncs.com`. */
  readonly endpoint: string;
  /**
   * Directory inside the bucket, e.g. `/Qwen3-32B/`.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Existing Secret with keys `akId` and `akSecret` (as for `ModelSource.oss`), handed to the
   * Dataset as encrypted options.
   * @default 'oss-secret'
   */
  readonly secretName?: string;
  /**
   * Cache tier of the JindoRuntime.
   * @default FluidCacheMedium.MEMORY
   */
  readonly cacheMedium?: FluidCacheMedium;
  /**
   * Path of the cache on each cache worker.
   * @default '/dev/shm' for memory, '/mnt/disk1' for SSD and HDD
   */
  readonly cachePath?: string;
  /**
   * Cache workers (JindoRuntime replicas; Fluid runs at most one per node).
   * @default 1
   */
  readonly cacheWorkers?: number;
  /**
   * Cache size of each worker. All workers together must hold the model's weights below the
   * eviction watermark (99 %).
   * @default - the weights plus 10 %, divided among the workers, rounded up to whole GiB
   */
  readonly cacheQuota?: Size;
  /**
   * Emit a `DataLoad` that loads the whole model into the cache once the Dataset is bound.
   * @default true
   */
  readonly warmUp?: boolean;
}

/** Fraction of the cache above which the JindoRuntime starts evicting. */
export const FLUID_CACHE_HIGH_WATERMARK = 0.99;
/** Fraction the JindoRuntime evicts down to. */
export const FLUID_CACHE_LOW_WATERMARK = 0.95;
/** Head room of the default cache size over the weights. */
const DEFAULT_HEADROOM = 1.1;
const GIB = 1024 ** 3;

/** Default cache path of a medium. */
export function defaultCachePath(medium: FluidCacheMedium): string {
  return medium === FluidCacheMedium.MEMORY ? '/dev/shm' : '/mnt/disk1';
}

/**
 * The per-worker cache size in effect: the given one, or the weights plus 10 % split among the
 * workers and rounded up to whole GiB.
 * @internal
 */
export function fluidCacheQuota(o: Pick<FluidSourceOptions, 'cacheQuota' | 'cacheWorkers'>, weightsBytes: number): Size {
  if (o.cacheQuota !== undefined) return o.cacheQuota;
  const workers = o.cacheWorkers ?? 1;
  return Size.gibibytes(Math.max(1, Math.ceil((weightsBytes * DEFAULT_HEADROOM) / workers / GIB)));
}

/** Bytes the cache holds before it evicts, for `workers` workers of `quota` each. */
export function fluidCacheBytes(quota: Size, workers: number): number {
  return sizeBytes(quota) * workers * FLUID_CACHE_HIGH_WATERMARK;
}

interface SecretKeyOption {
  readonly name: string;
  readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

interface DatasetSpec {
  readonly accessModes: string[];
  readonly mounts: Array<{
    readonly name: string;
    readonly mountPoint: string;
    readonly path: string;
    readonly readOnly: boolean;
    readonly options: Record<string, string>;
    readonly encryptOptions: SecretKeyOption[];
  }>;
}

interface JindoRuntimeSpec {
  readonly replicas: number;
  readonly tieredstore: {
    readonly levels: Array<{
      readonly mediumtype: string;
      readonly volumeType: 'emptyDir' | 'hostPath';
      readonly path: string;
      readonly quota: string;
      readonly high: string;
      readonly low: string;
    }>;
  };
}

interface DataLoadSpec {
  readonly dataset: { readonly name: string; readonly namespace?: string };
  readonly loadMetadata: boolean;
  readonly target: Array<{ readonly path: string; readonly replicas: number }>;
}

/**
 * Emits the Dataset, the JindoRuntime and (with `warmUp`) the DataLoad into `scope`, named
 * `name` (`<name>-warmup` for the DataLoad). Only called with valid options.
 * @internal
 */
export function bindFluid(scope: Construct, name: string, namespace: string | undefined, o: FluidSourceOptions, weightsBytes: number): void {
  const labels = { 'app.kubernetes.io/name': 'sglang-model-cache', 'app.kubernetes.io/instance': name };
  const path = o.path ?? '/';
  const secret = o.secretName ?? 'oss-secret';
  const dataset: DatasetSpec = {
    accessModes: ['ReadOnlyMany'],
    mounts: [{
      name,
      mountPoint: `oss://${o.bucket}${path.startsWith('/') ? path : `/${path}`}`,
      // The bucket directory is the root of the Dataset, so the model files sit at the mount path.
      path: '/',
      readOnly: true,
      options: { 'fs.oss.endpoint': o.endpoint },
      encryptOptions: [
        { name: 'fs.oss.accessKeyId', valueFrom: { secretKeyRef: { name: secret, key: 'akId' } } },
        { name: 'fs.oss.accessKeySecret', valueFrom: { secretKeyRef: { name: secret, key: 'akSecret' } } },
      ],
    }],
  };
  new ApiObject(scope, 'Dataset', { apiVersion: 'data.fluid.io/v1alpha1', kind: 'Dataset', metadata: { name, labels }, spec: dataset });
  const medium = o.cacheMedium ?? FluidCacheMedium.MEMORY;
  const runtime: JindoRuntimeSpec = {
    replicas: o.cacheWorkers ?? 1,
    tieredstore: {
      levels: [{
        mediumtype: medium,
        // Memory is an emptyDir of the worker pod; disks are host paths of its node.
        volumeType: medium === FluidCacheMedium.MEMORY ? 'emptyDir' : 'hostPath',
        path: o.cachePath ?? defaultCachePath(medium),
        quota: formatQuantity(fluidCacheQuota(o, weightsBytes)),
        high: String(FLUID_CACHE_HIGH_WATERMARK),
        low: String(FLUID_CACHE_LOW_WATERMARK),
      }],
    },
  };
  new ApiObject(scope, 'JindoRuntime', { apiVersion: 'data.fluid.io/v1alpha1', kind: 'JindoRuntime', metadata: { name, labels }, spec: runtime });
  if (o.warmUp === false) return;
  // Fluid looks the Dataset up in this namespace: the chart's, `default` when it has none (as the OSS PV's Secret reference).
  const load: DataLoadSpec = { dataset: { name, namespace: namespace ?? 'default' }, loadMetadata: true, target: [{ path: '/', replicas: 1 }] };
  new ApiObject(scope, 'DataLoad', { apiVersion: 'data.fluid.io/v1alpha1', kind: 'DataLoad', metadata: { name: `${name}-warmup`, labels }, spec: load });
}
