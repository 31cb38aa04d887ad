// The signed-in layout: a sidebar (a top bar on phones) with the brand, the
// navigation links, the account, the user's email and the Sign out button, and
// the <main> element the pages draw into.
import { h } from './ui.js';
import { planName } from './format.js';

const LINKS = [
  { href: '/', label: 'Overview', icon: 'M3 12h4l3-8 4 16 3-8h4', match: (p) => p === '/' },
  { href: '/endpoints', label: 'Endpoints', icon: 'M4 6h16M4 12h16M4 18h10', match: (p) => p.startsWith('/endpoints') },
  { href: '/events', label: 'Events', icon: 'M13 2 4 14h7l-1 8 9-12h-7z', match: (p) => p.startsWith('/events') },
  { href: '/api-keys', label: 'API keys', icon: 'M15 7a4 4 0 1 1-3.9 5H3v3h3v-3', match: (p) => p.startsWith('/api-keys') },
  { href: '/usage', label: 'Plan & usage', icon: 'M4 20V10M10 20V4M16 20v-7M22 20H2', match: (p) => p.startsWith('/usage') },
];

const SVG = 'http://www.w3.org/2000/svg';

function icon(d) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'nav-icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

export function logo() {
  return h('span', { class: 'brand' },
    h('img', { src: '/assets/favicon.svg', alt: '', width: '24', height: '24', class: 'brand-mark' }),
    h('span', { class: 'brand-name' }, 'PromptJang'));
}

// Builds the layout once; returns { root, main, update(session), setActive(path) }.
export function createShell({ onSignOut }) {
  const links = LINKS.map((l) => {
    const a = h('a', { href: l.href, class: 'nav-link' }, icon(l.icon), h('span', null, l.label));
    return { ...l, a };
  });
  const email = h('span', { class: 'user-email' });
  const account = h('span', { class: 'account-name' });
  const plan = h('span', { class: 'badge badge-plan' });
  const signOut = h('button', { type: 'button', class: 'btn btn-small sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => onSignOut(signOut));

  const nav = h('nav', { class: 'nav', 'aria-label': 'Main' },
    h('ul', { class: 'nav-list' }, links.map((l) => h('li', null, l.a))),
    h('div', { class: 'nav-user' },
      h('div', { class: 'nav-account' }, account, plan),
      h('div', { class: 'nav-email-row' }, email, signOut)));

  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });
  const root = h('div', { class: 'layout' },
    h('a', { href: '#main', class: 'skip-link' }, 'Skip to content'),
    h('header', { class: 'sidebar' }, h('a', { href: '/', class: 'brand-link' }, logo()), nav),
    main);

  // The skip link focuses <main> instead of changing the address.
  root.querySelector('.skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });

  return {
    root,
    main,
    update(session) {
      email.textContent = session.user.email;
      email.title = session.user.email;
      account.textContent = session.account.name;
      plan.textContent = planName(session.account.plan);
    },
    setActive(pathname) {
      for (const l of links) {
        if (l.match(pathname)) l.a.setAttribute('aria-current', 'page');
        else l.a.removeAttribute('aria-current');
      }
    },
  };
}
