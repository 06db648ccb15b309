/**
 * UIDs of the objects a study derives (its SEG and SR series and instances), the same on every
 * request: a UUID built from a SHA-256 of what names the object (version 8, RFC 9562), written as
 * a UID under the 2.25 root for UUIDs (PS3.5 B.2). A PACS that receives the SEG twice sees one
 * instance, and the SR can reference the SEG without building it.
 */
export async function derivedUid(...names: string[]): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(names))));
  const uuid = digest.slice(0, 16);
  uuid[6] = (uuid[6]! & 0x0f) | 0x80; // version 8
  uuid[8] = (uuid[8]! & 0x3f) | 0x80; // RFC 9562 variant
  let value = 0n;
  for (const byte of uuid) value = (value << 8n) | BigInt(byte);
  return `2.25.${value.toString(10)}`;
}
