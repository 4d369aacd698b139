/**
 * Output: the terminal table, and the SVG chart of throughput against
 * payload size (hand-written SVG, no dependency).
 */
import type { CurvePoint } from './roundtrip.js';
import { formatBytes, formatNumber, type Measure, type Row } from './stats.js';

export interface BenchResult {
  readonly meta: {
    readonly mode: 'quick' | 'full';
    readonly startedAt: string;
    readonly elapsedMs: number;
    readonly node: string;
    readonly platform: string;
    readonly cpus: string;
    readonly cpuCount: number;
    readonly resolver: string;
    /** 1-minute load average at start and end: other processes on the machine skew figures. */
    readonly loadAverage: readonly [number, number];
    readonly skipped: readonly string[];
  };
  readonly rows: readonly Row[];
  readonly curve: readonly CurvePoint[];
  readonly targets: readonly { readonly figure: string; readonly target: string; readonly value: string; readonly met: boolean }[];
}

function cell(m: Measure): string {
  if (m.reps === 0) return '-';
  return m.reps > 1 ? `${formatNumber(m.median)} ±${Math.round(m.spreadPct / 2)}%` : formatNumber(m.median);
}

function pad(text: string, width: number, right = false): string {
  const n = [...text].length;
  return n >= width ? text : right ? ' '.repeat(width - n) + text : text + ' '.repeat(width - n);
}

/** One block per section; every row shows capwire, each baseline and the ratio against it. */
export function renderTable(result: BenchResult): string {
  const out: string[] = [];
  const { meta } = result;
  out.push(`capwire bench (${meta.mode}) — ${meta.startedAt}, ${(meta.elapsedMs / 1000).toFixed(1)} s, Node ${meta.node}, ${meta.cpuCount} × ${meta.cpus}, resolver ${meta.resolver}, load ${meta.loadAverage[0].toFixed(1)} -> ${meta.loadAverage[1].toFixed(1)}`);
  out.push('values: median of the repetitions ±half their range; ratios compare medians');
  const peakLoad = Math.max(...meta.loadAverage);
  if (peakLoad > meta.cpuCount) {
    out.push(`warning: load average up to ${peakLoad.toFixed(1)} on ${meta.cpuCount} cores: other processes competed for the CPU; latencies are inflated and spreads wide, ratios are the steadier figures`);
  }
  const sections = [...new Set(result.rows.map((r) => r.section))];
  for (const section of sections) {
    const rows = result.rows.filter((r) => r.section === section);
    const maxBaselines = Math.max(...rows.map((r) => r.baselines.length));
    const table: string[][] = rows.map((r) => {
      const line = [r.name, r.unit, cell(r.capwire)];
      for (let i = 0; i < maxBaselines; i++) {
        const b = r.baselines[i];
        line.push(b ? `${b.baseline} ${cell(b.value)}` : '', b ? `${b.ratio.toFixed(2)}x` : '');
      }
      line.push(r.target ? `${r.target.met ? 'met' : 'MISSED'}: ${r.target.text}` : '');
      return line;
    });
    const header = ['figure', 'unit', 'capwire'];
    for (let i = 0; i < maxBaselines; i++) header.push('baseline', 'ratio');
    header.push('target');
    const widths = header.map((h, i) => Math.max([...h].length, ...table.map((line) => [...(line[i] ?? '')].length)));
    out.push('');
    const meanings = [...new Set(rows.map((r) => r.howCompared))];
    out.push(`== ${section} == ratio: ${meanings.join('; ')}`);
    out.push(header.map((h, i) => pad(h, widths[i]!, i >= 2 && h !== 'target' && h !== 'baseline')).join('  ').trimEnd());
    for (const line of table) out.push(line.map((c, i) => pad(c, widths[i]!, i === 2 || (i > 2 && (i - 3) % 2 === 1 && i < line.length - 1))).join('  ').trimEnd());
    const notes = [...new Set(rows.map((r) => r.note).filter((n): n is string => n !== undefined))];
    for (const note of notes) out.push(`   note: ${note}`);
  }
  if (meta.skipped.length > 0) {
    out.push('');
    for (const skipped of meta.skipped) out.push(`skipped: ${skipped}`);
  }
  out.push('');
  out.push('targets:');
  for (const t of result.targets) out.push(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.figure}: ${t.value} (target ${t.target})`);
  return `${out.join('\n')}\n`;
}

// ---------- chart ----------

const COLORS: Record<string, string> = { capwire: '#1f6feb', json: '#d97706', base64: '#6b7280' };
const DASHES: Record<string, string> = { memory: '', MessagePort: '7 4', WebSocket: '2 3', Chromium: '10 3 2 3' };

/** Figures measured elsewhere (ANCHORS.md), drawn as labelled points. */
const ANCHORS: { label: string; size: number; mbps: number }[] = [
  { label: 'Tauri 1 KiB', size: 1024, mbps: (9 * 1024 * 1024) / 1e6 },
  { label: 'Tauri 64–256 KiB', size: 128 * 1024, mbps: (200 * 1024 * 1024) / 1e6 },
  { label: 'Electron 1 MB', size: 1e6, mbps: 1e6 / 2.8e-3 / 1e6 },
  { label: 'Electron 4 MB', size: 4e6, mbps: 4e6 / 9.2e-3 / 1e6 },
];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderChart(curve: readonly CurvePoint[], title: string, subtitle = ''): string {
  const width = 860;
  const height = 520;
  const left = 70;
  const right = 210;
  const top = 50;
  const bottom = 56;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const sizes = curve.map((p) => p.size);
  const values = curve.map((p) => p.mbps).filter((v) => v > 0).concat(ANCHORS.map((a) => a.mbps));
  const xMin = Math.log2(Math.min(64, ...sizes));
  const xMax = Math.log2(Math.max(32 * 1024 * 1024, ...sizes));
  const yMin = Math.floor(Math.log10(Math.max(1e-3, Math.min(...values))));
  const yMax = Math.ceil(Math.log10(Math.max(...values)));
  const x = (size: number) => left + ((Math.log2(size) - xMin) / (xMax - xMin)) * plotW;
  const y = (mbps: number) => top + plotH - ((Math.log10(Math.max(mbps, 10 ** yMin)) - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="22" font-size="15" font-weight="600">${escapeXml(title)}</text>`);
  if (subtitle) parts.push(`<text x="${left}" y="38" font-size="11" fill="#4b5563">${escapeXml(subtitle)}</text>`);
  // Grid and axes.
  for (let e = yMin; e <= yMax; e++) {
    const yy = y(10 ** e).toFixed(1);
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`);
    const label = e >= 3 ? `${10 ** (e - 3)} GB/s` : e >= 0 ? `${10 ** e} MB/s` : `${(10 ** e).toFixed(-e)} MB/s`;
    parts.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#374151">${label}</text>`);
  }
  for (const tick of [64, 1024, 16 * 1024, 256 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024]) {
    const xx = x(tick).toFixed(1);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${top}" y2="${top + plotH}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${xx}" y="${top + plotH + 16}" text-anchor="middle" fill="#374151">${formatBytes(tick)}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#9ca3af"/>`);
  parts.push(`<text x="${left + plotW / 2}" y="${height - 14}" text-anchor="middle" fill="#111827">payload size (one call in flight; throughput = payload bytes one way per second)</text>`);
  // Series.
  const series = new Map<string, CurvePoint[]>();
  for (const p of curve) {
    const key = `${p.transport}|${p.contender}`;
    series.set(key, [...(series.get(key) ?? []), p]);
  }
  let legendY = top + 4;
  for (const [key, points] of series) {
    const [transport, contender] = key.split('|') as [string, string];
    const color = COLORS[contender] ?? '#111827';
    const dash = DASHES[transport] ?? '';
    const sorted = [...points].sort((a, b) => a.size - b.size);
    const d = sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.size).toFixed(1)},${y(p.mbps).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${contender === 'capwire' ? 2.5 : 1.6}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    for (const p of sorted) parts.push(`<circle cx="${x(p.size).toFixed(1)}" cy="${y(p.mbps).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const lx = left + plotW + 14;
    parts.push(`<line x1="${lx}" x2="${lx + 28}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="${contender === 'capwire' ? 2.5 : 1.6}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    parts.push(`<text x="${lx + 34}" y="${legendY}" dominant-baseline="middle">${escapeXml(`${contender} · ${transport}`)}</text>`);
    legendY += 18;
  }
  legendY += 8;
  for (const a of ANCHORS) {
    const ax = x(a.size);
    const ay = y(a.mbps);
    parts.push(`<path d="M${ax.toFixed(1)},${(ay - 5).toFixed(1)} l5,9 l-10,0 z" fill="#dc2626"/>`);
    parts.push(`<text x="${(ax + 7).toFixed(1)}" y="${(ay + 3).toFixed(1)}" font-size="10" fill="#991b1b">${escapeXml(a.label)}</text>`);
  }
  const lx = left + plotW + 14;
  parts.push(`<path d="M${lx + 14},${legendY - 5} l5,9 l-10,0 z" fill="#dc2626"/>`);
  parts.push(`<text x="${lx + 34}" y="${legendY}" dominant-baseline="middle">anchors (ANCHORS.md,</text>`);
  parts.push(`<text x="${lx + 34}" y="${legendY + 14}" dominant-baseline="middle">measured elsewhere)</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
