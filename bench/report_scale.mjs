// The "Scale" part of BENCHMARKS.md (bench/report.mjs): bench_forward's
// {"bench":"scale"} rows, native and wasm, as a table and as an SVG plot
// built from plain strings (no plotting dependency on the bench machine).
// Each cell is the median over the runs that have it; null fields stay empty.

const FIELDS = [  // [row field, column title, value shown]
  ['forward_ms', 'forward ms', (v) => v.toFixed(1)],
  ['ms_per_token', 'ms/token', (v) => v.toFixed(2)],
  ['keystroke_ms', 'keystroke ms', (v) => v.toFixed(2)],
  ['tap_bytes', 'tap MB', (v) => (v / 1e6).toFixed(1)],
  ['peak_bytes', 'peak MB', (v) => (v / 1e6).toFixed(1)],
];
const MODES = ['compact', 'full'];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// {series: ["native compact", ...], Ts: [64, ...], models, cell(series, T, field) -> median or null}
function collect(runs) {
  const cells = new Map(), series = new Set(), Ts = new Set(), models = new Set();
  for (const R of runs)
    for (const r of [...R.native.scale, ...R.wasm_node.scale]) {
      const s = `${r.path} ${r.mode}`;
      series.add(s);
      Ts.add(r.T);
      if (r.model) models.add(r.model);
      for (const [f] of FIELDS) {
        if (!isNum(r[f])) continue;
        const key = `${s}|${r.T}|${f}`;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push(r[f]);
      }
    }
  // native before wasm, compact before full: the order the eye compares them in
  const order = (s) => { const [p, m] = s.split(' '); return (p === 'native' ? 0 : p === 'wasm' ? 1 : 2) * 10 + Math.max(0, MODES.indexOf(m)); };
  return {
    series: [...series].sort((a, b) => order(a) - order(b) || a.localeCompare(b)),
    Ts: [...Ts].sort((a, b) => a - b),
    models: [...models],
    cell: (s, T, f) => { const v = cells.get(`${s}|${T}|${f}`); return v ? median(v) : null; },
  };
}

function table(d) {
  const head = ['T'], rule = ['---'];
  for (const s of d.series) for (const [, title] of FIELDS) { head.push(`${s}: ${title}`); rule.push('---'); }
  const md = [`| ${head.join(' | ')} |`, `| ${rule.join(' | ')} |`];
  for (const T of d.Ts) {
    const row = [T];
    for (const s of d.series)
      for (const [f, , show] of FIELDS) { const v = d.cell(s, T, f); row.push(v == null ? '' : show(v)); }
    md.push(`| ${row.join(' | ')} |`);
  }
  return md;
}

// ---- SVG ----

const COLORS = { native: '#1f77b4', wasm: '#d62728' };
const EXTRA = ['#2ca02c', '#9467bd', '#8c564b'];
function style(s, i) {
  const [p, m] = s.split(' ');
  return { color: COLORS[p] || EXTRA[i % EXTRA.length], dash: m === 'full' ? '6 4' : '' };
}

// Log-scale ticks: 1, 2, 5 per decade when the range is short, else decades only.
function logTicks(lo, hi) {
  const d0 = Math.floor(Math.log10(lo)), d1 = Math.ceil(Math.log10(hi));
  const steps = d1 - d0 <= 3 ? [1, 2, 5] : [1];
  const ticks = [];
  for (let d = d0; d <= d1; ++d) for (const m of steps) { const v = m * 10 ** d; if (v >= lo && v <= hi) ticks.push(v); }
  return ticks;
}
const tickLabel = (v) => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : v.toPrecision(1));

// One panel: x = log2(T), y = log10(value); lines per series, points where a value exists.
function panel({ x, y, w, h, title, ylabel, d, field, scale = 1 }) {
  const ml = 56, mr = 20, mt = 26, mb = 40, pw = w - ml - mr, ph = h - mt - mb;
  const out = [`<g transform="translate(${x},${y})">`,
    `<text x="${ml + pw / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${ml}" y="${mt}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`];
  const vals = d.series.flatMap((s) => d.Ts.map((T) => d.cell(s, T, field))).filter((v) => v != null && v > 0).map((v) => v * scale);
  if (!vals.length || !d.Ts.length) {
    out.push(`<text x="${ml + pw / 2}" y="${mt + ph / 2}" text-anchor="middle" fill="#888">no data</text>`, '</g>');
    return out.join('\n');
  }
  const lo = 10 ** Math.floor(Math.log10(Math.min(...vals))), hi = 10 ** Math.ceil(Math.log10(Math.max(...vals)) + 1e-9);
  const xl0 = Math.log2(d.Ts[0]), xl1 = Math.log2(d.Ts[d.Ts.length - 1]);
  const px = (T) => ml + (xl1 > xl0 ? ((Math.log2(T) - xl0) / (xl1 - xl0)) * pw : pw / 2);
  const py = (v) => mt + ph - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph;
  for (const T of d.Ts)
    out.push(`<line x1="${px(T)}" y1="${mt}" x2="${px(T)}" y2="${mt + ph}" stroke="#eee"/>`,
             `<text x="${px(T)}" y="${mt + ph + 14}" text-anchor="middle">${T}</text>`);
  for (const v of logTicks(lo, hi))
    out.push(`<line x1="${ml}" y1="${py(v).toFixed(1)}" x2="${ml + pw}" y2="${py(v).toFixed(1)}" stroke="#eee"/>`,
             `<text x="${ml - 4}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${tickLabel(v)}</text>`);
  out.push(`<text x="${ml + pw / 2}" y="${h - 6}" text-anchor="middle">T, tokens (log2 scale)</text>`,
           `<text transform="translate(14,${mt + ph / 2}) rotate(-90)" text-anchor="middle">${esc(ylabel)}</text>`);
  d.series.forEach((s, i) => {
    const { color, dash } = style(s, i);
    const pts = d.Ts.map((T) => [T, d.cell(s, T, field)]).filter(([, v]) => v != null && v > 0)
      .map(([T, v]) => [px(T).toFixed(1), py(v * scale).toFixed(1)]);
    if (pts.length > 1)
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map((p) => p.join(',')).join(' ')}"/>`);
    for (const [cx, cy] of pts) out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
  });
  out.push('</g>');
  return out.join('\n');
}

function svg(d) {
  const W = 800, H = 330, legendY = H + 8;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 40}" viewBox="0 0 ${W} ${H + 40}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel({ x: 0, y: 0, w: W / 2, h: H, title: 'forward, ms per token', ylabel: 'ms per token (log scale)', d, field: 'ms_per_token' }),
    panel({ x: W / 2, y: 0, w: W / 2, h: H, title: 'taps kept, MB', ylabel: 'tap MB (log scale)', d, field: 'tap_bytes', scale: 1e-6 })];
  d.series.forEach((s, i) => {  // legend: one entry per path/mode, under both panels
    const { color, dash } = style(s, i), lx = 60 + i * 170;
    parts.push(`<line x1="${lx}" y1="${legendY + 12}" x2="${lx + 30}" y2="${legendY + 12}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
               `<text x="${lx + 36}" y="${legendY + 16}">${esc(s)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

// The Scale section's markdown (svgLink: the plot's path relative to the
// markdown file) and the SVG text, or svg = null when no run has scale rows.
export function scaleSection(runs, svgLink) {
  const d = collect(runs);
  const md = ['## Scale', ''];
  if (!d.series.length) {
    md.push('Not measured: no `{"bench":"scale"}` rows in native_forward.jsonl / wasm_forward.jsonl (bench_forward\'s scale sweep).', '');
    return { md, svg: null };
  }
  md.push(`Model ${d.models.join(', ') || 'n/a'}, one thread, by prompt length T; "full" keeps every [H, T, T] attention pattern, ` +
          '"compact" keeps per-row softmax statistics and recomputes a pattern on demand. "full" stops at the T where it does not fit; ' +
          `an empty cell has no number. Medians over ${runs.length} run${runs.length > 1 ? 's' : ''}; MB = 10^6 bytes.`, '');
  md.push(...table(d), '', `![scale](${svgLink})`, '');
  return { md, svg: svg(d) };
}
