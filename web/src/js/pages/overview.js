// /: the overview — this month's usage against the plan, deliveries over the
// last 24 hours (totals and chart) and the most recent failed events. Each
// section loads on its own and shows its own error.
import { api, enc, withQuery } from '../api.js';
import { renderDeliveryChart } from '../chart.js';
import { fetchEndpointUrls } from '../endpoint_names.js';
import {
  alertBox, card, emptyState, h, loading, meter, pageHeader, statusBadge, table, timeEl,
} from '../ui.js';
import {
  formatDuration, formatMoney, formatMonth, formatNumber, formatPercent, planName,
} from '../format.js';

function stat(label, value, hint) {
  return h('div', { class: 'stat' },
    h('dt', { class: 'stat-label' }, label),
    h('dd', { class: 'stat-value' }, value),
    hint ? h('dd', { class: 'stat-hint' }, hint) : null);
}

async function usageSection(ctx, slot) {
  try {
    const u = await api.get('/api/v1/usage', { signal: ctx.signal });
    const pct = u.included > 0 ? u.events / u.included : 0;
    slot.replaceChildren(
      h('p', { class: 'muted' }, `${formatMonth(u.period)} · ${planName(u.plan)} plan`),
      h('dl', { class: 'stats' },
        stat('Events', formatNumber(u.events), `of ${formatNumber(u.included)} included (${formatPercent(pct, 1)})`),
        stat('Overage', u.overage_units > 0 ? `${formatNumber(u.overage_units)} × 100k` : 'None', u.overage_units > 0 ? 'Events are never dropped; overage is billed per started 100,000.' : 'Within your plan'),
        stat('Cost so far', formatMoney(u.cost_cents, u.currency), 'Plan price plus overage')),
      meter(u.events, u.included),
      h('p', { class: 'section-link' }, h('a', { href: '/usage' }, 'Usage details and plans')));
  } catch (err) {
    slot.replaceChildren(alertBox(err));
  }
}

async function deliveriesSection(ctx, totalsSlot, chart) {
  let stats;
  try {
    stats = await api.get('/api/v1/stats/deliveries', { signal: ctx.signal });
  } catch (err) {
    totalsSlot.replaceChildren(alertBox(err));
    chart.replaceChildren(h('p', { class: 'muted chart-empty' }, 'The delivery chart is unavailable.'));
    return;
  }
  const t = stats.totals || {};
  totalsSlot.replaceChildren(h('dl', { class: 'stats' },
    stat('Attempts', formatNumber(t.attempts ?? 0), `${formatNumber(t.succeeded ?? 0)} succeeded, ${formatNumber(t.failed ?? 0)} failed`),
    stat('Success rate', formatPercent(t.success_rate, 1), 'Attempts answered with a 2xx'),
    stat('p50 latency', formatDuration(t.p50_ms), 'Median attempt duration'),
    stat('p95 latency', formatDuration(t.p95_ms), '95th percentile')));
  if (!t.attempts) {
    chart.replaceChildren(emptyState('No deliveries in the last 24 hours',
      'Send an event, or a test event from an endpoint\'s page, and its delivery shows here.'));
    return;
  }
  try {
    await renderDeliveryChart(chart, stats, ctx);
  } catch (err) {
    if (!ctx.alive) return;
    chart.replaceChildren(alertBox(`The chart could not be drawn: ${err.message}`));
  }
}

async function failuresSection(ctx, slot) {
  let lists;
  try {
    lists = await Promise.all(['EXPIRED', 'FAILED', 'RETRYING'].map((status) =>
      api.get(withQuery('/api/v1/events', { status, limit: 5 }), { signal: ctx.signal })));
  } catch (err) {
    slot.replaceChildren(alertBox(err));
    return;
  }
  const events = lists.flatMap((l) => l.data)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
    .slice(0, 5);
  if (events.length === 0) {
    slot.replaceChildren(emptyState('No failed deliveries', 'Nothing is expired, failed or waiting for a retry.'));
    return;
  }
  const { wrap, tbody } = table(['Event', 'Type', 'Status', 'Endpoint', 'Attempts', 'Created']);
  const endpointCells = [];
  for (const ev of events) {
    const epCell = h('td', { class: 'cell-url' }, h('span', { class: 'mono muted truncate' }, ev.endpoint_id));
    endpointCells.push([ev.endpoint_id, epCell]);
    tbody.append(h('tr', { 'data-event-id': ev.id },
      h('td', null, h('a', { href: `/events/${enc(ev.id)}`, class: 'mono id strong' }, ev.id)),
      h('td', null, ev.event ? h('span', { class: 'mono truncate', title: ev.event }, ev.event) : h('span', { class: 'muted' }, '—')),
      h('td', null, statusBadge(ev.status)),
      epCell,
      h('td', { class: 'num' }, String(ev.attempt_count ?? 0)),
      h('td', { class: 'nowrap' }, timeEl(ev.created_at))));
  }
  slot.replaceChildren(wrap, h('p', { class: 'section-link' }, h('a', { href: '/events' }, 'Open the event log')));
  fetchEndpointUrls(ctx.signal).then((urls) => {
    for (const [id, cell] of endpointCells) {
      const url = urls.get(id);
      if (url) cell.replaceChildren(h('a', { href: `/endpoints/${enc(id)}`, class: 'truncate', title: url }, url));
    }
  }).catch(() => { /* keep the ids */ });
}

export function render(ctx) {
  ctx.setTitle('Overview');
  const { account } = ctx.session;
  const header = pageHeader('Overview', { lead: `${account.name} · ${planName(account.plan)} plan` });

  const usageSlot = h('div', null, loading());
  const totalsSlot = h('div', null, loading());
  const chart = h('div', { class: 'chart', 'data-testid': 'delivery-chart' });
  const failuresSlot = h('div', null, loading());

  ctx.main.append(header.el,
    h('div', { class: 'overview-grid' },
      card('Usage this month', usageSlot),
      card('Deliveries, last 24 hours', totalsSlot, chart),
      card('Recent failures', failuresSlot)));

  return Promise.all([
    usageSection(ctx, usageSlot),
    deliveriesSection(ctx, totalsSlot, chart),
    failuresSection(ctx, failuresSlot),
  ]);
}
