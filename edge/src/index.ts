/** The Worker's entry: the Hono app as the fetch handler, and the Durable Object it uses for quotas. */
import { createApp } from './app.js';

export { QuotaCounter } from './quota/quota-counter.js';

export default createApp() satisfies ExportedHandler<Env>;
