// DOM building blocks shared by the pages: an element builder (text only, never
// HTML), status badges, times, copy buttons, notices (role=alert/status),
// confirmation dialogs, loading and empty states, tables.
import { absoluteTime, relativeTime } from './format.js';

// h('a', {href: '/x', class: 'link', onclick: fn, dataset: {id: 'x'}}, 'text', child, ...)
// Strings become text nodes; null, undefined and false are skipped.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'style') throw new Error('inline styles are not allowed (CSP)');
      else if (key in el && typeof value !== 'string') el[key] = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function statusBadge(status) {
  const s = String(status || '').toUpperCase();
  return h('span', { class: `badge badge-${s.toLowerCase()}`, 'data-testid': 'status-badge' }, s);
}

export function pill(text, kind = 'neutral') {
  return h('span', { class: `badge badge-${kind}` }, text);
}

// A relative time kept fresh by refreshTimes(), the absolute time in its title.
export function timeEl(iso, { withAbsolute = false, empty = '—' } = {}) {
  if (!iso) return h('span', { class: 'muted' }, empty);
  const rel = h('time', { datetime: iso, title: iso, class: 'rel-time' }, relativeTime(iso));
  if (!withAbsolute) return rel;
  return h('span', { class: 'time-pair' }, rel, h('span', { class: 'muted' }, ` · ${absoluteTime(iso)}`));
}

export function refreshTimes(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll('time.rel-time')) {
    const text = relativeTime(el.getAttribute('datetime'), now);
    if (el.textContent !== text) el.textContent = text;
  }
}

// Copies text; when the clipboard is unavailable or refused, selects `target`
// so that the user can copy it with the keyboard.
export function copyButton(getText, { label = 'Copy', ariaLabel, target, className = 'btn btn-small' } = {}) {
  const btn = h('button', { type: 'button', class: className, 'aria-label': ariaLabel }, label);
  let timer = 0;
  const flash = (text) => {
    btn.textContent = text;
    clearTimeout(timer);
    timer = setTimeout(() => { btn.textContent = label; }, 1600);
  };
  btn.addEventListener('click', async () => {
    const text = typeof getText === 'function' ? getText() : getText;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      flash('Copied');
    } catch {
      // No clipboard API (plain HTTP) or permission refused: select the text,
      // try the legacy copy command, else let the user copy the selection.
      if (target) {
        selectText(target);
        let copied = false;
        try { copied = document.execCommand('copy'); } catch { /* unsupported */ }
        flash(copied ? 'Copied' : (/Mac|iPhone|iPad/.test(navigator.platform) ? 'Press ⌘C' : 'Press Ctrl+C'));
      } else {
        flash('Copy failed');
      }
    }
  });
  return btn;
}

export function selectText(el) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}

// A monospace id with a copy button.
export function idWithCopy(id, what = 'id') {
  const code = h('code', { class: 'mono id' }, id);
  return h('span', { class: 'id-copy' }, code, copyButton(id, { label: 'Copy', ariaLabel: `Copy ${what}`, target: code, className: 'btn btn-ghost btn-small' }));
}

// One place per page for the result of a request: an error (role=alert, the
// API's message) or a success note (role=status). Showing one replaces the other.
export function createNotice() {
  const el = h('div', { class: 'notice-area' });
  const show = (role, kind, content) => {
    const message = append(h('div', { role, class: 'notice-text' }), [content]);
    const dismiss = h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss' }, '×');
    dismiss.addEventListener('click', () => clear(el));
    el.replaceChildren(h('div', { class: `notice notice-${kind}` }, message, dismiss));
  };
  return {
    el,
    error(err) { show('alert', 'error', messageOf(err)); },
    success(content) { show('status', 'success', content); },
    clear() { clear(el); },
  };
}

export function messageOf(err) {
  if (!err) return 'Something went wrong.';
  if (typeof err === 'string') return err;
  return err.message || 'Something went wrong.';
}

export function alertBox(err) {
  return h('div', { role: 'alert', class: 'notice notice-error' }, messageOf(err));
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'loading', 'aria-busy': 'true' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function emptyState(title, text, action) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), text ? h('p', { class: 'muted' }, text) : null, action || null);
}

// A table inside a container that scrolls sideways on narrow screens.
export function table(headers, { className = '' } = {}) {
  const tbody = h('tbody');
  const el = h('table', { class: `table ${className}` },
    h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col' }, t)))),
    tbody);
  return { wrap: h('div', { class: 'table-wrap' }, el), table: el, tbody };
}

export function card(title, ...children) {
  const id = `card-${Math.random().toString(36).slice(2, 9)}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id, class: 'card-title' }, title), ...children);
}

export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    input.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl);
}

// A confirmation <dialog>: resolves true when the action button is pressed,
// false on Cancel or Esc.
export function confirmDialog({ title, body, confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'btn', value: 'cancel' }, 'Cancel');
    const ok = h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary', value: 'confirm' }, confirmLabel);
    const titleId = `dlg-${Math.random().toString(36).slice(2, 9)}`;
    const form = h('form', { method: 'dialog' },
      h('h2', { id: titleId, class: 'dialog-title' }, title),
      h('div', { class: 'dialog-body' }, body),
      h('div', { class: 'dialog-actions' }, cancel, ok));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form);
    let result = false;
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      result = true;
      dialog.close();
    });
    // The page behind a modal dialog is inert; hide it from assistive
    // technology too, so that only the dialog's controls are announced.
    const app = document.getElementById('app');
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (!document.querySelector('dialog[open]')) app?.removeAttribute('aria-hidden');
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    app?.setAttribute('aria-hidden', 'true');
    cancel.focus();
  });
}

// Disables a button while `fn` runs; returns fn's promise.
export async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

export function link(href, ...children) {
  return h('a', { href }, ...children);
}

// The top of a page: an optional back link, the <h1>, a lead paragraph and
// actions on the right.
export function pageHeader(title, { lead, actions, back, meta } = {}) {
  const h1 = h('h1', { class: 'page-title' }, title);
  const el = h('div', { class: 'page-header' },
    back ? h('a', { href: back.href, class: 'back-link' }, h('span', { 'aria-hidden': 'true' }, '← '), back.label) : null,
    h('div', { class: 'page-header-row' },
      h('div', { class: 'page-header-text' }, h1, meta || null, lead ? h('p', { class: 'lead' }, lead) : null),
      actions ? h('div', { class: 'page-actions' }, actions) : null));
  return { el, h1 };
}

// A bar of `used` against `included` (amber near the limit, red past it).
export function meter(used, included) {
  const ratio = included > 0 ? used / included : 0;
  const fill = h('div', { class: `meter-fill${ratio > 1 ? ' over' : ratio > 0.8 ? ' near' : ''}` });
  fill.style.width = `${Math.min(100, Math.max(ratio > 0 ? 0.5 : 0, ratio * 100))}%`;
  return h('div', { class: 'meter', 'aria-hidden': 'true' }, fill);
}
