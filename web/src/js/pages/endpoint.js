// /endpoints/{id}: one endpoint — edit its URL and description, disable or
// enable it, reveal and rotate its signing secret, send a test event, replay
// its expired events, delete it.
import { api, enc } from '../api.js';
import { navigate, takeFlash } from '../router.js';
import {
  alertBox, busy, card, confirmDialog, copyButton, createNotice, field, h, idWithCopy,
  loading, pageHeader, pill, timeEl,
} from '../ui.js';
import { plural } from '../format.js';

export async function render(ctx) {
  const id = ctx.params.id;
  const base = `/api/v1/endpoints/${enc(id)}`;
  ctx.setTitle('Endpoint');
  const back = { href: '/endpoints', label: 'Endpoint list' };
  const header = pageHeader('Endpoint', { back });
  const notice = createNotice();
  const flash = takeFlash();
  if (flash) notice.success(flash);
  const body = h('div', { class: 'stack' }, loading('Loading the endpoint…'));
  ctx.main.append(header.el, notice.el, body);

  let endpoint;
  try {
    endpoint = await api.get(base, { signal: ctx.signal });
  } catch (err) {
    header.h1.textContent = err.status === 404 ? 'Endpoint not found' : 'Endpoint';
    body.replaceChildren(alertBox(err), h('p', null, h('a', { href: '/endpoints' }, 'See the endpoint list')));
    return;
  }

  // Header: the URL as the title, id, state.
  const state = h('span');
  const meta = h('div', { class: 'meta-row' }, idWithCopy(endpoint.id, 'endpoint id'), state,
    h('span', { class: 'muted' }, 'Created ', timeEl(endpoint.created_at)));
  header.h1.classList.add('title-url');
  header.el.querySelector('.page-header-text').append(meta);

  const testButton = h('button', { type: 'button', class: 'btn btn-primary' }, 'Send test event');
  const toggleButton = h('button', { type: 'button', class: 'btn' });
  const eventsLink = h('a', { href: `/events?endpoint_id=${enc(endpoint.id)}`, class: 'btn' }, 'Delivery log');
  header.el.querySelector('.page-header-row').append(h('div', { class: 'page-actions' }, testButton, toggleButton, eventsLink));

  const show = (ep) => {
    endpoint = ep;
    header.h1.textContent = ep.url;
    ctx.setTitle(ep.url);
    state.replaceChildren(ep.enabled ? pill('Enabled', 'enabled') : pill('Disabled', 'disabled'));
    toggleButton.textContent = ep.enabled ? 'Disable' : 'Enable';
  };
  show(endpoint);

  testButton.addEventListener('click', async () => {
    notice.clear();
    try {
      const ev = await busy(testButton, () => api.post(`${base}/test`, {}, { signal: ctx.signal }));
      notice.success([
        'Test event sent: ',
        h('a', { href: `/events/${enc(ev.id)}`, class: 'mono' }, ev.id),
        endpoint.enabled ? '' : '. The endpoint is disabled, so it waits until you enable it.',
      ]);
    } catch (err) {
      notice.error(err);
    }
  });

  toggleButton.addEventListener('click', async () => {
    notice.clear();
    const enable = !endpoint.enabled;
    try {
      const ep = await busy(toggleButton, () => api.patch(base, { enabled: enable }, { signal: ctx.signal }));
      show(ep);
      notice.success(enable
        ? 'Endpoint enabled. Waiting events are being delivered.'
        : 'Endpoint disabled. New events are kept and go out when you enable it again.');
    } catch (err) {
      notice.error(err);
    }
  });

  // Settings form.
  const urlInput = h('input', { type: 'url', name: 'url', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', value: endpoint.url });
  const descInput = h('input', { type: 'text', name: 'description', autocomplete: 'off', value: endpoint.description || '' });
  const saveButton = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save');
  const settings = h('form', { class: 'form', novalidate: true },
    field('URL', urlInput),
    field('Description', descInput),
    h('div', { class: 'form-actions' }, saveButton));
  settings.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (saveButton.disabled) return;
    notice.clear();
    try {
      const ep = await busy(saveButton, () => api.patch(base, {
        url: urlInput.value.trim(),
        description: descInput.value.trim(),
      }, { signal: ctx.signal }));
      show(ep);
      urlInput.value = ep.url;
      descInput.value = ep.description || '';
      notice.success('Endpoint saved.');
    } catch (err) {
      notice.error(err);
    }
  });

  // Signing secret.
  const secretSlot = h('div', { class: 'secret-slot' });
  const masked = h('code', { class: 'mono secret masked', 'aria-label': 'Hidden secret' }, 'whsec_' + '•'.repeat(24));
  const revealButton = h('button', { type: 'button', class: 'btn' }, 'Reveal secret');
  const rotateButton = h('button', { type: 'button', class: 'btn' }, 'Rotate secret');
  let revealed = false;

  const showSecret = (secret) => {
    revealed = true;
    const code = h('code', { class: 'mono secret', 'data-testid': 'endpoint-secret' }, secret);
    secretSlot.replaceChildren(code, copyButton(secret, { label: 'Copy', ariaLabel: 'Copy secret', target: code }));
    revealButton.textContent = 'Hide secret';
  };
  const hideSecret = () => {
    revealed = false;
    secretSlot.replaceChildren(masked);
    revealButton.textContent = 'Reveal secret';
  };
  hideSecret();

  revealButton.addEventListener('click', async () => {
    if (revealed) {
      hideSecret();
      return;
    }
    notice.clear();
    try {
      const { secret } = await busy(revealButton, () => api.get(`${base}/secret`, { signal: ctx.signal }));
      showSecret(secret);
    } catch (err) {
      notice.error(err);
    }
  });

  rotateButton.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Rotate the signing secret?',
      body: [
        h('p', null, 'A new secret signs every delivery from now on.'),
        h('p', null, 'The current secret keeps signing alongside it for 24 hours (in the webhook-signature header), so you have time to update your receiver.'),
      ],
      confirmLabel: 'Rotate secret',
    });
    if (!ok || !ctx.alive) return;
    notice.clear();
    try {
      const { secret } = await busy(rotateButton, () => api.post(`${base}/rotate-secret`, {}, { signal: ctx.signal }));
      showSecret(secret);
      notice.success('Secret rotated. The previous secret keeps signing for 24 hours.');
    } catch (err) {
      notice.error(err);
    }
  });

  // Replay expired events.
  const replayButton = h('button', { type: 'button', class: 'btn' }, 'Replay expired events');
  replayButton.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Replay expired events?',
      body: h('p', null, 'Every EXPIRED event of this endpoint goes back to the queue and gets a fresh cycle of delivery attempts. Earlier attempts stay in each event\'s log.'),
      confirmLabel: 'Replay',
    });
    if (!ok || !ctx.alive) return;
    notice.clear();
    try {
      const { replayed } = await busy(replayButton, () => api.post(`${base}/replay`, { status: 'EXPIRED' }, { signal: ctx.signal }));
      notice.success([
        `Replayed ${plural(replayed, 'expired event')}.`,
        replayed > 0 ? [' ', h('a', { href: `/events?endpoint_id=${enc(endpoint.id)}` }, 'Follow their delivery')] : ' There was nothing to replay.',
      ]);
    } catch (err) {
      notice.error(err);
    }
  });

  // Delete.
  const deleteButton = h('button', { type: 'button', class: 'btn btn-danger' }, 'Delete');
  deleteButton.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Delete this endpoint?',
      body: [
        h('p', null, 'PromptJang stops delivering to ', h('strong', { class: 'break' }, endpoint.url), '. Its pending events are marked FAILED.'),
        h('p', null, 'Its events and their delivery logs stay readable. This cannot be undone.'),
      ],
      confirmLabel: 'Delete endpoint',
      danger: true,
    });
    if (!ok || !ctx.alive) return;
    notice.clear();
    try {
      await busy(deleteButton, () => api.del(base, { signal: ctx.signal }));
      navigate('/endpoints', { flash: 'Endpoint deleted.' });
    } catch (err) {
      notice.error(err);
    }
  });

  body.replaceChildren(
    card('Settings', settings),
    card('Signing secret',
      h('p', { class: 'muted' }, 'Your receiving server uses this secret to check that a webhook really comes from PromptJang: each delivery carries an HMAC-SHA256 of its body in X-PromptJang-Signature. It is not an API key; keep it on your server.'),
      secretSlot,
      h('div', { class: 'form-actions' }, revealButton, rotateButton)),
    card('Replay',
      h('p', { class: 'muted' }, 'Events that exhausted their retries are EXPIRED. Once your endpoint is fixed, send them again.'),
      h('div', { class: 'form-actions' }, replayButton)),
    card('Danger zone',
      h('p', { class: 'muted' }, 'Deleting an endpoint stops its deliveries. Its events stay readable.'),
      h('div', { class: 'form-actions' }, deleteButton)));
}
