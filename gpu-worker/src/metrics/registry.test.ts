import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from './registry.js';

describe('Prometheus registry', () => {
  it('renders counters, gauges and cumulative histograms in the text format', () => {
    const r = new Registry();
    const c = r.register(new Counter('x_total', 'Things.'));
    const g = r.register(new Gauge('depth', 'Depth.'));
    const h = r.register(new Histogram('size', 'Sizes.', [1, 4]));
    c.inc({ reason: 'a"b' });
    c.inc({ reason: 'a"b' }, 2);
    g.set(5);
    for (const v of [1, 3, 9]) h.observe(v);
    const text = r.render();
    expect(text).toContain('# TYPE x_total counter\nx_total{reason="a\\"b"} 3\n');
    expect(text).toContain('depth 5\n');
    expect(text).toContain('size_bucket{le="1"} 1\nsize_bucket{le="4"} 2\nsize_bucket{le="+Inf"} 3\nsize_sum 13\nsize_count 3\n');
  });

  it('shows an unlabelled zero for counters nothing incremented yet', () => {
    const r = new Registry();
    r.register(new Counter('never_total', 'Never.'));
    expect(r.render()).toContain('never_total 0\n');
  });
});
