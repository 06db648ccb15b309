/**
 * A minimal Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format (version 0.0.4). Small enough to own rather than depend on prom-client.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

function braces(key: string, extra?: string): string {
  const all = [key, extra].filter(Boolean).join(',');
  return all ? `{${all}}` : '';
}

interface Metric {
  render(): string;
}

abstract class Base implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: 'counter' | 'gauge' | 'histogram',
  ) {}
  protected head(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.kind}\n`;
  }
  abstract render(): string;
}

export class Counter extends Base {
  private values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [...this.values].map(([k, v]) => `${this.name}${braces(k)} ${v}`);
    return this.head() + (lines.length ? lines.join('\n') + '\n' : `${this.name} 0\n`);
  }
}

export class Gauge extends Base {
  private values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), value);
  }
  render(): string {
    const lines = [...this.values].map(([k, v]) => `${this.name}${braces(k)} ${v}`);
    return this.head() + (lines.length ? lines.join('\n') + '\n' : `${this.name} 0\n`);
  }
}

export class Histogram extends Base {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[],
  ) {
    super(name, help, 'histogram');
  }
  observe(value: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  render(): string {
    const out: string[] = [];
    for (const [k, s] of this.series) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${braces(k, `le="${b}"`)} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${braces(k, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${braces(k)} ${s.sum}`);
      out.push(`${this.name}_count${braces(k)} ${s.count}`);
    }
    return this.head() + (out.length ? out.join('\n') + '\n' : '');
  }
}

export class Registry {
  private metrics: Metric[] = [];
  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
