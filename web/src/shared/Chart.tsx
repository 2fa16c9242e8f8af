import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  values: number[];
  color: string;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
export const color = (i: number): string => PALETTE[i % PALETTE.length]!;

/**
 * A time chart (uPlot: small and fast). The figures are also given as a table for screen readers
 * and keyboard users; the canvas itself is decorative.
 */
export function Chart({ title, at, lines, height = 180 }: { title: string; at: string[]; lines: Line[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const x = at.map((s) => Date.parse(s) / 1000);
    const plot = new uPlot(
      {
        width: Math.max(240, el.clientWidth),
        height,
        legend: { show: true },
        axes: [{}, { size: 40 }],
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, points: { show: false } }))],
        scales: { x: { time: true } },
      },
      [x, ...lines.map((l) => l.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [at, lines, height]);
  const totals = lines.map((l) => l.values.reduce((a, b) => a + b, 0));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} aria-hidden="true" />
      <table className="visually-hidden">
        <caption>{title}</caption>
        <tbody>
          {lines.map((l, i) => (
            <tr key={l.label}>
              <th scope="row">{l.label}</th>
              <td>{totals[i]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
