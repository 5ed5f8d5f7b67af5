// Triggers: what starts flows. The list with live statistics, a trigger's detail with its history and
// the runs it started, fire-with-payload, enable/disable, delete, and the create/edit form with a live
// cron preview (validated by the server), an interval's next ticks and the webhook instructions.
import { api, ApiError } from '../api.js';
import { live } from '../live.js';
import {
  h, fill, badge, card, kpi, num, dateTime, short, act, actionKey, allowWhen, modal, jsonView, jsonEditor, relative, when, tickRelative,
  copyButton, confirmDialog, reasonField, byOperator, toggle, toast, utc,
} from '../ui.js';
import { labelTags } from './runs.js';

export const TYPES = {
  schedule: { icon: '◷', label: 'Schedule', short: 'on a cron schedule or interval', text: 'Starts the flows on a cron schedule or at a fixed interval, once per tick across all instances.' },
  webhook: { icon: '⇣', label: 'Webhook', short: 'POSTed by another system', text: 'Starts the flows when another system POSTs JSON to its URL.' },
  manual: { icon: '▶', label: 'Manual', short: 'fired on demand', text: 'Starts the flows on demand: from the console or the API.' },
  event: { icon: '✦', label: 'Event', short: 'on a named event', text: 'Starts the flows when a named event is emitted by a step or published.' },
};

const NAME = /^[A-Za-z0-9._-]{1,100}$/;
const PRESETS = [
  ['every minute', '* * * * *'], ['every 5 minutes', '*/5 * * * *'], ['hourly', '0 * * * *'],
  ['daily 09:00', '0 9 * * *'], ['weekdays 09:00', '0 9 * * MON-FRI'], ['every 10 s', '*/10 * * * * *'],
];

const plural = (n, word) => `${num(n)} ${word}${n === 1 ? '' : 's'}`;

/** Interval units, largest first: an interval is shown in the largest that divides it. */
const UNITS = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];

/** "PT1M30S", "PT36H", "P2D" (as java.time writes a Duration) → seconds; null for anything else. */
function everySeconds(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso || '');
  return m ? (+m[1] || 0) * 86400 + (+m[2] || 0) * 3600 + (+m[3] || 0) * 60 + (+m[4] || 0) : null;
}

/** 90 → [90, 'second'], 129600 → [36, 'hour']. */
function everyIn(seconds) {
  const [unit, size] = UNITS.find(([, size]) => seconds % size === 0);
  return [seconds / size, unit];
}

/** "every 90 seconds", "every hour": the words the server uses for an interval. */
function describeEvery(seconds) {
  const [n, unit] = everyIn(seconds);
  return n === 1 ? `every ${unit}` : `every ${plural(n, unit)}`;
}

/**
 * The next ticks of an interval from its first one. Without one from the server (a trigger not yet
 * saved), the first is the interval's next multiple since 1970-01-01T00:00:00Z, as the server counts.
 */
function intervalTicks(seconds, count, firstIso) {
  const first = firstIso ? Date.parse(firstIso) / 1000 : (Math.floor(Date.now() / 1000 / seconds) + 1) * seconds;
  return Array.from({ length: count }, (_, i) => new Date((first + i * seconds) * 1000).toISOString().replace('.000Z', 'Z'));
}

/** The console address of a trigger ("new" is the create form, so that name gets a trailing slash). */
export function triggerHref(name) {
  return `#/triggers/${encodeURIComponent(name)}${name === 'new' ? '/' : ''}`;
}

export function typeBadge(type) {
  return h('span', { class: `ttype ${type}`, title: TYPES[type] ? TYPES[type].text : '' }, h('span', { class: 'ico', 'aria-hidden': 'true' }, TYPES[type] ? TYPES[type].icon : '•'), type);
}

function origin(t) {
  return t.declared
    ? h('span', { class: 'pill origin', title: 'declared with @Trigger in the code' }, 'declared')
    : h('span', { class: 'pill origin runtime', title: 'created at run time (console or API)' }, 'runtime');
}

function flowLinks(flows) {
  return h('div', { class: 'chips' }, flows.map((f) => h('a', { class: 'pill flow-link', href: `#/flows/${encodeURIComponent(f)}`, onclick: (e) => e.stopPropagation() }, f)));
}

export function webhookUrl(name) {
  return `${location.origin}${api.base}/triggers/${encodeURIComponent(name)}/webhook`;
}

/** "NVENT-0210 cron expression … is invalid" → the message, with the code kept apart. */
function problemText(message) {
  const m = /^(NVENT-\d{4}) ([\s\S]*)$/.exec(message || '');
  return m ? [m[2], ' ', h('span', { class: 'code-tag' }, m[1])] : [message];
}

/** "10:15:21" today, "28 Nov 10:15:21" before. */
function stamp(iso) {
  const d = new Date(iso);
  const t = d.toLocaleTimeString(undefined, { hour12: false });
  return new Date().toDateString() === d.toDateString() ? t : `${d.toLocaleDateString('en-GB', { day: '2-digit', month: 'short' })} ${t}`;
}

function inZone(iso, zone) {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: '2-digit', month: 'short', year: 'numeric',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' }).format(new Date(iso));
  } catch {
    return new Date(iso).toISOString();
  }
}

const descriptions = new Map();
/** The human description of a cron expression (asked once per expression). */
async function describeCron(cron) {
  if (!descriptions.has(cron)) {
    descriptions.set(cron, api.cronPreview(cron, 'UTC', 1).then((p) => p.description).catch(() => null));
  }
  return descriptions.get(cron);
}

function scheduleCell(t) {
  const desc = h('div', { class: 'small muted cron-desc' });
  if (t.every) desc.textContent = describeEvery(everySeconds(t.every));
  else describeCron(t.cron).then((d) => { desc.textContent = d || ''; });
  return h('div', { class: 'schedule' },
    t.every ? h('div', {}, h('code', { class: 'cron every' }, t.every))
      : h('div', {}, h('code', { class: 'cron' }, t.cron), h('span', { class: 'muted small' }, ` ${t.timezone}`)),
    desc,
    t.overlap && t.overlap !== 'allow-all' ? h('div', { class: 'small muted overlap', dataset: { overlap: t.overlap } }, OVERLAP_WORDS[t.overlap]) : null,
    t.exclude && t.exclude.length ? h('div', { class: 'small muted exclude', title: t.exclude.join('\n') }, `except ${t.exclude.length === 1 ? t.exclude[0] : `${t.exclude.length} exclusion rules`}`) : null,
    t.enabled && t.nextFireAt
      ? h('div', { class: 'small next-fire', dataset: { next: t.nextFireAt } }, 'next ', when(t.nextFireAt), h('span', { class: 'muted' }, ` · ${dateTime(t.nextFireAt)}`))
      : h('div', { class: 'small muted' }, t.enabled ? 'no upcoming tick' : 'paused while disabled'));
}

/** An event trigger's filter as compact JSON text, as the server keeps it. */
function filterText(filter) {
  return JSON.stringify(filter);
}

/**
 * Whether valid JSON text gives a member twice in one object, which JSON.parse would merge silently (the
 * server refuses it, NVENT-0780): in valid JSON a string followed by ':' is a member name, so such text
 * names more members than the value has.
 */
function givesAMemberTwice(text, value) {
  const members = (v) => v !== null && typeof v === 'object'
    ? (Array.isArray(v) ? 0 : Object.keys(v).length) + Object.values(v).reduce((n, x) => n + members(x), 0) : 0;
  // Every string in turn (outside strings valid JSON has no quotes), counting those followed by ':'.
  return [...text.matchAll(/"(?:[^"\\]|\\.)*"(\s*:)?/g)].filter((m) => m[1]).length !== members(value);
}

/** "where {…}" after an event name: the filter that payloads must contain, for lists and history. */
function filterNote(filter) {
  return filter ? [h('span', { class: 'muted small' }, ' where '), h('code', { class: 'filter', title: 'fires only for events whose payload contains this' }, filterText(filter))] : null;
}

/** A trigger's concurrency key: fixed, or read from each fire's payload (after a prefix); runs with one key take turns, up to its limit at a time. */
function concurrencyKeyNote(t) {
  const atATime = t.concurrencyLimit > 1 ? 'up to ' + t.concurrencyLimit + ' at a time' : 'one at a time';
  if (t.concurrencyKey) return [h('code', {}, t.concurrencyKey), h('span', { class: 'muted small' }, ' — every run it starts holds it: they run ' + atATime)];
  if (t.concurrencyKeyFrom) return [t.concurrencyKeyPrefix ? [h('code', {}, t.concurrencyKeyPrefix), ' + '] : null, h('span', { class: 'muted small' }, 'the value at '), h('code', {}, t.concurrencyKeyFrom),
    h('span', { class: 'muted small' }, ' of each fire\'s payload: runs with one value run ' + atATime + '; a payload without one starts nothing (422)')];
  return h('span', { class: 'muted' }, 'none: its runs do not wait for each other');
}

/** How a trigger starts its flows, in one line of text (the flow page's "Started by"). */
export function triggerSource(t) {
  switch (t.type) {
    case 'schedule': {
      const seconds = t.every ? everySeconds(t.every) : null;
      const tick = seconds ? describeEvery(seconds) : `cron ${t.cron || t.every} (${t.timezone})`;
      return t.enabled && t.nextFireAt ? `${tick} · next ${dateTime(t.nextFireAt)}` : tick;
    }
    case 'webhook': {
      const guards = [t.signed ? 'signed' : null, t.apiKey ? 'API key' : null].filter(Boolean);
      return `POST ${t.webhookPath || `/api/nvent/triggers/${t.name}/webhook`}${guards.length ? ` (${guards.join(', ')})` : ''}`;
    }
    case 'event': return `on event ${t.event}${t.filter ? ` where ${filterText(t.filter)}` : ''}`;
    default: return 'fired on demand';
  }
}

/** The signature scheme as the server reads it (any case). */
function schemeOf(t) {
  return (t.signatureScheme || 'nvent').toLowerCase();
}

function sourceCell(t) {
  const cell = sourceOf(t);
  if (t.batchMax) {
    return h('div', {}, cell, h('div', { class: 'small muted batch', dataset: { batchMax: String(t.batchMax) } },
      `one run per ${t.batchMax} fires${t.batchKeyFrom ? ` of each ${t.batchKeyFrom}` : ''}, or ${t.batchWindow} after the first`));
  }
  return t.debounce ? h('div', {}, cell, h('div', { class: 'small muted debounce', dataset: { debounce: t.debounce } },
    `one run per burst${t.debounceKeyFrom ? ` of each ${t.debounceKeyFrom}` : ''}, ${t.debounce} after its last fire`)) : cell;
}

function sourceOf(t) {
  switch (t.type) {
    case 'schedule': return scheduleCell(t);
    case 'webhook': return h('div', { class: 'webhook-cell' },
      h('div', { class: 'mono small path', title: webhookUrl(t.name) }, h('span', { class: 'method' }, 'POST'), ' ', t.webhookPath || `/api/nvent/triggers/${t.name}/webhook`),
      t.signed && schemeOf(t) === 'github' ? h('div', { class: 'small muted', title: 'GitHub signs the body with HMAC-SHA256 (X-Hub-Signature-256)' }, 'signed (GitHub)') : null,
      t.signed && schemeOf(t) === 'nvent' ? h('div', { class: 'small muted', title: 'callers sign "<timestamp>.<body>" with HMAC-SHA256' }, 'signed (HMAC-SHA256)') : null,
      t.signed && !['nvent', 'github'].includes(schemeOf(t)) ? h('div', { class: 'small bad', title: 'every call answers 500 until the setting names nvent or github' }, `misconfigured: signature scheme '${t.signatureScheme}'`) : null,
      t.apiKey ? h('div', { class: 'small muted', title: 'callers send one of the configured keys; the keys never leave the server' }, `API key (${apiKeyHeaderText(t)})`) : null,
      !t.signed && !t.apiKey ? h('div', { class: 'small bad', title: t.warning || 'anyone who reaches the URL starts its flows' }, 'unprotected: anyone can fire it') : null,
      copyButton(() => webhookUrl(t.name), 'Copy URL'));
    case 'event': return h('div', {}, h('span', { class: 'muted small' }, 'on event '), h('span', { class: 'pill' }, t.event), filterNote(t.filter));
    default: return h('span', { class: 'muted small' }, 'fired on demand');
  }
}

function activityCell(t) {
  const s = t.stats;
  return h('div', { class: 'activity' },
    h('div', { class: 'small' }, h('strong', {}, num(s.fires)), ` fire${s.fires === 1 ? '' : 's'} · `, h('strong', {}, num(s.runsStarted)), ` run${s.runsStarted === 1 ? '' : 's'} started`),
    h('div', { class: 'small muted' }, s.lastFiredAt ? ['last ', when(s.lastFiredAt)] : 'never fired'),
    s.lastError ? h('div', { class: 'small error-line ellipsis', title: s.lastError }, '⚠ ', s.lastError) : null);
}

/** Asks, with a Reason for the audit trail, before enabling or disabling a trigger; then calls after(). */
function setEnabled(t, on, after) {
  confirmDialog(on ? `Enable ${t.name}?` : `Disable ${t.name}?`,
    on ? 'The trigger starts its flows again when it fires.' : 'The trigger fires nothing until it is enabled again.',
    on ? '▶ Enable' : '❚❚ Disable', async (reason) => {
      await (on ? api.enableTrigger(t.name, reason) : api.disableTrigger(t.name, reason));
      toast(on ? `Enabled ${t.name}` : `Disabled ${t.name}`);
      after();
    }, { id: on ? 'confirm-trigger-enable' : 'confirm-trigger-disable', reason: true });
}

// ------------------------------------------------------------------------------------------ list

export function triggersView(ctx) {
  ctx.crumbs('Triggers');
  ctx.actions(h('a', { class: 'btn primary', href: '#/triggers/new', id: 'new-trigger' }, '+ New trigger'));
  let filter = TYPES[ctx.query.type] ? ctx.query.type : 'all';
  let triggers = null;
  const kpis = h('div', { class: 'grid kpis', id: 'trigger-kpis' });
  const seg = h('div', { class: 'seg', id: 'type-filter', role: 'group', 'aria-label': 'trigger type' });
  const body = h('div', { class: 'card-body flush' }, h('div', { class: 'empty' }, h('span', { class: 'spin' })));
  ctx.view.append(kpis, card('Triggers', 'schedules, webhooks, manual fires and events that start flows', body, seg));

  const render = () => {
    const count = (type) => triggers.filter((t) => type === 'all' || t.type === type).length;
    fill(seg, ['all', ...Object.keys(TYPES)].map((type) => h('button', { class: type === filter ? 'on' : '', dataset: { type },
      onclick: () => { filter = type; ctx.setQuery({ type: type === 'all' ? '' : type }); render(); } },
    type === 'all' ? 'all' : TYPES[type].label.toLowerCase(), h('span', { class: 'count' }, count(type)))));
    const next = triggers.filter((t) => t.enabled && t.nextFireAt).sort((a, b) => a.nextFireAt.localeCompare(b.nextFireAt))[0];
    const failing = triggers.filter((t) => t.stats.lastError);
    fill(kpis,
      kpi('Triggers', num(triggers.length), '', `${triggers.filter((t) => t.enabled).length} enabled · ${triggers.filter((t) => !t.declared).length} runtime`),
      kpi('Next scheduled fire', next ? relative(next.nextFireAt) : '–', 'run', next ? `${next.name} at ${dateTime(next.nextFireAt)}` : 'no schedule enabled'),
      kpi('Fires', num(triggers.reduce((a, t) => a + t.stats.fires, 0)), 'ok', plural(triggers.reduce((a, t) => a + t.stats.runsStarted, 0), 'run') + ' started'),
      kpi('With errors', num(failing.length), failing.length ? 'fail' : '', failing.length ? failing.map((t) => t.name).join(', ') : 'last fires all fine'));
    const shown = triggers.filter((t) => filter === 'all' || t.type === filter);
    fill(body, shown.length ? h('table', { id: 'triggers-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Trigger'), h('th', {}, 'Type'), h('th', {}, 'Flows'), h('th', {}, 'Schedule · source'),
        h('th', {}, 'Activity'), h('th', {}, 'Enabled'), h('th', {}, ''))),
      h('tbody', {}, shown.map((t) => h('tr', { class: 'click' + (t.enabled ? '' : ' off'), dataset: { trigger: t.name, enabled: String(t.enabled) },
        onclick: () => { location.hash = triggerHref(t.name); } },
        h('td', { class: 'trigger-name' }, h('div', {}, h('a', { href: triggerHref(t.name), onclick: (e) => e.stopPropagation() }, h('strong', {}, t.name)), ' ', origin(t)),
          t.description ? h('div', { class: 'small muted ellipsis', title: t.description }, t.description) : null),
        h('td', {}, typeBadge(t.type)),
        h('td', {}, flowLinks(t.flows)),
        h('td', {}, sourceCell(t)),
        h('td', {}, activityCell(t)),
        h('td', {}, toggle(t.enabled, (on, input) => { input.checked = !on; setEnabled(t, on, load); }, { label: `${t.enabled ? 'disable' : 'enable'} ${t.name}` })),
        h('td', { class: 'num' }, t.type === 'schedule' ? h('button', { class: 'btn small', dataset: { backfill: t.name }, title: 'fire the ticks of a past range, each once',
          onclick: (e) => { e.stopPropagation(); backfillDialog(t, load); } }, '⟲ Backfill…') : null, ' ',
        h('button', { class: 'btn small', dataset: { fire: t.name }, disabled: !t.enabled, title: t.enabled ? 'fire now with a JSON payload' : 'enable the trigger to fire it',
          onclick: (e) => { e.stopPropagation(); fireDialog(t, load); } }, '⚡ Fire'))))))
      : h('div', { class: 'empty' }, triggers.length ? `No ${filter} triggers` : h('span', {}, 'No triggers yet. ', h('a', { href: '#/triggers/new' }, 'Create one'), ' or declare them with @Trigger.')));
  };

  async function load() {
    try {
      triggers = await api.triggers();
      render();
    } catch (e) {
      fill(body, h('div', { class: 'empty' }, e.message));
    }
  }
  load();
  let timer;
  const off = live.stats(() => { clearTimeout(timer); timer = setTimeout(load, 400); });
  const poll = setInterval(load, 15000);
  const tick = setInterval(() => tickRelative(ctx.view), 5000);
  return () => { off(); clearTimeout(timer); clearInterval(poll); clearInterval(tick); };
}

// ------------------------------------------------------------------------------------------ fire

/** Fires a trigger with a JSON payload, checked (line and column) before anything is sent. */
export async function fireDialog(t, after) {
  let example = '{\n  \n}';
  try {
    const detail = await api.trigger(t.name, 20);
    const last = detail.history.find((e) => (e.type === 'trigger.fired' || e.type === 'trigger.failed') && e.data && e.data.payload !== undefined);
    if (last) example = JSON.stringify(last.data.payload, null, 2);
  } catch { /* no example */ }
  const fireBtn = h('button', { class: 'btn primary', id: 'fire-submit' }, '⚡ Fire');
  const key = actionKey();
  const editor = jsonEditor({ id: 'fire-input', value: example, label: 'payload (JSON)', emptyText: 'Empty: the runs receive {}', onChange: (ok) => allowWhen(fireBtn, ok) });
  const reason = reasonField();
  const close = modal(`Fire ${t.name}`, h('div', {},
    h('p', { class: 'muted small' }, 'Starts ', t.flows.map((f, i) => [i ? ', ' : '', h('strong', {}, f)]),
      ' now. The JSON below becomes the input of each flow\'s entry step.'),
    editor.el, reason.el), (closeFn) => [h('button', { class: 'btn', onclick: closeFn }, 'Cancel'), fireBtn]);
  fireBtn.addEventListener('click', async () => {
    if (!editor.check()) return;
    const payload = editor.value() || '{}';
    const r = await act(fireBtn, () => api.fireTrigger(t.name, payload, key(payload), reason.value()),
      (res) => `Fired ${t.name}: ${res.runs.length} run${res.runs.length === 1 ? '' : 's'} started`);
    if (r) { close(); if (after) after(r); }
  });
  editor.check();
  editor.input.focus();
}

// ------------------------------------------------------------------------------------------ backfill

/** Ticks per backfill request: short requests, and progress to show between them. */
const BACKFILL_PAGE = 100;

/** An ISO instant without its milliseconds, as the server writes one. */
const isoSecond = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * How many ticks of a schedule fall within [from, to), in words: an interval's counted here, a cron's listed by
 * the server (TriggerService.nextTicks, up to 100).
 */
async function ticksWithin(t, from, to) {
  const seconds = everySeconds(t.every);
  if (t.every && seconds) {
    const first = Math.ceil(from / 1000 / seconds) * seconds * 1000;
    return first < to ? plural(Math.ceil((to - first) / 1000 / seconds), 'tick') : 'no tick';
  }
  const p = await api.cronPreview(t.cron, t.timezone, 100, isoSecond(from - 1000));
  const within = p.next.filter((tick) => Date.parse(tick) < to);
  return within.length === p.next.length && within.length === 100 ? 'more than 100 ticks'
    : within.length ? `${plural(within.length, 'tick')} (${dateTime(within[0])} to ${dateTime(within[within.length - 1])})` : 'no tick';
}

/**
 * Fires a schedule's ticks within a past range (POST …/backfill), a page at a time while the server gives the next
 * page's start, showing the running totals: each tick once, unless refire fires those that fired again.
 */
export function backfillDialog(t, after) {
  const hour = 3600000;
  const end = Math.floor(Date.now() / hour) * hour;
  // Not the last 24 hours: claims are kept a day by default, less a margin of 10 minutes, and a range older is refused without refire.
  const fromIn = h('input', { id: 'backfill-from', type: 'text', value: isoSecond(end - 12 * hour), spellcheck: 'false' });
  const toIn = h('input', { id: 'backfill-to', type: 'text', value: isoSecond(end), spellcheck: 'false' });
  const refire = h('input', { id: 'backfill-refire', type: 'checkbox' });
  const preview = h('p', { class: 'small', id: 'backfill-preview', role: 'status' });
  const progress = h('p', { class: 'small', id: 'backfill-progress', role: 'status' });
  const go = h('button', { class: 'btn primary', id: 'backfill-submit', disabled: true }, 'Backfill');
  // one reason, sent with every page: each page is audited, with it
  const reason = reasonField();
  const close = modal(`Backfill ${t.name}`, h('div', {},
    h('p', { class: 'muted small' }, 'Fires each tick of the schedule within [from, to), the oldest first, each as its tick '
      + '(its runs read it as scheduledAt), also while the trigger is disabled. A tick that fired already (by the schedule, a '
      + 'late fire or an earlier backfill) is left alone, so the range can be given again safely; that is known for the '
      + 'ticks whose claims the store keeps (a day, or the longest misfire grace of a trigger). Refire fires every tick again, at any age.'),
    h('div', { class: 'row' },
      h('div', { class: 'field grow' }, h('label', { for: 'backfill-from' }, 'From (ISO instant, included)'), fromIn),
      h('div', { class: 'field grow' }, h('label', { for: 'backfill-to' }, 'To (excluded, not after now)'), toIn)),
    h('label', { class: 'small' }, refire, ' Refire: fire the ticks that fired already again too'),
    reason.el, preview, progress), (closeFn) => [h('button', { class: 'btn', onclick: closeFn }, 'Close'), go]);
  const range = () => {
    const from = Date.parse(fromIn.value.trim());
    const to = Date.parse(toIn.value.trim());
    return Number.isNaN(from) || Number.isNaN(to) || to <= from ? null : { from, to };
  };
  let asked = 0;
  const count = async () => {
    const r = range();
    const mine = ++asked;
    go.disabled = !r;
    if (!r) { fill(preview, h('span', { class: 'bad' }, 'Give two ISO instants, to after from (2030-03-01T00:00:00Z)')); return; }
    fill(preview, h('span', { class: 'spin' }), ' counting the ticks…');
    try {
      const words = await ticksWithin(t, r.from, r.to);
      if (mine === asked) fill(preview, h('strong', {}, words), ` of ${t.cron || describeEvery(everySeconds(t.every))} within the range`);
    } catch (e) {
      if (mine === asked) fill(preview, h('span', { class: 'bad' }, e.message));
    }
  };
  fromIn.addEventListener('input', count);
  toIn.addEventListener('input', count);
  count();
  go.addEventListener('click', async () => {
    const r = range();
    if (!r) return;
    go.disabled = true;
    const total = { pages: 0, ticks: 0, fired: 0, alreadyFired: 0, inDoubt: 0, notFired: 0 };
    const line = () => `${plural(total.ticks, 'tick')}: ${num(total.fired)} fired, ${num(total.alreadyFired)} had fired already`
      + (total.inDoubt ? `, ${num(total.inDoubt)} in doubt (another instance holds their claim: backfill again later)` : '')
      + (total.notFired ? `, ${num(total.notFired)} not fired (the trigger was deleted)` : '');
    let from = isoSecond(r.from);
    try {
      do {
        fill(progress, h('span', { class: 'spin' }), ` page ${total.pages + 1} · ${line()} so far`);
        const page = await api.backfill(t.name, { from, to: isoSecond(r.to), limit: BACKFILL_PAGE, refire: refire.checked ? 'true' : undefined },
          reason.value());
        total.pages++;
        ['ticks', 'fired', 'alreadyFired', 'inDoubt', 'notFired'].forEach((k) => { total[k] += page[k]; });
        from = page.next || null;
      } while (from);
      fill(progress, h('strong', {}, 'Done: '), line());
      toast(`Backfilled ${t.name}: ${num(total.fired)} fired`);
      if (after) after();
    } catch (e) {
      // Backfill again goes on where this stopped: from the start, a refire would fire the pages done once more.
      fromIn.value = from;
      fill(progress, h('span', { class: 'bad' }, e.message), ` · ${line()} before; From is now where it stopped`);
      count();
    }
  });
  fromIn.focus();
  return close;
}

// ------------------------------------------------------------------------------------------ detail

const HISTORY_CLASS = {
  'trigger.registered': 'flow', 'trigger.updated': 'flow', 'trigger.enabled': 'ok', 'trigger.disabled': 'warn',
  'trigger.fired': 'ok', 'trigger.failed': 'bad', 'trigger.completed': 'ok', 'trigger.misfire-settings': 'flow',
  'trigger.skipped': 'warn', 'trigger.recovered': 'warn',
};

/** A trigger's debounce (TriggerSpec.debounce) in words. */
function debounceNote(t) {
  if (!t.debounce) return h('span', { class: 'muted' }, 'none: each fire starts its runs');
  return [h('code', {}, t.debounce), h('span', { class: 'muted small' }, ` one run per burst${t.debounceKeyFrom ? ` of each ${t.debounceKeyFrom}` : ''}, with the latest payload, once quiet this long${t.debounceMax ? `, at most ${t.debounceMax} after its first fire` : ''}`)];
}

/** A trigger's batching (TriggerSpec.batch) in words. */
function batchNote(t) {
  if (!t.batchMax) return h('span', { class: 'muted' }, 'none: each fire starts its runs');
  return [h('code', {}, `${t.batchMax} / ${t.batchWindow}`), h('span', { class: 'muted small' }, ` one run with the payloads of up to ${t.batchMax} fires${t.batchKeyFrom ? ` of each ${t.batchKeyFrom}` : ''}, started once the batch is full or ${t.batchWindow} after its first fire`)];
}

/** What a trigger's fire does while a run it started is under way (TriggerSpec.overlap), in words. */
const OVERLAP_WORDS = {
  skip: 'skips a tick while its run is under way',
  'buffer-one': 'keeps one run waiting behind the one under way, skips further ticks',
  'buffer-all': 'each run waits its turn behind those under way',
  'cancel-other': 'cancels its run under way, then starts',
  'allow-all': 'runs start side by side, whatever is under way',
};

/**
 * The exclusion rules written in the form's Except field, each as the server reads one (ExclusionRules): one a line
 * or comma-separated, but a rule starting "cron:" takes the rest of its line, as a cron expression holds commas
 * (*\/5,*\/7) and the server reads all after "cron:" as the expression.
 */
function exclusionRules(text) {
  return text.split('\n').flatMap((line) => {
    const rules = [];
    let rest = line;
    while (rest.trim() !== '') {
      const start = rest.trimStart();
      const comma = start.indexOf(',');
      if (start.startsWith('cron:') || comma < 0) { rules.push(start); break; }
      rules.push(start.slice(0, comma));
      rest = start.slice(comma + 1);
    }
    return rules;
  }).map((r) => r.trim()).filter((r) => r !== '');
}

/**
 * The misfire policy and grace that apply to a schedule (the server resolves an inheriting one's to the
 * deployment's), and whether each is its own or which deployment setting it comes from.
 */
function misfireNote(t) {
  const e = t.effectiveMisfire;
  const policy = {
    'fire-once': (t.exclude || []).length
      ? 'the latest one no exclusion rule excludes (within the grace) fires once at start, late, as that tick'
      : 'the latest one fires once at start, late, as that tick',
    'fire-all': 'each one fires once at start, late, as its tick, the oldest first (at most the latest 100)',
    skip: 'none fires',
  }[e.policy];
  const source = (from, words, setting) => h('span', { class: 'muted' },
    from === 'trigger' ? ` (${words})` : ` (deployment setting ${setting})`);
  return [
    h('div', {}, policy, ' · ', h('strong', {}, e.policy), source(e.policyFrom, `its own policy, ${e.policy}`, 'nvent.triggers.misfire')),
    e.policy === 'skip' ? null : h('div', { class: 'small' }, 'not if older than ', h('code', {}, e.grace),
      source(e.graceFrom, 'its own', 'nvent.triggers.misfire-grace')),
    h('div', { class: 'small muted' }, 'Ticks that fell while no instance ran (a deploy, an outage); see NVENT-0133/0134 in the log.')];
}

function definition(d) {
  return h('span', {}, d.type ? typeBadge(d.type) : null,
    d.cron ? [' ', h('code', { class: 'cron' }, d.cron), h('span', { class: 'muted small' }, ` ${d.timezone || 'UTC'}`)] : null,
    d.every ? [' ', h('code', { class: 'cron every' }, d.every)] : null,
    d.event ? [' on ', h('span', { class: 'pill' }, d.event), filterNote(d.filter)] : null,
    d.flows ? [h('span', { class: 'muted' }, ' → '), d.flows.map((f, i) => [i ? ', ' : '', h('a', { href: `#/flows/${encodeURIComponent(f)}` }, f)])] : null,
    d.misfire || d.misfireGrace ? h('span', { class: 'muted small' }, ` · missed ticks: ${[d.misfire, d.misfireGrace ? `grace ${d.misfireGrace}` : null].filter(Boolean).join(', ')}`) : null,
    d.overlap ? h('span', { class: 'muted small' }, ` · overlap: ${d.overlap}`) : null,
    d.enabled === false ? h('span', { class: 'muted small' }, ' · disabled') : null);
}

export function triggerView(ctx) {
  const [name] = ctx.params;
  ctx.crumbs(['Triggers', '#/triggers'], name);
  const kpis = h('div', { class: 'grid kpis', id: 'trigger-stats' });
  const facts = h('dl', { class: 'facts', id: 'trigger-facts' });
  const howBody = h('div', { class: 'card-body how' });
  const howTitle = h('h2', {}, 'How it fires');
  const list = h('ul', { class: 'timeline history', id: 'trigger-history' });
  const counter = h('span', { class: 'sub' }, 'loading…');
  ctx.view.append(kpis, h('div', { class: 'grid main-side top' },
    h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('div', {}, h('h2', {}, 'History'), counter),
      h('span', { class: 'muted small' }, 'newest first · runs update live')), h('div', { class: 'card-body flush' }, list)),
    h('div', { class: 'grid', style: 'align-content:start' },
      card('Overview', null, h('div', { class: 'card-body' }, facts)),
      h('div', { class: 'card' }, h('div', { class: 'card-head' }, howTitle), howBody))));

  let t = null;
  let lastSeq = null;
  const statuses = new Map();  // runId -> status
  let howFor = null;

  const runChip = (id) => {
    const st = statuses.get(id);
    return h('a', { class: 'run-chip', href: `#/runs/${id}`, dataset: { run: id, status: st || '' } }, h('span', { class: 'mono' }, short(id)), st ? badge(st) : h('span', { class: 'spin' }));
  };

  const describe = (e) => {
    const d = e.data || {};
    switch (e.type) {
      case 'trigger.registered': return [h('span', {}, 'registered '), definition(d)];
      case 'trigger.updated': return [h('span', {}, 'definition updated '), definition(d)];
      case 'trigger.enabled': return 'enabled: fires again';
      case 'trigger.disabled': return 'disabled: no longer fires';
      case 'trigger.fired':
      case 'trigger.failed':
      case 'trigger.completed': {
        const runs = d.runs || [];
        const replayed = d.replayedRuns || [];
        return [
          d.error ? h('div', { class: 'error-line' }, d.error) : null,
          replayed.length ? h('div', { class: 'fired' }, [h('span', {}, `the retry of a fire that failed part way; started before:`), h('span', { class: 'chips' }, replayed.map(runChip))]) : null,
          h('div', { class: 'fired' }, runs.length ? [h('span', {}, `started ${runs.length} run${runs.length === 1 ? '' : 's'}`), h('span', { class: 'chips' }, runs.map(runChip))]
            : h('span', { class: 'muted' }, 'no run started')),
          d.payload !== undefined ? h('details', { class: 'data' }, h('summary', {}, d.payload && d.payload.scheduledAt ? `tick ${dateTime(d.payload.scheduledAt)}` : 'payload'), jsonView(d.payload)) : null,
          d.payloadOmitted ? h('details', { class: 'data' }, h('summary', {}, `payload of ${d.payloadOmitted.bytes} bytes: in full in the runs' input`), h('pre', {}, `${d.payloadOmitted.start}…`)) : null];
      }
      case 'trigger.skipped': return d.reason === 'excluded'
        ? [h('div', { class: 'fired excluded' }, h('span', {}, `no run started: tick ${dateTime(d.scheduledAt)} excluded by `), h('code', {}, d.rule))]
        : [
        h('div', { class: 'fired' }, h('span', {}, `no run started (overlap ${d.overlap}): run under way `), h('span', { class: 'chips' }, runChip(d.runUnderWay))),
        d.payload !== undefined ? h('details', { class: 'data' }, h('summary', {}, d.payload && d.payload.scheduledAt ? `tick ${dateTime(d.payload.scheduledAt)}` : 'payload'), jsonView(d.payload)) : null];
      case 'trigger.recovered': return [
        h('div', { class: 'fired' }, [h('span', {}, `recovered the pending run of key '${d.key}' whose instance stopped before storing it:`), h('span', { class: 'chips' }, runChip(d.runId))]),
        h('div', { class: 'small muted' }, d.message)];
      default: return Object.keys(d).length ? h('details', { class: 'data' }, h('summary', {}, 'data'), jsonView(d)) : '';
    }
  };

  const renderHistory = (history) => {
    const entries = [...history].sort((a, b) => b.seq - a.seq);
    const newest = entries.length ? entries[0].seq : 0;
    fill(list, entries.length ? entries.map((e) => h('li', { class: lastSeq !== null && e.seq > lastSeq ? 'new' : '', dataset: { seq: e.seq, type: e.type } },
      h('span', { class: 'seq' }, e.seq), h('span', { class: 'ts', title: utc(e.ts) }, stamp(e.ts)),
      h('span', { class: `type ${HISTORY_CLASS[e.type] || ''}` }, e.type), h('span', { class: 'msg' }, describe(e), byOperator(e.data))))
      : h('li', { class: 'empty-row' }, h('span', { class: 'muted' }, 'No history yet')));
    lastSeq = newest;
    counter.textContent = `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${entries.length >= 100 ? ' (latest 100)' : ''}`;
  };

  const renderFacts = () => {
    fill(facts,
      h('dt', {}, 'State'), h('dd', { id: 'trigger-state', dataset: { enabled: String(t.enabled) } }, h('span', { class: `badge ${t.enabled ? 'ok' : 'canceled'}` }, t.enabled ? 'enabled' : 'disabled')),
      h('dt', {}, 'Type'), h('dd', {}, typeBadge(t.type)),
      h('dt', {}, 'Origin'), h('dd', {}, origin(t), h('div', { class: 'small muted' }, t.declared
        ? 'Declared with @Trigger: disable it instead of deleting it; the code\'s definition applies again on restart.'
        : 'Created at run time; edit or delete it here.')),
      t.description ? [h('dt', {}, 'Description'), h('dd', {}, t.description)] : null,
      h('dt', {}, 'Starts'), h('dd', {}, flowLinks(t.flows)),
      t.type === 'event' ? [h('dt', {}, 'Event'), h('dd', {}, h('span', { class: 'pill' }, t.event))] : null,
      t.type === 'event' ? [h('dt', {}, 'Filter'), h('dd', { id: 'trigger-filter' }, t.filter
        ? [h('code', { class: 'filter' }, filterText(t.filter)), h('div', { class: 'small muted' }, 'Fires only for events whose payload contains this (nested objects as subsets, numbers by value); ⚡ Fire starts the flows whatever the payload.')]
        : h('span', { class: 'muted' }, 'none: fires on every event'))] : null,
      t.type === 'schedule' && t.every ? [h('dt', {}, 'Interval'), h('dd', { id: 'trigger-every' }, h('code', { class: 'cron every' }, t.every), h('span', { class: 'muted small' }, ` ${describeEvery(everySeconds(t.every))}`))] : null,
      t.type === 'schedule' && !t.every ? [h('dt', {}, 'Cron'), h('dd', {}, h('code', { class: 'cron' }, t.cron), h('span', { class: 'muted small' }, ` in ${t.timezone}`))] : null,
      t.type === 'schedule' ? [h('dt', {}, 'Excluded'), h('dd', { id: 'trigger-exclude' }, t.exclude && t.exclude.length
        ? [h('span', { class: 'chips' }, t.exclude.map((rule) => h('code', { class: 'pill' }, rule))), h('div', { class: 'small muted' }, 'A tick on these dates (in the trigger\'s zone), minutes or calendar days starts nothing (trigger.skipped); the next tick shown passes over them.'),
          t.unknownCalendars && t.unknownCalendars.length ? h('div', { class: 'alert warn', id: 'trigger-unknown-calendars' }, `No exclusion calendar of this deployment is named ${t.unknownCalendars.join(', ')}: ${t.unknownCalendars.length === 1 ? 'its rule excludes' : 'their rules exclude'} no tick. Deploy the calendar again, or remove the rule.`) : null]
        : h('span', { class: 'muted' }, 'nothing: it fires at every tick'))] : null,
      t.type === 'schedule' ? [h('dt', {}, 'Missed ticks'), h('dd', { id: 'trigger-misfire', dataset: { misfire: t.misfire || 'inherit' } }, misfireNote(t))] : null,
      h('dt', {}, 'Concurrency key'), h('dd', { id: 'trigger-concurrency-key' }, concurrencyKeyNote(t)),
      h('dt', {}, 'Overlap'), h('dd', { id: 'trigger-overlap', dataset: { overlap: t.overlap || 'allow-all' } },
        h('strong', {}, t.overlap || 'allow-all'), h('span', { class: 'muted small' }, ` ${OVERLAP_WORDS[t.overlap || 'allow-all']}`)),
      h('dt', {}, 'Labels'), h('dd', { id: 'trigger-labels' }, labelTags(t) || h('span', { class: 'muted' }, 'none: its runs carry the labels of a fire\'s options only')),
      t.type !== 'schedule' ? [h('dt', {}, 'Debounce'), h('dd', { id: 'trigger-debounce' }, debounceNote(t))] : null,
      t.type !== 'schedule' ? [h('dt', {}, 'Batching'), h('dd', { id: 'trigger-batch' }, batchNote(t))] : null,
      h('dt', {}, 'Run timeout'), h('dd', { id: 'trigger-run-timeout' }, t.runTimeout
        ? [h('code', {}, t.runTimeout), h('span', { class: 'muted small' }, ' each run it starts times out after this, unless a fire gives its own')]
        : h('span', { class: 'muted' }, 'none: its runs take their flow\'s own')),
      h('dt', {}, 'Last error'), h('dd', { class: t.stats.lastError ? 'error-line' : 'muted' }, t.stats.lastError || 'none'));
    const s = t.stats;
    fill(kpis,
      kpi('Fires', num(s.fires), '', s.lastFiredAt ? `last ${relative(s.lastFiredAt)}` : 'never fired'),
      kpi('Runs started', num(s.runsStarted), 'ok', `into ${t.flows.length} flow${t.flows.length === 1 ? '' : 's'}`),
      t.type === 'schedule'
        ? kpi('Next fire', t.enabled && t.nextFireAt ? relative(t.nextFireAt) : '–', 'run', t.enabled && t.nextFireAt ? inZone(t.nextFireAt, t.timezone) : 'disabled: no ticks')
        : kpi('State', t.enabled ? 'enabled' : 'disabled', t.enabled ? 'ok' : 'wait', t.enabled ? 'fires when asked' : 'fires nothing until enabled'),
      kpi('Last error', s.lastError ? 'yes' : 'none', s.lastError ? 'fail' : '', s.lastError ? s.lastError.slice(0, 60) : 'every fire started its flows'));
    ctx.actions(
      t.enabled
        ? h('button', { class: 'btn', id: 'trigger-disable', onclick: () => setEnabled(t, false, load) }, '❚❚ Disable')
        : h('button', { class: 'btn', id: 'trigger-enable', onclick: () => setEnabled(t, true, load) }, '▶ Enable'),
      h('a', { class: 'btn', id: 'trigger-edit', href: `${triggerHref(name).replace(/\/$/, '')}/edit` }, '✎ Edit'),
      h('button', { class: 'btn danger', id: 'trigger-delete', disabled: t.declared,
        title: t.declared ? 'declared in the code: disable it instead' : 'delete this runtime trigger',
        onclick: () => confirmDialog(`Delete ${name}?`, `The trigger stops firing and its history is removed. Runs it started are kept.`, 'Delete trigger',
          async (reason) => { await api.deleteTrigger(name, reason); toast(`Deleted ${name}`); location.hash = '#/triggers'; }, { danger: true, id: 'confirm-delete', reason: true }) }, 'Delete'),
      t.type === 'schedule' ? h('button', { class: 'btn', id: 'backfill-trigger', title: 'fire the ticks of a past range, each once',
        onclick: () => backfillDialog(t, load) }, '⟲ Backfill…') : null,
      h('button', { class: 'btn primary', id: 'fire-trigger', disabled: !t.enabled, title: t.enabled ? 'fire now with a JSON payload' : 'enable the trigger to fire it',
        onclick: () => fireDialog(t, load) }, '⚡ Fire…'));
  };

  const renderHow = async () => {
    const key = `${t.type}|${t.cron}|${t.every}|${t.nextFireAt}|${t.timezone}|${t.enabled}|${t.event}|${t.filter ? filterText(t.filter) : ''}|${(t.exclude || []).join('\n')}`;
    if (key === howFor) return;
    howFor = key;
    fill(howTitle, t.type === 'schedule' ? 'Next ticks' : t.type === 'webhook' ? 'Give the sender this URL' : 'How it fires');
    if (t.type === 'schedule') {
      // The server lists the trigger's ticks and marks those its rules exclude, of every kind, as its ticks are matched.
      fill(howBody, h('span', { class: 'spin' }));
      try {
        let p;
        let unmarked = null;
        try {
          p = await api.triggerTicks(t.name, 5);
        } catch (e) {
          // 501: this server's trigger service lists no ticks with exclusions or of an interval (NVENT-0700):
          // the plain cron (or interval) ticks, and say that excluded ones are not marked.
          if (!(e instanceof ApiError && e.status === 501)) throw e;
          unmarked = e.message;
          p = t.every ? { next: intervalTicks(everySeconds(t.every), 5) } : await api.cronPreview(t.cron, t.timezone, 5);
        }
        const excluded = new Map((p.excluded || []).map((e) => [e.at, e.rule]));
        fill(howBody, t.every
          ? [h('div', { class: 'cron-human' }, describeEvery(everySeconds(t.every))), h('div', { class: 'small muted' }, `${t.every} · on its multiples since 1970-01-01 00:00 UTC`)]
          : [h('div', { class: 'cron-human' }, p.description), h('div', { class: 'small muted' }, `${t.cron} · ${t.timezone}`)],
          !t.enabled ? h('div', { class: 'alert warn' }, 'Disabled: these ticks do not fire until the trigger is enabled.') : null,
          unmarked ? h('div', { class: 'alert warn', id: 'ticks-unmarked' }, 'Excluded ticks are not marked: ', problemText(unmarked)) : null,
          tickList(p.next, t.timezone, excluded));
      } catch (e) {
        fill(howBody, h('div', { class: 'alert bad' }, problemText(e.message)));
      }
    } else if (t.type === 'webhook') {
      fill(howBody, webhookHelp(t.name, t));
    } else if (t.type === 'event') {
      fill(howBody, h('p', {}, 'Fires when a step emits ', h('span', { class: 'pill' }, t.event), ' or when anyone publishes it',
        t.filter ? [' with a payload that contains ', h('code', { class: 'filter' }, filterText(t.filter))] : null, ':'),
        codeBlock(`curl -X POST ${location.origin}${api.base}/events/${encodeURIComponent(t.event)} \\\n  -u admin -H 'Content-Type: application/json' -d '${shellQuoted(t.filter ? filterText(t.filter) : '{"id": 1}')}'`),
        h('p', { class: 'small' }, h('a', { href: `#/awaits?event=${encodeURIComponent(t.event)}`, id: 'publish-link' }, 'Publish it from the console →')));
    } else {
      fill(howBody, h('p', {}, 'Fires only when someone fires it: the ', h('strong', {}, 'Fire'), ' button above, or the API with a JSON body:'),
        codeBlock(`curl -X POST ${location.origin}${api.base}/triggers/${encodeURIComponent(t.name)}/fire \\\n  -u admin -H 'Content-Type: application/json' -d '{}'`));
    }
  };

  async function loadStatuses(history) {
    const ids = [...new Set(history.flatMap((e) => (e.data && e.data.runs) || []))].slice(0, 30);
    const wanted = ids.filter((id) => !['completed', 'failed', 'canceled'].includes(statuses.get(id)));
    if (!wanted.length) return false;
    const runs = await Promise.all(wanted.map((id) => api.run(id).catch(() => null)));
    let changed = false;
    runs.forEach((r, i) => {
      const st = r ? r.status : 'gone';
      if (statuses.get(wanted[i]) !== st) { statuses.set(wanted[i], st); changed = true; }
    });
    return changed;
  }

  let history = [];
  async function load() {
    try {
      const detail = await api.trigger(name, 100);
      t = detail;
      history = detail.history;
      renderFacts();
      renderHow();
      await loadStatuses(history);
      renderHistory(history);
    } catch (e) {
      if (e.status === 404) {
        fill(ctx.view, h('div', { class: 'card placeholder' }, h('h2', {}, `No trigger named ${name}`), h('p', {}, h('a', { href: '#/triggers' }, 'Back to the triggers'))));
      } else {
        toast(e.message, true);
      }
    }
  }
  const refreshRuns = async () => { if (await loadStatuses(history)) renderHistory(history); };
  load();
  let timer;
  const off = live.stats(() => { clearTimeout(timer); timer = setTimeout(() => { load(); }, 300); });
  const poll = setInterval(refreshRuns, 2000);
  const slow = setInterval(load, 15000);
  return () => { off(); clearTimeout(timer); clearInterval(poll); clearInterval(slow); };
}

/** Text to put between single quotes in a shell command. */
function shellQuoted(text) {
  return text.replace(/'/g, "'\\''");
}

function codeBlock(text) {
  return h('div', { class: 'codeblock' }, h('pre', {}, text), copyButton(text));
}

function tickParts(iso, zone) {
  try {
    const d = new Date(iso);
    const day = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: '2-digit', month: 'short', year: 'numeric' }).format(d);
    const clock = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' }).format(d);
    return [day, clock];
  } catch {
    return [iso, ''];
  }
}

/** A schedule's ticks in its zone (and the browser's); excluded: tick → the rule that excludes it, as the server says. */
function tickList(ticks, zone, excluded = new Map()) {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return h('ol', { class: 'ticks', id: 'cron-ticks' }, ticks.map((iso) => {
    const [day, clock] = tickParts(iso, zone);
    const rule = excluded.get(iso);
    return h('li', { dataset: { tick: iso }, class: rule ? 'excluded' : null },
      h('div', { class: 'tick-main' }, h('span', { class: 'when' }, h('span', { class: 'day' }, day), ' ', h('strong', {}, clock)),
        h('time', { class: 'rel muted small', datetime: iso }, relative(iso))),
      rule ? h('div', { class: 'small muted' }, 'excluded by ', h('code', {}, rule), ': starts nothing') : null,
      local && local !== zone ? h('div', { class: 'small muted' }, `${tickParts(iso, local).join(' ')} your time`) : null);
  }));
}

/** How a webhook's caller sends its API key: the header, as a bearer token when it is Authorization. */
function apiKeyHeaderText(t) {
  const header = t.apiKeyHeader || 'X-API-Key';
  return header.toLowerCase() === 'authorization' ? `${header}: Bearer <key>` : header;
}

/**
 * What to give the sender of a webhook, and how to sign when the server has a secret for it or which
 * header carries the API key when it has keys (t: the trigger, absent while it is being created).
 */
function webhookHelp(name, t) {
  const url = webhookUrl(name || '<name>');
  return h('div', { class: 'webhook-help' },
    h('div', { class: 'url-row' }, h('code', { class: 'url', id: 'webhook-url' }, url), copyButton(url, 'Copy URL')),
    h('p', { class: 'small muted' }, 'A POST with a JSON body starts the flows; the body becomes their input. The answer is 202 with the started run ids. ',
      'Unknown trigger 404 · disabled 409 · body over nvent.payload.max-bytes 413.'),
    t && t.signed && schemeOf(t) === 'github' ? githubNote(name) : h('div', { class: 'alert info', id: 'signature-note' },
      h('div', {}, h('strong', {}, 'Signed requests. '), 'When the server configures a secret (', h('code', {}, `nvent.triggers.${name || '<name>'}.secret`),
        '), every request must carry two headers:'),
      h('dl', { class: 'headers' },
        h('dt', {}, 'X-Nvent-Timestamp'), h('dd', {}, 'unix seconds, at most nvent.webhooks.replay-window-s (default 300 s) from the server\'s clock'),
        h('dt', {}, 'X-Nvent-Signature'), h('dd', {}, h('code', {}, 'sha256=<hex>'), ' where hex is HMAC-SHA256(secret, ', h('code', {}, '"<timestamp>.<body>"'), ')')),
      h('div', {}, 'Unsigned or wrongly signed requests are answered 401; the secret itself never leaves the server.')),
    h('div', { class: 'alert info', id: 'api-key-note' },
      h('div', {}, h('strong', {}, 'API key. '), 'When the server configures keys (', h('code', {}, `nvent.triggers.${name || '<name>'}.api-key`),
        ', several comma-separated while one replaces another), every request must carry one in the header ',
        h('code', {}, t && t.apiKey ? apiKeyHeaderText(t) : 'X-API-Key'),
        t && t.apiKey ? '.' : [' (or the one ', h('code', {}, `nvent.triggers.${name || '<name>'}.api-key-header`), ' names; Authorization takes ', h('code', {}, 'Bearer <key>'), ').']),
      h('div', {}, 'A missing or wrong key is answered 401; the keys never leave the server. With a secret too, both are required.')),
    codeBlock(webhookCurl(url, t)));
}

/** How GitHub is set up to call a webhook whose trigger has signature-scheme github. */
function githubNote(name) {
  return h('div', { class: 'alert info', id: 'signature-note' },
    h('div', {}, h('strong', {}, 'Signed as GitHub signs. '), 'In the repository\'s Settings → Webhooks give this URL, content type ',
      h('code', {}, 'application/json'), ' and the secret ', h('code', {}, `nvent.triggers.${name}.secret`), '. GitHub sends:'),
    h('dl', { class: 'headers' },
      h('dt', {}, 'X-Hub-Signature-256'), h('dd', {}, h('code', {}, 'sha256=<hex>'), ' where hex is HMAC-SHA256(secret, body)'),
      h('dt', {}, 'X-GitHub-Delivery'), h('dd', {}, 'the delivery\'s id, its idempotency key: a redelivery starts no runs again')),
    h('div', {}, 'Nothing signed says when a request was sent: a captured request can be sent again under another delivery id. Unsigned or wrongly signed requests are answered 401.'));
}

/**
 * The curl that calls a webhook: signed (as GitHub signs for a github trigger; not at all when the
 * trigger is known to take an API key alone), and
 * with its API key header when it needs one.
 */
function webhookCurl(url, t) {
  const keyed = t && t.apiKey;
  const key = keyed ? apiKeyHeaderText(t).replace('<key>', '$API_KEY') : null;
  const headers = [`-H 'Content-Type: application/json'`];
  let prelude = `url='${url}'\nbody='{"id":"A-1"}'`;
  if (t && t.signed && schemeOf(t) === 'github') {
    prelude += `\nsig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')`;
    headers.push('-H "X-Hub-Signature-256: sha256=$sig"', '-H "X-GitHub-Delivery: $(uuidgen)"');
  } else if (!keyed || t.signed) {
    prelude += `; ts=$(date +%s)\nsig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')`;
    headers.push('-H "X-Nvent-Timestamp: $ts"', '-H "X-Nvent-Signature: sha256=$sig"');
  }
  if (keyed) {
    headers.push(key.includes(':') ? `-H "${key}"` : `-H "${key}: $API_KEY"`);
  }
  return `${prelude}\ncurl -X POST "$url" ${headers[0]} \\\n${headers.slice(1).map((x) => `  ${x} \\\n`).join('')}  -d "$body"`;
}

// ------------------------------------------------------------------------------------------ create / edit

export function newTriggerView(ctx) {
  ctx.crumbs(['Triggers', '#/triggers'], 'New trigger');
  return triggerForm(ctx, null);
}

export function editTriggerView(ctx) {
  const [name] = ctx.params;
  ctx.crumbs(['Triggers', '#/triggers'], [name, triggerHref(name)], 'Edit');
  let cleanup = null;
  let gone = false;
  api.trigger(name, 1).then((t) => { if (!gone) cleanup = triggerForm(ctx, t); })
    .catch((e) => fill(ctx.view, h('div', { class: 'card placeholder' }, h('h2', {}, e.message), h('a', { href: '#/triggers' }, 'Back to the triggers'))));
  return () => { gone = true; if (cleanup) cleanup(); };
}

function timeZones(current) {
  let all = [];
  try { all = Intl.supportedValuesOf('timeZone'); } catch { all = []; }
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const first = ['UTC', local, current].filter((z, i, a) => z && a.indexOf(z) === i);
  return { local, zones: [...first, ...all.filter((z) => !first.includes(z))] };
}

function triggerForm(ctx, existing) {
  const editing = !!existing;
  const state = {
    type: existing ? existing.type : (TYPES[ctx.query.type] ? ctx.query.type : 'schedule'),
    name: existing ? existing.name : '',
    description: existing ? existing.description || '' : '',
    flows: new Set(existing ? existing.flows : ctx.query.flow ? [ctx.query.flow] : []),
    cron: existing && existing.cron ? existing.cron : '*/5 * * * *',
    schedule: existing && existing.every ? 'every' : 'cron',   // ticks on a cron expression or at an interval
    timezone: existing ? existing.timezone : 'UTC',
    event: existing && existing.event ? existing.event : '',
    filter: existing && existing.filter ? JSON.stringify(existing.filter, null, 2) : '',
    enabled: existing ? existing.enabled : true,
  };
  let names = new Set();
  let flows = [];
  let cron = { state: 'idle' };   // idle | checking | ok | bad
  let seq = 0;
  let cronTimer = null;
  // An interval's ticks as the server lists them with the exclusion rules marked (?every=&exclude=); null: listed here.
  let everyPreview = null;
  // The zone an interval's exclusion rules are matched in: an update leaves a saved one's as it was (the editor sends
  // none for an interval), a new one is in UTC.
  const everyZone = existing ? existing.timezone : 'UTC';
  let everySeq = 0;
  let everyTimer = null;

  // --- fields
  const typeChoice = h('div', { class: 'type-choice', role: 'radiogroup', 'aria-label': 'trigger type', id: 'tf-type' });
  const nameInput = h('input', { type: 'text', id: 'tf-name', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. nightly-report', value: state.name, readonly: editing, maxlength: 100 });
  const nameMsg = h('div', { class: 'field-msg', id: 'tf-name-msg' });
  const descInput = h('input', { type: 'text', id: 'tf-description', placeholder: 'what it is for (optional)', value: state.description });
  const flowList = h('div', { class: 'flow-choice', id: 'tf-flows' }, h('span', { class: 'spin' }));
  const flowMsg = h('div', { class: 'field-msg', id: 'tf-flows-msg' });
  const cronInput = h('input', { type: 'text', id: 'tf-cron', class: 'mono', autocomplete: 'off', spellcheck: 'false', value: state.cron, 'aria-describedby': 'tf-cron-msg' });
  const cronMsg = h('div', { class: 'field-msg', id: 'tf-cron-msg', role: 'status' });
  const [everyN, everyUnit] = existing && existing.every ? everyIn(everySeconds(existing.every)) : [90, 'second'];
  const everyInput = h('input', { type: 'number', id: 'tf-every', min: 1, step: 1, value: everyN, 'aria-describedby': 'tf-every-msg' });
  const unitSel = h('select', { id: 'tf-every-unit', 'aria-label': 'interval unit' }, UNITS.map(([unit]) => h('option', { value: unit }, `${unit}s`)));
  unitSel.value = everyUnit;
  const everyMsg = h('div', { class: 'field-msg', id: 'tf-every-msg', role: 'status' });
  const scheduleKind = h('div', { class: 'seg', id: 'tf-schedule-kind', role: 'group', 'aria-label': 'schedule kind' });
  const { local, zones } = timeZones(state.timezone);
  const zoneSel = h('select', { id: 'tf-timezone', 'aria-label': 'time zone' }, zones.map((z) => h('option', { value: z }, z === local && z !== 'UTC' ? `${z} (your time zone)` : z)));
  zoneSel.value = state.timezone;
  const eventInput = h('input', { type: 'text', id: 'tf-event', list: 'tf-known-events', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. books.closed', value: state.event });
  const eventMsg = h('div', { class: 'field-msg', id: 'tf-event-msg' });
  const knownEvents = h('datalist', { id: 'tf-known-events' });
  const filterEditor = jsonEditor({ id: 'tf-filter', value: state.filter, label: 'event filter (JSON object)', compact: true,
    emptyText: 'Empty: fires on every event', onChange: (json) => { if (json) markNoObject(); renderApi(); renderPreview(); } });
  const enabledToggle = toggle(state.enabled, (on) => { state.enabled = on; renderApi(); }, { id: 'tf-enabled', label: 'enabled' });
  const errorBox = h('div', { class: 'alert bad', id: 'tf-error', hidden: true });
  const submit = h('button', { class: 'btn primary', id: 'tf-submit', type: 'submit' }, editing ? 'Save changes' : 'Create trigger');
  // the operator's why, kept in the trigger's history with their name
  const reason = reasonField();

  const cronFields = h('div', { id: 'tf-cron-fields' },
    h('div', { class: 'field-row' },
      h('div', { class: 'field grow' }, h('label', { for: 'tf-cron' }, 'Cron expression'), cronInput),
      h('div', { class: 'field' }, h('label', { for: 'tf-timezone' }, 'Time zone'), zoneSel)),
    cronMsg,
    h('div', { class: 'presets' }, h('span', { class: 'muted small' }, 'Presets:'), PRESETS.map(([label, expr]) => h('button', { type: 'button', class: 'chip', dataset: { cron: expr },
      onclick: () => { cronInput.value = expr; state.cron = expr; checkCron(0); } }, label))),
    h('div', { class: 'hint' }, 'minute hour day-of-month month day-of-week, e.g. ', h('code', {}, '0 9 * * MON-FRI'), ' — or 6 fields with seconds first'));
  const everyFields = h('div', { id: 'tf-every-fields' },
    h('div', { class: 'field-row' },
      h('div', { class: 'field' }, h('label', { for: 'tf-every' }, 'Every'), everyInput),
      h('div', { class: 'field' }, h('label', { for: 'tf-every-unit' }, 'Unit'), unitSel)),
    everyMsg,
    h('div', { class: 'hint' }, 'Ticks fall on the interval\'s multiples since 1970-01-01 00:00 UTC (every hour: on the hour), the same on every instance.'));
  // Ticks missed while no instance ran: the schedule's own policy and grace, or the deployment's.
  const misfireSel = h('select', { id: 'tf-misfire', 'aria-label': 'misfire policy', onchange: () => renderApi() },
    [['inherit', 'as the deployment says'], ['fire-once', 'fire the latest (not excluded) once'], ['fire-all', 'fire each once, oldest first'], ['skip', 'skip them']].map(([value, label]) => h('option', { value }, label)));
  misfireSel.value = existing && existing.misfire ? existing.misfire : 'inherit';
  const graceInput = h('input', { type: 'text', id: 'tf-misfire-grace', class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: "the deployment's (PT24H)",
    value: existing && existing.misfireGrace ? existing.misfireGrace : '', oninput: () => renderApi() });
  const misfireFields = h('div', { id: 'tf-misfire-fields' },
    h('div', { class: 'field-row' },
      h('div', { class: 'field grow' }, h('label', { for: 'tf-misfire' }, 'Ticks missed while no instance ran'), misfireSel),
      h('div', { class: 'field' }, h('label', { for: 'tf-misfire-grace' }, 'Not if older than'), graceInput)),
    h('div', { class: 'hint' }, 'An ISO-8601 duration such as PT1H, or empty for nvent.triggers.misfire-grace.'));
  // One rule a line or comma-separated in the form, an array in the body; the server checks each (400 names it).
  const excludeInput = h('textarea', { id: 'tf-exclude', rows: 3, class: 'mono', spellcheck: 'false', placeholder: '2026-12-25\n--12-26\n2026-12-20/2027-01-04\ncalendar:uk-bank-holidays',
    'aria-describedby': 'tf-exclude-msg',
    oninput: () => { renderApi(); if (state.type === 'schedule') { if (state.schedule === 'every') checkEvery(); else checkCron(); } } }, existing && existing.exclude ? existing.exclude.join('\n') : '');
  // A rule the server refuses is this field's error, not the cron's (the form is still sent: the create says it again).
  const excludeMsg = h('div', { class: 'field-msg', id: 'tf-exclude-msg', role: 'status' });
  const excludeFields = h('div', { id: 'tf-exclude-fields' },
    h('div', { class: 'field' }, h('label', { for: 'tf-exclude' }, 'Except (optional)'), excludeInput, excludeMsg),
    h('div', { class: 'hint' }, 'One rule a line or comma-separated, on the tick\'s date in the trigger\'s zone: a date (2026-12-25), a day of every year (--12-26), a range (2026-12-20/2027-01-04), cron:<expression> (its minutes) or calendar:<name> (an ExclusionCalendar bean). A cron: rule takes the rest of its line, commas and all, so write it last on its line. At most 100.'));
  const scheduleFields = h('div', { class: 'type-fields', dataset: { for: 'schedule' } },
    h('div', { class: 'field' }, h('label', {}, 'Runs'), scheduleKind), cronFields, everyFields, misfireFields, excludeFields);
  const eventFields = h('div', { class: 'type-fields', dataset: { for: 'event' } },
    h('div', { class: 'field' }, h('label', { for: 'tf-event' }, 'Event name'), eventInput, knownEvents), eventMsg,
    h('div', { class: 'hint' }, 'Fires when a step emits this event or when it is published (POST /api/nvent/events/{event}).'),
    h('div', { class: 'field' }, h('label', { for: 'tf-filter' }, 'Filter (optional)'), filterEditor.el),
    h('div', { class: 'hint' }, 'A JSON object such as {"region": "eu"}: the trigger fires only for events whose payload contains each of its members with an equal value (nested objects as subsets, 2 equals 2.0).'));

  // The trigger's concurrency key: fixed, or read from each fire's payload; the server checks the rules (400 says why).
  const keyInput = (id, placeholder, value) => h('input', { type: 'text', id, class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder, value: value || '', oninput: () => renderApi() });
  const keyFixedInput = keyInput('tf-concurrency-key', 'e.g. nightly-sync', existing && existing.concurrencyKey);
  const keyFromInput = keyInput('tf-concurrency-key-from', 'e.g. /customerId', existing && existing.concurrencyKeyFrom);
  const keyPrefixInput = keyInput('tf-concurrency-key-prefix', 'e.g. invoices:', existing && existing.concurrencyKeyPrefix);
  const keyLimitInput = h('input', { type: 'number', id: 'tf-concurrency-limit', min: 1, max: 1000, step: 1, placeholder: '1',
    value: existing && existing.concurrencyLimit > 1 ? String(existing.concurrencyLimit) : '', oninput: () => renderApi() });
  const keyFields = h('div', { id: 'tf-concurrency-key-fields' },
    h('div', { class: 'field-row' },
      h('div', { class: 'field grow' }, h('label', { for: 'tf-concurrency-key' }, 'Concurrency key (optional)'), keyFixedInput),
      h('div', { class: 'field grow' }, h('label', { for: 'tf-concurrency-key-from' }, 'or read from the payload at'), keyFromInput),
      h('div', { class: 'field' }, h('label', { for: 'tf-concurrency-key-prefix' }, 'after the prefix'), keyPrefixInput),
      h('div', { class: 'field' }, h('label', { for: 'tf-concurrency-limit' }, 'at a time'), keyLimitInput)),
    h('div', { class: 'hint' }, 'Runs with one key run one at a time, or up to the number given (1 to 1000). A fixed key for all runs, or a JSON Pointer (not for schedules) to each fire\'s key in its payload, with an optional prefix.'));
  // Comma-separated in the form, an array in the body; the server checks each label (400 says which).
  const labelsInput = h('input', { type: 'text', id: 'tf-labels', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. nightly, billing',
    value: existing && existing.labels ? existing.labels.join(', ') : '', oninput: () => renderApi() });
  const labelFields = h('div', { id: 'tf-labels-fields' },
    h('div', { class: 'field' }, h('label', { for: 'tf-labels' }, 'Labels (optional)'), labelsInput),
    h('div', { class: 'hint' }, 'Every run the trigger starts carries these labels, to find its runs by (up to 10, each 1 to 64 characters).'));
  // ISO-8601 as typed; the server checks it (400 naming runTimeout).
  const runTimeoutInput = h('input', { type: 'text', id: 'tf-run-timeout', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. PT2H',
    value: existing && existing.runTimeout ? existing.runTimeout : '', oninput: () => renderApi() });
  const runTimeoutFields = h('div', { id: 'tf-run-timeout-fields' },
    h('div', { class: 'field' }, h('label', { for: 'tf-run-timeout' }, 'Run timeout (optional)'), runTimeoutInput),
    h('div', { class: 'hint' }, 'How long each run the trigger starts may take (an ISO-8601 duration such as PT2H, at most 366 days): over the flow\'s own run timeout.'));
  const overlapSel = h('select', { id: 'tf-overlap', 'aria-label': 'overlap policy', onchange: () => renderApi() },
    Object.entries(OVERLAP_WORDS).map(([value, words]) => h('option', { value }, `${value}: ${words}`)));
  overlapSel.value = existing && existing.overlap ? existing.overlap : 'allow-all';
  const overlapFields = h('div', { id: 'tf-overlap-fields' },
    h('div', { class: 'field' }, h('label', { for: 'tf-overlap' }, 'While a run it started is under way'), overlapSel),
    h('div', { class: 'hint' }, 'Applies to every fire of the trigger; ticks fired late (missed, backfilled) wait their turn. Any choice but allow-all needs a concurrency limit of 1.'));
  // ISO-8601 as typed; the server checks them (400 naming the field). Not for schedules (hidden there).
  const debounceInput = h('input', { type: 'text', id: 'tf-debounce', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. PT30S',
    value: existing && existing.debounce ? existing.debounce : '', oninput: () => renderApi() });
  const debounceKeyInput = h('input', { type: 'text', id: 'tf-debounce-key-from', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. /customerId',
    value: existing && existing.debounceKeyFrom ? existing.debounceKeyFrom : '', oninput: () => renderApi() });
  const debounceMaxInput = h('input', { type: 'text', id: 'tf-debounce-max', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. PT5M',
    value: existing && existing.debounceMax ? existing.debounceMax : '', oninput: () => renderApi() });
  const debounceFields = h('div', { id: 'tf-debounce-fields' },
    h('div', { class: 'field-row' },
      h('div', { class: 'field grow' }, h('label', { for: 'tf-debounce' }, 'Debounce (optional)'), debounceInput),
      h('div', { class: 'field grow' }, h('label', { for: 'tf-debounce-key-from' }, 'per key at'), debounceKeyInput),
      h('div', { class: 'field grow' }, h('label', { for: 'tf-debounce-max' }, 'at most'), debounceMaxInput)),
    h('div', { class: 'hint' }, 'A burst of fires of one key (the payload\'s value at the JSON Pointer; none: one key) starts one run, with the latest payload, once the key has been quiet this long (PT1S to P7D), but no later than its first fire plus the bound.'));
  const batchMaxInput = h('input', { type: 'number', id: 'tf-batch-max', min: '2', max: '1000', placeholder: 'e.g. 100',
    value: existing && existing.batchMax ? String(existing.batchMax) : '', oninput: () => renderApi() });
  const batchWindowInput = h('input', { type: 'text', id: 'tf-batch-window', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. PT10S',
    value: existing && existing.batchWindow ? existing.batchWindow : '', oninput: () => renderApi() });
  const batchKeyInput = h('input', { type: 'text', id: 'tf-batch-key-from', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. /userId',
    value: existing && existing.batchKeyFrom ? existing.batchKeyFrom : '', oninput: () => renderApi() });
  const batchFields = h('div', { id: 'tf-batch-fields' },
    h('div', { class: 'field-row' },
      h('div', { class: 'field grow' }, h('label', { for: 'tf-batch-max' }, 'Batch up to (optional)'), batchMaxInput),
      h('div', { class: 'field grow' }, h('label', { for: 'tf-batch-window' }, 'or for'), batchWindowInput),
      h('div', { class: 'field grow' }, h('label', { for: 'tf-batch-key-from' }, 'per key at'), batchKeyInput)),
    h('div', { class: 'hint' }, 'The fires of one key (the payload\'s value at the JSON Pointer; none: one key) start one run with all their payloads ({"events":[…],"count","key"}), once this many came (2 to 1000) or this long after the first (PT1S to P1D). Not with a debounce.'));
  const preview = h('div', { class: 'card-body', id: 'tf-preview' });
  const apiBody = h('div', {});
  const form = h('form', { class: 'trigger-form', id: 'trigger-form', novalidate: true },
    h('div', { class: 'field' }, h('label', {}, 'Type'), typeChoice),
    h('div', { class: 'field-row' },
      h('div', { class: 'field grow' }, h('label', { for: 'tf-name' }, 'Name'), nameInput, nameMsg),
      h('div', { class: 'field grow' }, h('label', { for: 'tf-description' }, 'Description'), descInput)),
    h('div', { class: 'field' }, h('label', {}, 'Flows to start'), flowList, flowMsg),
    scheduleFields, eventFields, keyFields, labelFields, runTimeoutFields, overlapFields, debounceFields, batchFields,
    h('div', { class: 'field enabled-field' }, enabledToggle, h('label', { for: 'tf-enabled' }, 'Enabled'),
      h('span', { class: 'muted small' }, ' — a disabled trigger is kept but fires nothing')),
    editing && existing.declared ? h('div', { class: 'alert warn' }, 'Declared with @Trigger in the code: your changes last until the application restarts, when the code\'s definition applies again.') : null,
    errorBox, reason.el,
    h('div', { class: 'form-foot' }, h('a', { class: 'btn', href: editing ? triggerHref(existing.name) : '#/triggers' }, 'Cancel'), submit));
  ctx.view.append(h('div', { class: 'grid two' },
    card(editing ? `Edit ${existing.name}` : 'New trigger', editing ? 'the name and type of a trigger cannot change' : 'what starts which flows, and when', h('div', { class: 'card-body' }, form)),
    h('div', { class: 'grid', style: 'align-content:start' },
      h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', { id: 'tf-preview-title' }, 'Preview')), preview),
      card('Same with the API', null, h('div', { class: 'card-body' }, apiBody)))));

  // --- validation
  const nameProblem = () => {
    if (editing) return null;
    const v = nameInput.value.trim();
    if (!v) return 'Give the trigger a name';
    if (!NAME.test(v)) return 'Use letters, digits, dot, underscore and hyphen (up to 100)';
    if (/^\.+$/.test(v)) return 'A name of dots only would be lost from its URLs';
    if (v === 'new') return 'This name is reserved by the console';
    if (names.has(v)) return `A trigger named ${v} exists already`;
    return null;
  };
  const showName = (force) => {
    const p = nameProblem();
    const v = nameInput.value.trim();
    nameMsg.className = 'field-msg ' + (p && (force || v) ? 'bad' : '');
    nameMsg.textContent = p && (force || v) ? p : editing ? 'The name cannot change' : v ? '✓ available' : 'Letters, digits, dot, underscore and hyphen';
    if (!p && v && !editing) nameMsg.className = 'field-msg good';
    nameInput.classList.toggle('invalid', !!p && (force || !!v));
    return !p;
  };
  const showFlows = (force) => {
    const ok = state.flows.size > 0;
    flowMsg.className = 'field-msg ' + (!ok && force ? 'bad' : '');
    flowMsg.textContent = !ok && force ? 'Choose at least one flow' : ok ? `${state.flows.size} flow${state.flows.size === 1 ? '' : 's'} selected` : '';
    return ok;
  };
  const showEvent = (force) => {
    if (state.type !== 'event') return true;
    const ok = eventInput.value.trim() !== '';
    eventMsg.className = 'field-msg ' + (!ok && force ? 'bad' : '');
    eventMsg.textContent = !ok && force ? 'Name the event that fires the trigger' : '';
    eventInput.classList.toggle('invalid', !ok && !!force);
    return ok;
  };

  /** The filter the form gives: undefined while it is no JSON object or gives a member twice, null when empty. */
  const filterGiven = () => {
    const text = filterEditor.value();
    if (text === '') return null;
    try {
      const value = JSON.parse(text);
      return value !== null && typeof value === 'object' && !Array.isArray(value) && !givesAMemberTwice(text, value)
        ? value : undefined;
    } catch (e) {
      return undefined;
    }
  };
  /** Valid JSON that is no object (an array, a string), or gives a member twice, is no filter either. */
  const markNoObject = () => {
    if (filterGiven() !== undefined) return;
    const value = JSON.parse(filterEditor.value());
    filterEditor.msg.className = 'field-msg bad';
    fill(filterEditor.msg, value !== null && typeof value === 'object' && !Array.isArray(value)
      ? 'The filter gives a member twice in one object; give each once (for either of two values, create one trigger per value)'
      : 'The filter must be a JSON object, like {"region": "eu"}');
    filterEditor.input.classList.add('invalid');
    filterEditor.input.setAttribute('aria-invalid', 'true');
  };
  const showFilter = (force) => {
    if (state.type !== 'event') return true;
    const ok = filterEditor.check() && filterGiven() !== undefined;
    if (!ok && force) filterEditor.input.focus();
    return ok;
  };

  /** The interval the form gives, in seconds; null while it is not a whole number of at least one. */
  const everyGiven = () => {
    const n = Number(everyInput.value);
    return Number.isInteger(n) && n >= 1 ? n * UNITS.find(([unit]) => unit === unitSel.value)[1] : null;
  };
  function checkEvery() {
    const seconds = everyGiven();
    everyInput.classList.toggle('invalid', seconds === null);
    everyInput.setAttribute('aria-invalid', seconds === null ? 'true' : 'false');
    everyMsg.className = 'field-msg ' + (seconds === null ? 'bad' : 'good');
    fill(everyMsg, seconds === null ? '✕ Enter a whole number, at least 1' : `✓ ${describeEvery(seconds)}`);
    renderApi();
    // With rules, the server lists the ticks and marks those they exclude, checking the rules as a create would.
    const rules = exclusionRules(excludeInput.value);
    everyPreview = null;
    showRulesRefused(null);
    const mine = ++everySeq;
    clearTimeout(everyTimer);
    if (seconds !== null && rules.length) {
      everyTimer = setTimeout(async () => {
        let p;
        try {
          p = await api.everyPreview(`PT${seconds}S`, everyZone, 5, rules);
        } catch (e) {
          // 400: a rule is refused (shown at the Except field); 501: this server cannot list them (NVENT-0700); else
          // (a server gone for a moment) the ticks listed here, unmarked, saying why.
          // A 400 of the interval itself (NVENT-1124: longer than a create takes) is the interval's, not a rule's.
          const everyRefused = e instanceof ApiError && e.status === 400 && /NVENT-1124/.test(e.message);
          p = { next: intervalTicks(seconds, 5), unmarked: e.message, rulesRefused: e instanceof ApiError && e.status === 400 && !everyRefused, everyRefused };
        }
        if (mine !== everySeq || state.schedule !== 'every') return;
        everyPreview = p;
        showRulesRefused(p.rulesRefused ? p.unmarked : null);
        if (p.everyRefused) showEveryRefused(p.unmarked);
        if (state.type === 'schedule') renderPreview();
      }, 300);
    }
    if (state.type === 'schedule') renderPreview();
  }

  /** The server's refusal of the interval (a create would refuse it too) at the Every field. */
  function showEveryRefused(refusal) {
    everyInput.classList.add('invalid');
    everyInput.setAttribute('aria-invalid', 'true');
    everyMsg.className = 'field-msg bad';
    fill(everyMsg, '✕ ', problemText(refusal));
  }

  function renderScheduleKind() {
    fill(scheduleKind, [['cron', 'On a cron expression'], ['every', 'At an interval']].map(([kind, label]) => h('button', { type: 'button', class: kind === state.schedule ? 'on' : '',
      'aria-pressed': String(kind === state.schedule), dataset: { kind }, onclick: () => { state.schedule = kind; renderScheduleKind(); } }, label)));
    cronFields.hidden = state.schedule !== 'cron';
    everyFields.hidden = state.schedule !== 'every';
    if (state.schedule === 'every') checkEvery();   // previews its rules too
    // Rules edited while an interval was chosen were previewed on it: a cron's preview of other rules is made again.
    else if (cron.state === 'idle' || cron.rules !== excludeInput.value) checkCron(0);
    else { renderPreview(); renderApi(); }
  }

  function checkCron(delay = 300) {
    clearTimeout(cronTimer);
    const expr = cronInput.value.trim();
    const zone = zoneSel.value;
    state.cron = expr;
    state.timezone = zone;
    renderApi();
    if (!expr) {
      cron = { state: 'bad', error: 'Enter a cron expression' };
      renderCron();
      return;
    }
    cron = { state: 'checking' };
    renderCron();
    const mine = ++seq;
    // The server checks the exclusion rules as a create would and marks the ticks they exclude.
    const rulesText = excludeInput.value;
    const rules = exclusionRules(rulesText);
    cronTimer = setTimeout(async () => {
      try {
        let p;
        try {
          p = await api.cronPreview(expr, zone, 5, undefined, rules);
        } catch (e) {
          // 501: this server cannot preview exclusion rules (NVENT-0700); the cron alone, and say so. 400: the cron
          // alone tells whether it or a rule is refused; a refused rule is shown at the Except field.
          if (!(e instanceof ApiError && (e.status === 501 || e.status === 400) && rules.length)) throw e;
          p = { ...(await api.cronPreview(expr, zone, 5)), unmarked: e.message, rulesRefused: e.status === 400 };
        }
        if (mine !== seq) return;
        cron = { state: 'ok', preview: p, rules: rulesText };
      } catch (e) {
        if (mine !== seq) return;
        cron = { state: 'bad', error: e.message, rules: rulesText };
      }
      renderCron();
    }, delay);
  }

  /** The server's refusal of an exclusion rule at the Except field, or none. */
  function showRulesRefused(refusal) {
    excludeInput.classList.toggle('invalid', refusal !== null);
    excludeInput.setAttribute('aria-invalid', refusal !== null ? 'true' : 'false');
    excludeMsg.dataset.state = refusal !== null ? 'bad' : '';
    excludeMsg.className = 'field-msg ' + (refusal !== null ? 'bad' : '');
    if (refusal !== null) fill(excludeMsg, '✕ ', problemText(refusal));
    else fill(excludeMsg);
  }

  function renderCron() {
    cronInput.classList.toggle('invalid', cron.state === 'bad');
    cronInput.setAttribute('aria-invalid', cron.state === 'bad' ? 'true' : 'false');
    cronMsg.dataset.state = cron.state;
    if (cron.state === 'checking') fill(cronMsg, h('span', { class: 'spin' }), ' checking…');
    else if (cron.state === 'bad') fill(cronMsg, '✕ ', problemText(cron.error));
    else if (cron.state === 'ok') fill(cronMsg, '✓ ', cron.preview.description);
    else fill(cronMsg);
    cronMsg.className = 'field-msg ' + (cron.state === 'bad' ? 'bad' : cron.state === 'ok' ? 'good' : '');
    showRulesRefused(cron.state === 'ok' && cron.preview.rulesRefused ? cron.preview.unmarked : null);
    if (state.type === 'schedule') renderPreview();
  }

  // --- preview and API equivalent
  const previewTitle = () => document.getElementById('tf-preview-title');
  function renderPreview() {
    const title = previewTitle();
    if (state.type === 'schedule' && state.schedule === 'every') {
      if (title) title.textContent = `Next 5 ticks · ${everyZone}`;
      const seconds = everyGiven();
      const p = everyPreview;
      fill(preview, seconds === null ? h('div', { class: 'alert bad', id: 'every-error' }, 'Enter the interval as a whole number, at least 1.')
        : [h('div', { class: 'cron-human', id: 'every-description' }, describeEvery(seconds)),
          p && p.unmarked ? h('div', { class: 'alert warn', id: 'every-unmarked' }, 'These ticks do not show what the exclusion rules exclude: ', problemText(p.unmarked)) : null,
          tickList(p ? p.next : intervalTicks(seconds, 5), everyZone, new Map(((p && p.excluded) || []).map((e) => [e.at, e.rule])))]);
    } else if (state.type === 'schedule') {
      if (title) title.textContent = `Next 5 ticks · ${zoneSel.value}`;
      if (cron.state === 'ok') {
        fill(preview, h('div', { class: 'cron-human', id: 'cron-description' }, cron.preview.description),
          h('div', { class: 'small muted' }, `${cron.preview.cron} · ${cron.preview.timezone}`),
          cron.preview.unmarked ? h('div', { class: 'alert warn', id: 'cron-unmarked' }, 'These ticks do not show what the exclusion rules exclude: ', problemText(cron.preview.unmarked)) : null,
          tickList(cron.preview.next, cron.preview.timezone, new Map((cron.preview.excluded || []).map((e) => [e.at, e.rule]))));
      } else if (cron.state === 'bad') {
        fill(preview, h('div', { class: 'alert bad', id: 'cron-error' }, h('strong', {}, 'The server rejects this schedule. '), problemText(cron.error)));
      } else {
        fill(preview, h('div', { class: 'empty' }, h('span', { class: 'spin' })));
      }
    } else if (state.type === 'webhook') {
      if (title) title.textContent = 'Give the sender this URL';
      fill(preview, webhookHelp(nameInput.value.trim() || null));
    } else if (state.type === 'manual') {
      if (title) title.textContent = 'How it fires';
      fill(preview, h('p', {}, 'Only on demand: the ', h('strong', {}, '⚡ Fire'), ' button on the trigger\'s page asks for a JSON payload and starts the flows with it. The API does the same:'),
        codeBlock(`curl -X POST ${location.origin}${api.base}/triggers/${nameInput.value.trim() || '<name>'}/fire \\\n  -u admin -H 'Content-Type: application/json' -d '{}'`));
    } else {
      if (title) title.textContent = 'How it fires';
      const ev = eventInput.value.trim() || '<event>';
      const emitters = flows.filter((f) => f.steps.some((s) => s.emits.includes(ev))).map((f) => f.name);
      fill(preview, h('p', {}, 'Fires whenever ', h('span', { class: 'pill' }, ev), ' is emitted by a step',
        emitters.length ? [' (flows ', emitters.join(', '), ' emit it)'] : '', ' or published:'),
        codeBlock(`curl -X POST ${location.origin}${api.base}/events/${ev} \\\n  -u admin -H 'Content-Type: application/json' -d '${shellQuoted(filterGiven() ? filterText(filterGiven()) : '{}')}'`),
        h('p', { class: 'small muted' }, 'The event\'s payload becomes the input of the flows it starts. Runs awaiting the event resume too.'));
    }
  }
  function spec() {
    const body = { name: editing ? existing.name : nameInput.value.trim(), type: state.type, flows: [...state.flows], description: descInput.value.trim(), enabled: state.enabled };
    if (state.type === 'schedule' && state.schedule === 'every') body.every = `PT${everyGiven() || 0}S`;
    else if (state.type === 'schedule') { body.cron = cronInput.value.trim(); body.timezone = zoneSel.value; }
    if (state.type === 'schedule') {
      const rules = exclusionRules(excludeInput.value);
      if (rules.length) body.exclude = rules;
      else if (editing && existing.exclude && existing.exclude.length) body.exclude = null;   // removes them
      // Left out, both inherit on create and stay as they were on update: send them only when they say something.
      if (misfireSel.value !== 'inherit' || (editing && existing.misfire && existing.misfire !== 'inherit')) body.misfire = misfireSel.value;
      const grace = graceInput.value.trim();
      if (grace) body.misfireGrace = grace;
      else if (editing && existing.misfireGrace) body.misfireGrace = null;   // inherits again
    }
    if (state.type === 'event') {
      body.event = eventInput.value.trim();
      const filter = filterGiven();
      if (filter) body.filter = filter;
      else if (filter === null && editing && existing.filter) body.filter = null;   // removes it
    }
    // Sent as typed, not trimmed (a prefix such as "invoices: " means its space); an empty input is no key,
    // and on edit it removes the field the trigger had (null), since a field left out would be kept.
    [['concurrencyKey', keyFixedInput], ['concurrencyKeyFrom', keyFromInput], ['concurrencyKeyPrefix', keyPrefixInput]]
      .forEach(([field, input]) => {
        if (input.value !== '') body[field] = input.value;
        else if (editing && existing[field]) body[field] = null;
      });
    // A whole number as a number; anything else as typed, so that the server names what is wrong with it (400).
    const limit = keyLimitInput.value.trim();
    if (limit !== '') body.concurrencyLimit = /^[0-9]+$/.test(limit) ? Number(limit) : limit;
    else if (editing && existing.concurrencyLimit > 1) body.concurrencyLimit = null;   // back to one at a time
    const labels = labelsInput.value.split(',').map((l) => l.trim()).filter((l) => l !== '');
    if (labels.length) body.labels = labels;
    else if (editing && existing.labels) body.labels = null;   // removes them
    const runTimeout = runTimeoutInput.value.trim();
    if (runTimeout !== '') body.runTimeout = runTimeout;
    else if (editing && existing.runTimeout) body.runTimeout = null;   // its runs take their flow's own again
    if (overlapSel.value !== 'allow-all' || (editing && existing.overlap && existing.overlap !== 'allow-all')) body.overlap = overlapSel.value;
    if (state.type !== 'schedule') {
      const debounce = debounceInput.value.trim();
      if (debounce !== '') {
        body.debounce = debounce;
        [['debounceKeyFrom', debounceKeyInput], ['debounceMax', debounceMaxInput]].forEach(([field, input]) => {
          if (input.value.trim() !== '') body[field] = input.value.trim();
          else if (editing && existing[field]) body[field] = null;
        });
      } else if (editing && existing.debounce) body.debounce = null;   // removes the pointer and the bound too
      const batchMax = batchMaxInput.value.trim();
      const batchWindow = batchWindowInput.value.trim();
      if (batchMax !== '' || batchWindow !== '') {
        // As typed: the server refuses a size without a window, and the other way round (400 naming the field).
        if (batchMax !== '') body.batchMax = Number(batchMax);
        if (batchWindow !== '') body.batchWindow = batchWindow;
        if (batchKeyInput.value.trim() !== '') body.batchKeyFrom = batchKeyInput.value.trim();
        else if (editing && existing.batchKeyFrom) body.batchKeyFrom = null;
      } else if (editing && existing.batchMax) body.batchWindow = null;   // removes the size and the pointer too
    }
    return body;
  }
  function renderApi() {
    const b = spec();
    fill(apiBody, h('div', { class: 'small muted' }, editing ? `PUT ${api.base}/triggers/${b.name}` : `POST ${api.base}/triggers`), jsonView(b));
  }

  function renderType() {
    fill(typeChoice, Object.entries(TYPES).map(([type, d]) => h('button', { type: 'button', role: 'radio', class: 'type-card' + (type === state.type ? ' on' : ''),
      'aria-checked': String(type === state.type), disabled: editing && type !== state.type, dataset: { type },
      onclick: () => { state.type = type; renderType(); } },
    h('span', { class: `ttype-ico ${type}` }, d.icon), h('span', { class: 'tc-text', title: d.text }, h('strong', {}, d.label), h('span', { class: 'small muted' }, d.short)))));
    scheduleFields.hidden = state.type !== 'schedule';
    eventFields.hidden = state.type !== 'event';
    debounceFields.hidden = state.type === 'schedule';
    batchFields.hidden = state.type === 'schedule';
    if (state.type === 'schedule') renderScheduleKind();
    renderPreview();
    renderApi();
  }

  // --- events
  nameInput.addEventListener('input', () => { showName(false); renderApi(); if (state.type === 'webhook' || state.type === 'manual') renderPreview(); });
  descInput.addEventListener('input', renderApi);
  cronInput.addEventListener('input', () => checkCron());
  zoneSel.addEventListener('change', () => checkCron(0));
  everyInput.addEventListener('input', checkEvery);
  unitSel.addEventListener('change', checkEvery);
  eventInput.addEventListener('input', () => { showEvent(false); renderApi(); renderPreview(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = [showName(true), showFlows(true), showEvent(true), showFilter(true)].every(Boolean);
    if (state.type === 'schedule' && state.schedule === 'every' && everyGiven() === null) {
      everyInput.focus();
      return;
    }
    if (state.type === 'schedule' && state.schedule === 'cron' && cron.state !== 'ok') {
      if (cron.state === 'checking') { toast('Still checking the cron expression…'); return; }
      cronInput.focus();
      return;
    }
    if (!ok) return;
    errorBox.hidden = true;
    submit.disabled = true;
    try {
      const saved = editing ? await api.updateTrigger(existing.name, spec(), reason.value()) : await api.createTrigger(spec(), reason.value());
      toast(editing ? `Saved ${saved.name}` : `Created ${saved.name}`);
      location.hash = triggerHref(saved.name);
    } catch (err) {
      fill(errorBox, h('strong', {}, editing ? 'Not saved. ' : 'Not created. '), problemText(err.message));
      errorBox.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  // --- data
  Promise.all([api.flows(), editing ? Promise.resolve([]) : api.triggers()]).then(([fl, ts]) => {
    flows = fl;
    names = new Set(ts.map((t) => t.name));
    fill(flowList, flows.map((f) => {
      const box = h('input', { type: 'checkbox', value: f.name, checked: state.flows.has(f.name), dataset: { flow: f.name } });
      box.addEventListener('change', () => { if (box.checked) state.flows.add(f.name); else state.flows.delete(f.name); showFlows(false); renderApi(); });
      return h('label', { class: 'flow-option', title: `entry step ${f.entry} · ${plural(f.steps.length, 'step')}` }, box, h('span', {}, h('strong', {}, f.name)));
    }));
    const events = [...new Set(flows.flatMap((f) => f.steps.flatMap((s) => s.emits)))].sort();
    fill(knownEvents, events.map((ev) => h('option', { value: ev })));
    showName(false);
    showFlows(false);
    if (state.type === 'event') renderPreview();
  }).catch((e) => fill(flowList, h('span', { class: 'error-line' }, e.message)));

  renderType();
  if (!editing) nameInput.focus();
  return () => { clearTimeout(cronTimer); clearTimeout(everyTimer); };
}
