// The benchmark's figures: one row per measurement, with its target when the
// issue sets one, the peer's figure when the peer ran the same load, and the
// ratio ours/peer. Printed as a table and written as JSON.

export interface Target {
  /** 'min': ours must be at least `value`; 'max': at most. */
  kind: 'min' | 'max';
  value: number;
  text: string;
}

export interface Row {
  id: string;
  section: string;
  metric: string;
  unit: string;
  ours?: number;
  peer?: number;
  target?: Target;
  /** Sizes and conditions that belong with the figure. */
  note?: string;
  /** Whether a higher figure is better (for the ratio's reading). */
  higherIsBetter?: boolean;
}

export function met(row: Row): boolean | undefined {
  if (!row.target || row.ours === undefined || Number.isNaN(row.ours)) return undefined;
  return row.target.kind === 'min' ? row.ours >= row.target.value : row.ours <= row.target.value;
}

export function ratio(row: Row): number | undefined {
  if (row.ours === undefined || row.peer === undefined || row.peer === 0 || Number.isNaN(row.peer)) return undefined;
  return row.ours / row.peer;
}

export function formatNumber(value: number | undefined, unit = ''): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

export function formatTable(rows: Row[], peerName: string): string {
  const header = ['section', 'measurement', 'securechat', peerName, 'ours/peer', 'target', 'met'];
  const body = rows.map((row) => {
    const r = ratio(row);
    const ok = met(row);
    return [
      row.section,
      row.metric + (row.note ? ` (${row.note})` : ''),
      formatNumber(row.ours, row.unit),
      row.peer === undefined ? '' : formatNumber(row.peer, row.unit),
      r === undefined ? '' : `${r.toFixed(2)}×`,
      row.target?.text ?? '',
      ok === undefined ? '' : ok ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
