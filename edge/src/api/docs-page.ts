/**
 * The human docs page at /docs, rendered on the server from the OpenAPI document: no scripts and
 * no third-party assets (the CSP forbids both), so it works offline and cannot drift.
 */

type Json = Record<string, any>;

const escapeHtml = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** Escaped text with the OpenAPI descriptions' `code` spans rendered. */
const prose = (s: unknown): string => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

function operationHtml(path: string, method: string, op: Json): string {
  const params: Json[] = op['parameters'] ?? [];
  const body: Json | undefined = op['requestBody'];
  const responses: Json = op['responses'] ?? {};
  return `<section class="op" id="${escapeHtml(op['operationId'])}">
<h2><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p><strong>${escapeHtml(op['summary'])}</strong></p>
${op['description'] ? `<p>${prose(op['description'])}</p>` : ''}
${op['security'] && op['security'].length === 0 ? '<p>No credential needed.</p>' : '<p>Needs <code>Authorization: Bearer &lt;key or token&gt;</code>.</p>'}
${
  params.length
    ? `<h3>Query parameters</h3><table><tr><th>name</th><th>description</th></tr>${params
        .map((p) => `<tr><td><code>${escapeHtml(p['name'])}</code></td><td>${prose(p['description'])}</td></tr>`)
        .join('')}</table>`
    : ''
}
${body ? `<h3>Request body</h3><p>${Object.keys(body['content'] ?? {}).map((t) => `<code>${escapeHtml(t)}</code>`).join(', ')}</p>` : ''}
<h3>Responses</h3><table><tr><th>status</th><th>description</th><th>content</th></tr>${Object.entries(responses)
    .map(([status, r]: [string, Json]) => `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(r['description'])}</td><td>${Object.keys(r['content'] ?? {}).map(escapeHtml).join(', ')}</td></tr>`)
    .join('')}</table>
</section>`;
}

/** Schemas whose every number the page explains in a table, in this order (those the document has). */
const EXPLAINED_SCHEMAS = ['SliceResult', 'LungFigures', 'LungPartFigures', 'SeriesLungInvolvement', 'LungVolume'];

/** One table row per property: name, type and the description the zod schema carries. */
function fieldsTable(id: string, schema: Json): string {
  const props: Json = schema['properties'] ?? {};
  const rows = Object.entries(props).map(([name, p]: [string, Json]) => {
    const type = p['$ref'] ? String(p['$ref']).split('/').pop() : Array.isArray(p['type']) ? p['type'].join(' | ') : (p['type'] ?? (p['anyOf'] ? 'see schema' : ''));
    return `<tr><td><code>${escapeHtml(name)}</code></td><td>${escapeHtml(type)}</td><td>${prose(p['description'] ?? '')}</td></tr>`;
  });
  return `<h3 id="numbers-${escapeHtml(id)}">${escapeHtml(id)}</h3>${schema['description'] ? `<p>${prose(schema['description'])}</p>` : ''}<table><tr><th>field</th><th>type</th><th>what it is</th></tr>${rows.join('')}</table>`;
}

/** The whole page for an OpenAPI document. */
export function docsPage(doc: Json): string {
  const info: Json = doc['info'];
  const server: string = doc['servers']?.[0]?.url ?? '';
  const ops = Object.entries(doc['paths'] as Json).flatMap(([path, methods]: [string, Json]) =>
    Object.entries(methods).map(([method, op]) => operationHtml(path, method, op as Json)),
  );
  const schemas = Object.entries(doc['components']?.['schemas'] ?? {})
    .map(([id, s]) => `<h3 id="schema-${escapeHtml(id)}">${escapeHtml(id)}</h3><pre>${escapeHtml(JSON.stringify(s, null, 2))}</pre>`)
    .join('');
  const components: Json = doc['components']?.['schemas'] ?? {};
  const numbers = EXPLAINED_SCHEMAS.filter((id) => components[id])
    .map((id) => fieldsTable(id, components[id]))
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info['title'])}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code,pre{font-family:ui-monospace,monospace;background:#f3f4f6;border-radius:4px}
pre{padding:.75rem;overflow:auto}code{padding:0 .2rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
.method{background:#0b5fff;color:#fff;border-radius:4px;padding:0 .4rem;font-size:.85em}
.op{border-top:1px solid #d0d7de;margin-top:2rem}
</style></head><body>
<h1>${escapeHtml(info['title'])}</h1>
<p>${prose(info['description'])}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(doc['openapi'])}). Errors are <code>application/problem+json</code> (RFC 9457) with a <code>code</code> member to switch on.</p>
<h2>Try it</h2>
<pre>curl -s -X POST ${escapeHtml(server)}/v1/segment \\
  -H "Authorization: Bearer $BSNET_DEV_KEY" \\
  -H "Content-Type: image/jpeg" --data-binary @slice.jpg</pre>
${ops.join('\n')}
<section class="op" id="numbers"><h2>The numbers, and what they are not</h2>
${doc['info']?.['x-numbers'] ? `<p>${prose(doc['info']['x-numbers'])}</p>` : ''}
${numbers}</section>
<section class="op"><h2>Schemas</h2>${schemas}</section>
</body></html>`;
}
