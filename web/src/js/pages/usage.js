// /usage: the plan and this month's usage (events, included, overage, cost),
// earlier months, and changing the plan.
import { api, withQuery } from '../api.js';
import {
  alertBox, busy, card, confirmDialog, createNotice, field, h, loading, meter, pageHeader,
} from '../ui.js';
import { formatMoney, formatMonth, formatNumber, formatPercent, planName } from '../format.js';

// A plan of GET /api/v1/plans as the page shows it: the server's figures
// (plans are configurable), never a copy kept here.
function describePlan(p) {
  const mib = p.max_payload_bytes / (1024 * 1024);
  const size = mib >= 1 ? `${formatNumber(mib)} MiB` : `${formatNumber(p.max_payload_bytes / 1024)} KiB`;
  return {
    id: p.name,
    name: planName(p.name),
    price: `${formatMoney(p.price_cents, p.currency)}/month`,
    features: [
      `${formatNumber(p.included_events)} events a month`,
      `${formatNumber(p.retention_days)}-day retention`,
      `${size} payloads`,
      `${formatMoney(p.overage_unit_price_cents, p.currency)} per extra ${formatNumber(p.overage_unit_events)} events`,
    ],
  };
}

function monthsBack(n) {
  const out = [];
  const now = new Date();
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

function row(label, value) {
  return [h('dt', null, label), h('dd', null, value)];
}

export function render(ctx) {
  ctx.setTitle('Plan & usage');
  const header = pageHeader('Plan & usage', {
    lead: 'Events are never dropped: past your plan\'s included events, overage is billed per started 100,000 events.',
  });
  const notice = createNotice();

  const months = monthsBack(12);
  const monthSelect = h('select', { name: 'month' }, months.map((m, i) => h('option', { value: m }, i === 0 ? `${formatMonth(m)} (this month)` : formatMonth(m))));
  const usageSlot = h('div', null, loading('Loading usage…'));
  const planSlot = h('div', null, loading('Loading your plan…'));

  ctx.main.append(header.el, notice.el,
    h('div', { class: 'stack' },
      card('Usage', h('div', { class: 'inline-field' }, field('Month', monthSelect)), usageSlot),
      card('Plan', planSlot)));

  let seq = 0;
  async function loadUsage() {
    const mine = ++seq;
    const month = monthSelect.value;
    try {
      const u = await api.get(withQuery('/api/v1/usage', { month: month === months[0] ? '' : month }), { signal: ctx.signal });
      if (mine !== seq) return;
      usageSlot.replaceChildren(
        h('dl', { class: 'details' },
          row('Period', `${formatMonth(u.period)} (UTC)`),
          row('Plan', planName(u.plan)),
          row('Events', formatNumber(u.events)),
          row('Included', formatNumber(u.included)),
          row('Overage', u.overage_units > 0 ? `${formatNumber(u.overage_units)} ${u.overage_units === 1 ? 'unit' : 'units'} of 100,000 events` : 'None'),
          row(month === months[0] ? 'Cost so far' : 'Cost', formatMoney(u.cost_cents, u.currency))),
        meter(u.events, u.included),
        h('p', { class: 'hint' }, `${formatPercent(u.included > 0 ? u.events / u.included : 0)} of the included events used.`));
    } catch (err) {
      if (mine !== seq) return;
      usageSlot.replaceChildren(alertBox(err));
    }
  }
  monthSelect.addEventListener('change', loadUsage);

  function drawPlan(current, plans) {
    const radios = [];
    const options = plans.map((p) => {
      const input = h('input', { type: 'radio', name: 'plan', value: p.id, id: `plan-${p.id}`, checked: p.id === current });
      radios.push(input);
      const descId = `plan-${p.id}-desc`;
      input.setAttribute('aria-describedby', descId);
      return h('div', { class: `plan-option${p.id === current ? ' current' : ''}` },
        input,
        h('label', { for: input.id, class: 'plan-name' }, p.name),
        h('div', { id: descId, class: 'plan-desc' },
          h('span', { class: 'plan-price' }, p.price),
          p.id === current ? h('span', { class: 'badge badge-enabled' }, 'Current plan') : null,
          h('ul', null, p.features.map((f) => h('li', null, f)))));
    });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change plan');
    const form = h('form', { class: 'form' },
      h('fieldset', { class: 'plans' }, h('legend', { class: 'visually-hidden' }, 'Plan'), options),
      h('div', { class: 'form-actions' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const chosen = radios.find((r) => r.checked)?.value;
      notice.clear();
      if (!chosen || chosen === current) {
        notice.error(`You are already on the ${planName(current)} plan. Choose another plan to switch.`);
        return;
      }
      const plan = plans.find((p) => p.id === chosen);
      const ok = await confirmDialog({
        title: `Switch to ${plan.name}?`,
        body: [
          h('p', null, `Your account moves to the ${plan.name} plan (${plan.price}).`),
          h('p', null, 'The new payload limit and retention apply from now on.'),
        ],
        confirmLabel: 'Change plan',
      });
      if (!ok || !ctx.alive) return;
      try {
        const account = await busy(submit, () => api.patch('/api/v1/account', { plan: chosen }, { signal: ctx.signal }));
        ctx.session.account.plan = account.plan;
        ctx.onSessionChange(ctx.session);
        notice.success(`You are now on the ${planName(account.plan)} plan.`);
        drawPlan(account.plan, plans);
        loadUsage();
      } catch (err) {
        notice.error(err);
      }
    });
    planSlot.replaceChildren(form);
  }

  return Promise.all([
    loadUsage(),
    Promise.all([api.get('/api/v1/account', { signal: ctx.signal }),
      api.get('/api/v1/plans', { signal: ctx.signal })])
      .then(([a, plans]) => drawPlan(a.plan, plans.data.map(describePlan)))
      .catch((err) => planSlot.replaceChildren(alertBox(err))),
  ]);
}
