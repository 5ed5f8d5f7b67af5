// Small DOM helpers: element builder, formatting, badges, toasts, modals, JSON highlighting.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'html') el.innerHTML = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

/** Replaces an element's children (arrays are flattened, null/false skipped). */
export function fill(el, ...children) { clear(el); append(el, children); return el; }

export function badge(status) { return h('span', { class: `badge ${status || ''}` }, status || 'idle'); }

export function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

export function dateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return (today ? '' : d.toLocaleDateString() + ' ') + d.toLocaleTimeString(undefined, { hour12: false });
}

export function ago(iso) {
  if (!iso) return '–';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function duration(fromIso, toIso) {
  if (!fromIso) return '–';
  const ms = (toIso ? new Date(toIso) : new Date()) - new Date(fromIso);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60000);
  return m < 60 ? `${m}m ${Math.floor((ms % 60000) / 1000)}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function short(id) { return id && id.length > 13 ? id.slice(0, 8) + '…' : id; }

export function num(n) { return (n ?? 0).toLocaleString(); }

export function toast(message, bad = false) {
  const t = h('div', { class: 'toast' + (bad ? ' bad' : ''), role: 'status' }, message);
  document.getElementById('toasts').append(t);
  setTimeout(() => t.remove(), bad ? 7000 : 3500);
}

/** Runs an action, reporting success or the server's problem detail. */
export async function act(button, fn, okMessage) {
  if (button) button.disabled = true;
  try {
    const result = await fn();
    if (okMessage) toast(typeof okMessage === 'function' ? okMessage(result) : okMessage);
    return result === undefined ? true : result;
  } catch (e) {
    toast(e.message, true);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function modal(title, body, buttons) {
  const root = document.getElementById('modal-root');
  const close = () => clear(root);
  const box = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
    h('div', { class: 'card-head' }, h('h2', {}, title), h('button', { class: 'btn small', onclick: close, 'aria-label': 'close' }, '✕')),
    h('div', { class: 'card-body' }, body),
    h('div', { class: 'foot' }, buttons(close)));
  const backdrop = h('div', { class: 'modal-backdrop', onclick: (e) => { if (e.target === backdrop) close(); } }, box);
  fill(root, backdrop);
  return close;
}

export function card(title, sub, body, tools) {
  return h('div', { class: 'card' },
    h('div', { class: 'card-head' }, h('div', {}, h('h2', {}, title), sub ? h('div', { class: 'sub' }, sub) : null), tools || null),
    body);
}

export function kpi(label, value, cls, hint) {
  return h('div', { class: `card kpi ${cls || ''}` }, h('div', { class: 'label' }, label),
    h('div', { class: 'value', dataset: { kpi: label } }, value), hint ? h('div', { class: 'hint' }, hint) : null);
}

export function jsonView(value) {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const html = escaped.replace(/("(\\u[a-fA-F0-9]{4}|\\[^u]|[^\\"])*"(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/g, (m) => {
    let cls = 'j-num';
    if (/^"/.test(m)) cls = /:$/.test(m) ? 'j-key' : 'j-str';
    else if (/true|false|null/.test(m)) cls = 'j-lit';
    return `<span class="${cls}">${m}</span>`;
  });
  return h('pre', { class: 'json', html });
}

/** Where JSON text breaks, as "line L, column C: message". */
export function jsonProblem(text) {
  try { JSON.parse(text); return null; } catch (e) {
    const m = /position (\d+)/.exec(e.message);
    if (!m) return e.message;
    const pos = Number(m[1]);
    const before = text.slice(0, pos).split('\n');
    return `line ${before.length}, column ${before[before.length - 1].length + 1}: ${e.message.replace(/ in JSON at position \d+.*/, '')}`;
  }
}

export function statusBar(stats) {
  const total = stats.total || 0;
  const pct = (n) => total ? `${(100 * n) / total}%` : '0';
  return h('div', { class: 'bar-stack', title: `${stats.completed} completed, ${stats.running} running, ${stats.failed} failed` },
    h('span', { class: 'ok', style: `width:${pct(stats.completed)}` }),
    h('span', { class: 'run', style: `width:${pct(stats.running)}` }),
    h('span', { class: 'wait', style: `width:${pct(stats.awaiting + stats.stalled)}` }),
    h('span', { class: 'fail', style: `width:${pct(stats.failed)}` }),
    h('span', { class: 'other', style: `width:${pct(stats.canceled)}` }));
}
