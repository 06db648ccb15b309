/** Joins byte runs into one array (runtime-neutral; plain number arrays count as bytes too). */
export function concatBytes(parts: readonly ArrayLike<number>[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
