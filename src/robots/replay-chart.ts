/** The replay's chart, as `banya replay` writes it beside the trace (or into `--svg`). */

/** An SVG chart of robot actions per hour of the trace. */
export function actionsChart(timeline: [number, 'limit' | 'freeze'][], width = 800, height = 240): string {
  let last = 0;
  for (const [t] of timeline) if (t > last) last = t;
  const hours = timeline.length ? Math.floor(last / 3600) + 1 : 1;
  const limits = new Array<number>(hours).fill(0);
  const freezes = new Array<number>(hours).fill(0);
  for (const [t, kind] of timeline) (kind === 'limit' ? limits : freezes)[Math.floor(t / 3600)]!++;
  let max = 1;
  for (let i = 0; i < hours; i++) max = Math.max(max, limits[i]! + freezes[i]!);
  const pad = 40;
  const bw = (width - pad * 2) / hours;
  const y = (v: number) => height - pad - (v / max) * (height - pad * 2);
  const bars: string[] = [];
  for (let i = 0; i < hours; i++) {
    const x = pad + i * bw;
    if (limits[i])
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${y(limits[i]!).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(height - pad - y(limits[i]!)).toFixed(1)}" fill="#e0a030"/>`,
      );
    if (freezes[i]) {
      const top = y(limits[i]! + freezes[i]!);
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(y(limits[i]!) - top).toFixed(1)}" fill="#3070c0"/>`,
      );
    }
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad}" y="20">Robot actions per hour (limits orange, freezes blue); peak ${max}</text>`,
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#333"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#333"/>`,
    `<text x="${pad}" y="${height - pad + 16}">0 h</text>`,
    `<text x="${width - pad - 30}" y="${height - pad + 16}">${hours} h</text>`,
    ...bars,
    '</svg>',
  ].join('\n');
}
