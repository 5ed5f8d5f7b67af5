import { api } from '../api.js';
import { live } from '../live.js';
import { h, clear, fill, badge, card, num, dateTime, at, utc, ago, duration, short, act, jsonView, confirmDialog, toast } from '../ui.js';

const STATES = ['waiting', 'delayed', 'active', 'completed', 'failed'];

export function queuesView(ctx) {
  ctx.crumbs('Queues & jobs');
  const body = h('div', { class: 'card-body flush' }, h('div', { class: 'empty' }, h('span', { class: 'spin' })));
  ctx.view.append(card('Queues', 'live counts; open a queue to inspect its jobs', body));
  const render = (queues) => {
    fill(body, h('table', { id: 'queues-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Queue'), h('th', {}, 'State'), STATES.map((s) => h('th', { class: 'num' }, s[0].toUpperCase() + s.slice(1))),
        h('th', { title: 'how long the oldest job ready to run (not delayed) has waited' }, 'Oldest waiting'), h('th', {}, ''))),
      h('tbody', {}, queues.map((q) => h('tr', { class: 'click', dataset: { queue: q.name }, onclick: () => { location.hash = `#/queues/${encodeURIComponent(q.name)}`; } },
        h('td', {}, h('strong', {}, q.name)), h('td', {}, badge(q.paused ? 'paused' : 'active'), rateLimitTag(q), notTakenTag(q),
          changeNote(q.pause, 'paused'), changeNote(q.workersChange, `workers set to ${q.workersOverride}`)),
        STATES.map((s) => h('td', { class: 'num' }, s === 'failed' && q.counts[s] ? h('strong', { class: 'fail-num' }, num(q.counts[s])) : num(q.counts[s]))),
        h('td', {}, oldestWaiting(q, '')),
        h('td', { class: 'num' }, pauseButton(q, () => api.queues().then(render))))))));
  };
  api.queues().then((queues) => { queues.forEach(learnSkew); render(queues); });
  const off = live.stats((m) => render(m.queues));
  const tick = setInterval(() => tickOldestWaiting(ctx.view), 5000);
  return () => { off(); clearInterval(tick); };
}

// The server's clock against the browser's, from the last answer with an age (REST; the live
// stream sends only the time): a browser a minute off would show every age a minute off.
let skewMs = 0;

function learnSkew(q) {
  if (q.oldestWaitingAt && q.oldestWaitingAgeMs != null) skewMs = q.oldestWaitingAgeMs - (Date.now() - Date.parse(q.oldestWaitingAt));
}

/** "3 min": how long ago the oldest waiting job became ready, by the server's clock. */
function waitedText(sinceIso) {
  const s = Math.max(0, Math.round((Date.now() + skewMs - Date.parse(sinceIso)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/**
 * "oldest waiting 3 min" (with the label given), kept current by tickOldestWaiting; a dash when no
 * job waits, "unknown" when jobs wait and the queue adapter cannot tell how long.
 */
function oldestWaiting(q, label) {
  if (!q.oldestWaitingAt) {
    return q.counts.waiting ? h('span', { class: 'muted', title: 'this queue adapter cannot tell how long jobs have waited' }, `${label}unknown`)
      : h('span', { class: 'muted' }, '–');
  }
  return h('span', { class: 'oldest-waiting', dataset: { since: q.oldestWaitingAt, label },
    title: `the oldest job ready to run has waited since ${dateTime(q.oldestWaitingAt)} (${utc(q.oldestWaitingAt)})` },
  `${label}${waitedText(q.oldestWaitingAt)}`);
}

function tickOldestWaiting(root) {
  root.querySelectorAll('.oldest-waiting[data-since]').forEach((el) => { el.textContent = `${el.dataset.label}${waitedText(el.dataset.since)}`; });
}

/** The queue's rate limit, e.g. "≤ 100 / 1 min", with what it means on hover; nothing without one. */
function rateLimitTag(q) {
  if (!q.rateLimit) return null;
  const { max, durationMs, scope, groupKey } = q.rateLimit;
  const span = durationMs % 3600000 === 0 ? `${durationMs / 3600000} h` : durationMs % 60000 === 0 ? `${durationMs / 60000} min`
    : durationMs % 1000 === 0 ? `${durationMs / 1000} s` : `${num(durationMs)} ms`;
  const perGroup = groupKey ? ` for each value of '${groupKey}' in a step's data` : '';
  return h('span', { class: 'pill rate-limit', title: `starts at most ${num(max)} attempts in any ${span}${perGroup} ${scope === 'cluster' ? 'across all instances' : 'on each instance'}; jobs it holds back wait in the queue` },
    `≤ ${num(max)} / ${span}${groupKey ? ` per ${groupKey}` : ''}`);
}

/**
 * "paused by alice at 14:02:00: supplier outage": who made a queue's change (its `pause` or `workersChange`), when
 * (local time, UTC on hover) and why, in sight; "paused by code@shop-1" for a pause made on the queue adapter in
 * code; "paused by unknown" when neither the scheduling store nor the queue adapter keeps one (adapters written
 * before 0.2). Nothing without the change.
 */
function changeNote(change, done, id) {
  if (!change) return null;
  if (!change.known) {
    return h('span', { class: 'muted small change-note', id, title: 'the scheduling store keeps no record of who made this change; the audit log (NVENT-0016) has every change made through nvent' },
      ` ${done} by unknown`);
  }
  return h('span', { class: 'muted small change-note', id }, ` ${done}${change.by ? ` by ${change.by}` : ''} at `, at(change.at),
    change.reason ? `: ${change.reason}` : '');
}

/** "not taken on this instance" for a queue this instance runs no worker of (a worker pool elsewhere takes it). */
function notTakenTag(q) {
  if (q.workersHere !== 0) return null;
  return h('span', { class: 'pill not-taken', title: 'this instance runs no worker of this queue (nvent.queue.<name>.concurrency=0, nvent.queues.include or nvent.queues.exclude, or its engine is disabled): its jobs run on the instances that take it' },
    'not taken on this instance');
}

function pauseButton(q, after) {
  return h('button', { class: 'btn small', dataset: { action: q.paused ? 'resume' : 'pause' }, onclick: (e) => {
    e.stopPropagation();
    pauseDialog(q.name, q.paused, after);
  } }, q.paused ? '▶ Resume' : '❚❚ Pause');
}

/**
 * The queue's workers per instance, set at run time for every instance that takes it (PUT …/concurrency), or
 * back to each one's configured count; a 501 (a queue adapter that cannot) shows as the server words it.
 */
function workersControl(queue, after) {
  const set = queue.workersOverride !== null && queue.workersOverride !== undefined;
  const input = h('input', { type: 'number', min: 0, max: 1000, step: 1, id: 'queue-workers', class: 'small-number',
    value: set ? queue.workersOverride : queue.workers,
    title: `workers per instance; configured here: ${queue.workers}, running here now: ${queue.workersHere}` });
  return h('span', { class: 'workers-control', title: 'how many attempts of this queue each instance that takes it runs at once' },
    'Workers ', input,
    h('button', { class: 'btn small', id: 'set-workers', onclick: () => {
      // An empty field is no 0 (which would start no attempt anywhere): only a whole number 0 to 1000 is sent.
      const text = input.value.trim();
      const workers = text === '' ? NaN : Number(text);
      if (!Number.isInteger(workers) || workers < 0 || workers > 1000) {
        toast(`Workers of ${queue.name}: a whole number from 0 to 1000, not '${input.value}'`, true);
        return;
      }
      workersDialog(queue.name, workers, after);
    } }, 'Set'),
    set ? h('button', { class: 'btn small', id: 'remove-workers', title: 'every instance runs its configured workers again',
      onclick: () => workersDialog(queue.name, null, after) }, 'Configured') : null,
    // in sight, not on hover only: whether the number in the field is an operator's, and what it replaced
    h('span', { class: 'muted small', id: 'queue-workers-note' }, set
      ? ` set at run time; configured ${queue.workers}, running here ${queue.workersHere}`
      : ` as configured; running here ${queue.workersHere}`),
    changeNote(queue.workersChange, 'set', 'queue-workers-change'));
}

/**
 * Asks before setting a queue's workers per instance (null: back to each instance's configured count), with the
 * optional Reason the audit trail records with the operator's name, as pausing does.
 */
function workersDialog(name, workers, after) {
  const back = workers === null;
  return confirmDialog(back ? `Workers of ${name} back to configured?` : `Set ${workers} worker(s) per instance for ${name}?`, back
    ? 'Every instance that takes the queue runs its configured nvent.queue.<name>.concurrency again, within a few seconds.'
    : workers === 0
      ? 'No instance starts an attempt of this queue until its workers are set again or back to configured: its waiting jobs stay queued, and the jobs running now finish.'
      : 'Every instance that takes the queue runs at most that many at once, within a few seconds and after a restart: the jobs running now finish, none is interrupted.',
  back ? 'Back to configured' : 'Set workers', async (reason) => {
    const r = await (back ? api.removeWorkers(name, reason) : api.setWorkers(name, workers, reason));
    toast(back ? `Workers of ${name} back to configured` : `Workers of ${name} set to ${workers} per instance`);
    after();
    return r;
  }, { id: back ? 'confirm-remove-workers' : 'confirm-set-workers', reason: true, danger: workers === 0 });
}

/** Asks before pausing or resuming a queue, with the optional Reason the audit trail records with the operator's name. */
function pauseDialog(name, paused, after) {
  return confirmDialog(paused ? `Resume queue ${name}?` : `Pause queue ${name}?`, paused
    ? 'Its waiting jobs start again, on every instance, as its concurrency and rate limit allow.'
    : 'No further job of it starts, on every instance, until it is resumed: its waiting jobs stay queued, and the jobs running now finish.',
  paused ? 'Resume queue' : 'Pause queue', async (reason) => {
    const r = await (paused ? api.resume(name, reason) : api.pause(name, reason));
    toast(paused ? `Resumed ${name}` : `Paused ${name}`);
    after();
    return r;
  }, { id: paused ? 'confirm-resume-queue' : 'confirm-pause-queue', reason: true });
}

export function queueView(ctx) {
  const [name] = ctx.params;
  ctx.crumbs(['Queues & jobs', '#/queues'], name);
  // Without a state in the address the list opens where the queue's jobs are: its dead letters, else the
  // jobs waiting (on a paused queue, say), running or delayed; it opened on an empty "failed" list before.
  let state = STATES.includes(ctx.query.state) ? ctx.query.state : null;
  const chooseState = () => {
    if (state) return;
    state = ['failed', 'waiting', 'active', 'delayed'].find((s) => queue.counts[s] > 0) || 'failed';
    renderHead();
    loadJobs();
  };
  let selectedJob = ctx.query.job || null;
  // Pages by cursor (the list's next), not by offset: a page deep into a backlog costs what the first does, and no
  // job is skipped or shown twice while jobs arrive. cursors[i] starts page i; ← goes back to the one before.
  let cursors = [null];
  const PAGE = 25;
  const tabs = h('div', { class: 'seg', id: 'state-tabs', role: 'tablist' });
  const listBody = h('div', { class: 'card-body flush' });
  const pager = h('div', { class: 'toolbar' });
  const detail = h('div', { class: 'card-body', id: 'job-detail' }, h('div', { class: 'empty' }, 'Select a job to see its attempts'));
  ctx.view.append(h('div', { class: 'grid two' },
    h('div', { class: 'card' }, h('div', { class: 'card-head' }, tabs, pager), listBody),
    card('Job', null, detail)));
  // Who used the rate limit lately: shown for limits the engine keeps (for the cluster, or per group).
  const usageBody = h('div', { class: 'card-body flush', id: 'rate-limit-usage' });
  const usageCard = card('Rate limit', 'busiest in the last span', usageBody);
  usageCard.hidden = true;
  ctx.view.append(usageCard);

  let queue = null;
  const renderHead = () => {
    fill(tabs, STATES.map((s) => h('button', { class: s === state ? 'on' : '', dataset: { state: s }, role: 'tab',
      onclick: () => { state = s; cursors = [null]; ctx.setQuery({ state: s, job: selectedJob }); renderHead(); loadJobs(); } },
      s, h('span', { class: 'count' }, num(queue ? queue.counts[s] : 0)))));
    if (!queue) return;
    ctx.actions(
      badge(queue.paused ? 'paused' : 'active'), changeNote(queue.pause, 'paused', 'queue-pause-note'), rateLimitTag(queue),
      notTakenTag(queue), oldestWaiting(queue, 'oldest waiting '),
      h('button', { class: 'btn', id: queue.paused ? 'resume-queue' : 'pause-queue', onclick: () => pauseDialog(name, queue.paused, loadQueue) },
      queue.paused ? '▶ Resume queue' : '❚❚ Pause queue'),
      workersControl(queue, loadQueue),
      h('button', { class: 'btn danger', id: 'redrive', disabled: !queue.counts.failed, onclick: (e) => {
        const button = e.currentTarget;
        confirmDialog('Redrive the failed jobs?', `The ${num(queue.counts.failed)} failed jobs of this queue are queued again.`, 'Redrive',
          async (reason) => { const { total, discarded } = await redriveAll(button, reason);
            toast(`Redrove ${num(total)} failed job${total === 1 ? '' : 's'}` + (discarded ? `; discarded ${num(discarded)} their runs no longer need` : ''));
            loadQueue(); loadJobs(); return true; }, { danger: true, id: 'confirm-redrive', reason: true });
      } },
      `↻ Redrive ${num(queue.counts.failed)} failed`));
  };
  // The server redrives a batch per call; the button shows how far it got. Jobs that fail again
  // meanwhile are failed once more: it stops after as many jobs as had failed at the click.
  async function redriveAll(button, reason) {
    const failedAtClick = queue.counts.failed;
    let total = 0;
    let discarded = 0;
    for (;;) {
      const r = await api.redrive(name, reason);
      total += r.redriven;
      discarded += r.discarded;
      button.textContent = `↻ Redriving… ${num(total + discarded)} done, ${num(r.remaining)} left`;
      if (!r.remaining || !(r.redriven + r.discarded) || total + discarded >= failedAtClick) return { total, discarded };
    }
  }
  async function loadQueue() {
    try { queue = await api.queue(name); learnSkew(queue); chooseState(); renderHead(); loadUsage(); } catch (e) { fill(listBody, h('div', { class: 'empty', id: 'queue-error' }, e.message)); }
  }
  async function loadUsage() {
    const limit = queue && queue.rateLimit;
    usageCard.hidden = !limit || (limit.scope !== 'cluster' && !limit.groupKey);
    if (usageCard.hidden) return;
    let usage;
    try { usage = await api.rateLimitUsage(name); } catch (e) { fill(usageBody, h('div', { class: 'empty' }, e.message)); return; }
    fill(usageBody, usage.groups.length ? h('table', { id: 'rate-limit-groups' },
      h('thead', {}, h('tr', {}, h('th', {}, limit.groupKey ? `Value of '${limit.groupKey}'` : 'Starts of'), h('th', { class: 'num' }, 'Starts in span'), h('th', {}, 'Next start'))),
      h('tbody', {}, usage.groups.map((g) => h('tr', { dataset: { group: g.group ?? '' } },
        h('td', { class: 'mono ellipsis', title: g.group ?? 'the whole queue' }, g.group ?? 'the whole queue'),
        h('td', { class: 'num' }, `${num(g.starts)} of ${num(limit.max)}`),
        h('td', { class: 'small' }, g.nextStartAt ? ['held back until ', at(g.nextStartAt)] : 'now')))))
      : h('div', { class: 'empty' }, limit.groupKey ? `No value of '${limit.groupKey}' started a step within the limit's span`
        : "No step started within the limit's span"));
  }
  async function loadJobs() {
    if (!state) return;
    let page;
    try { page = await api.jobs(name, { state, after: cursors[cursors.length - 1], limit: PAGE }); } catch (e) { fill(listBody, h('div', { class: 'empty', id: 'queue-error' }, e.message)); return; }
    fill(listBody, page.jobs.length ? h('table', { id: 'jobs-table', class: 'fixed' },
      h('thead', {}, h('tr', {}, h('th', { style: 'width:22%' }, 'Step'), h('th', { style: 'width:104px' }, 'Run'), h('th', { class: 'num', style: 'width:84px' }, 'Attempts'),
        h('th', { style: 'width:84px' }, 'Created'), h('th', {}, state === 'failed' ? 'Last error' : 'Job'))),
      h('tbody', {}, page.jobs.map((j) => h('tr', { class: 'click' + (j.jobId === selectedJob ? ' selected' : ''), dataset: { job: j.jobId },
        onclick: () => { selectedJob = j.jobId; ctx.setQuery({ state, job: j.jobId }); loadJobs(); loadJob(); } },
        h('td', { class: 'ellipsis' }, h('strong', {}, j.name)),
        h('td', {}, j.runId ? h('a', { href: `#/runs/${j.runId}`, class: 'mono', onclick: (e) => e.stopPropagation() }, short(j.runId)) : '–'),
        h('td', { class: 'num', title: `${j.maxAttempts} per round; a retry starts a new round` }, num(j.attemptsMade)), h('td', { class: 'small muted' }, ago(j.createdAt)),
        state === 'failed' ? h('td', { class: 'ellipsis small', title: j.lastError || '' }, j.lastError || '')
          : h('td', { class: 'ellipsis mono small', title: j.jobId }, j.jobId))))) : h('div', { class: 'empty' }, `No ${state} jobs`));
    const offset = (cursors.length - 1) * PAGE; // where the page starts, counting the pages before it as they were
    fill(pager,
      h('span', { class: 'muted small' }, page.total && page.jobs.length ? `${offset + 1}–${offset + page.jobs.length} of ${num(page.total)}` : ''),
      h('button', { class: 'btn small', id: 'jobs-previous', disabled: cursors.length === 1, onclick: () => { cursors.pop(); loadJobs(); } }, '←'),
      h('button', { class: 'btn small', id: 'jobs-next', disabled: !page.next, onclick: () => { cursors.push(page.next); loadJobs(); } }, '→'));
  }
  async function loadJob() {
    if (!selectedJob) return;
    let job;
    try { job = await api.job(name, selectedJob); } catch (e) { fill(detail, h('div', { class: 'empty' }, e.message)); return; }
    fill(detail, 
      h('div', { class: 'toolbar', style: 'justify-content:space-between;margin-bottom:12px' },
        h('div', {}, h('div', { class: 'mono small' }, job.jobId), h('div', { style: 'margin-top:4px' }, badge(job.state))),
        job.state === 'failed' ? h('div', { class: 'toolbar' },
          h('button', { class: 'btn', id: 'discard-job', title: 'remove the job for good; its run keeps its history',
            onclick: () => confirmDialog('Discard this failed job?', 'The job is removed from the queue for good: it is no longer counted, listed or redriven. '
              + (job.runId ? 'Its run is not changed; its history keeps the failure.' : ''), 'Discard job',
            async (reason) => { await api.discardJob(name, job.jobId, reason); toast('Job discarded'); selectedJob = null; ctx.setQuery({ state, job: null });
              fill(detail, h('div', { class: 'empty' }, 'Select a job to see its attempts')); loadQueue(); loadJobs(); }, { danger: true, id: 'confirm-discard', reason: true }) }, '✕ Discard'),
          h('button', { class: 'btn primary', id: 'retry-job', onclick: () => confirmDialog('Retry this failed job?',
            'The job is queued again and runs its step once more.', 'Retry job',
            async (reason) => { await api.retryJob(name, job.jobId, reason); toast('Job retried'); loadQueue(); loadJobs(); loadJob(); },
            { id: 'confirm-retry-job', reason: true }) }, '↻ Retry job')) : null),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Step'), h('dd', {}, job.name),
        job.runId ? [h('dt', {}, 'Run'), h('dd', {}, h('a', { href: `#/runs/${job.runId}`, class: 'mono' }, job.runId))] : null,
        h('dt', {}, 'Attempts'), h('dd', { id: 'job-attempts', dataset: { made: job.attemptsMade } }, `${job.attemptsMade} made · ${job.maxAttempts} allowed per round`),
        h('dt', {}, 'Created'), h('dd', {}, at(job.createdAt)),
        h('dt', {}, 'Available'), h('dd', {}, at(job.availableAt))),
      h('h3', { style: 'margin-top:16px' }, 'Attempts'),
      job.attempts.length ? [...job.attempts].reverse().map((a) => h('div', { class: 'attempt' },
        h('div', { class: 'head' }, h('strong', {}, `#${a.attempt}`), badge(a.error ? 'failed' : a.endedAt ? 'completed' : 'running'),
          h('span', { class: 'muted small' }, at(a.startedAt), ` · ${duration(a.startedAt, a.endedAt)}`)),
        a.error ? h('pre', { class: 'stack' }, a.error) : null)) : h('div', { class: 'muted small' }, 'No attempt yet'),
      h('h3', { style: 'margin-top:16px' }, 'Payload'), jsonView(job.payload));
  }
  let timer;
  let lastCounts = '';
  const off = live.stats((m) => {
    const q = m.queues.find((x) => x.name === name);
    if (!q) return;
    const key = JSON.stringify(q);
    if (key === lastCounts) return;
    lastCounts = key;
    queue = q;
    chooseState();
    renderHead();
    clearTimeout(timer);
    timer = setTimeout(() => { loadJobs(); loadJob(); loadUsage(); }, 200);
  });
  renderHead();
  loadQueue();
  loadJobs();
  loadJob();
  // The age sits in the page's actions, outside the view.
  const tick = setInterval(() => tickOldestWaiting(document.getElementById('actions')), 5000);
  return () => { off(); clearTimeout(timer); clearInterval(tick); };
}
