// node run_node.mjs MODULE.wasm [REPS]
// Instantiates a benchmark module (it needs no imports), calls run(REPS) and prints the
// checksum on stdout and the time spent inside run() on stderr. The harness itself measures
// whole-process wall time; the in-run time shows how much of that is node's startup + compile.
import { readFileSync } from 'node:fs';

const [file, reps] = process.argv.slice(2);
if (!file) {
  console.error('usage: node run_node.mjs MODULE.wasm [REPS]');
  process.exit(1);
}
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const args = reps === undefined ? [] : [Number(reps)];
const start = process.hrtime.bigint();
const checksum = instance.exports.run(...args);  // i64 arrives as a BigInt
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(String(checksum));
console.error(`run: ${seconds.toFixed(3)} s`);
