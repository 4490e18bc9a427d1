/**
 * The lag gauges of a Prometheus text page: every `cm_<subscriber>_lag_events` or
 * `cm_<subscriber>_lag_positions` (how far the subscriber's checkpoint is behind the newest
 * stored event), by name with its labels.
 */
export function lagGauges(metrics: string): Map<string, number> {
  const gauges = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const match = /^(cm_[a-z0-9_]+_lag_(?:events|positions)(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (match) gauges.set(match[1], Number(match[2]));
  }
  return gauges;
}

/**
 * JSON of an answer without the fields that change with the moment it is asked (the overview's
 * reference instant and its windows), to tell whether the data underneath has settled.
 */
export function settledJson(value: unknown): string {
  return JSON.stringify(value, (key, field: unknown) =>
    key === 'at' || key === 'from' || key === 'to' ? undefined : field,
  );
}
