// Awaits: runs paused for a time, a schedule tick, a webhook or an event. Pending ones (or all), an
// operator's "Resolve" with JSON data, and publishing a named event (starts event triggers' flows and
// resumes runs awaiting it).
import { api } from '../api.js';
import { live } from '../live.js';
import { h, fill, card, kpi, num, short, act, allowWhen, modal, jsonEditor, reasonField, when, at, tickRelative, relative, toast } from '../ui.js';

const TYPE_ICON = { time: '◔', schedule: '◷', webhook: '⇣', event: '✦', concurrency_key: '▤', children: '⇶', descendants: '⇊' };
const TYPE_TEXT = {
  time: 'resumes after a delay',
  schedule: 'resumes at the next cron tick',
  webhook: 'resumes when its secret URL is called',
  event: 'resumes when the event is published or emitted',
  concurrency_key: 'resumes when the runs ahead of it with its concurrency key have ended (cancel the run to take it out of the line)',
  children: 'resumes when the child runs its run started have all ended (completed, failed or canceled)',
  descendants: 'resumes when every run below its run (its child runs, theirs, and so on down) has ended (completed, failed or canceled)',
};
const STATUS = {
  waiting: ['awaiting', 'waiting'], resolved: ['completed', 'resolved'], timed_out: ['failed', 'timed out'], canceled: ['canceled', 'canceled'],
};

function statusBadge(status) {
  const [cls, text] = STATUS[status] || ['', status];
  return h('span', { class: `badge ${cls}` }, text);
}

function awaitType(type) {
  return h('span', { class: `atype ${type}`, title: TYPE_TEXT[type] || '' }, h('span', { class: 'ico', 'aria-hidden': 'true' }, TYPE_ICON[type] || '•'), type);
}

// A key several runs hold: how many (of the waiting run's limit, above 1) hold it, each linked. A run of limit 1 may
// wait behind several holders of a higher limit.
function keyHolders(a) {
  const links = a.concurrencyKeyHolders.flatMap((holder, i) => [i ? ', ' : '',
    h('a', { href: `#/runs/${holder}`, class: 'mono', title: holder, onclick: (e) => e.stopPropagation() }, short(holder))]);
  const count = a.concurrencyLimit > 1 ? `${a.concurrencyKeyHolders.length} of ${a.concurrencyLimit}` : `${a.concurrencyKeyHolders.length}`;
  return h('div', { class: 'muted small', dataset: { keyHolder: a.concurrencyKeyHolder } },
    `held by ${count} runs: `, ...links);
}

function due(label, iso, a, cls) {
  const overdue = a.status === 'waiting' && new Date(iso) < new Date();
  return h('div', { class: 'due', dataset: { due: label } }, h('span', { class: 'muted small' }, `${label} `), when(iso, overdue ? 'overdue' : cls),
    h('span', { class: 'muted small' }, ' · ', at(iso, { precise: true })));
}

function dueCell(a) {
  if (a.status !== 'waiting') return h('span', { class: 'muted small' }, a.status === 'resolved' ? 'closed' : a.status === 'timed_out' ? 'timed out' : 'closed');
  if (!a.resolveAt && !a.timeoutAt) return h('span', { class: 'muted small' }, 'no timeout');
  return [a.resolveAt ? due('resolves', a.resolveAt, a, 'soon') : null, a.timeoutAt ? due('times out', a.timeoutAt, a, '') : null];
}

export function awaitsView(ctx) {
  ctx.crumbs('Awaits');
  let scope = ctx.query.status === 'all' ? 'all' : 'pending';
  let awaits = null;
  let user = 'operator';
  api.session().then((s) => { if (s.user) user = s.user; }).catch(() => {});

  const kpis = h('div', { class: 'grid kpis', id: 'await-kpis' });
  const seg = h('div', { class: 'seg', id: 'await-scope', role: 'group', 'aria-label': 'which awaits' });
  const body = h('div', { class: 'card-body flush' }, h('div', { class: 'empty' }, h('span', { class: 'spin' })));
  const sub = h('span', {}, '');
  const publish = publishForm(ctx.query.event || '', () => load());
  ctx.view.append(kpis, card('Awaits', sub, body, seg), h('div', { class: 'grid halves top' }, publish,
      card('About awaits', null, h('div', { class: 'card-body small about' },
        h('p', {}, '@AwaitBefore pauses a run before a step, @AwaitAfter holds back what a completed step emitted. While it waits the run is ', h('strong', {}, 'awaiting'), '.'),
        h('ul', {}, Object.entries(TYPE_TEXT).map(([t, text]) => h('li', {}, awaitType(t), ' ', text))),
        h('p', { class: 'muted' }, 'Resolve hands JSON data to the step (ctx.triggerData()), as the webhook or event would. A timed-out await fails, continues or retries, as its timeoutAction says.')))));

  const render = () => {
    fill(seg, [['pending', 'Pending'], ['all', 'All']].map(([k, label]) => h('button', { class: k === scope ? 'on' : '', dataset: { scope: k },
      onclick: () => { scope = k; ctx.setQuery({ status: k === 'all' ? 'all' : '' }); load(); } }, label)));
    const pending = awaits.filter((a) => a.status === 'waiting');
    const soonest = pending.filter((a) => a.timeoutAt).sort((a, b) => a.timeoutAt.localeCompare(b.timeoutAt))[0];
    const runsWaiting = new Set(pending.map((a) => a.runId)).size;
    const byType = (t) => pending.filter((a) => a.type === t).length;
    fill(kpis,
      kpi('Pending awaits', num(pending.length), pending.length ? 'wait' : '', `${runsWaiting} run${runsWaiting === 1 ? '' : 's'} awaiting`),
      kpi('Webhook · event', `${num(byType('webhook'))} · ${num(byType('event'))}`, '', 'wait for someone else'),
      kpi('Time · schedule', `${num(byType('time'))} · ${num(byType('schedule'))}`, 'run', 'resume by themselves'),
      kpi('Next timeout', soonest ? relative(soonest.timeoutAt) : '–', !soonest ? '' : new Date(soonest.timeoutAt) - Date.now() < 600000 ? 'fail' : 'wait',
        soonest ? `${soonest.flow} · ${soonest.step}` : 'nothing times out'));
    sub.textContent = scope === 'all' ? 'newest first: waiting, resolved, timed out and canceled' : 'runs waiting right now, newest first';
    const all = scope === 'all';
    fill(body, awaits.length ? h('table', { id: 'awaits-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Flow · step'), h('th', {}, 'Type'), all ? h('th', {}, 'Status') : null,
        h('th', {}, 'Registered'), h('th', {}, 'Resolves · times out'), h('th', {}, ''))),
      h('tbody', {}, awaits.map((a) => h('tr', { class: 'click' + (a.status === 'waiting' ? '' : ' done'), dataset: { await: a.awaitId, run: a.runId, status: a.status, flow: a.flow },
        onclick: () => { location.hash = `#/runs/${a.runId}`; } },
        h('td', {}, h('a', { href: `#/runs/${a.runId}`, class: 'mono', title: a.runId, onclick: (e) => e.stopPropagation() }, short(a.runId))),
        h('td', { class: 'flow-step' }, h('a', { href: `#/flows/${encodeURIComponent(a.flow)}?run=${a.runId}`, onclick: (e) => e.stopPropagation() }, a.flow),
          h('span', { class: 'muted' }, ' · '), h('strong', {}, a.step), ' ',
          h('span', { class: `pill pos ${a.position}`, title: a.position === 'after' ? 'after the step: holds back what it emitted' : 'before the step runs' }, a.position)),
        h('td', {}, awaitType(a.type), a.type === 'children' || a.type === 'descendants' ? h('div', { class: 'muted small' },
          h('a', { href: `#/runs?parent=${a.runId}`, dataset: { children: a.runId }, onclick: (e) => e.stopPropagation() }, 'its child runs')) : null,
          a.concurrencyKey ? h('div', { class: 'muted small mono', dataset: { concurrencyKey: a.concurrencyKey } }, a.concurrencyKey) : null,
          (a.concurrencyKeyHolders || []).length > 1 ? keyHolders(a) : a.concurrencyKeyHolder ? h('div', { class: 'muted small', dataset: { keyHolder: a.concurrencyKeyHolder } }, 'held by run ',
            h('a', { href: `#/runs/${a.concurrencyKeyHolder}`, class: 'mono', title: a.concurrencyKeyHolder, onclick: (e) => e.stopPropagation() }, short(a.concurrencyKeyHolder))) : null),
        all ? h('td', {}, statusBadge(a.status)) : null,
        h('td', {}, when(a.registeredAt)),
        h('td', {}, dueCell(a)),
        h('td', { class: 'num' }, a.status === 'waiting' && a.timeoutAt
          ? h('button', { class: 'btn small', dataset: { deadline: a.awaitId }, onclick: (e) => { e.stopPropagation(); deadlineDialog(a, load); } }, '◷ Change deadline…')
          : null, ' ', a.status === 'waiting' && a.type !== 'concurrency_key'
          ? h('button', { class: 'btn small primary', dataset: { resolve: a.awaitId }, onclick: (e) => { e.stopPropagation(); resolveDialog(a, user, load); } }, '✓ Resolve…')
          : null)))))
      : h('div', { class: 'empty', id: 'awaits-empty' }, scope === 'all' ? 'No awaits yet' : 'No run is waiting right now'));
  };

  // #/awaits?await=<id> (a run's "Resolve…") opens that await's dialog once, if it still waits;
  // with &deadline=1 (a run's "Change deadline…") its deadline dialog
  let toOpen = ctx.query.await || null;
  const deadline = ctx.query.deadline === '1';
  async function load() {
    try {
      awaits = await api.awaits(scope === 'all' ? 'all' : 'pending', 200);
      render();
      if (toOpen) {
        const a = awaits.find((x) => x.awaitId === toOpen);
        toOpen = null;
        delete ctx.query.await;   // the address no longer opens it, also after Pending / All
        delete ctx.query.deadline;
        ctx.setQuery({});
        if (deadline && a && a.status === 'waiting' && a.timeoutAt) deadlineDialog(a, load);
        else if (deadline && a && a.status === 'waiting') toast(`That ${a.type} await has no timeout to move (its step gives no timeoutMs): it waits until ${a.type === 'time' || a.type === 'schedule' ? 'its time' : 'it is resolved'}; Resolve… goes on now`, true);
        else if (a && a.status === 'waiting' && a.type === 'concurrency_key') toast(`That await ${TYPE_TEXT.concurrency_key}: it cannot be resolved by hand`, true);
        else if (a && a.status === 'waiting') resolveDialog(a, user, load);
        else toast(a ? `That await is ${a.status.replace('_', ' ')}: nothing to resolve` : `That await is not among the ${awaits.length} waiting ones listed`, true);
      }
    } catch (e) {
      fill(body, h('div', { class: 'empty' }, e.message));
    }
  }
  load();
  let timer;
  let lastKey = null;
  // awaiting counts move when an await registers or resolves; other changes matter for "all"
  const off = live.stats((m) => {
    const key = scope === 'all' ? JSON.stringify(m.flows) : m.flows.map((f) => f.stats.awaiting).join(',');
    if (key === lastKey) return;
    lastKey = key;
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  });
  const poll = setInterval(load, 10000);
  const tick = setInterval(() => tickRelative(ctx.view), 1000);
  return () => { off(); clearTimeout(timer); clearInterval(poll); clearInterval(tick); };
}

/** The operator's resolve: JSON data for the step, checked before it is sent. */
function resolveDialog(a, user, after) {
  const go = h('button', { class: 'btn primary', id: 'resolve-submit' }, '✓ Resolve');
  const reason = reasonField();
  const editor = jsonEditor({ id: 'resolve-input', value: JSON.stringify({ resolvedBy: user }, null, 2), label: 'resolution data (JSON)',
    emptyText: 'Empty: the step receives {}', onChange: (ok) => allowWhen(go, ok) });
  const close = modal(`Resolve the ${a.type} await of ${a.flow} · ${a.step}`, h('div', {},
    h('dl', { class: 'facts compact' },
      h('dt', {}, 'Run'), h('dd', {}, h('a', { href: `#/runs/${a.runId}`, class: 'mono' }, a.runId)),
      h('dt', {}, 'Waits'), h('dd', {}, `${a.position} step `, h('strong', {}, a.step), ` for ${a.type === 'time' ? 'a delay' : `a ${a.type}`}`),
      a.timeoutAt ? [h('dt', {}, 'Times out'), h('dd', {}, relative(a.timeoutAt))] : null),
    h('p', { class: 'muted small' }, 'The run resumes now. The JSON below is the await\'s data: the step sees it as ctx.triggerData(), as if the ', a.type, ' had arrived.'),
    editor.el, reason.el), (closeFn) => [h('button', { class: 'btn', onclick: closeFn }, 'Cancel'), go]);
  go.addEventListener('click', async () => {
    if (!editor.check()) return;
    const r = await act(go, () => api.resolveAwait(a.awaitId, editor.value() || '{}', reason.value()), `Resolved: run ${short(a.runId)} resumes`);
    if (r) { close(); after(); }
  });
  editor.check();
  editor.input.focus();
}

/** Milliseconds of an ISO-8601 duration of days, hours, minutes and seconds (P3D, PT1H30M); NaN for another. */
function durationMs(text) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text.trim());
  if (!m || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return NaN;
  return (((+(m[1] || 0) * 24 + +(m[2] || 0)) * 60 + +(m[3] || 0)) * 60 + +(m[4] || 0)) * 1000;
}

/**
 * An instant typed with its zone, Z (UTC) or an offset (+01:00), as {@code PUT …/timeout} takes it, to the UTC instant
 * sent: { iso } or { error }. Without a zone the browser would read the time in its own zone, which need not be the
 * operator's idea of it (a console opened in Lisbon for approvers in Sydney): refused, so no deadline is set by a
 * guess. The browser also rolls a day that does not exist (30 February) into the next month: refused too.
 */
const ZONED_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
function zonedInstant(text) {
  const m = ZONED_INSTANT.exec(text);
  const example = 'e.g. 2026-12-10T09:00:00Z (UTC) or 2026-12-10T10:00:00+01:00';
  if (!m && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) {
    return { error: `Give the zone: Z for UTC or an offset such as +01:00 (${example}); a time without one is another`
      + ` instant in every zone (this browser's is ${localZone()}).` };
  }
  if (!m) return { error: `An instant with its zone, ${example}` };
  const [y, mo, d, hh, mi, ss] = m.slice(1, 7).map((x) => +(x || 0));
  const day = new Date(Date.UTC(y, mo - 1, d, hh, mi, ss));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || hh > 23 || mi > 59 || ss > 59
    || (m[7] !== 'Z' && (+m[7].slice(1, 3) > 18 || +m[7].slice(4) > 59))) {
    return { error: `No such time: ${text} (${example})` };
  }
  return { iso: new Date(text).toISOString() };
}

function localZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'unknown';
}

/**
 * The operator's "Change deadline…": moves a waiting await's timeout by a duration (added to the one it has), to a
 * duration from now, or to an instant; with a reason, as other actions ask. The server checks the time (at most 366
 * days ahead, not before now) and says what is wrong.
 */
function deadlineDialog(a, after) {
  const go = h('button', { class: 'btn primary', id: 'deadline-submit' }, '◷ Change deadline');
  const reason = reasonField();
  const mode = h('select', { id: 'deadline-mode', 'aria-label': 'how' },
    h('option', { value: 'extend' }, 'extend by (added to the current deadline)'),
    h('option', { value: 'in' }, 'time out in (from now)'),
    h('option', { value: 'at' }, 'time out at (an instant with its zone: Z for UTC, or +01:00)'));
  const input = h('input', { type: 'text', id: 'deadline-input', value: 'P3D', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'duration or instant' });
  const msg = h('div', { class: 'field-msg', id: 'deadline-msg' });
  const body = () => {
    const text = input.value.trim();
    if (mode.value === 'at') { const i = zonedInstant(text); return i.iso ? { timeoutAt: i.iso } : null; }
    const ms = durationMs(text);
    if (isNaN(ms)) return null;
    return mode.value === 'in' ? { in: text.toUpperCase() } : { timeoutAt: new Date(Date.parse(a.timeoutAt) + ms).toISOString() };
  };
  // the new deadline in UTC, as sent, and in this browser's time and zone, so that an operator elsewhere sees both
  const check = () => {
    const b = body();
    msg.className = `field-msg ${b ? '' : 'bad'}`;
    msg.textContent = b ? (b.timeoutAt ? `new deadline ${b.timeoutAt} (UTC), ${new Date(b.timeoutAt).toLocaleString(undefined, { hour12: false })}`
      + ` in this browser's zone (${localZone()})` : `new deadline ${b.in} from now`)
      : mode.value === 'at' ? zonedInstant(input.value.trim()).error : 'a duration, e.g. P3D, PT1H or PT30M';
    allowWhen(go, !!b);
  };
  mode.addEventListener('change', () => { input.value = mode.value === 'at' ? a.timeoutAt : mode.value === 'in' ? 'PT1H' : 'P3D'; check(); });
  input.addEventListener('input', check);
  const close = modal(`Change the deadline of the ${a.type} await of ${a.flow} · ${a.step}`, h('div', {},
    h('dl', { class: 'facts compact' },
      h('dt', {}, 'Run'), h('dd', {}, h('a', { href: `#/runs/${a.runId}`, class: 'mono' }, a.runId)),
      h('dt', {}, 'Times out'), h('dd', {}, relative(a.timeoutAt), ' ', h('span', { class: 'muted small mono' }, a.timeoutAt))),
    h('p', { class: 'muted small' }, 'The await keeps waiting (its URL too); at the new deadline its timeout action applies. A deadline now or past times it out at once.'),
    mode, input, msg, reason.el), (closeFn) => [h('button', { class: 'btn', onclick: closeFn }, 'Cancel'), go]);
  go.addEventListener('click', async () => {
    const b = body();
    if (!b) return;
    const r = await act(go, () => api.moveAwaitTimeout(a.awaitId, b, reason.value()), `Deadline moved: run ${short(a.runId)} waits on`);
    if (r) { close(); after(); }
  });
  check();
  input.focus();
}

/** Publishes a named event with a JSON payload and shows what it did. */
function publishForm(initialEvent, after) {
  const nameInput = h('input', { type: 'text', id: 'event-name', list: 'known-events', placeholder: 'e.g. books.closed', autocomplete: 'off', spellcheck: 'false', value: initialEvent });
  const known = h('datalist', { id: 'known-events' });
  const nameMsg = h('div', { class: 'field-msg', id: 'event-name-msg' });
  const go = h('button', { class: 'btn primary', id: 'event-publish', type: 'submit' }, 'Publish event');
  const editor = jsonEditor({ id: 'event-payload', value: '{}', label: 'event payload (JSON)', compact: true, emptyText: 'Empty: published as {}', onChange: (ok) => allowWhen(go, ok) });
  const result = h('div', { id: 'event-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'publish-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'event-name' }, 'Event'), nameInput, known, nameMsg),
    h('div', { class: 'field' }, h('label', { for: 'event-payload' }, 'Payload'), editor.el),
    h('div', { class: 'form-foot' }, go), result);
  Promise.all([api.flows(), api.triggers().catch(() => [])]).then(([flows, triggers]) => {
    const events = new Set(flows.flatMap((f) => f.steps.flatMap((s) => s.emits)));
    triggers.filter((t) => t.type === 'event').forEach((t) => events.add(t.event));
    fill(known, [...events].sort().map((ev) => h('option', { value: ev })));
  }).catch(() => {});
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = nameInput.value.trim();
    nameMsg.className = 'field-msg ' + (name ? '' : 'bad');
    nameMsg.textContent = name ? '' : 'Name the event';
    nameInput.classList.toggle('invalid', !name);
    if (!name || !editor.check()) return;
    const r = await act(go, () => api.publishEvent(name, editor.value() || '{}'));
    if (!r) return;
    fill(result, h('div', { class: 'alert ' + (r.startedRuns.length || r.resolvedAwaits ? 'ok' : 'info'), id: 'event-outcome' },
      h('div', {}, h('strong', {}, r.event), ' published: ',
        h('span', { dataset: { started: r.startedRuns.length } }, `${r.startedRuns.length} run${r.startedRuns.length === 1 ? '' : 's'} started`), ', ',
        h('span', { dataset: { resolved: r.resolvedAwaits } }, `${r.resolvedAwaits} await${r.resolvedAwaits === 1 ? '' : 's'} resolved`), '.'),
      r.startedRuns.length ? h('div', { class: 'chips' }, r.startedRuns.map((id) => h('a', { class: 'pill run-link', href: `#/runs/${id}` }, short(id)))) : null,
      !r.startedRuns.length && !r.resolvedAwaits ? h('div', { class: 'small muted' }, 'No enabled event trigger and no waiting run listens to it.') : null));
    toast(`Published ${r.event}`);
    after();
  });
  editor.check();
  return card('Publish an event', 'starts event triggers · resumes awaiting runs', h('div', { class: 'card-body' }, form));
}
