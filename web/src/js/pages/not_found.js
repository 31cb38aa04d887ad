// The view for an address the dashboard does not know: "Page not found".
import { h } from '../ui.js';

export function render(ctx) {
  ctx.setTitle('Page not found');
  ctx.main.append(h('div', { class: 'not-found' },
    h('p', { class: 'not-found-code', 'aria-hidden': 'true' }, '404'),
    h('h1', null, 'Page not found'),
    h('p', { class: 'muted' }, 'There is nothing at this address. It may have been mistyped, or the page may have moved.'),
    h('p', null, h('a', { href: '/', class: 'btn btn-primary' }, 'Back to the dashboard'))));
}
