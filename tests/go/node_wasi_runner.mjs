// A peer for Go GOOS=wasip1 programs: runs a WASI preview 1 command under node's built-in
// node:wasi, with webcontainerd's conventions, so tests/go/run.sh can compare the two.
//
//   node --no-warnings tests/go/node_wasi_runner.mjs [--dir HOST]... [--env K=V]... MODULE [ARGS...]
//
// argv[0] is MODULE as given (as webcontainerd passes it); the environment is exactly the
// --env list; each --dir is preopened at the same guest path as on the host. Exits with the
// guest's proc_exit code.
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";
import process from "node:process";

const argv = process.argv.slice(2);
const env = {};
const preopens = {};
while (argv.length && argv[0].startsWith("--")) {
  const opt = argv.shift();
  const val = argv.shift();
  if (opt === "--dir") preopens[val] = val;
  else if (opt === "--env") {
    const eq = val.indexOf("=");
    env[val.slice(0, eq)] = val.slice(eq + 1);
  } else {
    console.error(`node_wasi_runner: unknown option ${opt}`);
    process.exit(2);
  }
}
if (!argv.length) {
  console.error("usage: node_wasi_runner.mjs [--dir HOST]... [--env K=V]... MODULE [ARGS...]");
  process.exit(2);
}
const wasi = new WASI({ version: "preview1", args: argv, env, preopens, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(argv[0]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
