/**
 * Entry of `npm run keys` (tsx edge/cli/keys.ts create|list|revoke|webhook-secret …): manages
 * partner API keys and webhook signing secrets in the local D1 of `npm start`, or the production
 * one with --remote. Logic: keys-command.ts.
 */
import { runKeysCommand } from './keys-command.js';

// Wrangler's warnings about the edge's Durable Object (absent outside `wrangler dev`) are noise
// here: the CLI only touches D1. Errors still print.
process.env['WRANGLER_LOG'] ??= 'error';

process.exitCode = await runKeysCommand(process.argv.slice(2));
