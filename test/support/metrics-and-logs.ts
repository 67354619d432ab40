import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';

/** Value of one sample of a metric in the registry, or undefined when absent. */
export async function sampleOf(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  // A histogram's _count and _sum samples sit under the histogram's name, with metricName set.
  const metrics = await registry.getMetricsAsJSON();
  const samples = metrics.flatMap((metric) =>
    metric.values.map((value) => ({
      ...value,
      name: (value as { metricName?: string }).metricName ?? metric.name,
    })),
  );
  const sample = samples.find(
    (value) =>
      value.name === name &&
      Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return sample?.value;
}

/** Creates a pino logger at warn whose lines are parsed into `lines`. */
export function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'warn' }, stream), lines };
}
