/**
 * The Worker's entry: the Hono app as the fetch handler, the study queues' consumers, and the
 * Durable Objects (quotas, studies).
 */
import { createApp } from './app.js';
import type { EdgeBindings } from './config.js';
import { failDeadLetters, processSliceBatch } from './studies/process-slice-batch.js';

export { QuotaCounter } from './quota/quota-counter.js';
export { StudyState } from './studies/study-state.js';

/** wrangler.toml names both queues; the dead-letter queue's name ends in -dlq. */
const isDeadLetterQueue = (queue: string): boolean => queue.endsWith('-dlq');

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (isDeadLetterQueue(batch.queue)) await failDeadLetters(batch, env as EdgeBindings);
    else await processSliceBatch(batch, env as EdgeBindings);
  },
} satisfies ExportedHandler<Env>;
