/**
 * Which onnxruntime execution providers to try, in order. `auto` prefers the fastest hardware
 * the machine has; a named provider is a requirement: if it fails to load the session fails,
 * and the worker never reports ready (no silent CPU fallback when a GPU was demanded).
 */
import type { ExecutionProvider } from '../config.js';

export function providerCandidates(requested: 'auto' | ExecutionProvider): ExecutionProvider[] {
  return requested === 'auto' ? ['cuda', 'webgpu', 'cpu'] : [requested];
}

