/** Code shared by the edge and the GPU workers: wire protocol, signing, manifest, errors. */
export * from './frame-codec.js';
export * from './infer-protocol.js';
export * from './model-manifest.js';
export * from './problem.js';
export * from './request-signing.js';
