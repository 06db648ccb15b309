/**
 * One batched inference as the worker does it: 8-bit gray slices in, normalised to the model's
 * float input, the session run fetching only the probability output, 8-bit probabilities out.
 * The session threads and the benchmark's bare loop both call this, so they do the same work.
 */
import * as ort from 'onnxruntime-node';
import { grayToNormalizedNchw, normalizationTables, probabilityToByte, type Normalization } from './normalize.js';

export interface BatchModel {
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  inputSize: number;
  /** From {@link normalizationTables}: build once per session, not per batch. */
  tables: Float32Array[];
}

export function batchModel(session: ort.InferenceSession, o: { inputName: string; outputName: string; inputSize: number; normalization: Normalization }): BatchModel {
  return { session, inputName: o.inputName, outputName: o.outputName, inputSize: o.inputSize, tables: normalizationTables(o.normalization) };
}

export async function runBatch(m: BatchModel, gray: Uint8Array, count: number): Promise<Uint8Array> {
  const pixels = m.inputSize * m.inputSize;
  const input = new Float32Array(count * 3 * pixels);
  grayToNormalizedNchw(gray, count, pixels, m.tables, input);
  const feeds = { [m.inputName]: new ort.Tensor('float32', input, [count, 3, m.inputSize, m.inputSize]) };
  // Fetch only the probability output: the edge map is for training, not the product.
  const results = await m.session.run(feeds, [m.outputName]);
  const prob = results[m.outputName]!;
  const out = new Uint8Array(count * pixels);
  probabilityToByte(prob.data as Float32Array, out);
  prob.dispose();
  feeds[m.inputName]!.dispose();
  return out;
}
