import { api } from '../api.js';
import { live } from '../live.js';
import { flowGraph, awaitWhat, awaitTimeout, retryLine, span, ROLE_NOTE } from '../graph.js';
import { h, clear, fill, badge, card, num, at, duration, short, statusBar, act, actionKey, allowWhen, modal, jsonEditor, reasonField, toast, when, tickRelative } from '../ui.js';
import { stepSummary } from './dashboard.js';
import { typeBadge, triggerHref, triggerSource } from './triggers.js';

export function flowsView(ctx) {
  ctx.crumbs('Flows');
  const body = h('div', { class: 'card-body flush' }, h('div', { class: 'empty' }, h('span', { class: 'spin' })));
  ctx.view.append(card('Registered flows', 'steps, event edges and run statistics', body));
  const load = async () => {
    const flows = await api.flows();
    fill(body, h('table', { id: 'flows-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Flow'), h('th', {}, 'Entry'), h('th', { class: 'num' }, 'Steps'), h('th', { class: 'num' }, 'Runs'),
        h('th', { class: 'num' }, 'Running'), h('th', { class: 'num' }, 'Completed'), h('th', { class: 'num' }, 'Failed'), h('th', {}, 'Outcome'),
        h('th', {}, 'Last run'), h('th', {}, ''))),
      h('tbody', {}, flows.map((f) => h('tr', { class: 'click', dataset: { flow: f.name }, onclick: () => { location.hash = `#/flows/${encodeURIComponent(f.name)}`; } },
        h('td', {}, h('strong', {}, f.name)), h('td', {}, h('span', { class: 'pill' }, f.entry)), h('td', { class: 'num' }, f.steps.length),
        h('td', { class: 'num' }, num(f.stats.total)), h('td', { class: 'num' }, num(f.stats.running)), h('td', { class: 'num' }, num(f.stats.completed)),
        h('td', { class: 'num' }, num(f.stats.failed)), h('td', {}, statusBar(f.stats)), h('td', { class: 'last-runs' }, lastRuns(f.stats)),
        h('td', {}, h('button', { class: 'btn small', onclick: (e) => { e.stopPropagation(); startRunDialog(f.name); } }, '▶ Start')))))));
  };
  load();
  let timer;
  const off = live.stats(() => { clearTimeout(timer); timer = setTimeout(load, 200); });
  // "3m ago" gets older between the live updates, which come only when a count changes
  const tick = setInterval(() => tickRelative(ctx.view), 5000);
  return () => { off(); clearTimeout(timer); clearInterval(tick); };
}

/**
 * When the flow's latest run started and its latest completed run ended ("last run 3m ago", "last completed 5m ago",
 * the exact time on hover), from its counts (FlowStats): a flow whose runs keep failing shows its last completion
 * getting older. A store adapter written before 0.2 gives neither time: a flow with runs then says nothing of them
 * rather than "never run".
 */
export function lastRuns(stats) {
  const started = stats.lastStartedAt ? ['last run ', when(stats.lastStartedAt)] : stats.total ? null : 'never run';
  const completed = stats.lastCompletedAt ? ['last completed ', when(stats.lastCompletedAt)]
    : stats.total && !stats.completed ? 'none completed' : null;
  return [started ? h('div', { class: 'small last-started' }, started) : null,
    completed ? h('div', { class: 'small muted last-completed' }, completed) : null];
}

export function flowView(ctx) {
  const [name] = ctx.params;
  ctx.crumbs(['Flows', '#/flows'], name);
  // the flow's steps, once its definition is read: the bulk retry offers to retry only the runs failed at one of them
  let stepNames = [];
  const retryFailedBtn = h('button', { class: 'btn', id: 'retry-failed', title: 'retry the failed step of every failed run of this flow',
    onclick: () => bulkDialog(name, RETRY_FAILED, () => loadRuns(), stepNames) }, '↻ Retry failed');
  const cancelActiveBtn = h('button', { class: 'btn', id: 'cancel-active', title: 'cancel every running or awaiting run of this flow',
    onclick: () => bulkDialog(name, CANCEL_ACTIVE, () => loadRuns()) }, '■ Cancel active runs');
  // The counts on the buttons are the shared count of the flow's runs (a few seconds old at most); the
  // confirmation counts the runs themselves.
  const loadCounts = async () => {
    try {
      const { stats } = await api.flow(name);
      fill(lastRunsLine, lastRuns(stats));
      fill(retryFailedBtn, `↻ Retry failed (${num(stats.failed)})`);
      // `running` includes compensating runs, which the bulk cancel (running, awaiting) leaves to finish
      fill(cancelActiveBtn, `■ Cancel active runs (${num(stats.running - (stats.compensating || 0) + stats.awaiting)})`);
    } catch { /* the flow's page says why */ }
  };
  ctx.actions(
    h('button', { class: 'btn', id: 'clear-history', title: 'delete the finished runs of this flow',
      onclick: () => clearHistoryDialog(name, () => { selected = null; ctx.setQuery({ run: null }); loadRuns(); }) }, '✕ Clear history'),
    retryFailedBtn, cancelActiveBtn,
    h('button', { class: 'btn primary', id: 'start-run', onclick: () => startRunDialog(name) }, '▶ Start run'));
  const graphBody = h('div', { class: 'card-body flush' });
  const graphSub = h('span', {}, 'select a run to color the steps by its state');
  const runsBody = h('div', { class: 'card-body flush' });
  const lastRunsLine = h('div', { id: 'flow-last-runs' });
  const stepsBody = h('div', { class: 'card-body flush' });
  const triggersBody = h('div', { class: 'card-body flush', id: 'flow-triggers' });
  ctx.view.append(
    card('Diagram', graphSub, graphBody),
    h('div', { class: 'grid main-side' }, card('Runs', ['newest first, live', lastRunsLine], runsBody),
      h('div', { class: 'grid', style: 'align-content:start' },
        card('Started by', 'triggers of this flow', triggersBody),
        card('Steps', 'configuration', stepsBody))));

  let graph = null;
  let selected = ctx.query.run || null;
  const refreshGraph = async () => {
    if (!graph) return;
    if (!selected) { graph.update({}); return; }
    try {
      const g = await api.graph(name, selected);
      graph.update(Object.fromEntries(g.nodes.map((n) => [n.id, n.status])));
      fill(graphSub, 'run ', h('a', { href: `#/runs/${selected}`, class: 'mono' }, short(selected)), ' ', badge(g.run.status));
    } catch (e) { selected = null; graph.update({}); }
  };
  const loadRuns = async () => {
    loadCounts();
    const runs = await api.runs({ flow: name, limit: 15 });
    if (!selected && runs.length) selected = runs[0].runId;
    fill(runsBody, runs.length ? h('table', { id: 'flow-runs' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Steps'), h('th', {}, 'Duration'))),
      h('tbody', {}, runs.map((r) => h('tr', { class: 'click' + (r.runId === selected ? ' selected' : ''), dataset: { run: r.runId },
        onclick: () => { selected = r.runId; ctx.setQuery({ run: r.runId }); loadRuns(); refreshGraph(); } },
        h('td', {}, h('a', { href: `#/runs/${r.runId}`, class: 'mono', onclick: (e) => e.stopPropagation() }, short(r.runId))),
        h('td', {}, badge(r.status)), h('td', { class: 'small' }, at(r.startedAt)), h('td', { class: 'small muted' }, stepSummary(r)),
        h('td', { class: 'small' }, duration(r.startedAt, r.endedAt)))))) : h('div', { class: 'empty' }, 'No runs yet. Start one.'));
    refreshGraph();
  };
  const loadTriggers = async () => {
    try {
      const triggers = (await api.triggers()).filter((t) => t.flows.includes(name));
      fill(triggersBody, h('table', {}, h('tbody', {},
        triggers.map((t) => h('tr', { dataset: { trigger: t.name } },
          h('td', {}, h('a', { href: triggerHref(t.name) }, h('strong', {}, t.name)), ' ', typeBadge(t.type),
            t.enabled ? null : [' ', h('span', { class: 'pill' }, 'disabled')],
            h('div', { class: 'small muted' }, triggerSource(t))))),
        h('tr', { class: 'manual-start' }, h('td', { class: 'small muted' },
          triggers.length ? 'and ' : 'No triggers: ', h('strong', {}, '▶ Start run'), ' here or ',
          h('code', {}, `POST ${api.base}/flows/${name}/runs`))))));
    } catch (e) {
      fill(triggersBody, h('div', { class: 'empty' }, e.message));
    }
  };
  (async () => {
    try {
      const [g, flow] = await Promise.all([api.graph(name), api.flow(name)]);
      stepNames = flow.steps.map((s) => s.name);
      graph = flowGraph(g, { onSelect: (step) => { document.querySelector(`[data-step-row="${CSS.escape(step)}"]`)?.scrollIntoView({ block: 'nearest' }); } });
      fill(graphBody, graph.el);
      fill(stepsBody, h('table', { id: 'flow-steps' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Step'), h('th', {}, 'Waits for → emits'))),
        h('tbody', {}, flow.steps.map((s) => [h('tr', { class: 'step-head', dataset: { stepRow: s.name } },
          h('td', {}, h('strong', {}, s.name), h('div', { class: 'small muted' },
            `${ROLE_NOTE[s.role] || ''}queue ${s.queue}${s.priority ? ` · priority ${s.priority}` : ''}`)),
          h('td', { class: 'events-cell' },
            s.subscribes.map((e) => h('div', {}, h('span', { class: 'muted small' }, '← '), h('span', { class: 'pill' }, e))),
            s.emits.map((e) => h('div', {}, h('span', { class: 'muted small' }, '→ '), h('span', { class: 'pill' }, e))),
            !s.subscribes.length && !s.emits.length ? h('span', { class: 'muted small' }, '–') : null)),
        // retry and awaits below, across both columns: sentences need the room
        h('tr', { class: 'step-settings', dataset: { stepSettings: s.name } }, h('td', { colspan: 2 },
          h('div', { class: 'small muted step-retry' }, s.retry ? retryLine(s.retry) : `${s.maxAttempts} attempt${s.maxAttempts === 1 ? '' : 's'}`,
            `; each attempt up to ${span(s.timeoutMs)}`),
          stepAwait(s.awaitBefore, 'before'), stepAwait(s.awaitAfter, 'after')))]))));
      loadRuns();
      loadTriggers();
    } catch (e) {
      ctx.actions();   // no flow to start
      fill(graphBody, h('div', { class: 'empty', id: 'flow-error' }, e.message));
    }
  })();
  let timer;
  const off = live.flow(name, () => { clearTimeout(timer); timer = setTimeout(loadRuns, 250); });
  const tick = setInterval(() => tickRelative(ctx.view), 5000);
  return () => { off(); clearTimeout(timer); clearInterval(tick); };
}

/** Runs per bulk request: short requests (under a proxy's read timeout) and progress to show between them. */
const BULK_PAGE = 100;

/** The two bulk operations of a flow's page: what they act on, how the server is asked, and their words. */
const RETRY_FAILED = {
  id: 'retry-failed', statuses: ['failed'],
  call: (flow, after, children, reason, step) => api.retryFailed(flow, { after, limit: BULK_PAGE, step: step || undefined, reason }),
  // after an outage, the runs that failed at the step that called the partner: not those that failed on bad input
  byStep: 'Only the runs whose failed step is',
  title: (flow) => `Retry the failed runs of ${flow}?`,
  what: (n) => `${n} failed run${n === '1' ? '' : 's'}`,
  text: 'Each has its failed step retried with a fresh set of attempts, as a retry by hand would, 100 runs at a time. '
    + 'Runs that fail meanwhile are retried too; a run retried by someone else meanwhile is skipped.',
  verb: (n) => `Retry ${n} run${n === '1' ? '' : 's'}`, done: 'retried', danger: false,
};
const CANCEL_ACTIVE = {
  id: 'cancel-active', statuses: ['running', 'awaiting'],
  call: (flow, after, children, reason) => api.cancelRuns(flow, { after, limit: BULK_PAGE, children: children ? 'true' : null, reason }),
  // up to 10,000 child runs per request: a request that stops there answers `next`, and the dialog goes on
  children: 'Also cancel their child runs (and theirs) still under way',
  title: (flow) => `Cancel the active runs of ${flow}?`,
  what: (n) => `${n} running or awaiting run${n === '1' ? '' : 's'}`,
  text: 'Each is canceled as a cancel by hand would be, 100 runs at a time: steps executing now are asked to stop, nothing further '
    + 'is scheduled, and their awaits close. Runs that start meanwhile are canceled too.',
  verb: (n) => `Cancel ${n} run${n === '1' ? '' : 's'}`, done: 'canceled', danger: true,
};

/**
 * How many runs of the flow are in these statuses now, counted up to 1,000 each ("1,000+" beyond); with a step, only
 * those whose step failed.
 */
async function countRuns(flow, statuses, step) {
  let count = 0;
  let more = false;
  for (const status of statuses) {
    const page = await api.runsPage({ flow, status, limit: 1000 });
    count += step ? page.runs.filter((r) => r.steps[step] === 'failed').length : page.runs.length;
    more = more || page.next !== null;
  }
  return more ? `${num(count)}+` : num(count);
}

/**
 * Confirms a bulk operation saying how many runs it takes, then works through them a page at a time,
 * showing the running totals, and the final counts when the server says nothing more matches.
 */
async function bulkDialog(flow, op, onDone, steps = []) {
  const text = h('p', { class: 'confirm-text', id: `${op.id}-text` }, h('span', { class: 'spin' }), ' counting the runs…');
  const progress = h('p', { class: 'small', id: 'bulk-progress', role: 'status' });
  const go = h('button', { class: `btn ${op.danger ? 'danger solid' : 'primary'}`, id: `confirm-${op.id}`, disabled: true }, '…');
  const children = op.children ? h('input', { type: 'checkbox', id: `${op.id}-children` }) : null;
  const reason = reasonField();
  const stepChoice = op.byStep && steps.length > 1 ? h('select', { id: `${op.id}-step`, 'aria-label': 'failed step' },
    h('option', { value: '' }, 'any step'), steps.map((s) => h('option', { value: s }, s))) : null;
  modal(op.title(flow), h('div', {}, text, children ? h('label', { class: 'small' }, children, ` ${op.children}`) : null,
    stepChoice ? h('label', { class: 'small' }, `${op.byStep} `, stepChoice) : null,
    reason.el, progress), (closeFn) => [h('button', { class: 'btn', onclick: closeFn }, 'Close'), go]);
  let n;
  // the latest count asked for: one of an earlier step choice answered after it would stand for the choice shown
  let counting = 0;
  const count = async () => {
    const step = stepChoice ? stepChoice.value : '';
    const asked = ++counting;
    go.disabled = true;
    let counted;
    try {
      counted = await countRuns(flow, op.statuses, step);
    } catch (e) {
      if (asked === counting) fill(text, e.message);
      return;
    }
    if (asked !== counting) return;
    n = counted;
    fill(text, h('strong', {}, op.what(n)), step ? ` of flow ${flow} failed at step ${step}. ` : ` of flow ${flow}. `, op.text);
    fill(go, op.verb(n));
    go.disabled = n === '0';
  };
  if (stepChoice) stepChoice.addEventListener('change', () => { if (!stepChoice.disabled) count(); });
  await count();
  go.addEventListener('click', async () => {
    go.disabled = true;
    if (stepChoice) stepChoice.disabled = true;
    const step = stepChoice ? stepChoice.value : '';
    const withChildren = !!children && children.checked;
    // One reason for every page: the audit trail records it with each request's runs.
    const why = reason.value();
    const total = { pages: 0, matched: 0, acted: 0, skipped: 0, failed: 0, descendantsCanceled: 0, skippedBy: {} };
    const line = () => `${num(total.matched)} run${total.matched === 1 ? '' : 's'}: ${num(total.acted)} ${op.done}, `
      + `${num(total.skipped)} skipped${Object.keys(total.skippedBy).length ? ` (${Object.entries(total.skippedBy)
        .map(([why, count]) => `${num(count)} ${why}`).join(', ')})` : ''}, ${num(total.failed)} failed`
      + (withChildren ? `, ${num(total.descendantsCanceled)} child run${total.descendantsCanceled === 1 ? '' : 's'} ${op.done}` : '');
    let after = null;
    try {
      do {
        fill(progress, h('span', { class: 'spin' }), ` page ${total.pages + 1} · ${line()} so far`);
        const page = await op.call(flow, after, withChildren, why, step);
        total.pages++;
        ['matched', 'acted', 'skipped', 'failed', 'descendantsCanceled'].forEach((k) => { total[k] += page[k] || 0; });
        Object.entries(page.skippedBy).forEach(([why, count]) => { total.skippedBy[why] = (total.skippedBy[why] || 0) + count; });
        after = page.next || null;
      } while (after);
    } catch (e) {
      fill(progress, `Stopped: ${e.message}. So far ${line()}; running it again goes on safely.`);
      progress.dataset.done = 'error';
      toast(e.message, true);
      onDone();
      return;
    }
    fill(progress, `Done: ${line()}.`, total.failed ? ' The server log says why each failed (NVENT-0194).' : '');
    progress.dataset.done = 'true';
    toast(`Done: ${line()}`, total.failed > 0);
    // The dialog stays open: the final counts are what the person came for.
    fill(go, 'Done');
    onDone();
  });
}

/**
 * Clears the flow's history a request at a time (each deletes up to 1,000 finished runs and says how many
 * remain), showing the progress: one request for a large history outlasted a proxy's timeout, and the
 * person saw an error without knowing what had been deleted. Closing the dialog stops after the request
 * under way; an error stops it, saying how far it got. Either way, clearing again goes on.
 */
function clearHistoryDialog(flow, onDone) {
  const progress = h('p', { class: 'small', id: 'clear-history-progress', role: 'status' });
  const go = h('button', { class: 'btn danger solid', id: 'confirm-clear-history' }, 'Clear history');
  const reason = reasonField();
  let close;
  modal(`Clear the history of ${flow}?`, h('div', {}, h('p', { class: 'confirm-text' }, 'Its completed, failed and canceled runs '
    + 'are deleted for good, with their histories and state, 1,000 at a time. Runs under way are kept.'), reason.el, progress),
  (closeFn) => { close = closeFn; return [h('button', { class: 'btn', onclick: closeFn }, 'Close'), go]; });
  go.addEventListener('click', async () => {
    go.disabled = true;
    const why = reason.value();
    let deleted = 0;
    let remaining = null;
    const line = () => `${num(deleted)} finished run${deleted === 1 ? '' : 's'} deleted`
      + (remaining === null ? '' : `, ${num(remaining)} left`);
    try {
      do {
        fill(progress, h('span', { class: 'spin' }), ` ${line()}…`);
        const r = await api.clearHistory(flow, { reason: why });
        deleted += r.deleted;
        remaining = r.remaining;
        if (r.deleted === 0 && remaining > 0) {
          // Nothing deletable this time (runs retried meanwhile): asking again at once would only spin.
          throw new Error('the server deleted none of the finished runs it counts this time');
        }
      } while (remaining > 0 && progress.isConnected);
    } catch (e) {
      fill(progress, `Stopped: ${e.message}. ${line()} so far; clearing again goes on.`);
      progress.dataset.done = 'error';
      toast(`Clearing the history of ${flow} stopped: ${e.message}`, true);
      onDone();
      return;
    }
    if (remaining > 0) {
      toast(`Clearing the history of ${flow} stopped when its dialog closed: ${line()}`);
    } else {
      toast(`Deleted ${num(deleted)} finished run${deleted === 1 ? '' : 's'}`);
      close();
    }
    onDone();
  });
}

/** A step's await in its row of the Steps table: where, what it waits for, and its timeout. */
function stepAwait(a, position) {
  if (!a) return null;
  const timeout = awaitTimeout(a);
  return h('div', { class: 'step-await small', dataset: { position, type: a.type } },
    h('span', { class: 'badge awaiting' }, `‖ ${position} · ${a.type}`), ' ', awaitWhat(a),
    timeout ? h('div', { class: 'muted' }, timeout) : null);
}

/** The "start a run" dialog: a JSON editor that reports invalid JSON before anything is sent. */
export async function startRunDialog(flow) {
  let example = '{\n  \n}';
  try {
    const [latest] = await api.runs({ flow, limit: 1 });
    if (latest) {
      const [start] = await api.events(latest.runId, { types: 'flow.start', limit: 1 });
      if (start && start.data.input !== undefined && start.data.input !== null) example = JSON.stringify(start.data.input, null, 2);
    }
  } catch { /* no example */ }
  const startBtn = h('button', { class: 'btn primary', id: 'run-submit' }, 'Start run');
  const key = actionKey();
  const editor = jsonEditor({ id: 'run-input', value: example, label: 'run input (JSON)', emptyText: 'Empty input: the entry step receives null',
    onChange: (ok) => allowWhen(startBtn, ok) });
  const close = modal(`Start a run of ${flow}`, h('div', {},
    h('p', { class: 'muted small' }, 'The JSON below becomes the input of the entry step.'), editor.el), (closeFn) => [
    h('button', { class: 'btn', onclick: closeFn }, 'Cancel'), startBtn]);
  startBtn.addEventListener('click', async () => {
    if (!editor.check()) return;
    const input = editor.value();
    const result = await act(startBtn, () => api.startRun(flow, input, key(input)), (r) => `Started run ${short(r.runId)}`);
    if (result) { close(); location.hash = `#/runs/${result.runId}`; }
  });
  editor.check();
  editor.input.focus();
}
