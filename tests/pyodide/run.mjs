// Runs a Python script's main(folder) inside Pyodide, under Node, with local wheels only.
//
//   node run.mjs PYODIDE_DIR WHEELS_DIR SCRIPT FOLDER
//
// PYODIDE_DIR is npm's pyodide package (the core: no packages of its own but the
// standard library); every .whl in WHEELS_DIR is loaded from disk; FOLDER (on the
// host) is mounted at the same path, so what the script saves lands there. Nothing
// is fetched: the test runs this in a network namespace with no way out.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheelsDir, script, folder] = process.argv.slice(2).map((p) => resolve(p));
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + "/" });
const wheels = readdirSync(wheelsDir).filter((f) => f.endsWith(".whl"));
await pyodide.loadPackage(wheels.map((f) => join(wheelsDir, f)),
                          { errorCallback: (message) => { throw new Error(message); } });
pyodide.FS.mkdirTree(folder);
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: folder }, folder);
pyodide.runPython(readFileSync(script, "utf8"), { filename: script });
pyodide.globals.get("main")(folder);
pyodide.FS.unmount(folder);  // flushes what was written
