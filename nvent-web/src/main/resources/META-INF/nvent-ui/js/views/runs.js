import { api } from '../api.js';
import { live } from '../live.js';
import { flowGraph } from '../graph.js';
import { h, clear, fill, badge, card, time, at, utc, withInstants, duration, short, num, paced, act, actionKey, modal, jsonView, confirmDialog, reasonField, byOperator, toast } from '../ui.js';
import { stepSummary, failedSteps } from './dashboard.js';
import { triggerHref } from './triggers.js';

const STATUSES = ['running', 'awaiting', 'compensating', 'completed', 'failed', 'canceled', 'stalled'];
const PAGE = 25;

export function runsView(ctx) {
  ctx.crumbs('Runs');
  const flowSel = h('select', { 'aria-label': 'flow' }, h('option', { value: '' }, 'All flows'));
  const statusSel = h('select', { 'aria-label': 'status' }, h('option', { value: '' }, 'Any status'), STATUSES.map((s) => h('option', { value: s }, s)));
  const body = h('div', { class: 'card-body flush' });
  const pager = h('div', { class: 'toolbar' });
  // Pages go on after the last run of the page before (the server's cursor, `after`), so every page
  // costs the same however deep; the cursors of the newer pages seen are kept to go back.
  let after = ctx.query.after || '';
  let newer = [];
  let next = null;
  // The filters of the address hold until the user changes them, also before the flows are listed,
  // and also a flow no longer deployed (its runs stay) or a value the server will refuse (it says why).
  let flow = ctx.query.flow || '';
  let status = ctx.query.status || '';
  // The runs one run started (its run page links here): a filter of its own, cleared by its ✕.
  let parent = ctx.query.parent || '';
  const parentChip = h('span', { class: 'pill', id: 'runs-parent' });
  // The runs carrying one label: typed (Enter), or a click on a run's label tag.
  let label = ctx.query.label || '';
  const labelInput = h('input', { type: 'search', id: 'runs-label', class: 'label-filter', placeholder: 'label', 'aria-label': 'label',
    autocomplete: 'off', spellcheck: 'false', maxlength: 64, value: label });
  const keep = (sel, value, label) => {
    if (value && ![...sel.options].some((o) => o.value === value)) sel.append(h('option', { value }, label));
    sel.value = value;
  };
  keep(statusSel, status, status);
  api.flows().then((flows) => {
    flows.forEach((f) => flowSel.append(h('option', { value: f.name }, f.name)));
    keep(flowSel, flow, `${flow} (not deployed)`);
  });
  let loads = 0; // the number of the latest load: an older one's answer, arriving after it, is dropped
  let loading = false;
  let lastLoad = 0;
  let stale = false;
  let timer = null;
  let gone = false;
  const load = async () => {
    const mine = ++loads;
    loading = true;
    lastLoad = Date.now();
    let page;
    try {
      page = await api.runsPage({ flow, status, parent, label, after, limit: PAGE });
    } catch (e) {
      if (mine !== loads) return;
      fill(body, h('div', { class: 'empty', id: 'runs-error' }, e.message));
      fill(pager);
      return;
    } finally {
      if (mine === loads) {
        loading = false;
        if (stale) { stale = false; reloadSoon(); }
      }
    }
    if (mine !== loads) return;
    const { runs } = page;
    next = page.next;
    fill(body, runs.length ? h('table', { id: 'runs-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Flow'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Duration'), h('th', {}, 'Steps'), h('th', {}, 'Error'))),
      h('tbody', {}, runs.map((r) => h('tr', { class: 'click', dataset: { run: r.runId }, onclick: () => { location.hash = `#/runs/${r.runId}`; } },
        h('td', {}, h('a', { href: `#/runs/${r.runId}`, class: 'mono' }, r.runId), labelTags(r, filterByLabel)), h('td', {}, r.flow), h('td', {}, badge(r.status)),
        h('td', { class: 'small' }, at(r.startedAt)), h('td', { class: 'small' }, duration(r.startedAt, r.endedAt)),
        h('td', { class: 'small muted' }, stepSummary(r)), errorCell(r))))) : h('div', { class: 'empty' }, 'No runs match'));
    // A page opened from its address has no newer pages seen: its position is unknown, "Newer" goes to the first.
    const first = newer.length * PAGE;
    fill(pager,
      h('button', { class: 'btn small', id: 'runs-newer', disabled: !after, onclick: () => { after = newer.pop() || ''; sync(); } }, '← Newer'),
      h('span', { class: 'muted small', id: 'runs-range' }, after && !newer.length ? `${runs.length} older` : `${first + 1}–${first + runs.length}`),
      h('button', { class: 'btn small', id: 'runs-older', disabled: !next, onclick: () => { newer.push(after); after = next; sync(); } }, 'Older →'));
  };
  const showParent = () => {
    parentChip.style.display = parent ? '' : 'none';
    if (parent) {
      fill(parentChip, 'started by run ', h('a', { href: `#/runs/${encodeURIComponent(parent)}`, class: 'mono' }, short(parent)), ' ',
        h('button', { class: 'btn small', id: 'runs-parent-clear', title: 'runs of any parent', onclick: () => { parent = ''; showParent(); firstPage(); } }, '✕'));
    }
  };
  showParent();
  const sync = () => { ctx.setQuery({ flow, status, parent, label, after, offset: null }); load(); };
  const firstPage = () => { after = ''; newer = []; sync(); };
  const filterByLabel = (value) => { label = value; labelInput.value = value; firstPage(); };
  labelInput.addEventListener('change', () => { if (labelInput.value !== label) filterByLabel(labelInput.value); });
  flowSel.addEventListener('change', () => { flow = flowSel.value; firstPage(); });
  statusSel.addEventListener('change', () => { status = statusSel.value; firstPage(); });
  const finder = findRunForm(() => flow);
  ctx.actions(finder.form);
  ctx.view.append(finder.msg, card('Runs', 'newest first', body, h('div', { class: 'toolbar' }, parentChip, flowSel, statusSel, labelInput, pager)));
  // Statistics come about once a second while runs change, each a hint that the list may have changed;
  // a page costs the database a good part of a second with a big store, so the list is reloaded at
  // most every RELOAD_MS, and a hint during a load only makes it reload once after it.
  const RELOAD_MS = 3000;
  const reloadSoon = () => {
    if (gone) return;
    if (loading) { stale = true; return; }
    if (timer) return;
    timer = setTimeout(() => { timer = null; load(); }, Math.max(300, lastLoad + RELOAD_MS - Date.now()));
  };
  load();
  const off = live.stats(reloadSoon);
  return () => { gone = true; off(); clearTimeout(timer); };
}

/**
 * A run's deadline (StartOptions.timeout, @FlowStep(runTimeoutMs)): "times out at …" while it is under way, what it
 * had once it ended (a run that timed out says so in its error).
 */
function deadlineFact(run) {
  const underWay = run.status === 'running' || run.status === 'awaiting' || run.status === 'stalled'
    || run.status === 'compensating';
  return [underWay ? 'times out at ' : 'had until ', at(run.deadline)];
}

/**
 * A run's labels as small tags; a click on one lists the runs carrying it: `onPick` on the run list (the
 * row's own click, which opens the run, is left alone), a link to that list elsewhere.
 */
export function labelTags(run, onPick) {
  if (!run.labels || !run.labels.length) return null;
  return h('span', { class: 'chips run-labels' }, run.labels.map((l) => h('a', {
    class: 'pill run-label', href: `#/runs?label=${encodeURIComponent(l)}`, title: `runs labeled ${l}`, dataset: { label: l },
    onclick: onPick ? (e) => { e.preventDefault(); e.stopPropagation(); onPick(l); } : (e) => e.stopPropagation(),
  }, l)));
}

/**
 * What a run stored before 0.2 (schema V15) lacks on its row and its history has: the key it was started with (its
 * flow.start entry) and, while it is failed, its error (its latest flow.failed entry). The run page showed the key but
 * no error at all for such a run, which the list sent to its page for the error.
 */
export function factsFromHistory(run, events) {
  const start = run.idempotencyKey ? null : events.find((e) => e.type === 'flow.start');
  const failure = run.error || run.status !== 'failed' ? null : events.findLast((e) => e.type === 'flow.failed');
  return { key: run.idempotencyKey || (start && start.data ? start.data.idempotencyKey : undefined),
    error: run.error || (failure && failure.data ? failure.data.error : undefined) };
}

/** Whether a history entry tells the run page something the run's row lacks ({@link factsFromHistory}). */
function lacksFromHistory(run, entry) {
  return (entry.type === 'flow.start' && !run.idempotencyKey) || (entry.type === 'flow.failed' && run.status === 'failed' && !run.error);
}

/**
 * A failed run's error as the list shows it: its first line, the whole text on hover. A run that failed
 * before nvent kept errors with runs (0.2) names its failed steps; its page has the error.
 */
function errorCell(run) {
  if (run.status !== 'failed') return h('td', { class: 'run-error' });
  if (!run.error) {
    const steps = failedSteps(run);
    return h('td', { class: 'run-error small muted', title: 'failed before nvent kept errors with runs (0.2): its page shows the error' },
      steps.length ? `step ${steps.join(', ')} failed` : 'see its page');
  }
  const first = run.error.split('\n').map((l) => l.trim()).find((l) => l) || run.error.trim();
  return h('td', { class: 'run-error small ellipsis', title: run.error }, first);
}

/**
 * How the run page tells the key a run was started with: a key nvent made for a child run
 * (`nvent-child/<parent>/<step>/[retried-<m>/]attempt-<n>/<flow>/<k>`) in words, with its parent
 * linked; any other key as given.
 */
function keyFact(key) {
  const m = /^nvent-child\/([^/]+)\/(.+?)\/(?:retried-(\d+)\/)?attempt-(\d+)\/([^/]+)\/(\d+)$/.exec(key);
  const parent = (id) => h('a', { href: `#/runs/${encodeURIComponent(id)}`, class: 'mono' }, short(id));
  const whole = h('div', { class: 'mono small muted key-text' }, key);
  if (m) {
    const [, run, step, retried, attempt, flow, k] = m;
    return [h('span', { class: 'key-made' }, `made by nvent: ${flow} child #${k} of step ${step} (attempt ${attempt}${retried ? `, after ${retried} operator retr${retried === '1' ? 'y' : 'ies'}` : ''}) of run `, parent(run)), whole];
  }
  const digested = /^nvent-child\/(?:([^/]+)\/)?[^/]+$/.exec(key);
  if (digested) return [h('span', { class: 'key-made' }, 'made by nvent for a child run', digested[1] ? [' of run ', parent(digested[1])] : null), whole];
  return h('span', { class: 'mono' }, key);
}

/**
 * The start of a run id as the console shows it (`3f2a9c1e…`, or typed with three dots: `3f2a9c1e...`), or a longer part
 * of one (not the whole: 36), pasted into Find.
 */
const SHORT_RUN_ID = /^([0-9a-f]{8}(?:-[0-9a-f-]{0,26})?)(?:…|\.\.\.)?$/;
/** How many of the newest runs Find looks through for a run whose id starts as given. */
const SHORT_ID_SCAN = 1000;

/**
 * "Find run": a run id opens that run; anything else is taken for an idempotency key, looked up in the
 * flow chosen in the filter, or else in every deployed flow (keys are per flow), and opens the run it started.
 * A shortened id, as the console shows ids (`3f2a9c1e…`) and an operator copies them from the screen, opens the run
 * among the newest 1,000 (of the chosen flow) whose id starts with it.
 */
function findRunForm(chosenFlow) {
  const input = h('input', { type: 'search', id: 'run-find', placeholder: 'run id or idempotency key', 'aria-label': 'find a run by id or idempotency key',
    autocomplete: 'off', spellcheck: 'false', size: 30 });
  const msg = h('div', { class: 'run-find-msg', id: 'run-find-msg', role: 'status', hidden: true });
  const form = h('form', { class: 'toolbar run-find', novalidate: true }, input, h('button', { class: 'btn', type: 'submit', id: 'run-find-go' }, 'Find'));
  const say = (text, bad) => { msg.hidden = false; msg.className = 'run-find-msg' + (bad ? ' bad' : ''); msg.textContent = text; };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) { say('Enter a run id or an idempotency key', true); return; }
    say('looking…');
    try {
      const run = await api.run(text).catch((err) => { if (err.status === 404) return null; throw err; });
      if (run) { location.hash = `#/runs/${encodeURIComponent(run.runId)}`; return; }
      const flows = chosenFlow() ? [chosenFlow()] : (await api.flows()).map((f) => f.name);
      const found = (await Promise.all(flows.map((f) => api.runs({ flow: f, idempotencyKey: text, limit: 1 })
        .catch((err) => { if (err.status === 404) return []; throw err; })))).flat();
      if (found.length === 1) { location.hash = `#/runs/${encodeURIComponent(found[0].runId)}`; return; }
      const prefix = found.length ? null : text.match(SHORT_RUN_ID);
      if (prefix) {
        const { runs } = await api.runsPage({ flow: chosenFlow() || undefined, limit: SHORT_ID_SCAN });
        const starting = runs.filter((r) => r.runId.startsWith(prefix[1]));
        if (starting.length === 1) { location.hash = `#/runs/${encodeURIComponent(starting[0].runId)}`; return; }
        if (starting.length > 1) {
          fill(msg, `${starting.length} runs start with ${prefix[1]}: `, starting.map((r, i) => [i ? ', ' : '',
            h('a', { href: `#/runs/${encodeURIComponent(r.runId)}`, class: 'mono' }, r.runId)]));
          msg.className = 'run-find-msg';
          return;
        }
        say(`No run has the id ${text}, and none of the newest ${num(SHORT_ID_SCAN)} runs${chosenFlow() ? ` of flow ${chosenFlow()}` : ''}`
          + ` has an id starting with ${prefix[1]}: paste the whole id (a short id's tooltip, or its run's page, has it)`, true);
        return;
      }
      if (found.length > 1) {
        fill(msg, `key ${text} started a run in ${found.length} flows: `,
          found.map((r, i) => [i ? ', ' : '', h('a', { href: `#/runs/${encodeURIComponent(r.runId)}`, class: 'mono' }, `${r.flow} ${short(r.runId)}`)]));
        msg.className = 'run-find-msg';
        return;
      }
      say(`No run has the id ${text}, and no run of ${chosenFlow() ? `flow ${chosenFlow()}` : 'any deployed flow'} was started with it as its idempotency key`, true);
    } catch (err) {
      say(err.message, true);
    }
  });
  return { form, msg };
}

const TYPE_CLASS = {
  'flow.start': 'flow', 'flow.completed': 'ok', 'flow.failed': 'bad', 'flow.cancel': 'warn', 'flow.stalled': 'warn',
  'step.started': '', 'step.completed': 'ok', 'step.failed': 'bad', 'step.retry': 'warn', 'step.stalled': 'warn', 'step.canceled': 'warn', log: 'log', emit: 'flow',
  'await.registered': 'warn', 'await.resolved': 'ok', 'await.timeout': 'bad', 'trigger.fired': 'flow',
  'run.compensating': 'warn', 'run.compensated': 'warn', 'run.debounced': 'flow', 'run.batched': 'flow', 'await.timeout-moved': 'warn',
};

/**
 * The entries that end an attempt (a step.canceled one too, when it ran as its run was canceled): with
 * nvent-opentelemetry, each names the attempt's span (`"trace"`).
 */
const ATTEMPT_ENDS = ['step.completed', 'step.retry', 'step.failed', 'step.canceled'];
/** `nvent.console.trace-url` (from GET /session), e.g. `https://jaeger.example/trace/{traceId}`; null: ids, no link. */
let traceTemplate = null;

/** A trace or span id as tracers write it (W3C: 32 and 16 hex digits; Zipkin's 64-bit trace ids: 16). */
const HEX_ID = /^[0-9a-f]{16,32}$/i;

/**
 * The attempt's trace id (the span's on hover), and a *Trace* link to the backend when the deployment sets one. Only a
 * hex id goes into the link: anything else in an entry (another interceptor's field, a crafted entry) is shown as text,
 * never made part of an address (a template may put the id in the host).
 */
function traceRef(trace) {
  if (!trace || typeof trace.traceId !== 'string') return null;
  const ids = h('span', { class: 'mono small muted', title: `trace ${trace.traceId}${trace.spanId ? `, span ${trace.spanId}` : ''}` }, ` · trace ${short(trace.traceId)}`);
  if (!traceTemplate || !HEX_ID.test(trace.traceId)) return h('span', { class: 'trace' }, ids);
  const href = traceTemplate.replaceAll('{traceId}', trace.traceId)
    .replaceAll('{spanId}', HEX_ID.test(trace.spanId) ? trace.spanId : '');
  return h('span', { class: 'trace' }, ids, ' ', h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'trace-link' }, 'Trace'));
}

/** `io.nvent.NonRetryableStepException` → `NonRetryableStepException` (a nested class keeps its outer name). */
function simpleName(type) {
  return type ? type.substring(type.lastIndexOf('.') + 1) : 'not worth a retry';
}

function describe(ev) {
  const d = ev.data || {};
  const more = (label, value) => h('details', { class: 'data' }, h('summary', {}, label), jsonView(value));
  switch (ev.type) {
    case 'flow.start': {
      const origin = d.restartOf ? ['restart of ', h('a', { href: `#/runs/${d.restartOf}`, class: 'mono' }, short(d.restartOf))]
        : d.rerunOf ? ['rerun of ', h('a', { href: `#/runs/${d.rerunOf}`, class: 'mono' }, short(d.rerunOf)), ` from ${d.fromStep}`]
        : d.parentRunId ? ['child of ', h('a', { href: `#/runs/${d.parentRunId}`, class: 'mono' }, short(d.parentRunId))]
        : d.trigger ? ['started by trigger ', h('a', { href: triggerHref(d.trigger) }, d.trigger)] : ['run started'];
      return [h('span', {}, ...origin), more('input', d.input)];
    }
    case 'step.started': return `attempt ${ev.attempt} on queue ${d.queue || '–'}${d.instance ? `, instance ${d.instance}` : ''}`;
    case 'log': {
      const meta = d.meta && Object.keys(d.meta).length ? more('details', d.meta) : null;
      return [h('span', { class: `lvl ${d.level}` }, d.level), d.message, meta];
    }
    case 'emit': return [h('span', {}, 'emitted ', h('span', { class: 'pill' }, d.name),
      d.scheduled === false ? h('span', { class: 'muted small' }, ` – scheduled nothing: ${d.reason}`) : null), more('payload', d.payload)];
    case 'step.completed': return ['completed', reached(d.progress), d.result !== undefined && d.result !== null ? more('result', d.result) : null];
    case 'step.retry': return d.reason ? withInstants(d.reason.includes('waits') ? d.reason : `${d.reason}: the step is queued again`)
      : [h('span', {}, `${d.error} – attempt ${d.attempt}/${d.maxAttempts}, next at `, at(d.nextAttemptAt, { precise: true })),
        d.retryable === false ? h('span', { class: 'muted small' }, ` – not worth a retry (${simpleName(d.errorType)}): the next attempt fails the step without running it`) : null, reached(d.progress), d.stack ? h('details', { class: 'data' }, h('summary', {}, 'stack trace'), h('pre', { class: 'stack' }, d.stack)) : null];
    case 'step.failed': return [h('span', {}, d.attempt !== undefined ? `${d.error} (attempt ${d.attempt}/${d.maxAttempts})` : d.error),
      d.retryable === false ? h('span', { class: 'muted small' }, ` – failed, not retried: ${simpleName(d.errorType)}`) : null, reached(d.progress), d.stack ? h('details', { class: 'data' }, h('summary', {}, 'stack trace'), h('pre', { class: 'stack' }, d.stack)) : null];
    case 'flow.failed': return d.reason === 'timed out' ? `run timed out after ${d.timeout} (its deadline was ${d.deadline})`
      : `run failed in step ${d.step}: ${d.error}`;
    case 'flow.cancel': return `canceled (was ${d.previousStatus})`;
    case 'step.canceled': return withInstants(`canceled: ${d.reason}`);
    case 'flow.completed': return 'run completed';
    case 'await.registered': return [h('span', {}, `waits ${d.position || ''} the step for ${d.type === 'time' ? 'a time' : `a ${d.type || 'signal'}`}`,
      d.timeoutAt ? [' · times out ', at(d.timeoutAt), ` (${d.timeoutAction || 'fail'})`] : ''), more('details', d)];
    case 'await.resolved': return [h('span', {}, `${d.type || 'await'} resolved`), d.data !== undefined && d.data !== null ? more('data', d.data) : null];
    case 'await.timeout': return `${d.type || 'await'} timed out (${d.action || 'fail'})`;
    case 'await.timeout-moved': return [h('span', {}, `${d.type || 'await'} deadline moved from `), at(d.from, { precise: true }), h('span', {}, ' to '), at(d.to, { precise: true })];
    case 'trigger.fired': return [h('span', {}, `trigger ${d.trigger || d.name || ''} fired`), more('data', d)];
    case 'flow.stalled': case 'step.stalled': return d.reason ? withInstants(`stalled: ${d.reason}`) : 'stalled';
    case 'run.compensating': return `step ${d.step} failed: undoing ${(d.compensate || []).map((s, i) => `${s} (by ${(d.by || [])[i]})`).join(', then ')}`;
    case 'run.compensated': return `undone: ${(d.compensated || []).join(', ')}`;
    case 'run.debounced': return [h('span', {}, `${d.folded} fire${d.folded === 1 ? '' : 's'} of debounce key '${d.debounceKey}' folded in; starts at `, at(d.startAt, { precise: true })), more('input', d.input)];
    case 'run.batched': return [h('span', {}, `batch of key '${d.batchKey}': ${d.count} of ${d.batchMax} events${d.full ? ', full: starts now' : '; starts at '}`), d.full ? null : at(d.startAt, { precise: true })];
    default: return Object.keys(d).length ? more('data', d) : '';
  }
}

export function runView(ctx) {
  const [runId] = ctx.params;
  ctx.crumbs(['Runs', '#/runs'], short(runId));
  const facts = h('dl', { class: 'facts', id: 'run-facts' });
  const graphBody = h('div', { class: 'card-body flush' });
  const stepsBody = h('div', { class: 'card-body flush' });
  const diagramLink = h('a', { class: 'small' }, 'full diagram →');
  const list = h('ul', { class: 'timeline', id: 'timeline' });
  // A long history (tens of thousands of entries) would take the browser many seconds to lay out
  // and keep it slow: only the newest SHOWN entries are rendered, older ones on request.
  const SHOWN = 500;
  let shownLimit = SHOWN;
  let hidden = 0; // entries that pass the filters but are not rendered, all older than the rendered ones
  const older = h('button', { class: 'btn small', id: 'timeline-older', onclick: () => { shownLimit += SHOWN; redraw(); } });
  const olderBar = h('div', { class: 'toolbar', style: 'display:none' }, older);
  const updateOlder = () => {
    olderBar.style.display = hidden ? '' : 'none';
    older.textContent = `Show ${Math.min(SHOWN, hidden)} older (${hidden} not shown)`;
  };
  const counter = h('span', { class: 'sub', id: 'timeline-count' }, 'loading…');
  // The runs below this one, shown once it has started runs of its own: the counts of the whole tree, and its
  // children, each opened a level at a time.
  const belowSummary = h('div', { class: 'small', id: 'runs-below-summary' }, 'counting…');
  const belowTree = h('ul', { class: 'run-tree', id: 'runs-below-tree' });
  const belowCard = card('Runs below', 'the runs it started, and theirs', h('div', { class: 'card-body' }, belowSummary, belowTree));
  belowCard.id = 'runs-below';
  belowCard.style.display = 'none';
  const stepSel = h('select', { 'aria-label': 'step filter', id: 'step-filter' }, h('option', { value: '' }, 'All steps'));
  let kind = 'all';
  const levelSel = h('select', { 'aria-label': 'log level', id: 'level-filter' }, ['', 'debug', 'info', 'warn', 'error'].map((l) => h('option', { value: l }, l ? `${l} and above` : 'Any level')));
  const kinds = h('div', { class: 'seg', role: 'group', 'aria-label': 'event kind' }, ['all', 'events', 'logs', 'errors'].map((k) =>
    h('button', { class: k === kind ? 'on' : '', dataset: { kind: k }, onclick: (e) => { kind = k; kinds.querySelectorAll('button').forEach((b) => b.classList.toggle('on', b === e.currentTarget)); redraw(); } }, k)));
  ctx.view.append(h('div', { class: 'grid main-side' },
    h('div', { class: 'card' },
      h('div', { class: 'card-head' }, h('div', {}, h('h2', {}, 'Timeline'), counter), h('div', { class: 'toolbar' }, stepSel, kinds, levelSel)),
      h('div', { class: 'card-body flush' }, olderBar, list)),
    h('div', { class: 'grid', style: 'align-content:start' },
      card('Overview', null, h('div', { class: 'card-body' }, facts)),
      belowCard,
      card('Steps', 'state in this run', h('div', {}, graphBody, stepsBody), diagramLink))));

  const events = [];
  let run = null;
  let hasChildren = false; // whether the run started runs of its own (steps' startFlow): they get a link
  let flowDef = null;
  let graph = null;
  let complete = false;
  const LEVELS = { debug: 0, info: 1, warn: 2, error: 3 };
  const visible = (ev) => {
    if (stepSel.value && ev.step !== stepSel.value) return false;
    if (kind === 'events' && ev.type === 'log') return false;
    if (kind === 'logs' && ev.type !== 'log') return false;
    if (kind === 'errors' && !(['step.failed', 'step.retry', 'flow.failed'].includes(ev.type) || (ev.type === 'log' && ev.data.level === 'error'))) return false;
    if (levelSel.value && ev.type === 'log' && LEVELS[ev.data.level] < LEVELS[levelSel.value]) return false;
    return true;
  };
  const row = (ev, fresh) => h('li', { class: fresh ? 'new' : '', dataset: { seq: ev.seq, type: ev.type } },
    h('span', { class: 'seq' }, ev.seq), h('span', { class: 'ts', title: utc(ev.ts) }, time(ev.ts)),
    h('span', { class: `type ${TYPE_CLASS[ev.type] ?? ''}` }, ev.type), h('span', { class: 'step', title: ev.step || '' }, ev.step || ''),
    h('span', { class: 'msg' }, describe(ev), byOperator(ev.data), ATTEMPT_ENDS.includes(ev.type) ? traceRef(ev.data && ev.data.trace) : null));
  const updateCount = () => {
    const shown = list.children.length;
    counter.textContent = `${events.length} entries${shown !== events.length ? `, ${shown} shown` : ''}${complete ? ' · live' : ' · loading history…'}`;
    counter.dataset.total = events.length;
  };
  const redraw = () => {
    const passing = events.filter(visible);
    hidden = Math.max(0, passing.length - shownLimit);
    fill(list, ...passing.slice(hidden).map((ev) => row(ev, false)));
    updateOlder();
    updateCount();
  };
  // Fresh entries are the newest: rows beyond the limit go from the top, and of a page of history
  // only those that stay are built.
  const appendRows = (fresh, live) => {
    const passing = fresh.filter(visible);
    const built = passing.slice(Math.max(0, passing.length - shownLimit));
    hidden += passing.length - built.length;
    list.append(...built.map((ev) => row(ev, live)));
    while (list.children.length > shownLimit) { list.firstChild.remove(); hidden++; }
    updateOlder();
  };
  stepSel.addEventListener('change', redraw);
  levelSel.addEventListener('change', redraw);

  const renderRun = () => {
    if (!run) return;
    diagramLink.href = `#/flows/${encodeURIComponent(run.flow)}?run=${run.runId}`;
    // a compensating run (undoing its completed steps after a failure) is under way like a running one
    const active = run.status === 'running' || run.status === 'awaiting' || run.status === 'compensating';
    const ended = run.status === 'completed' || run.status === 'failed' || run.status === 'canceled';
    const failed = failedSteps(run);
    const { key, error } = factsFromHistory(run, events);
    fill(facts,
      h('dt', {}, 'Status'), h('dd', { id: 'run-status', dataset: { status: run.status } }, badge(run.status)),
      h('dt', {}, 'Run id'), h('dd', { class: 'mono' }, run.runId),
      h('dt', {}, 'Flow'), h('dd', {}, h('a', { href: `#/flows/${encodeURIComponent(run.flow)}?run=${run.runId}` }, run.flow)),
      h('dt', {}, 'Started'), h('dd', {}, at(run.startedAt)),
      h('dt', {}, 'Ended'), h('dd', {}, at(run.endedAt)),
      h('dt', {}, 'Duration'), h('dd', {}, duration(run.startedAt, run.endedAt)),
      run.parentRunId ? [h('dt', {}, 'Parent'), h('dd', {}, h('a', { href: `#/runs/${run.parentRunId}`, class: 'mono' }, short(run.parentRunId)))] : null,
      hasChildren ? [h('dt', {}, 'Child runs'), h('dd', {}, h('a', { href: `#/runs?parent=${encodeURIComponent(run.runId)}`, id: 'run-children' }, 'the runs it started →'))] : null,
      key ? [h('dt', {}, 'Idempotency key'), h('dd', { id: 'run-key' }, keyFact(key))] : null,
      run.labels && run.labels.length ? [h('dt', {}, 'Labels'), h('dd', { id: 'run-labels' }, labelTags(run))] : null,
      error ? [h('dt', {}, 'Error'), h('dd', { id: 'run-error', class: 'run-error-full' }, error)] : null,
      run.deadline ? [h('dt', {}, 'Deadline'), h('dd', { id: 'run-deadline' }, deadlineFact(run))] : null);
    ctx.actions(
      // one click away from the other actions, at any hour: both ask first, as the flow's bulk actions do
      active ? h('button', { class: 'btn danger', id: 'cancel-run', onclick: () => {
        // a run that started runs of its own: canceling them too is what an operator stopping a batch means
        const children = hasChildren ? h('input', { type: 'checkbox', id: 'cancel-children', checked: true }) : null;
        // a flow that declares compensations: the operator may have the run undo what it did (refund the charge)
        const undoable = run.status !== 'compensating' && flowDef && flowDef.steps.some((s) => s.compensation);
        const compensate = undoable ? h('input', { type: 'checkbox', id: 'cancel-compensate' }) : null;
        confirmDialog(`Cancel run ${short(runId)}?`,
          [`Nothing further of this ${run.flow} run is scheduled, its running steps are asked to stop and its awaits close. A canceled run can be restarted, not resumed.`,
            children ? [h('br'), h('label', {}, children, ' Also cancel its child runs (and theirs) still under way')] : null,
            compensate ? [h('br'), h('label', {}, compensate, ' Undo its completed steps (compensation)')] : null],
          'Cancel run', async (reason) => {
            const withChildren = !!children && children.checked;
            const r = await api.cancel(runId, withChildren, !!compensate && compensate.checked, reason);
            // a run that compensates is not canceled yet: the toast says so, with or without its children
            const undoing = r.status === 'compensating' ? 'Undoing its completed steps; the run ends canceled after' : null;
            toast(withChildren ? (undoing ? `${undoing}; ` : 'Canceled with ')
              + `${r.descendantsCanceled} child run${r.descendantsCanceled === 1 ? '' : 's'}${undoing ? ' canceled' : ''}`
              + (r.moreDescendants ? '; more remain: cancel again' : '') : undoing || 'Cancel requested');
            refresh();
          }, { danger: true, id: 'confirm-cancel-run', reason: true });
      } }, '■ Cancel') : null,
      failed.length ? h('button', { class: 'btn primary', id: 'retry-step', onclick: () => chooseStep('Retry a failed step', 'The step gets a fresh set of attempts and the run resumes.', failed, 'Retry', (s, reason) => api.retryStep(runId, s, reason).then(refresh)) }, '↻ Retry failed step') : null,
      // one Idempotency-Key per dialog: clicking its button twice, or again after a lost answer, starts one run
      flowDef ? h('button', { class: 'btn', id: 'rerun-step', onclick: () => { const key = actionKey(); chooseStep('Rerun from a step', 'A new run starts from the chosen step, keeping what happened before it.', flowDef.steps.map((s) => s.name), 'Rerun', (s, reason) => api.rerun(runId, s, key(s), reason).then((r) => { location.hash = `#/runs/${r.runId}`; })); } }, '⤼ Rerun from…') : null,
      h('button', { class: 'btn', id: 'restart-run', onclick: () => { const key = actionKey(); confirmDialog(`Restart run ${short(runId)}?`,
        `A new run of ${run.flow} starts from its entry step with the same input, running every step again.${active ? ' This run, still under way, is canceled first.' : ''}`,
        'Restart', async (reason) => { const r = await api.restart(runId, key(), reason); toast(`Restarted as ${short(r.runId)}`); location.hash = `#/runs/${r.runId}`; },
        { danger: active, id: 'confirm-restart-run', reason: true }); } }, '⟲ Restart'),
      // only an ended run can be deleted; a run under way is canceled first (the server answers 409)
      ended ? h('button', { class: 'btn danger', id: 'delete-run', onclick: () => confirmDialog(`Delete run ${short(runId)}?`,
        `This ${run.status} run of ${run.flow} is deleted with its whole history and state, for good; the flow's other runs stay. Its idempotency key, if any, is free for a new run.`,
        'Delete run', async (reason) => { await api.deleteRun(runId, reason); toast(`Run ${short(runId)} deleted`); location.hash = `#/runs?flow=${encodeURIComponent(run.flow)}`; },
        { danger: true, id: 'confirm-delete-run', reason: true }) }, '✕ Delete run') : null);
    if (graph) graph.update(Object.fromEntries(flowDef.steps.map((s) => [s.name, run.steps[s.name] || 'idle'])));
    if (flowDef) {
      fill(stepsBody, h('table', { id: 'run-steps' }, h('tbody', {}, flowDef.steps.map((s) => {
        const st = run.steps[s.name];
        const wait = (run.waits || []).find((w) => w.step === s.name);
        return h('tr', { dataset: { step: s.name } }, h('td', {}, h('strong', {}, s.name)), h('td', {}, st ? badge(st) : h('span', { class: 'muted small' }, 'not scheduled'),
          wait && wait.progress ? progressBar(wait.progress) : null,
          wait && wait.lastHeartbeatAt ? heartbeatLine(wait.lastHeartbeatAt) : null,
          wait ? h('div', { class: 'muted small step-wait', dataset: { reason: wait.reason } }, waitText(wait), waitLink(wait)) : null),
          h('td', { class: 'num' }, st === 'failed' ? h('button', { class: 'btn small', dataset: { retryStep: s.name }, onclick: () => confirmDialog(`Retry step ${s.name}?`,
            `The step gets a fresh set of attempts and the run resumes.`, 'Retry',
            async (reason) => { await api.retryStep(runId, s.name, reason); toast(`Retrying ${s.name}`); refresh(); },
            { id: 'confirm-retry-step', reason: true }) }, 'Retry…') : null));
      }))));
    }
  };
  let refreshTimer = null;
  let waitTimer = null;
  // Set when the operator leaves the page: an answer landing later must not draw this run's buttons
  // into the next page.
  let gone = false;
  let childrenAsked = false;
  // Whether the run started runs of its own, asked once per page load (one index read of a page of
  // one); a store written for nvent 0.1 cannot tell (501): no link then.
  const lookForChildren = () => api.runsPage({ parent: runId, limit: 1 })
    .then(({ runs }) => {
      if (!gone && runs.length && !hasChildren) { hasChildren = true; renderRun(); showRunsBelow(); }
    }).catch(() => {});
  let belowPanel = null;
  const showRunsBelow = () => {
    belowCard.style.display = '';
    belowPanel = runsBelowPanel(runId, belowSummary, belowTree, () => gone);
  };
  async function refresh() {
    try {
      const fresh = await api.run(runId);
      if (gone) return;
      run = fresh;
      renderRun();
    } catch (e) {
      if (gone) return;
      fill(facts, h('dd', {}, e.message));
    }
    // Asked once per page load, and again on each refresh while the run is under way without children so far: the
    // Runs below panel shows once its first child started.
    const underWay = run && (run.status === 'running' || run.status === 'awaiting' || run.status === 'compensating');
    if (run && !hasChildren && (!childrenAsked || underWay)) { childrenAsked = true; lookForChildren(); }
    // What waiting steps wait for changes without an entry in the history (a queue resumed, a backlog shrinking).
    clearTimeout(waitTimer);
    if (run && run.waits && run.waits.length) waitTimer = setTimeout(refresh, 5000);
  }
  const scheduleRefresh = () => { clearTimeout(refreshTimer); refreshTimer = setTimeout(refresh, 150); };

  (async () => {
    await refresh();
    if (!run) return;
    flowDef = await api.flow(run.flow).catch(() => null);
    if (flowDef) {
      flowDef.steps.forEach((s) => stepSel.append(h('option', { value: s.name }, s.name)));
      const g = await api.graph(run.flow);
      graph = flowGraph(g, { fit: true, onSelect: (step) => { stepSel.value = stepSel.value === step ? '' : step; redraw(); } });
      fill(graphBody, graph.el);
      renderRun();
    }
  })();

  // A running step's progress, sent once a second while it changes: the bar moves without fetching the run; and
  // that a step shows none any more (its attempt ended, or a retry reported none yet): the bar goes.
  const offProgress = live.on((msg) => {
    if ((msg.type !== 'progress' && msg.type !== 'progress.cleared') || msg.runId !== runId || !run || !run.waits) return;
    const wait = run.waits.find((w) => w.step === msg.step && (w.reason === 'running' || w.reason === 'lease_expired'));
    if (!wait) return;
    if (msg.type === 'progress.cleared') {
      if (!wait.progress) return;
      wait.detail = withoutProgress(wait);
      wait.progress = null;
      renderRun();
      return;
    }
    wait.progress = msg.progress;
    const row = stepsBody.querySelector(`tr[data-step="${CSS.escape(msg.step)}"] .step-progress`);
    if (row) row.replaceWith(progressBar(msg.progress)); else renderRun();
  });
  const off = live.run(runId, (msg) => {
    if (msg.type === 'error') { counter.textContent = msg.message; return; }
    if (msg.type === 'history' && msg.complete) complete = true;
    if (msg.live) complete = true;
    const fresh = msg.events;
    events.push(...fresh);
    appendRows(fresh, msg.live);
    updateCount();
    // A page of the history of a run that has ended changes nothing the last fetch of it showed (for
    // 20,000 entries it was fetched again 40 times); live entries, or any while it runs, may.
    const ended = run && run.status !== 'running' && run.status !== 'awaiting' && run.status !== 'compensating';
    if (fresh.length && (msg.live || !ended)) scheduleRefresh();
    else if (run && fresh.some((e) => lacksFromHistory(run, e))) renderRun();
  });
  // The link to each attempt's trace: the entries drawn before the answer are drawn again with it.
  api.session().then((s) => {
    const template = s.traceUrl || null;
    if (!gone && template !== traceTemplate) { traceTemplate = template; redraw(); }
  }).catch(() => {});
  return () => { gone = true; off(); offProgress(); clearTimeout(refreshTimer); clearTimeout(waitTimer); if (belowPanel) belowPanel.close(); };
}

// The children listed per request of the Runs below panel (the server counts the runs below each: one store call each).
const BELOW_PAGE = 20;
// The most a request counts (the server's limit with descendants=true): a page read again is read in one request.
const BELOW_PAGE_MAX = 100;
// The most runs a level reads again a second (each one a count of the store): a level of 1,000 runs shown whose every
// run changed is read again in 5 s, not in one second's 1,000 counts.
const BELOW_REREAD_PER_SECOND = 200;
// The most rows whose counts one look at the tree's counts that moved reads (one count of the store each, below a row
// not opened): a look every 5 s reads at most 20 a second, in turn, the rows not looked at longest first.
const BELOW_PROBES_PER_LOOK = 100;

/** The counts of a run's descendants in words: descendants: 104, under way: 1, completed 102 / failed 1 / canceled 0. */
function descendantsLine(d) {
  return [h('span', { dataset: { descendants: d.descendants, underWay: d.underWay } },
    `descendants: ${num(d.descendants)}, under way: ${num(d.underWay)}, completed ${num(d.completed)} / failed ${num(d.failed)} / canceled ${num(d.canceled)}`),
  d.depthLimitReached ? h('div', { class: 'muted small', id: 'runs-below-limit', title: d.detail || '' },
    `counted down to ${num(d.depthLimit)} generations: the runs deeper below are not counted`) : null];
}

/**
 * The Runs below panel, live: the counts of the run's whole tree, and its children a page at a time (the list's
 * cursor), each with its status and the count of the runs below it; one with runs below opens, on a click, to its own
 * children: a request per level opened, never the whole tree. A store that cannot count them (501) lists the children
 * without counts.
 *
 * Each opened level follows the status changes of its runs (the live stream's `parentRunId` subscription): a child
 * that starts, waits, or ends reads again the page that shows it, the page of its parent's row in the level above (its
 * count), and the counts of the tree; each level at most once a second and at most BELOW_REREAD_PER_SECOND runs a
 * second, the pages changed first in the list first, however many children change or how many pages More… showed. A
 * child not shown reads the first page only if it sorts into it (its start, or any change while the level shows all
 * its children: it is new); one behind More… reads the counts alone, and the first page at the next look if the tree
 * grew meanwhile (a new child whose start and end came as one message). A page is read again from the cursor it was
 * read with: a run it showed that the read passes over was deleted, and goes. A change deeper down, below a run not opened,
 * names no opened level: the counts are read again every 5 s while runs below are under way (every 30 s else), and
 * when they moved, the counts of the rows not opened that may have changed below (runs under way below them, or
 * under way themselves) are read, BELOW_PROBES_PER_LOOK at most, and only the pages whose rows' counts moved are read
 * again. Every page of every opened level is read again when the tree has fewer runs (a deletion, which the 30-s
 * look sees), or when the rows read moved less than the tree (none of them, or not as much in all) and no message came
 * (`children.changed` likewise for its level);
 * when a message came, it may explain the move or not: every page is read at the next look no message came to, or 30 s
 * on while messages keep coming.
 * A level closed stops following, and reads afresh when opened again.
 */
function runsBelowPanel(root, summary, list, gone) {
  // parent run id -> { list, rows: Map(runId -> li), pages: [{ after, ids }], pageOf: Map(runId -> page), dirty: Set(page),
  //   next, loading (the li of a page being read), failed (the li saying why a page read failed), refresh, off }
  const levels = new Map();
  const levelOf = new Map(); // run id -> the parent whose level shows it
  let sweptCounts = '';
  let sweeping = false;
  let countTimer = null;
  let sweptAt = 0;
  const counts = paced(() => api.descendants(root).then((d) => {
    if (gone()) return;
    fill(summary, descendantsLine(d));
    const now = JSON.stringify([d.descendants, d.underWay, d.completed, d.failed, d.canceled]);
    // A change below a run not opened names no opened level: every 5 s (30 s while nothing is under way: a deletion),
    // when the tree's counts moved since the last time, the pages whose rows' counts moved are read again. 5 s after
    // that last time, not after this read: the changes of an opened level read the counts too, and would put it off
    // for as long as they come.
    if (sweeping && sweptCounts && now !== sweptCounts) {
      // Fewer runs: a deletion, which moves no count a row can tell. Else a change no message told moved the counts:
      // the rows that may have one below are read, and every page once none of them moved and no message came (a run
      // retried below a row whose runs had all ended, a row beyond those read): the next look sees no move again.
      const deleted = d.descendants < JSON.parse(sweptCounts)[0];
      // More runs: a child told of but not shown may be new, its start and end handed over as one message (the live
      // stream keeps a run's latest entry): the first page, where it sorts, is read again.
      if (d.descendants > JSON.parse(sweptCounts)[0]) levels.forEach((level) => changedFirstPage(level));
      const told = toldSinceLook;
      const moves = JSON.parse(now).map((n, i) => n - JSON.parse(sweptCounts)[i]);
      if (deleted) rereadAll();
      else probeRows().then(({ moved, rowMoves }) => {
        if (gone()) return;
        // The rows' moves are the tree's whole move only if they add up to it: a run retried below an ended row (no
        // row read) in the same 5 s as a run below a row read ended was gone for good with the rows' move taken for it.
        if (moved && (told || !rowMoves || JSON.stringify(rowMoves) === JSON.stringify(moves))) return;
        // A message came too: its change may be the move, or only part of it (a run retried below an ended row in
        // the same 5 s). The counts read now are the next look's to compare with, so the move would be gone for
        // good: it stays unexplained until a look no message came to, or for 30 s while messages keep coming.
        if (!told) rereadAll();
        else if (!unexplainedSince) unexplainedSince = Date.now();
      });
    }
    if (sweeping && unexplainedSince && (!toldSinceLook || Date.now() - unexplainedSince >= 30000)) rereadAll();
    if (sweeping) { toldSinceLook = false; levels.forEach((level) => level.unseen.clear()); }
    if (sweeping || !sweptCounts) { sweptCounts = now; sweptAt = Date.now(); }
    sweeping = false;
    clearTimeout(countTimer);
    countTimer = setTimeout(() => { sweeping = true; counts(); },
      Math.max(0, sweptAt + (d.underWay > 0 ? 5000 : 30000) - Date.now()));
  }).catch((e) => {
    if (gone()) return;
    fill(summary, h('span', { class: 'muted' }, e.message));
    // A definite answer (a store that cannot count them, 501; the run deleted, 404) is not asked again; else tried
    // again in 5 s: a read that failed does not end the reads that see deletions and changes deeper down.
    if (e.status && (e.status < 500 || e.status === 501)) return;
    clearTimeout(countTimer);
    countTimer = setTimeout(() => { sweeping = true; counts(); }, 5000);
  }), 1000);

  /** The counts as a row shows them, to compare with a count read of its own. */
  const countsKey = (d) => (d ? JSON.stringify([d.descendants, d.underWay, d.completed, d.failed, d.canceled]) : '');
  let probeTurn = 0;
  /** Whether a message told a change since the last look at the counts. */
  let toldSinceLook = false;
  /**
   * When a look saw the counts move that neither the rows it read nor anything but a message explained (0: none since
   * every page was last read): a look without a message, or one 30 s later, reads every page.
   */
  let unexplainedSince = 0;
  /** Every page of every opened level is to be read again: whatever moved the counts shows. */
  const rereadAll = () => {
    unexplainedSince = 0;
    levels.forEach((level) => changedAll(level));
  };

  /**
   * Reads the counts of the rows not opened that may have changed below without a message (runs under way below them,
   * or under way themselves: they may start some), on pages not already to be read again, BELOW_PROBES_PER_LOOK at
   * most, in turn; the page of each whose counts moved, or could not be read, is read again. Resolves to `moved`,
   * whether any page is read again for them (false too when no row may have changed), and `rowMoves`, how much their
   * counts moved in all (as the tree's counts, one number each), null when one could not be read or was read again.
   */
  const probeRows = () => {
    const candidates = [];
    levels.forEach((level, parent) => level.counts.forEach((d, runId) => {
      const pg = level.pageOf.get(runId);
      if (!pg || level.dirty.has(pg) || levels.has(runId)) return;
      const status = level.rows.get(runId)?.dataset.status;
      if ((d && d.underWay > 0) || status === 'running' || status === 'awaiting') candidates.push({ level, parent, runId, d });
    }));
    if (!candidates.length) return Promise.resolve({ moved: false, rowMoves: [0, 0, 0, 0, 0] });
    const n = Math.min(BELOW_PROBES_PER_LOOK, candidates.length);
    const from = probeTurn % candidates.length;
    const chosen = Array.from({ length: n }, (_, i) => candidates[(from + i) % candidates.length]);
    probeTurn = from + n;
    // A row read again meanwhile (its page, its level closed) tells the move itself.
    const asCounts = (d) => JSON.parse(countsKey(d || { descendants: 0, underWay: 0, completed: 0, failed: 0, canceled: 0 }));
    return Promise.all(chosen.map(({ level, parent, runId, d }) => api.descendants(runId)
      .then((now) => ({ moved: countsKey(now) !== countsKey(d), by: asCounts(now).map((n, i) => n - asCounts(d)[i]) }),
        () => ({ moved: true, by: null }))
      .then(({ moved, by }) => {
        if (gone() || levels.get(parent) !== level || level.counts.get(runId) !== d) return { moved: true, by: null };
        if (moved) { changedRow(level, runId); changedAbove(parent); }
        return { moved, by };
      }))).then((rows) => ({ moved: rows.some((row) => row.moved),
      rowMoves: rows.every((row) => row.by) ? rows.reduce((all, row) => all.map((n, i) => n + row.by[i]), [0, 0, 0, 0, 0])
        : null }));
  };

  /** Every page of the level is to be read again. */
  const changedAll = (level) => {
    level.pages.forEach((pg) => level.dirty.add(pg));
    if (level.dirty.size || !level.pages.length) level.refresh(); // no page: the first failed to read
  };

  /**
   * The page showing `runId` is to be read again. A run not shown: the first page if it sorts into it (`isNew`: its
   * start; or any run while the level shows all its children), else nothing yet (behind More…, its change moves only
   * counts, which the caller reads; a new child whose start and end came as one message: the next look reads the
   * first page if the tree grew).
   */
  const changedRow = (level, runId, isNew = false) => {
    const pg = level.pageOf.get(runId) || (isNew || !level.next ? level.pages[0] : null);
    if (pg) { level.dirty.add(pg); level.refresh(); } else if (!level.pages.length) level.refresh();
    else level.unseen.add(runId);
  };

  /** The first page of a level told of a child it does not show (since the last look) is to be read again. */
  const changedFirstPage = (level) => {
    if (level.unseen.size && level.pages.length) { level.dirty.add(level.pages[0]); level.refresh(); }
  };

  /**
   * A child of `parent` changed (`runId`; none: `children.changed`, any of them): its page, the page of each level
   * above that shows the run below which it changed (that row's count), and the tree's counts are read again.
   */
  const changed = (parent, runId, isNew) => {
    toldSinceLook = true;
    const top = levels.get(parent);
    if (top) { if (runId) changedRow(top, runId, isNew); else changedAll(top); }
    changedAbove(parent);
    counts();
  };

  /** In each level above `parent`'s, the page of the row below which it is (that row's count) is to be read again. */
  const changedAbove = (parent) => {
    // Each level once: in a cycle of parents (a keyed run id reused after a purge, under its old child) the run shown
    // is shown again below its child, and the walk up would go round for ever.
    const seen = new Set([parent]);
    for (let child = parent, p = levelOf.get(parent); p !== undefined && !seen.has(p); child = p, p = levelOf.get(p)) {
      seen.add(p);
      const level = levels.get(p);
      if (level) changedRow(level, child);
    }
  };

  const open = (parent, into) => {
    // In a cycle of parents a run shows again below its child: its level is the one above, not a second one.
    if (levels.has(parent)) { clear(into); into.append(h('li', { class: 'muted small run-tree-none' }, 'shown above')); return; }
    const level = { list: into, rows: new Map(), counts: new Map(), pages: [], pageOf: new Map(), dirty: new Set(),
      unseen: new Set(), next: null, loading: null, failed: null };
    levels.set(parent, level);
    level.refresh = paced(() => reread(parent, level), 1000);
    level.off = live.children(parent, (msg) => changed(parent, msg.type === 'child' ? msg.runId : null,
      msg.type === 'child' && msg.event?.type === 'flow.start'));
    loadPage(parent, level, '');
  };

  /** Forgets a row of a level (deleted, or its level closed), closing the level opened below it. */
  const drop = (level, runId) => {
    const li = level.rows.get(runId);
    close(runId, li.querySelector(':scope > ul.run-tree'));
    levelOf.delete(runId);
    li.remove();
    level.rows.delete(runId);
    level.counts.delete(runId);
    level.pageOf.delete(runId);
  };

  /** Closes the level of `parent` shown in `list` (a run shown again in a cycle of parents closes nothing). */
  const close = (parent, list) => {
    const level = levels.get(parent);
    if (!level || level.list !== list) return;
    levels.delete(parent);
    level.off();
    level.refresh.cancel();
    [...level.rows.keys()].forEach((runId) => drop(level, runId));
    clear(level.list);
  };

  /** The row of a child; an opened one keeps its level (its list and toggle) when drawn again. */
  const row = (child, parent, old) => {
    levelOf.set(child.runId, parent);
    return runBelow(child, old, (opening, below) => { if (opening) open(child.runId, below); else close(child.runId, below); });
  };

  const moreButton = (parent, level) => h('li', { class: 'run-tree-more' }, h('button', { class: 'btn small', dataset: { parent }, onclick: (e) => {
    e.currentTarget.parentElement.remove(); loadPage(parent, level, level.next);
  } }, level.pages.length ? 'More…' : 'Try again'));

  const readPage = (parent, after, limit) => api.runsPage({ parent, limit, descendants: 'true', after: after || undefined })
    .catch(() => api.runsPage({ parent, limit, after: after || undefined }));

  /** The level's rows, page after page, then More… while there are more. */
  const draw = (level, parent) => {
    clear(level.list);
    level.pages.forEach((pg) => pg.ids.forEach((runId) => level.list.append(level.rows.get(runId))));
    // a page More… is reading shows that it is in place of More…; one that failed, why, and More… to try again
    if (level.loading) level.list.append(level.loading);
    else {
      if (level.failed) level.list.append(level.failed);
      if (level.next || !level.pages.length) level.list.append(moreButton(parent, level));
    }
    if (!level.rows.size && level.pages.length && !level.loading) level.list.append(h('li', { class: 'muted small run-tree-none' }, 'none'));
  };

  /** Reads a page of the level after `after` (its first page: none) and adds it. */
  const loadPage = (parent, level, after) => {
    const more = h('li', { class: 'run-tree-more' }, 'loading…');
    if (level.failed) { level.failed.remove(); level.failed = null; }
    level.loading = more;
    level.list.append(more);
    return readPage(parent, after, BELOW_PAGE)
      .then(({ runs, next }) => {
        if (gone() || levels.get(parent) !== level) return;
        level.loading = null;
        const pg = { after, ids: [] };
        runs.filter((child) => !level.rows.has(child.runId)).forEach((child) => {
          level.rows.set(child.runId, row(child, parent));
          level.counts.set(child.runId, child.descendants || null);
          level.pageOf.set(child.runId, pg);
          pg.ids.push(child.runId);
        });
        level.pages.push(pg);
        level.next = next;
        draw(level, parent);
      })
      .catch((e) => {
        if (gone() || levels.get(parent) !== level) return;
        // Not a dead end: More… (Try again for a first page) reads it again, and a first page is read with the next
        // change too, as before pages were read again one by one.
        level.loading = null;
        level.failed = h('li', { class: 'run-tree-more muted small' }, e.message);
        draw(level, parent);
      });
  };

  /**
   * One round of a level read again: its pages changed, the one changed longest ago first, until
   * BELOW_REREAD_PER_SECOND runs were read; the others wait for the next round (a second later at the earliest). In
   * the list's order instead, the first pages, changed again by the next round, were read in every round and the
   * later ones never while their children kept changing.
   */
  const reread = async (parent, level) => {
    if (!level.pages.length) { if (!level.loading) await loadPage(parent, level, ''); return; }
    let budget = BELOW_REREAD_PER_SECOND;
    // `dirty` is in the order the pages changed: a page changed again keeps its place until read
    for (const pg of [...level.dirty]) {
      if (budget <= 0) break;
      level.dirty.delete(pg);
      if (!level.pages.includes(pg)) continue;
      try {
        budget -= await rereadPage(parent, level, pg);
      } catch (e) {
        level.dirty.add(pg); // read with the next change
        throw e;
      }
      if (gone() || levels.get(parent) !== level) return;
    }
    draw(level, parent);
    if (level.dirty.size) level.refresh();
  };

  /**
   * A page read again from the cursor it was read with, in one request; how many runs it read. The runs read are
   * drawn anew (opened ones stay open) and new ones added, up to the first run of a later page; a run of the page the
   * read passed over is gone (deleted): the read covered it, up to the later page's run or to the end of the list.
   * A page grown past one request (new children) keeps the runs the read did not reach as a page of their own, after
   * the cursor the read ended with, read next.
   */
  const rereadPage = async (parent, level, pg) => {
    const got = await readPage(parent, pg.after, Math.min(BELOW_PAGE_MAX, Math.max(BELOW_PAGE, pg.ids.length)));
    if (gone() || levels.get(parent) !== level || !level.pages.includes(pg)) return got.runs.length;
    const later = got.runs.findIndex((child) => level.pageOf.has(child.runId) && level.pageOf.get(child.runId) !== pg);
    const mine = later < 0 ? got.runs : got.runs.slice(0, later);
    const read = new Set(mine.map((child) => child.runId));
    const ids = [];
    mine.forEach((child) => {
      if (ids.includes(child.runId)) return;
      const old = level.rows.get(child.runId);
      level.rows.set(child.runId, row(child, parent, old));
      level.counts.set(child.runId, child.descendants || null);
      if (old) old.replaceWith(level.rows.get(child.runId));
      level.pageOf.set(child.runId, pg);
      ids.push(child.runId);
    });
    const reachedEnd = later >= 0 || !got.next;
    // Without reaching the later page, the read covered the page up to its last run shown before that it returned.
    let covered = pg.ids.length;
    if (!reachedEnd) {
      covered = 0;
      pg.ids.forEach((runId, i) => { if (read.has(runId)) covered = i + 1; });
    }
    const deleted = pg.ids.slice(0, covered).filter((runId) => !read.has(runId));
    const unreached = pg.ids.slice(covered).filter((runId) => !read.has(runId));
    deleted.forEach((runId) => drop(level, runId));
    pg.ids = ids;
    if (!got.next && later < 0) {
      // The end of the list: every later page's runs are gone, and there is no More….
      level.pages.slice(level.pages.indexOf(pg) + 1).forEach((after) => after.ids.forEach((runId) => drop(level, runId)));
      level.pages.splice(level.pages.indexOf(pg) + 1);
      level.next = null;
    } else if (unreached.length) {
      const rest = { after: got.next, ids: unreached };
      unreached.forEach((runId) => level.pageOf.set(runId, rest));
      level.pages.splice(level.pages.indexOf(pg) + 1, 0, rest);
      // New runs the read did not reach may come before them: read on from there next.
      level.dirty.add(rest);
    } else if (pg === level.pages[level.pages.length - 1]) {
      level.next = got.next;
    }
    // A page left empty (its runs deleted) goes: the page before it reads on to the page after it.
    if (!ids.length && level.pages.indexOf(pg) > 0) level.pages.splice(level.pages.indexOf(pg), 1);
    return got.runs.length;
  };

  // Changes while the stream was down were not sent: everything shown is read again once it is back.
  let wasUp = true;
  const offStatus = live.onStatus((state) => {
    if (state === 'up' && !wasUp) { rereadAll(); counts(); }
    wasUp = state === 'up';
  });

  counts();
  open(root, list);
  return {
    close() {
      offStatus(); counts.cancel(); clearTimeout(countTimer);
      levels.forEach((level) => { level.off(); level.refresh.cancel(); });
      levels.clear();
    },
  };
}

/**
 * One run of the Runs below panel: ▸ to open it (when runs are below it), its link, status and count. Drawn again
 * (`old`, its row as drawn before), an opened run keeps its list of children and stays open.
 */
function runBelow(child, old, onToggle) {
  const d = child.descendants;
  const below = old ? old.querySelector(':scope > ul.run-tree') : h('ul', { class: 'run-tree' });
  const wasOpen = old ? old.querySelector(':scope > .run-tree-toggle[aria-expanded="true"]') !== null : false;
  // without counts (a store that cannot count them) any child may have runs below: it can be opened
  const open = wasOpen || !d || d.descendants > 0 ? h('button', { class: 'btn small run-tree-toggle', 'aria-expanded': String(wasOpen), onclick: (e) => {
    const b = e.currentTarget;
    const opening = b.getAttribute('aria-expanded') !== 'true';
    b.setAttribute('aria-expanded', String(opening));
    b.textContent = opening ? '▾' : '▸';
    below.style.display = opening ? '' : 'none';
    onToggle(opening, below);
  } }, wasOpen ? '▾' : '▸') : h('span', { class: 'run-tree-leaf' }, '·');
  return h('li', { dataset: { runId: child.runId, status: child.status } }, open, ' ',
    h('a', { href: `#/runs/${child.runId}`, class: 'mono' }, short(child.runId)), ' ', h('span', { class: 'muted small' }, child.flow), ' ',
    badge(child.status),
    d ? h('span', { class: 'muted small run-tree-count' }, ` ${num(d.descendants)} below${d.underWay ? `, ${num(d.underWay)} under way` : ''}`) : null,
    below);
}

/** How far a running step's attempt has come: a bar, "done of total", its message and when it reported it. */
function progressBar(p) {
  const n = (v) => Number(v).toLocaleString();
  return h('div', { class: 'step-progress', dataset: { done: p.done, total: p.total } },
    h('progress', { max: p.total, value: p.done, title: `${p.percent} %` }),
    h('span', { class: 'small step-progress-count' }, `${n(p.done)} of ${n(p.total)} (${p.percent} %)`),
    p.message ? h('span', { class: 'small step-progress-message' }, ` – ${p.message}`) : null,
    h('span', { class: 'muted small' }, ' · reported ', at(p.reportedAt, { precise: true })));
}

/** When a running step with a heartbeat timeout last sent a heartbeat (the detail says by when it fails without one). */
function heartbeatLine(lastHeartbeatAt) {
  return h('div', { class: 'muted small step-heartbeat' }, 'last heartbeat ', at(lastHeartbeatAt, { precise: true }));
}

/**
 * How far an ended attempt got: the last progress it reported, which its step.completed, step.retry or step.failed
 * entry keeps ({done, total, message}); nothing for an attempt that reported none.
 */
function reached(p) {
  if (!p) return null;
  const n = (v) => Number(v).toLocaleString();
  const percent = p.done >= p.total ? 100 : Math.min(99, Math.floor((p.done / p.total) * 100));
  return h('span', { class: 'muted small step-reached' }, ` – reached ${n(p.done)} of ${n(p.total)} (${percent} %)`,
    p.message ? `: ${p.message}` : '');
}

/** A wait's detail without the progress the server adds to it in words: the bar shows it, and live. */
function withoutProgress(wait) {
  const cut = wait.progress ? wait.detail.indexOf('; reported ') : -1;
  if (cut < 0) return wait.detail;
  // The run's deadline, said after the progress where it comes first (runDeadline), stays.
  const deadline = wait.runDeadline ? wait.detail.indexOf('; the run times out at ', cut) : -1;
  return wait.detail.slice(0, cut) + (deadline < 0 ? '' : wait.detail.slice(deadline));
}

/** A run's id as the server writes it in a text (a concurrency key's holders). */
const RUN_ID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/**
 * What a step waits for, in the server's words. Behind a concurrency key those name the runs holding the key, where
 * the operator goes next (to see what keeps them, or to cancel one): each is a link to that run.
 */
function waitText(wait) {
  const text = withoutProgress(wait);
  // the key comes first, and is often an id itself (customer:3f2a9c1e-…), which is no run: the holders follow it
  const holders = text ? text.lastIndexOf(', held by ') : -1;
  if (wait.awaitType !== 'concurrency_key' || holders < 0) return withInstants(text);
  const parts = [];
  parts.push(withInstants(text.slice(0, holders)));
  let last = holders;
  for (const m of text.slice(holders).matchAll(RUN_ID)) {
    const at = holders + m.index;
    parts.push(withInstants(text.slice(last, at)),
      h('a', { href: `#/runs/${m[0]}`, class: 'mono key-holder', title: m[0], dataset: { keyHolder: m[0] } }, short(m[0])));
    last = at + m[0].length;
  }
  parts.push(withInstants(text.slice(last)));
  return parts;
}

/**
 * Whether the await a step waits on has a timeout an operator may move (PUT …/timeout, which refuses one without: 409
 * NVENT-0458). The wait says so in `awaitTimeoutAt`, not in its words, which a key or a name may imitate; nor in its
 * `until`, which for a time or schedule await is when it resumes.
 */
function hasTimeout(wait) {
  return !!wait.awaitTimeoutAt;
}

/**
 * Where an operator acts on what a step waits for: the await's Resolve dialog (not for a concurrency key's, which
 * nvent alone resolves: the server refuses it, 409; its holders are links in its text, and its queue is not the
 * cause, so no link to it), or the queue's page (to resume it, say).
 */
function waitLink(wait) {
  if (wait.awaitType === 'concurrency_key') return null;
  if (wait.reason === 'await' && wait.awaitId) {
    return [' ', h('a', { href: `#/awaits?await=${encodeURIComponent(wait.awaitId)}`, class: 'wait-link', dataset: { await: wait.awaitId } }, 'Resolve…'),
      hasTimeout(wait) ? [' ', h('a', { href: `#/awaits?await=${encodeURIComponent(wait.awaitId)}&deadline=1`, class: 'deadline-link', dataset: { deadline: wait.awaitId } }, 'Change deadline…')] : null];
  }
  if (wait.queue) return [' ', h('a', { href: `#/queues/${encodeURIComponent(wait.queue)}`, class: 'wait-link' }, `queue ${wait.queue} →`)];
  return null;
}

function chooseStep(title, text, steps, verb, run) {
  const sel = h('select', { id: 'step-choice', 'aria-label': 'step' }, steps.map((s) => h('option', { value: s }, s)));
  const reason = reasonField();
  modal(title, h('div', {}, h('p', { class: 'muted' }, text), sel, reason.el), (close) => [
    h('button', { class: 'btn', onclick: close }, 'Cancel'),
    h('button', { class: 'btn primary', id: 'step-choice-go', onclick: async (e) => { const r = await act(e.currentTarget, () => run(sel.value, reason.value()), `${verb}: ${sel.value}`); if (r !== undefined) close(); } }, verb)]);
}
