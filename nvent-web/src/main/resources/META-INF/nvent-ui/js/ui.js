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

/**
 * An instant as the console shows every instant: in the browser's local time (as `dateTime`, or `time`
 * with `{ precise: true }`), the UTC value on hover.
 */
export function at(iso, { precise = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '–');
  return h('time', { datetime: iso, class: 'at', title: utc(iso) }, precise ? time(iso) : dateTime(iso));
}

/** "2026-12-04 22:30:00.120 UTC": an instant's UTC value, as a tooltip tells it. */
export function utc(iso) {
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '') + ' UTC';
}

/** ISO-8601 instants (with a Z or an offset) inside the server's texts, e.g. a wait's `until 2026-12-04T22:30:00Z`. */
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})/g;

/** A server's text with each instant in it shown as `at` shows it: local, the UTC value on hover. */
export function withInstants(text) {
  if (!text) return text;
  const parts = [];
  let last = 0;
  for (const m of String(text).matchAll(INSTANT)) {
    parts.push(text.slice(last, m.index), at(m[0]));
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

/** The same for a plain-text place (a tooltip): each instant in local time. */
export function instantsLocal(text) {
  return text ? String(text).replace(INSTANT, (iso) => dateTime(iso)) : text;
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

/**
 * Paces a refresh: the returned poke() calls fn (which may return a promise) at most once every `ms` and never twice
 * at once; pokes meanwhile make one call after, however many they are (a parent of 10,000 children ending at once
 * reads its level once a second, not per end). poke.cancel() drops a call not yet made.
 */
export function paced(fn, ms) {
  let timer = null;
  let running = false;
  let again = false;
  let last = -Infinity;
  const run = () => {
    timer = null;
    running = true;
    again = false;
    last = Date.now();
    Promise.resolve().then(fn).catch(() => {}).finally(() => { running = false; if (again) poke(); });
  };
  const poke = () => {
    if (running) { again = true; return; }
    if (!timer) timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
  poke.cancel = () => { clearTimeout(timer); timer = null; again = false; };
  return poke;
}

export function num(n) { return (n ?? 0).toLocaleString(); }

export function toast(message, bad = false) {
  const t = h('div', { class: 'toast' + (bad ? ' bad' : ''), role: 'status' }, message);
  document.getElementById('toasts').append(t);
  setTimeout(() => t.remove(), bad ? 7000 : 3500);
}

/**
 * The Idempotency-Key of one user action that starts runs (a dialog's start, fire, restart or rerun): the
 * same for each try of the action, so that a second click or a retry after a lost answer gets the run the
 * first try started instead of a second one; a new one once what the action sends changes (another input,
 * another step), which the server would refuse under the first key (422).
 * Usage: `const key = actionKey();` when the dialog opens, `key(whatIsSent)` for each request.
 */
export function actionKey() {
  let key;
  let sent;
  return (what = '') => {
    if (key === undefined || what !== sent) { key = newKey(); sent = what; }
    return key;
  };
}

// crypto.randomUUID exists only in secure contexts (https, localhost): a console served over plain http
// elsewhere makes a version-4 UUID of getRandomValues, which every context has.
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Runs an action for a click of `button`, reporting success or the server's problem detail; the button stays
 * disabled while the request is in flight (see allowWhen).
 */
export async function act(button, fn, okMessage) {
  if (button) { button.disabled = true; button.dataset.busy = 'true'; }
  try {
    const result = await fn();
    if (okMessage) toast(typeof okMessage === 'function' ? okMessage(result) : okMessage);
    return result === undefined ? true : result;
  } catch (e) {
    toast(e.message, true);
    return undefined;
  } finally {
    if (button) { delete button.dataset.busy; button.disabled = false; }
  }
}

/**
 * Enables an action's button when what it would send is valid (an editor's onChange), but never while its
 * request is under way: an edit meanwhile enabled it, and a second click sent the action twice.
 */
export function allowWhen(button, ok) {
  button.disabled = !ok || button.dataset.busy === 'true';
}

export function modal(title, body, buttons) {
  const root = document.getElementById('modal-root');
  const onKey = (e) => { if (e.key === 'Escape') close(); };
  const close = () => { document.removeEventListener('keydown', onKey); clear(root); };
  document.addEventListener('keydown', onKey);
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

export function kpi(label, value, cls, hint, href) {
  return h(href ? 'a' : 'div', { class: `card kpi ${cls || ''}${href ? ' link' : ''}`, href }, h('div', { class: 'label' }, label),
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

/** Where JSON text breaks: { line, column, offset, message }, or null when it parses. */
export function jsonError(text) {
  try { JSON.parse(text); return null; } catch (e) {
    const found = scanJson(text);
    if (!found) return { line: null, column: null, offset: null, message: String(e.message) };
    const before = text.slice(0, found.offset).split('\n');
    return { line: before.length, column: before[before.length - 1].length + 1, offset: found.offset, message: found.message };
  }
}

/** A strict JSON scanner that says where the first error is (engines' messages differ and often omit it). */
function scanJson(text) {
  const n = text.length;
  let i = 0;
  const fail = (message, at = i) => { throw { offset: Math.min(at, n), message }; };
  const what = () => {
    if (i >= n) return 'the end of the input';
    const c = text[i];
    return c === '\n' || c === '\r' ? 'a line break' : c === "'" ? 'a single quote (JSON uses double quotes)' : c === '\t' ? 'a tab' : `'${c}'`;
  };
  const ws = () => { while (i < n && ' \t\n\r'.includes(text[i])) i++; };
  const string = () => {
    const start = i++;
    while (i < n) {
      const c = text[i];
      if (c === '"') { i++; return; }
      if (c === '\\') {
        const x = text[i + 1];
        if (x !== undefined && '"\\/bfnrt'.includes(x)) { i += 2; continue; }
        if (x === 'u' && /^[0-9a-fA-F]{4}$/.test(text.substr(i + 2, 4))) { i += 6; continue; }
        fail('Invalid escape sequence in a string');
      }
      if (c.charCodeAt(0) < 0x20) fail(c === '\n' ? 'Line break inside a string (missing closing quote?)' : 'Unescaped control character in a string');
      i++;
    }
    fail('Unterminated string (missing closing quote)', start);
  };
  const value = () => {
    ws();
    if (i >= n) fail('Unexpected end of input, expected a value');
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`Expected a double-quoted property name, found ${what()}`);
        string(); ws();
        if (text[i] !== ':') fail(`Expected ':' after the property name, found ${what()}`);
        i++; value(); ws();
        if (text[i] === ',') { i++; ws(); if (text[i] === '}') fail("Trailing comma before '}'"); continue; }
        if (text[i] === '}') { i++; return; }
        fail(`Expected ',' or '}' after a property value, found ${what()}`);
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (text[i] === ',') { i++; ws(); if (text[i] === ']') fail("Trailing comma before ']'"); continue; }
        if (text[i] === ']') { i++; return; }
        fail(`Expected ',' or ']' after an array element, found ${what()}`);
      }
    }
    if (c === '"') { string(); return; }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
      m.lastIndex = i;
      const r = m.exec(text);
      if (!r || r[0] === '-') fail('Invalid number');
      i += r[0].length;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) { i += word.length; return; }
      if (word[0] === c) {
        let k = 0;
        while (text[i + k] === word[k]) k++;
        fail(`Invalid literal, expected ${word}`, i + k);
      }
    }
    fail(`Unexpected ${what()}, expected a value${c === "'" ? ' (JSON strings use double quotes)' : ''}`);
  };
  try {
    value(); ws();
    if (i < n) fail(`Unexpected ${what()} after the end of the JSON value`);
    return null;
  } catch (e) {
    if (e && typeof e.offset === 'number') return e;
    throw e;
  }
}

/** Where JSON text breaks, as "line L, column C: message". */
export function jsonProblem(text) {
  const e = jsonError(text);
  if (!e) return null;
  return e.line ? `line ${e.line}, column ${e.column}: ${e.message}` : e.message;
}

/**
 * A JSON editor that reports invalid JSON (line and column) as you type, before anything is sent.
 * Returns { el, input, msg, check(), value() }; value() is the text, or '' for an empty editor.
 */
export function jsonEditor({ id, value = '{\n  \n}', label = 'JSON', allowEmpty = true, emptyText = 'Empty: sent as {}', compact = false, onChange } = {}) {
  const input = h('textarea', { class: 'json-input' + (compact ? ' compact' : ''), id, spellcheck: 'false', autocomplete: 'off', 'aria-label': label });
  input.value = value;
  const msg = h('div', { class: 'field-msg', id: id ? `${id}-msg` : undefined, role: 'status' });
  let problem = null;
  const check = () => {
    const text = input.value;
    const empty = text.trim() === '';
    problem = empty ? (allowEmpty ? null : { message: 'Enter a JSON value' }) : jsonError(text);
    input.classList.toggle('invalid', !!problem);
    input.setAttribute('aria-invalid', problem ? 'true' : 'false');
    msg.className = 'field-msg ' + (problem ? 'bad' : 'good');
    if (problem) {
      fill(msg, `Invalid JSON – ${problem.line ? `line ${problem.line}, column ${problem.column}: ` : ''}${problem.message}`,
        problem.offset !== null && problem.offset !== undefined ? h('button', { type: 'button', class: 'link-btn', onclick: () => {
          input.focus();
          input.setSelectionRange(problem.offset, Math.min(problem.offset + 1, input.value.length));
        } }, 'show') : null);
    } else {
      fill(msg, empty ? emptyText : 'Valid JSON');
    }
    if (onChange) onChange(!problem);
    return !problem;
  };
  input.addEventListener('input', check);
  const el = h('div', { class: 'json-editor' }, input, msg);
  return { el, input, msg, check, value: () => input.value.trim() };
}

/** "in 4m" or "4m ago", for times either side of now. */
export function relative(iso) {
  if (!iso) return '–';
  const ms = new Date(iso).getTime() - Date.now();
  const s = Math.round(Math.abs(ms) / 1000);
  let text;
  if (s < 5) return ms > 0 ? 'in a few seconds' : 'just now';
  if (s < 60) text = `${s}s`;
  else if (s < 3600) text = `${Math.floor(s / 60)}m${s < 600 && s % 60 ? ` ${s % 60}s` : ''}`;
  else if (s < 86400) text = `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ''}`;
  else text = `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)}h` : ''}`;
  return ms > 0 ? `in ${text}` : `${text} ago`;
}

/** A time element that shows a relative time and keeps the exact one in its tooltip. */
export function when(iso, cls = '') {
  if (!iso) return h('span', { class: 'muted' }, '–');
  return h('time', { datetime: iso, class: `rel ${cls}`, title: `${new Date(iso).toLocaleString(undefined, { hour12: false })} (${utc(iso)})` }, relative(iso));
}

/** Refreshes every relative time under a root (cheap: no request). */
export function tickRelative(root) {
  root.querySelectorAll('time.rel[datetime]').forEach((t) => { t.textContent = relative(t.getAttribute('datetime')); });
}

/** Copies text to the clipboard (also over plain http, where navigator.clipboard is missing). */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
  } catch { /* fall back */ }
  const area = h('textarea', { style: 'position:fixed;left:-9999px;top:0', readonly: true });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  area.remove();
  return ok;
}

export function copyButton(text, label = 'Copy') {
  return h('button', { type: 'button', class: 'btn small copy', title: 'copy to the clipboard', onclick: async (e) => {
    const b = e.currentTarget;
    const ok = await copyText(typeof text === 'function' ? text() : text);
    b.textContent = ok ? 'Copied ✓' : 'Copy failed';
    setTimeout(() => { b.textContent = label; }, 1500);
  } }, label);
}

/** "by alice — customer called" on a history entry an operator's action wrote (its "operator" and "operatorReason"). */
export function byOperator(d) {
  return d && d.operator ? h('span', { class: 'muted small by-operator' }, ` by ${d.operator}${d.operatorReason ? ` — ${d.operatorReason}` : ''}`) : null;
}

/**
 * The optional "Reason" of an operator action, sent along (the history shows "by alice — reason"):
 * { el, value() } where value() is the trimmed text, or undefined when left empty.
 */
export function reasonField() {
  const input = h('input', { type: 'text', id: 'action-reason', maxlength: 1000, placeholder: 'why (optional): kept in the history with your name' });
  return { el: h('label', { class: 'reason-field' }, 'Reason ', input), value: () => input.value.trim() || undefined };
}

/**
 * Asks before doing something; with `reason`, an operator action, offers the optional Reason field and passes its
 * value to fn. Resolves when done (or never, when canceled).
 */
export function confirmDialog(title, text, verb, fn, { danger = false, id, reason: withReason = false } = {}) {
  const reason = withReason ? reasonField() : { el: null, value: () => undefined };
  modal(title, h('div', {}, h('p', { class: 'confirm-text' }, text), reason.el), (close) => [
    h('button', { class: 'btn', onclick: close }, 'Cancel'),
    h('button', { class: `btn ${danger ? 'danger solid' : 'primary'}`, id, onclick: async (e) => {
      const r = await act(e.currentTarget, () => fn(reason.value()));
      if (r !== undefined) close();
    } }, verb)]);
}

/** An on/off switch (a checkbox with role=switch). */
export function toggle(on, onchange, { label, id, disabled } = {}) {
  const input = h('input', { type: 'checkbox', role: 'switch', id, checked: on, disabled, 'aria-label': label });
  input.addEventListener('change', (e) => onchange(e.currentTarget.checked, e.currentTarget));
  input.addEventListener('click', (e) => e.stopPropagation());
  return h('label', { class: 'switch', title: label, onclick: (e) => e.stopPropagation() }, input, h('span', { class: 'track' }, h('span', { class: 'thumb' })));
}

export function statusBar(stats) {
  const total = stats.total || 0;
  const pct = (n) => total ? `${(100 * n) / total}%` : '0';
  // the title names every part the bar shows: the awaiting and stalled (amber) and canceled (grey) ones too
  const parts = [[stats.completed, 'completed'], [stats.running, 'running'], [stats.awaiting, 'awaiting'], [stats.stalled, 'stalled'],
    [stats.failed, 'failed'], [stats.canceled, 'canceled']].filter(([n], i) => n || i === 0 || i === 4);
  return h('div', { class: 'bar-stack', title: parts.map(([n, what]) => `${num(n)} ${what}`).join(', ') },
    h('span', { class: 'ok', style: `width:${pct(stats.completed)}` }),
    h('span', { class: 'run', style: `width:${pct(stats.running)}` }),
    h('span', { class: 'wait', style: `width:${pct(stats.awaiting + stats.stalled)}` }),
    h('span', { class: 'fail', style: `width:${pct(stats.failed)}` }),
    h('span', { class: 'other', style: `width:${pct(stats.canceled)}` }));
}
