/**
 * The edge's one error type: every refusal (auth, limits, bad uploads, pool failures) is an
 * EdgeError (or another ProblemError, such as a decoder's DecodeError), and the app's one error
 * handler (problem-response.ts) writes it as RFC 9457 problem+json. `code` is what clients
 * switch on; `field` names the input or limit that was broken.
 */
import { ProblemError } from '../../../shared/problem-error.js';

export class EdgeError extends ProblemError {
  override name = 'EdgeError';
}
