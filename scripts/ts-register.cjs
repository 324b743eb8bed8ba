/**
 * Fast TypeScript runner for `npm run synth`, `npm run synth:examples` and `npm run bench`:
 *
 *     node -r ./scripts/ts-register.cjs main.ts
 *
 * What it does, and why (measure with `npm run bench`):
 *
 * 1. Transpiles each required .ts file outside node_modules with @swc/core (types stripped, no
 *    type-checking: `npm run typecheck` does that) into CommonJS, and caches the output on disk
 *    under node_modules/.cache/cdk8s-sglang-pd/, keyed by the compiler version and options, the
 *    file's path and a hash of its bytes. An edited main.ts, lib/ or examples/ file is therefore
 *    transpiled again on the next run (a few ms each), with no build step. The generated 3.7 MB
 *    under imports/ (replaced only by `npm run import:offline`) are keyed by size and
 *    modification time instead, so a run does not even read them. `npm ci` warms the cache (`prepare` runs
 *    `node scripts/ts-register.cjs --warm`); without it the first run takes about a second more.
 * 2. Compiles the big modules (everything under node_modules and imports/) with a V8 code cache
 *    kept in the same directory, so that cdk8s' own modules (and its yaml library) and
 *    the RoleBasedGroup types are not parsed again on every run. The cache is per Node version
 *    and V8 flags (V8 rejects a cache made with others; it is then rebuilt).
 * 3. Reads ASCII-only sources as latin1, which is much cheaper than UTF-8 decoding for
 *    multi-megabyte files.
 *
 * Why this file and not a maintained runner: `npm run bench -- --runners` measures each one as
 * pairs A (an empty cdk8s chart) and B (main.ts). On the 2-core development machine (Node 20,
 * medians of 21-25 pairs, see the README's Performance section) this runner starts an empty chart
 * in about 170 ms and main.ts in about 320 ms; tsc's output run by plain node is as fast at run
 * time but needs a build in front of every `npm run synth` (`tsc -b`: about 0.4 s when nothing
 * changed, 5-7 s after an edit, since it type-checks); @swc-node/register (it loads the
 * TypeScript compiler at start) and tsx (ESM loader hooks in a worker thread) take about 520 and
 * 570 ms for the empty chart and 680 and 820 ms for main.ts. Node 20 has no public compile cache
 * (`module.enableCompileCache` arrives in Node 22). None of them meets the bench's B / A <= 1.3
 * without slowing A: the @swc-node/register ratio is about 1.3 only because of its slow start.
 *
 * Hand-written .ts files get inline source maps (without the sources, which stay on disk) and
 * source maps are enabled, so stack traces point at the TypeScript lines. Nothing here changes
 * what a module does. TS_REGISTER_NO_CACHE=1 bypasses both caches; TS_REGISTER_CACHE_DIR moves
 * them.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const { isAscii } = require('buffer');

function realpath(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

const ROOT = path.resolve(__dirname, '..');
const IMPORTS = realpath(path.join(ROOT, 'imports')) + path.sep;
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const CACHE_DIR = process.env.TS_REGISTER_CACHE_DIR || path.join(ROOT, 'node_modules', '.cache', 'cdk8s-sglang-pd');
const NO_CACHE = process.env.TS_REGISTER_NO_CACHE === '1';
const SWC_VERSION = JSON.parse(fs.readFileSync(require.resolve('@swc/core/package.json'), 'utf8')).version;

/** swc options for one file. Generated imports/ get no source map (large, never debugged). */
function swcOptions(filename) {
  return {
    filename,
    swcrc: false,
    configFile: false,
    sourceMaps: filename.startsWith(IMPORTS) ? false : 'inline',
    inlineSourcesContent: false,
    // ASCII output (non-ASCII characters in code escaped), so that decode() takes its fast path.
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true, output: { charset: 'ascii' } },
    module: { type: 'commonjs' },
  };
}

function hash(...parts) {
  const h = crypto.createHash('sha1');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** Buffer to string: latin1 (a plain copy) when the bytes are ASCII, else UTF-8. */
function decode(buf) {
  return isAscii(buf) ? buf.latin1Slice(0, buf.length) : buf.toString('utf8');
}

function writeAtomic(file, data) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only or full disk only costs speed.
  }
}

let swc;
/**
 * Transpiled JavaScript of a .ts file, and the cache key of that output. The key hashes the
 * file's bytes, except for the generated imports/ (megabytes, replaced only by scripts/gen-imports.mjs),
 * whose key uses the file's size and modification time so that a cache hit does not read them.
 */
function transpile(filename) {
  const opts = swcOptions(filename);
  let bytes;
  let identity;
  if (filename.startsWith(IMPORTS)) {
    const st = fs.statSync(filename);
    identity = `${st.size}:${st.mtimeMs}`;
  } else {
    bytes = fs.readFileSync(filename);
    identity = bytes;
  }
  const key = hash('ts-register/2', SWC_VERSION, JSON.stringify(opts), identity);
  const cached = path.join(CACHE_DIR, 'js', `${key}.js`);
  if (!NO_CACHE) {
    try {
      return { code: decode(fs.readFileSync(cached)), key };
    } catch {
      // cache miss
    }
  }
  bytes ??= fs.readFileSync(filename);
  swc ??= require('@swc/core');
  const { code } = swc.transformSync(decode(bytes), opts);
  if (!NO_CACHE) {
    writeAtomic(cached, code);
    prune(path.dirname(cached));
  }
  return { code, key };
}

/** On a cache miss: keeps the newest 400 entries once a cache folder holds more than 800. */
function prune(dir) {
  try {
    const names = fs.readdirSync(dir);
    if (names.length <= 800) return;
    const entries = names.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const { n } of entries.slice(400)) fs.rmSync(path.join(dir, n), { force: true });
  } catch {
    // pruning is best effort
  }
}

// ---------------------------------------------------------------------------------------------
// V8 code cache for big modules.

// V8 rejects a code cache made with other V8 flags (e.g. --expose-gc), so caches are kept per
// Node version and command-line flags; otherwise runs with different flags would keep
// overwriting each other's caches.
const V8_TAG = [process.version, process.arch, process.versions.v8, process.env.NODE_OPTIONS ?? '',
  ...process.execArgv.filter((a, i, all) => !/^(-r|--require)(=|$)/.test(a) && !/^(-r|--require)$/.test(all[i - 1] ?? ''))].join(' ');
const pendingCodeCaches = [];

function makeRequire(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Runs `code` as the body of CommonJS module `mod`, with a V8 code cache named by `key`. */
function compileCached(mod, code, filename, key) {
  const cacheFile = path.join(CACHE_DIR, 'v8', `${hash(V8_TAG, filename, key)}.bin`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  const script = new vm.Script(Module.wrap(code), {
    filename,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData === undefined || script.cachedDataRejected) pendingCodeCaches.push([script, cacheFile]);
  const fn = script.runInThisContext({ displayErrors: true });
  return fn.call(mod.exports, mod.exports, makeRequire(mod), mod, filename, path.dirname(filename));
}

// After the run, so the cache also holds the functions that ran (not only the top level).
process.once('exit', () => {
  for (const [script, file] of pendingCodeCaches) writeAtomic(file, script.createCachedData());
  if (pendingCodeCaches.length > 0) prune(path.join(CACHE_DIR, 'v8'));
});

// ---------------------------------------------------------------------------------------------
// Hooks.

const defaultJs = Module._extensions['.js'];

/** `type` of the package.json nearest to `dir` ('commonjs' when none says otherwise). */
const packageTypes = new Map();
function packageType(dir) {
  let type = packageTypes.get(dir);
  if (type !== undefined) return type;
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    // no (readable) package.json here
  }
  const parent = path.dirname(dir);
  type = pkg !== undefined ? (pkg.type === 'module' ? 'module' : 'commonjs') : parent === dir ? 'commonjs' : packageType(parent);
  packageTypes.set(dir, type);
  return type;
}

Module._extensions['.js'] = function loadJs(mod, filename) {
  // Only plain CommonJS files of dependencies; anything unusual takes Node's own path.
  if (NO_CACHE || !filename.includes(NODE_MODULES) || !filename.endsWith('.js') || packageType(path.dirname(filename)) === 'module') {
    return defaultJs(mod, filename);
  }
  const bytes = fs.readFileSync(filename);
  let code = decode(bytes);
  if (code.charCodeAt(0) === 0xfeff) code = code.slice(1);
  if (code.startsWith('#!')) return defaultJs(mod, filename);
  const st = fs.statSync(filename);
  return compileCached(mod, code, filename, `${st.size}:${st.mtimeMs}`);
};

Module._extensions['.ts'] = function loadTs(mod, filename) {
  if (filename.includes(NODE_MODULES)) return defaultJs(mod, filename);
  const { code, key } = transpile(filename);
  if (filename.startsWith(IMPORTS) && !NO_CACHE) return compileCached(mod, code, filename, key);
  return mod._compile(code, filename);
};

if (process.setSourceMapsEnabled) process.setSourceMapsEnabled(true);

/**
 * `node scripts/ts-register.cjs --warm` (run by `npm ci` through `prepare`): transpiles the
 * generated imports/ and loads them with cdk8s, so that the first
 * `npm run synth` after a fresh install already finds both caches.
 */
if (require.main === module && process.argv.includes('--warm')) {
  require('cdk8s');
  for (const f of fs.readdirSync(IMPORTS).sort()) {
    if (f.endsWith('.ts') && !f.endsWith('.d.ts')) require(path.join(IMPORTS, f));
  }
}

module.exports = { transpile };
