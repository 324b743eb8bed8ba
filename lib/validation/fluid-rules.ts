import { Size } from 'cdk8s';
import { QwenModel } from '../model/qwen-model';
import { FLUID_CACHE_HIGH_WATERMARK, FluidCacheMedium, fluidCacheBytes, fluidCacheQuota } from '../storage/fluid-source';
import { hasControlCharacters, isDns1035Label, isDnsSubdomain } from '../util/names';
import { normalMountPath } from '../util/paths';
import { formatQuantity, isWholeKib } from '../util/quantity';
import { Finding, Findings } from './findings';
import { sizeRule } from './pod-rules';
import { ossLocationRules } from './volume-rules';

const OPTION_KEYS = ['bucket', 'endpoint', 'path', 'secretName', 'cacheMedium', 'cachePath', 'cacheWorkers', 'cacheQuota', 'warmUp'];
const GIB = 1024 ** 3;

/**
 * A Fluid model source, with the claim (the Dataset's name) and the model of its volume: the OSS
 * location as for `ModelSource.oss`, the cache options, and a cache (quota x workers, below the
 * eviction watermark) that holds the model's weights.
 * @internal
 */
export function fluidRules(o: unknown, datasetName: unknown, model: unknown): Finding[] {
  const f = new Findings();
  const s = f.options('source', o, OPTION_KEYS, 'an option of ModelSource.fluid', 'ModelSource.fluid({ bucket, endpoint, ... })');
  if (s === undefined) return f.list;
  ossLocationRules(f, s);
  // Fluid names the runtime's Services and the claim after the Dataset.
  if (!isDns1035Label(datasetName)) {
    f.error('claimName', datasetName, 'names the Fluid Dataset, its JindoRuntime and the claim Fluid creates, so it must be a DNS-1035 label: at most 63 characters of a-z, 0-9 and "-", starting with a letter and ending alphanumeric');
  }
  if (s.secretName !== undefined && !isDnsSubdomain(s.secretName)) f.error('source.secretName', s.secretName, 'must be a DNS-1123 subdomain');
  if (s.cacheMedium !== undefined) f.oneOf('source.cacheMedium', s.cacheMedium, Object.values(FluidCacheMedium), 'a FluidCacheMedium');
  const path = s.cachePath;
  if (path !== undefined && (typeof path !== 'string' || normalMountPath(path) === undefined || normalMountPath(path) === '/' || hasControlCharacters(path) || /[,:$]/.test(path))) {
    f.error('source.cachePath', path, 'must be one absolute path below "/" without ",", ":", "$", ".." or control characters, e.g. "/mnt/disk1"');
  }
  const workersOk = s.cacheWorkers === undefined || f.integer('source.cacheWorkers', s.cacheWorkers, 1, 1000);
  f.boolean('source.warmUp', s.warmUp);
  sizeRule(f, 'source.cacheQuota', s.cacheQuota, 'Size.gibibytes(80)');
  if (!workersOk || f.failed('source.cacheQuota') || !(model instanceof QwenModel)) return f.list;
  const weights = model.weightsBytes;
  if (!Number.isFinite(weights) || weights <= 0) return f.list;
  const workers = (s.cacheWorkers ?? 1) as number;
  const quota: Size = fluidCacheQuota({ cacheQuota: s.cacheQuota as Size | undefined, cacheWorkers: workers }, weights);
  if (!isWholeKib(quota)) return f.list;
  const holds = fluidCacheBytes(quota, workers);
  if (holds < weights) {
    const need = Math.ceil(weights / FLUID_CACHE_HIGH_WATERMARK / workers / GIB);
    f.error('source.cacheQuota', formatQuantity(quota), `x ${workers} cache worker(s) x ${FLUID_CACHE_HIGH_WATERMARK} (eviction watermark) = ${(holds / GIB).toFixed(2)} GiB is smaller than the ${(weights / GIB).toFixed(2)} GiB of weights of ${model.name}; give at least Size.gibibytes(${need}) per worker or more cacheWorkers`);
  }
  return f.list;
}
