/**
 * Fast TypeScript runner for `npm run synth`, `npm run synth:examples` and `npm run bench`:
 *
 *     node -r ./scripts/ts-register.cjs main.ts
 *
 * What it does, and why (measure with `npm run bench`):
 *
 * 1. Loads lib/index.ts as one bundle of the library: esbuild puts every lib/ file it imports into
 *    one CommonJS module (packages and the generated imports/ stay outside), kept on disk under
 *    node_modules/.cache/cdk8s-sglang-pd/bundle/ with the size and modification time of each file
 *    it was built from. A run compares those (about 75 files) and builds the bundle again when one
 *    changed (about 0.15 s), so an edited lib/ file is in the next run, with no build step. One module instead of
 *    75 saves their resolution, reads and wrappers: about 40 ms of what the library adds to an
 *    empty chart. Each lib/ file exists once per process: a process whose first lib/
 *    module is another file than lib/index.ts loads every lib/ file on its own (as below), and a
 *    lib/ file required on its own after the bundle is refused (it would be a second copy).
 * 2. Transpiles every other required .ts file outside node_modules (main.ts, examples/, scripts/,
 *    imports/) with @swc/core (types stripped, no type-checking: `npm run typecheck` does that)
 *    into CommonJS, and caches the output under node_modules/.cache/cdk8s-sglang-pd/js/, keyed by
 *    the compiler version and options, the file's path and a hash of its bytes. The generated
 *    2.6 MB under imports/ (replaced only by `npm run import:offline`) are keyed by size and
 *    modification time instead, so a run does not even read them.
 * 3. Compiles the big modules (everything under node_modules and imports/) with a V8 code cache
 *    kept in the same directory, so that cdk8s' own modules (and its yaml library) and the
 *    RoleBasedGroup types are not parsed again on every run; the generated modules under
 *    imports/ (thousands of exports) get an exports object that V8 keeps as a hash table. A cache
 *    is made after the first run of each entry script, so it holds what that script runs. The cache is per Node version and
 *    V8 flags (V8 rejects a cache made with others; it is then rebuilt).
 * 4. Reads ASCII-only sources as latin1, which is much cheaper than UTF-8 decoding for
 *    multi-megabyte files.
 * The first run after `npm ci` fills the caches and takes about a second more.
 *
 * Why this file and not a maintained runner: `npm run bench -- --runners` measures each one as
 * pairs A (an empty cdk8s chart) and B (main.ts); see the README's Performance section. tsc's
 * output run by plain node is no faster than this runner and needs a build in front of every
 * `npm run synth` (`tsc -b`: about 0.4 s when nothing changed, 5-7 s after an edit, since it
 * type-checks); @swc-node/register (it loads the TypeScript compiler at start) and tsx (ESM loader
 * hooks in a worker thread) take about 520 and 570 ms for the empty chart, against about 190 ms
 * here. Node 20 has no public compile cache (`module.enableCompileCache` arrives in Node 22).
 * The bundling and transpiling themselves are esbuild's and swc's; what is left here is the
 * caching and the choice of loader per file.
 *
 * The bundle (with a V8 code cache, like the big modules) and the other .ts files have source
 * maps (without the sources, which stay on disk). Stack traces point at the TypeScript lines
 * through @cspotcode/source-map-support, installed the first time a stack is formatted; Node's own
 * source maps would decode every map on every run (about 15 ms for the bundle). Nothing here
 * changes what a module does. TS_REGISTER_NO_CACHE=1 bypasses every cache and the bundle;
 * TS_REGISTER_CACHE_DIR moves the caches.
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
const LIB = realpath(path.join(ROOT, 'lib')) + path.sep;
const LIB_INDEX = `${LIB}index.ts`;
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const CACHE_DIR = process.env.TS_REGISTER_CACHE_DIR || path.join(ROOT, 'node_modules', '.cache', 'cdk8s-sglang-pd');
const NO_CACHE = process.env.TS_REGISTER_NO_CACHE === '1';
const SWC_VERSION = JSON.parse(fs.readFileSync(require.resolve('@swc/core/package.json'), 'utf8')).version;
const ESBUILD_VERSION = JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;

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
 * Transpiled JavaScript of a .ts file, and the cache key of that output; `wrapped`: inside the
 * CommonJS function header (see `compileCached`). The key hashes the file's bytes, except for the
 * generated imports/ (megabytes, replaced only by scripts/gen-imports.mjs), whose key uses the
 * file's size and modification time so that a cache hit does not read them.
 */
function transpile(filename, wrapped = false) {
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
  const key = hash('ts-register/2', SWC_VERSION, JSON.stringify(opts), wrapped ? 'wrapped' : 'plain', identity);
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
  const out = swc.transformSync(decode(bytes), opts).code;
  const code = wrapped ? Module.wrap(out) : out;
  if (!NO_CACHE) {
    writeAtomic(cached, code);
    prune(path.dirname(cached));
  }
  return { code, key };
}

/** On a cache miss: keeps the newest 1,000 entries once a cache folder holds more than 2,000. */
function prune(dir) {
  try {
    const names = fs.readdirSync(dir);
    if (names.length <= 2000) return;
    const entries = names.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const { n } of entries.slice(1000)) fs.rmSync(path.join(dir, n), { force: true });
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
// A cache is written once, after the first run that uses it, and holds the functions that run
// compiled. So each entry script has its own: shared, the first script to run would decide for
// all (`npm run bench`'s empty chart would leave cdk8s' caches without what main.ts runs, or
// main.ts would give the empty chart more to load than it runs).
const ENTRY = process.argv[1] === undefined ? '(no script)' : realpath(path.resolve(process.argv[1]));
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

/**
 * Runs `wrapped` (a module's code inside `Module.wrap`'s function header) as CommonJS module
 * `mod`, with a V8 code cache named by `key`; stack traces name `shownAs` (default: the module's
 * file). The bundle and the transpiled imports/ are kept on disk wrapped: joining header and code
 * here made V8 copy the megabyte into one string before compiling it (about 1.5 ms).
 */
function compileCached(mod, wrapped, filename, key, shownAs = filename) {
  const cacheFile = path.join(CACHE_DIR, 'v8', `${hash(V8_TAG, ENTRY, filename, shownAs, key)}.bin`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  const script = new vm.Script(wrapped, {
    filename: shownAs,
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
// The library as one bundle.

/**
 * esbuild options for the bundle of lib/index.ts: every file of lib/ it imports, in one CommonJS
 * module; packages and the generated imports/ stay outside (imports/ is loaded per release, on
 * demand). `outfile` is never written: it only makes the paths of the external requires (and of
 * the source map's sources) relative to lib/, where the bundle runs as lib/index.ts.
 */
function bundleOptions(entry) {
  return {
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    outfile: path.join(path.dirname(entry), 'index.bundle.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    keepNames: true,
    packages: 'external',
    external: [`${IMPORTS}*`],
    sourcemap: 'external',
    sourcesContent: false,
    charset: 'ascii',
    logLevel: 'silent',
  };
}

/**
 * Size and modification time of each file (what make and `tsc -b` go by: an edit or a checkout
 * changes the time); undefined when one cannot be read. Hashing the files' bytes instead cost
 * about 3 ms per run.
 */
function identities(files) {
  const ids = {};
  for (const f of files) {
    try {
      const st = fs.statSync(path.join(ROOT, f));
      ids[f] = `${st.size}:${st.mtimeMs}`;
    } catch {
      return undefined;
    }
  }
  return ids;
}

/**
 * The bundle's code (wrapped, see `compileCached`), its cache key and (on demand) its source map,
 * from the cache while every file it was built from is unchanged (same size and modification
 * time: about 75 small files), else built again with esbuild (about 0.15 s).
 */
function libBundle(entry) {
  const opts = bundleOptions(entry);
  const key = hash('ts-register/bundle/3', ESBUILD_VERSION, JSON.stringify(opts));
  const manifestFile = path.join(CACHE_DIR, 'bundle', `${key}.json`);
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'latin1'));
    const now = identities(Object.keys(manifest.inputs));
    if (now !== undefined && Object.keys(now).every((f) => now[f] === manifest.inputs[f])) {
      const code = decode(fs.readFileSync(path.join(CACHE_DIR, 'bundle', `${manifest.code}.js`)));
      return { code, key: manifest.code, map: () => fs.readFileSync(path.join(CACHE_DIR, 'bundle', `${manifest.code}.js.map`), 'utf8') };
    }
  } catch {
    // no bundle yet, or a damaged one
  }
  // Every file under lib/ is looked at before the build and again after it: the bundle is kept
  // only when none of its inputs changed while esbuild read them (an editor saving meanwhile).
  const libFiles = fs.readdirSync(LIB, { recursive: true }).map((f) => path.relative(ROOT, path.join(LIB, f)).split(path.sep).join('/'));
  const before = identities(libFiles.filter((f) => fs.statSync(path.join(ROOT, f)).isFile())) ?? {};
  const result = require('esbuild').buildSync(opts);
  const inputs = Object.keys(result.metafile.inputs).sort();
  const after = identities(inputs);
  const code = Module.wrap(result.outputFiles.find((f) => f.path.endsWith('.js')).text);
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map')).text;
  const codeKey = hash(key, code);
  if (after !== undefined && inputs.every((f) => before[f] === after[f])) {
    writeAtomic(path.join(CACHE_DIR, 'bundle', `${codeKey}.js.map`), map);
    writeAtomic(path.join(CACHE_DIR, 'bundle', `${codeKey}.js`), code);
    writeAtomic(manifestFile, JSON.stringify({ code: codeKey, inputs: after }));
    prune(path.join(CACHE_DIR, 'bundle'));
  }
  return { code, key: codeKey, map: () => map };
}

/**
 * How this process loads lib/: 'bundle' once lib/index.ts came as one bundle, 'files' once a lib/
 * file came on its own (then lib/index.ts does too, so that each file exists once).
 */
let libMode;

/** True when lib/ file `filename` is to come from the bundle; refuses a second copy of a file. */
function fromBundle(filename) {
  if (filename === LIB_INDEX && libMode !== 'files') {
    libMode = 'bundle';
    return true;
  }
  if (libMode === 'bundle') {
    throw new Error(`ts-register: ${path.relative(ROOT, filename)} is required after lib/index.ts, which this process loaded as one bundle `
      + 'holding a copy of that file; import the library from lib/index.ts (its public API), or require the lib/ file first');
  }
  libMode = 'files';
  return false;
}

/** Runs the bundle as module lib/index.ts; frames its source map cannot place name the bundle. */
function loadBundle(mod, filename) {
  const bundle = libBundle(filename);
  const shownAs = path.join(LIB, 'index.bundle.js');
  bundleMaps.set(shownAs, bundle.map);
  return compileCached(mod, bundle.code, filename, bundle.key, shownAs);
}

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

/**
 * Gives a generated module under imports/ an exports object that V8 keeps as a hash table from the
 * start. Such a module assigns one export per type (about 1,100 for the v0.7 RoleBasedGroup); on
 * an ordinary object V8 makes a new hidden class for each property added, which cost about 6 ms
 * per run for that module alone. The object and its properties are the same either way.
 */
function hashTableExports(mod) {
  mod.exports.__ts_register_0 = undefined;
  mod.exports.__ts_register_1 = undefined;
  delete mod.exports.__ts_register_0; // deleting a property that is not the last one added makes V8 switch to a hash table
  delete mod.exports.__ts_register_1;
}

Module._extensions['.js'] = function loadJs(mod, filename) {
  // Only plain CommonJS files of dependencies and of imports/; anything unusual takes Node's own path.
  const generated = filename.startsWith(IMPORTS);
  if (NO_CACHE || !(generated || filename.includes(NODE_MODULES)) || !filename.endsWith('.js') || packageType(path.dirname(filename)) === 'module') {
    return defaultJs(mod, filename);
  }
  const bytes = fs.readFileSync(filename);
  let code = decode(bytes);
  if (code.charCodeAt(0) === 0xfeff) code = code.slice(1);
  if (code.startsWith('#!')) return defaultJs(mod, filename);
  const st = fs.statSync(filename);
  if (generated) hashTableExports(mod);
  return compileCached(mod, Module.wrap(code), filename, `${st.size}:${st.mtimeMs}`);
};

Module._extensions['.ts'] = function loadTs(mod, filename) {
  if (filename.includes(NODE_MODULES)) return defaultJs(mod, filename);
  if (filename.startsWith(LIB) && !NO_CACHE && fromBundle(filename)) return loadBundle(mod, filename);
  if (filename.startsWith(IMPORTS) && !NO_CACHE) {
    const { code: wrapped, key } = transpile(filename, true);
    hashTableExports(mod);
    return compileCached(mod, wrapped, filename, key);
  }
  const { code } = transpile(filename);
  return compileTs(mod, code, filename);
};

// ---------------------------------------------------------------------------------------------
// Stack traces.

/** Source map (JSON text, read on demand) of the bundle, by the file name its frames show. */
const bundleMaps = new Map();
/** Code of each transpiled .ts module, whose inline source map the stack trace library reads. */
const transpiled = new Map();

/** Compiles a transpiled .ts file as CommonJS module `mod`. */
function compileTs(mod, code, filename) {
  transpiled.set(filename, code);
  return mod._compile(code, filename);
}

/**
 * Stack traces name the TypeScript files and lines: the first time a stack is formatted,
 * @cspotcode/source-map-support (ts-node's) is installed with the source maps of the modules
 * compiled here. Node's own source maps are not used: Node 20 decodes every map when the module is
 * compiled, which cost about 15 ms for the bundle on every run, stack or no stack.
 */
function installSourceMaps(error, frames) {
  const fileOf = (source) => (source.startsWith('file://') ? require('url').fileURLToPath(source) : source);
  if (Error.prepareStackTrace === installSourceMaps) {
    require('@cspotcode/source-map-support').install({
      environment: 'node',
      handleUncaughtExceptions: false,
      hookRequire: false,
      retrieveFile: (source) => transpiled.get(fileOf(source)) ?? null,
      retrieveSourceMap: (source) => {
        const map = bundleMaps.get(fileOf(source))?.();
        return map ? { url: source, map } : null;
      },
    });
  }
  if (Error.prepareStackTrace === installSourceMaps) Error.prepareStackTrace = nodePrepareStackTrace;
  return Error.prepareStackTrace ? Error.prepareStackTrace(error, frames) : `${error}${frames.map((f) => `\n    at ${f}`).join('')}`;
}
// Node 20 has its own Error.prepareStackTrace (or none); anything else is someone's and is kept.
const nodePrepareStackTrace = Error.prepareStackTrace;
if (nodePrepareStackTrace === undefined || nodePrepareStackTrace.name === 'ErrorPrepareStackTrace') Error.prepareStackTrace = installSourceMaps;
