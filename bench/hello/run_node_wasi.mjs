// Runs a WASI preview 1 command under node's built-in WASI, for comparison with webcontainerd:
//   node --experimental-wasi-unstable-preview1 bench/hello/run_node_wasi.mjs MODULE.wasm [ARGS...]
//   (--dir HOST::GUEST before MODULE grants a directory, like webcontainerd's --dir)
// The exit status is the guest's.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const argv = process.argv.slice(2);
const preopens = {};
while (argv.length && argv[0] === '--dir') {
  const [host, guest] = argv[1].split('::');
  preopens[guest ?? host] = host;
  argv.splice(0, 2);
}
if (!argv.length) {
  console.error('usage: run_node_wasi.mjs [--dir HOST[::GUEST]]... MODULE.wasm [ARGS...]');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: argv, env: {}, preopens, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(argv[0]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
