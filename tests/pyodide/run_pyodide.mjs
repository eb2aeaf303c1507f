// Run a Python file in a real Pyodide under node, offline, the way xlwings Lite runs the add-in.
//
//   node run_pyodide.mjs DIST HOST_DIR TIMINGS_JSON WHEEL... -- SCRIPT.py [ARGS...]
//
// DIST is the folder pyodide_dist.py assembled (core + checked packages: loadPackage reads it, no
// CDN). HOST_DIR is mounted at /host (NODEFS) so the script reads its inputs and writes its results
// there. Each WHEEL (a path under HOST_DIR) is installed with micropip from that file, as Lite's
// requirements.txt installs a wheel a team hosts; a WHEEL ending in .txt is a requirements.txt
// whose lines (comments left out) go to micropip.install as written, as xlwings Lite does. SCRIPT runs as __main__ with sys.argv = [SCRIPT, ARGS...].
// TIMINGS_JSON receives the start-up figures (milliseconds).
import { performance } from "node:perf_hooks";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
const [dist, hostDir, timingsFile, ...wheels] = argv.slice(0, sep);
const [script, ...args] = argv.slice(sep + 1);
const toGuest = (p) => "/host/" + path.relative(hostDir, path.resolve(p)).split(path.sep).join("/");

const t = { start: performance.now() };
const { loadPyodide } = await import(pathToFileURL(path.join(path.resolve(dist), "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: path.resolve(dist) + "/" });
t.boot_ms = performance.now() - t.start;
let t0 = performance.now();
await py.loadPackage(["numpy", "pandas", "scipy", "micropip"], { messageCallback: () => {} });
t.packages_ms = performance.now() - t0;

py.FS.mkdirTree("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: path.resolve(hostDir) }, "/host");
t0 = performance.now();
const micropip = py.pyimport("micropip");
// deps=True with no package index: a wheel's requirements must be met by what is already installed
const reqs = wheels.flatMap((w) => w.endsWith(".txt")
    ? readFileSync(w, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
    : ["emfs:" + toGuest(w)]);
await micropip.install.callKwargs(py.toPy(reqs), { deps: true, index_urls: py.toPy([]) });
t.install_ms = performance.now() - t0;
writeFileSync(timingsFile, JSON.stringify(t, null, 1));

py.globals.set("_argv", py.toPy([toGuest(script), ...args.map((a) => (a.startsWith(hostDir) ? toGuest(a) : a))]));
let code = 1;
try {
    code = await py.runPythonAsync(`
import runpy, sys
sys.argv = list(_argv)
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
    _code = 0
except SystemExit as e:
    _code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
_code
`);
} catch (e) {
    console.error(String(e));  // a Python traceback (without the JS runtime's source)
}
process.exit(code);
