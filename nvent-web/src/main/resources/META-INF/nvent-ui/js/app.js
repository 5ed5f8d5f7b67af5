// Entry of the console: a hash router (#/flows/order), the shell's nav, live status and user.
import { api } from './api.js';
import { live } from './live.js';
import { h, clear, fill, toast } from './ui.js';
import { dashboard } from './views/dashboard.js';
import { flowsView, flowView } from './views/flows.js';
import { runsView, runView } from './views/runs.js';
import { queuesView, queueView } from './views/queues.js';
import { triggersView, triggerView, newTriggerView, editTriggerView } from './views/triggers.js';
import { awaitsView } from './views/awaits.js';

const routes = [
  [/^\/?$/, 'dashboard', dashboard],
  [/^\/flows$/, 'flows', flowsView],
  [/^\/flows\/([^/]+)$/, 'flows', flowView],
  [/^\/runs$/, 'runs', runsView],
  [/^\/runs\/([^/]+)$/, 'runs', runView],
  [/^\/queues$/, 'queues', queuesView],
  [/^\/queues\/([^/]+)$/, 'queues', queueView],
  [/^\/triggers$/, 'triggers', triggersView],
  [/^\/triggers\/new$/, 'triggers', newTriggerView],
  [/^\/triggers\/([^/]+)\/edit$/, 'triggers', editTriggerView],
  [/^\/triggers\/([^/]+)\/?$/, 'triggers', triggerView],
  [/^\/awaits$/, 'awaits', awaitsView],
];

let cleanup = null;

export function navigate(path) { location.hash = '#' + path; }

function parse() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(query)) };
}

function render() {
  const { path, query } = parse();
  const view = document.getElementById('view');
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  clear(view);
  clear(document.getElementById('actions'));
  clear(document.getElementById('modal-root'));   // a link followed from a dialog closes it
  for (const [re, nav, fn] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    const navKey = nav || m[1];
    document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.nav === navKey));
    const ctx = {
      params: m.slice(1).map(decodeURIComponent),
      query,
      view,
      crumbs: (...parts) => setCrumbs(parts),
      actions: (...nodes) => fill(document.getElementById('actions'), ...nodes.filter(Boolean)),
      setQuery: (q) => {
        const s = new URLSearchParams(Object.entries({ ...query, ...q }).filter(([, v]) => v !== undefined && v !== null && v !== ''));
        history.replaceState(null, '', '#' + path + (s.toString() ? '?' + s : ''));
      },
    };
    cleanup = fn(ctx) || null;
    return;
  }
  setCrumbs(['Not found']);
  view.append(h('div', { class: 'card placeholder' }, 'No such page. ', h('a', { href: '#/' }, 'Back to the dashboard')));
}

function setCrumbs(parts) {
  const el = clear(document.getElementById('crumbs'));
  parts.forEach((p, i) => {
    if (i) el.append(h('span', { class: 'sep' }, '/'));
    const last = i === parts.length - 1;
    if (Array.isArray(p)) el.append(h('a', { href: p[1] }, p[0]));
    else el.append(last ? h('strong', {}, p) : h('span', {}, p));
  });
  document.title = `${parts.map((p) => (Array.isArray(p) ? p[0] : p)).join(' / ')} · nvent`;
}

window.addEventListener('hashchange', render);
let signedOut = false;
live.onStatus((state) => {
  if (signedOut) return;
  const el = document.getElementById('live-status');
  el.className = 'live-status ' + (state === 'up' ? 'up' : state === 'down' ? 'down' : '');
  el.querySelector('.label').textContent = state === 'up' ? 'live' : state === 'down' ? 'disconnected – retrying' : 'connecting…';
  el.dataset.state = state;
});
api.session().then((s) => {
  const user = fill(document.getElementById('user'), h('span', {}, s.user ? `signed in as ${s.user}` : 'security off'));
  if (s.authenticated) {
    user.append(' · ', h('button', { type: 'button', class: 'link-btn', id: 'logout', onclick: logout }, 'Log out'));
  }
}).catch(() => {});
// ends the session and stops talking to the server; the browser may keep Basic credentials until it closes
async function logout() {
  try {
    await api.logout();
  } catch (e) {
    toast(`Log out failed: ${e.message}`, true);
    return;
  }
  signedOut = true;
  window.removeEventListener('hashchange', render);
  clearInterval(healthTimer);
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  live.stop();
  fill(document.querySelector('.shell'), h('div', { class: 'card signed-out', id: 'signed-out' },
    h('h1', {}, 'Logged out'),
    h('p', {}, 'Your console session has ended.'),
    h('p', {}, 'Your browser may still remember the login until you close it, and log in again by itself '
      + 'when you reopen the console: close the browser to be sure.'),
    h('a', { href: location.pathname }, 'Open the console again')));
  document.title = 'Logged out · nvent';
}
// runs paused on an await, next to the Awaits entry of the navigation
live.stats((m) => {
  const n = m.flows.reduce((a, f) => a + f.stats.awaiting, 0);
  const tag = document.getElementById('nav-awaiting');
  tag.hidden = n === 0;
  tag.textContent = n > 99 ? '99+' : String(n);
  tag.title = `${n} run${n === 1 ? '' : 's'} awaiting`;
});
// this instance's readiness: a store failing the engine's sweeps is shown on every page until it answers again
async function checkHealth() {
  if (signedOut) return;
  const banner = document.getElementById('health-banner');
  try {
    const report = await api.health();
    const down = report.checks.filter((c) => c.status !== 'UP');
    banner.hidden = report.ready;
    fill(banner, h('strong', {}, 'This instance is not ready. '),
      ...down.map((c) => h('span', { class: 'check', 'data-check': c.name }, `${c.name}: ${c.detail}. `)));
  } catch (e) {
    // Unreachable (no status): the live status says so already; signed out: the login does. Any other
    // answer (a 500, a 404 while the application redeploys) left the last report standing, often "ready".
    if (!e.status || e.status === 401 || e.status === 403) return;
    banner.hidden = false;
    fill(banner, h('strong', {}, 'This instance\'s health could not be read. '), h('span', { class: 'check', 'data-check': 'health' }, e.message.startsWith('HTTP ') ? e.message : `HTTP ${e.status}: ${e.message}`));
  }
}
checkHealth();
const healthTimer = setInterval(checkHealth, 10000);
live.onStatus(() => checkHealth());
live.start();
render();
