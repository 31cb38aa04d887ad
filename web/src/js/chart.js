// The overview's delivery chart (uPlot, loaded on demand): success rate (%) on
// the left axis and p50/p95 latency (ms) on the right, per 10-minute bucket.
// Resizes with its container; destroyed when the page is left.

const COLORS = { rate: '#16a34a', p50: '#4f46e5', p95: '#d97706', axis: '#697386', grid: '#eceff3' };

function formatMs(v) {
  if (v == null) return '—';
  if (v >= 1000) return `${+(v / 1000).toFixed(2)} s`;
  return `${+v.toFixed(v < 10 ? 1 : 0)} ms`;
}

// Marks the points that have no neighbour, so that a lone bucket shows as a dot.
function isolatedPoints(u, seriesIdx) {
  const d = u.data[seriesIdx];
  const idxs = [];
  for (let i = 0; i < d.length; i++) {
    if (d[i] != null && d[i - 1] == null && d[i + 1] == null) idxs.push(i);
  }
  return idxs.length ? idxs : null;
}

export async function renderDeliveryChart(container, stats, ctx) {
  const { default: uPlot } = await import('/assets/vendor/uPlot.esm.js');
  if (!ctx.alive) return;

  const buckets = stats.data || [];
  const data = [
    buckets.map((b) => Date.parse(b.start) / 1000),
    buckets.map((b) => (b.success_rate == null ? null : b.success_rate * 100)),
    buckets.map((b) => b.p50_ms),
    buckets.map((b) => b.p95_ms),
  ];

  const axis = {
    stroke: COLORS.axis,
    font: '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    grid: { stroke: COLORS.grid, width: 1 },
    ticks: { stroke: COLORS.grid, width: 1 },
  };
  const points = (color) => ({ show: false, filter: isolatedPoints, size: 7, fill: color, stroke: color });
  const height = () => (container.clientWidth < 500 ? 220 : 280);

  const opts = {
    width: Math.max(container.clientWidth, 280),
    height: height(),
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    legend: { live: true },
    scales: {
      x: { time: true },
      pct: { range: [0, 100] },
      ms: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 10] },
    },
    series: [
      { label: 'Time', value: (u, v) => (v == null ? '—' : new Date(v * 1000).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })) },
      { label: 'Success rate', scale: 'pct', stroke: COLORS.rate, width: 2, fill: 'rgba(22,163,74,0.06)', points: points(COLORS.rate), value: (u, v) => (v == null ? '—' : `${v.toFixed(1)}%`) },
      { label: 'p50 latency', scale: 'ms', stroke: COLORS.p50, width: 1.5, points: points(COLORS.p50), value: (u, v) => formatMs(v) },
      { label: 'p95 latency', scale: 'ms', stroke: COLORS.p95, width: 1.5, dash: [5, 4], points: points(COLORS.p95), value: (u, v) => formatMs(v) },
    ],
    axes: [
      { ...axis },
      { ...axis, scale: 'pct', size: 48, values: (u, vals) => vals.map((v) => `${v}%`) },
      { ...axis, scale: 'ms', side: 1, size: 60, grid: { show: false }, values: (u, vals) => vals.map(formatMs) },
    ],
  };

  container.replaceChildren();
  const plot = new uPlot(opts, data, container);
  const observer = new ResizeObserver(() => {
    const width = Math.max(container.clientWidth, 280);
    if (width !== plot.width) plot.setSize({ width, height: height() });
  });
  observer.observe(container);
  ctx.onCleanup(() => {
    observer.disconnect();
    plot.destroy();
  });
}
