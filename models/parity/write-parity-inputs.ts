/** CLI for export.py: `tsx models/parity/write-parity-inputs.ts OUT.bin` writes the bytes and prints names and sha256 as JSON. */
import { writeFile } from 'node:fs/promises';
import { parityInputs } from './parity-inputs.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: tsx models/parity/write-parity-inputs.ts OUT.bin');
  process.exit(2);
}
const inputs = await parityInputs();
await writeFile(out, inputs.gray);
console.log(JSON.stringify({ names: inputs.names, sha256: inputs.sha256, size: 352 }));
