import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from './types';

// Distinguishable for the common colour-vision deficiencies (Okabe-Ito), dark enough on white.
const COLOURS = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#7f6a00',
];

/** A series answer as uPlot's columns: x in seconds, one column per key. */
export function columns(series: Series): { keys: string[]; data: uPlot.AlignedData } {
  const keys = [...new Set(series.buckets.flatMap((bucket) => Object.keys(bucket.values)))].sort();
  const x = series.buckets.map((bucket) => Date.parse(bucket.start) / 1000);
  const ys = keys.map((key) => series.buckets.map((bucket) => bucket.values[key] ?? 0));
  return { keys, data: [x, ...ys] as uPlot.AlignedData };
}

export function SeriesChart({ series, title }: { series: Series; title: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const { keys, data } = columns(series);
    const width = () => Math.max(260, element.clientWidth);
    const plot = new uPlot(
      {
        title,
        width: width(),
        height: 220,
        scales: { x: { time: true } },
        series: [
          { label: 'week' },
          ...keys.map((key, index) => ({
            label: key,
            stroke: COLOURS[index % COLOURS.length],
            width: 2,
            points: { show: true, size: 5 },
          })),
        ],
        axes: [{}, { size: 56 }],
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, title]);
  const table = columns(series);
  return (
    <figure class="chart">
      <div ref={host} class="chart-host" aria-hidden="true" />
      {/* The same numbers as text, for screen readers and for copying. */}
      <details>
        <summary>{title}: the numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Week from</th>
              {table.keys.map((key) => (
                <th scope="col" key={key}>
                  {key}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {series.buckets.map((bucket) => (
              <tr key={bucket.start}>
                <td>{bucket.start.slice(0, 10)}</td>
                {table.keys.map((key) => (
                  <td key={key}>{bucket.values[key] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
