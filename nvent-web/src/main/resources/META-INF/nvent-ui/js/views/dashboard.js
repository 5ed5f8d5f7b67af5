import { api } from '../api.js';
import { live } from '../live.js';
import { h, clear, fill, badge, card, kpi, num, ago, duration, short, statusBar, instantsLocal } from '../ui.js';

/** How many active runs the dashboard lists. */
const ACTIVE = 8;

export function dashboard(ctx) {
  ctx.crumbs('Dashboard');
  const kpis = h('div', { class: 'grid kpis', id: 'kpis' });
  const activeBody = h('div', { class: 'card-body flush' });
  const failedBody = h('div', { class: 'card-body flush' });
  const queuesBody = h('div', { class: 'card-body flush' });
  const flowsBody = h('div', { class: 'card-body flush' });
  const instancesBody = h('div', { class: 'card-body flush' });
  ctx.view.append(kpis,
    h('div', { class: 'grid halves' },
      card('Active runs', 'running, compensating and awaiting, newest first', activeBody, h('a', { href: '#/runs?status=running' }, 'all runs →')),
      card('Recent failures', 'failed runs with the step and error', failedBody, h('a', { href: '#/runs?status=failed' }, 'all failed →'))),
    h('div', { class: 'grid halves' },
      card('Queues', 'jobs by state', queuesBody, h('a', { href: '#/queues' }, 'job inspector →')),
      card('Flows', 'runs by outcome', flowsBody, h('a', { href: '#/flows' }, 'all flows →'))),
    card('Instances', 'sharing the store, with the workers each runs per queue', instancesBody));

  let last = null;
  let listTimer = null;
  // how many runs are running, compensating and awaiting in all, from the live stats: the card lists the newest 8 of
  // them. The stats count compensating runs in running too; the list of running runs leaves them out, so each status
  // is counted, and linked, on its own: a count bigger than the list it links to read as runs lost.
  let activeCounts = null;
  const renderStats = (stats) => {
    // a server before 0.2 sends no compensating count (it had no such runs)
    const sum = (k) => stats.flows.reduce((a, f) => a + (f.stats[k] || 0), 0);
    const compensating = sum('compensating');
    activeCounts = { running: sum('running') - compensating, compensating, awaiting: sum('awaiting') };
    const q = (k) => stats.queues.reduce((a, x) => a + x.counts[k], 0);
    fill(kpis, 
      // stalled runs (a step's lease ran out and, with nvent.stall.recover=false or the step no longer deployed,
      // nothing runs it again) are not running: a tile of their own, linking to them, amber when there are any
      kpi('Running', num(activeCounts.running), 'run', compensating ? `and ${num(compensating)} compensating`
        : 'steps queued or executing', '#/runs?status=running'),
      kpi('Stalled', num(sum('stalled')), sum('stalled') ? 'wait' : '', sum('stalled') ? 'stuck: open them →' : 'none stuck', '#/runs?status=stalled'),
      kpi('Awaiting', num(sum('awaiting')), sum('awaiting') ? 'wait' : '', 'open Awaits →', '#/awaits'),
      kpi('Completed', num(sum('completed')), 'ok', `${num(sum('total'))} runs in total`),
      kpi('Failed runs', num(sum('failed')), 'fail', `${num(sum('canceled'))} canceled`),
      kpi('Jobs waiting', num(q('waiting') + q('delayed')), '', `${num(q('delayed'))} delayed`),
      kpi('Jobs active', num(q('active')), 'run', `${stats.queues.length} queues`),
      kpi('Dead letters', num(q('failed')), q('failed') ? 'fail' : '', 'failed jobs'));
    fill(queuesBody, stats.queues.length ? h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Queue'), h('th', { class: 'num' }, 'Waiting'), h('th', { class: 'num' }, 'Active'),
        h('th', { class: 'num' }, 'Delayed'), h('th', { class: 'num' }, 'Failed'), h('th', { class: 'num' }, 'Done'))),
      h('tbody', {}, stats.queues.map((x) => h('tr', { class: 'click', onclick: () => { location.hash = `#/queues/${encodeURIComponent(x.name)}`; } },
        h('td', { class: x.paused ? 'wraps' : '' }, h('strong', {}, x.name), x.paused ? ' ' : '', x.paused ? badge('paused') : ''),
        h('td', { class: 'num' }, num(x.counts.waiting)), h('td', { class: 'num' }, num(x.counts.active)),
        h('td', { class: 'num' }, num(x.counts.delayed)), h('td', { class: 'num' }, x.counts.failed ? h('strong', { class: 'fail-num' }, num(x.counts.failed)) : '0'),
        h('td', { class: 'num' }, num(x.counts.completed)))))) : h('div', { class: 'empty' }, 'No queues yet'));
    fill(flowsBody, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Flow'), h('th', { class: 'num' }, 'Runs'), h('th', { class: 'num' }, 'Running'), h('th', { class: 'num' }, 'Failed'), h('th', {}, 'Outcome'))),
      h('tbody', {}, stats.flows.map((f) => h('tr', { class: 'click', onclick: () => { location.hash = `#/flows/${encodeURIComponent(f.name)}`; } },
        h('td', {}, h('strong', {}, f.name)), h('td', { class: 'num' }, num(f.stats.total)), h('td', { class: 'num' }, num(f.stats.running)),
        h('td', { class: 'num' }, num(f.stats.failed)), h('td', {}, statusBar(f.stats)))))));
    // a run going compensating stays counted in running: its own count tells the list to follow
    const key = stats.flows.map((f) => `${f.stats.total}/${f.stats.running}/${f.stats.compensating}/${f.stats.awaiting}/${f.stats.failed}`).join(',');
    if (key !== last) {
      last = key;
      clearTimeout(listTimer);
      listTimer = setTimeout(loadLists, 150);
    }
  };

  async function loadLists() {
    const [running, compensating, awaiting, failed] = await Promise.all([
      api.runs({ status: 'running', limit: ACTIVE }), api.runs({ status: 'compensating', limit: ACTIVE }),
      api.runs({ status: 'awaiting', limit: ACTIVE }), api.runs({ status: 'failed', limit: 8 })]);
    const active = [...running, ...compensating, ...awaiting].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, ACTIVE);
    // what each waits for (a paused queue, an await, a backoff…): "running" alone hid a run stuck behind a paused queue
    const details = await Promise.all(active.map((r) => api.run(r.runId).catch(() => null)));
    // fixed widths, as the failures beside it: a long flow name is cut (its title has it) rather than the table outgrowing its card
    // the "8 of N" line below the table, across the card: inside the table it was a cell of its first column
    fill(activeBody, active.length ? [h('table', { id: 'active-runs', class: 'fixed' },
      h('thead', {}, h('tr', {}, h('th', { style: 'width:90px' }, 'Run'), h('th', {}, 'Flow'), h('th', { style: 'width:106px' }, 'Status'),
        h('th', { style: 'width:78px' }, 'Steps'), h('th', { style: 'width:94px' }, 'Running for'))),
      h('tbody', {}, active.map((r, i) => h('tr', { class: 'click', dataset: { run: r.runId }, onclick: () => { location.hash = `#/runs/${r.runId}`; } },
        h('td', {}, h('a', { href: `#/runs/${r.runId}`, class: 'mono' }, short(r.runId))), h('td', { class: 'ellipsis', title: r.flow }, r.flow), h('td', {}, badge(r.status), waitTags(details[i])),
        h('td', { class: 'small muted' }, stepSummary(r)), h('td', {}, duration(r.startedAt)))))),
      activeMore(active.length, { running: running.length, compensating: compensating.length, awaiting: awaiting.length })]
      : h('div', { class: 'empty' }, 'Nothing running right now'));
    // the run carries its error; only a run that failed before 0.2 has it in its history alone
    const reasons = await Promise.all(failed.map((r) => r.error ? [{ step: failedSteps(r).join(', ') || null, data: { error: r.error } }]
      : api.events(r.runId, { types: 'flow.failed,step.failed', order: 'desc', limit: 1 }).catch(() => [])));
    fill(failedBody, failed.length ? h('table', { id: 'recent-failures', class: 'fixed' },
      h('thead', {}, h('tr', {}, h('th', { style: 'width:96px' }, 'Run'), h('th', { style: 'width:32%' }, 'Flow · step'), h('th', {}, 'Error'), h('th', { style: 'width:84px' }, 'When'))),
      h('tbody', {}, failed.map((r, i) => {
        const ev = reasons[i][0];
        return h('tr', { class: 'click', onclick: () => { location.hash = `#/runs/${r.runId}`; } },
          h('td', {}, h('a', { href: `#/runs/${r.runId}`, class: 'mono' }, short(r.runId))),
          h('td', { class: 'ellipsis' }, r.flow, h('span', { class: 'muted' }, ' · '), ev ? (ev.step || ev.data.step || '–') : '–'),
          h('td', { class: 'ellipsis small', title: ev ? ev.data.error : '' }, ev ? ev.data.error : ''),
          h('td', { class: 'muted small', style: 'white-space:nowrap' }, ago(r.endedAt)));
      }))) : h('div', { class: 'empty' }, 'No failures'));
  }

  /**
   * "8 of 23 active runs", with links to all running, all compensating (when there are any) and all awaiting ones, when
   * the card does not show them all: each link's count is the number of runs it lists. The counts are the live
   * stats'; before they came, a full page of any status (`listed`, the runs read of each) says there may be more.
   */
  function activeMore(shown, listed) {
    const counts = activeCounts || listed;
    const total = counts.running + counts.compensating + counts.awaiting;
    const more = total > shown || (!activeCounts && Object.values(listed).some((n) => n === ACTIVE));
    if (!more) return null;
    const all = (status) => h('a', { href: `#/runs?status=${status}`, id: `active-more-${status}` },
      `all ${activeCounts ? `${num(counts[status])} ` : ''}${status} →`);
    return h('div', { class: 'card-foot small muted', id: 'active-more' },
      activeCounts ? `${num(shown)} of ${num(total)} active runs: ` : `the newest ${num(shown)} active runs: `,
      all('running'), counts.compensating ? [' · ', all('compensating')] : null, ' · ', all('awaiting'));
  }

  const off = live.stats(renderStats);
  loadLists();
  loadInstances();
  // the instances refresh their records every 10 s
  const instancesTimer = setInterval(loadInstances, 10000);
  return () => { off(); clearTimeout(listTimer); clearInterval(instancesTimer); };

  async function loadInstances() {
    const all = await api.instances().catch(() => null);
    if (!all) return;
    if (!all.kept) { fill(instancesBody, h('div', { class: 'empty' }, all.detail)); return; }
    // a queue with waiting jobs that no live instance takes: its jobs wait for nobody (NVENT-0030)
    const untaken = all.untakenQueues.map((u) => h('tr', { class: 'untaken-queue' }, h('td', { colspan: 5 },
      badge('failed'), ' ', h('strong', {}, `queue ${u.queue}`), ` has ${num(u.waiting)} waiting job(s) and no live instance takes it:`
        + ' check nvent.queues.include / exclude and nvent.queue.<name>.concurrency')));
    fill(instancesBody, h('table', { id: 'instances' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Instance'), h('th', {}, 'Status'), h('th', {}, 'Build'), h('th', {}, 'Since'), h('th', {}, 'Queues (workers)'))),
      h('tbody', {}, ...untaken, ...all.instances.map((i) => h('tr', {},
        h('td', { title: `start ${i.startToken}` }, h('strong', {}, i.instanceId), i.thisInstance ? h('span', { class: 'muted' }, ' (this one)') : ''),
        h('td', {}, badge(i.status), i.engineEnabled ? '' : h('span', { class: 'muted small' }, ' engine off')),
        h('td', { class: 'small', title: 'nvent version, git commit and the store schema its build brings' }, buildOf(i)), h('td', { class: 'small', title: `last seen ${i.lastSeen}` }, ago(i.startedAt)),
        h('td', { class: 'small' }, Object.entries(i.queues).map(([q, n]) => `${q}=${n}`).join(', ') || '–'))))));
  }
}

/**
 * Which build an instance runs: its version, commit and store schema, so that a rolling upgrade's old and new builds
 * (which may carry one snapshot version) show apart; "unknown" where its record does not say (an nvent from before);
 * "schema none (memory store)" on a store without a versioned schema, which has none to know.
 */
export function buildOf(instance) {
  const schema = instance.storeSchema === 'none' ? 'schema none (memory store)'
    : instance.storeSchema ? `schema V${instance.storeSchema}` : 'schema unknown';
  return `${instance.version} · ${instance.commit || 'commit unknown'} · ${schema}`;
}

const WAIT_WORDS = {
  worker: 'a worker', queue_paused: 'paused queue', rate_limit: 'rate limit', due_later: 'retry later', handed_back: 'handed back',
  starting: 'starting', await: 'await', no_job: 'no job', lease_expired: 'lease expired', not_deployed: 'not deployed',
};

/**
 * What an await waits for, in a tag: a run behind another's concurrency key and one waiting for an approval's webhook
 * both wait on an await, and are unstuck differently (the key's holder ends; someone answers).
 */
const AWAIT_WORDS = { concurrency_key: 'concurrency key', webhook: 'await webhook', event: 'await event', time: 'await time',
  schedule: 'await schedule', children: 'child runs' };

/** A wait's tag: its reason, an await's by its type. */
export function waitWord(wait) {
  if (wait.reason === 'await' && wait.awaitType) return AWAIT_WORDS[wait.awaitType] || `await ${wait.awaitType.replace(/_/g, ' ')}`;
  return WAIT_WORDS[wait.reason] || wait.reason.replace(/_/g, ' ');
}

/** What the run's steps wait for, one tag per kind of wait, each with the server's words on hover; none for running steps. */
function waitTags(run) {
  const waits = ((run && run.waits) || []).filter((w) => w.reason !== 'running');
  const byWord = new Map();
  waits.forEach((w) => { const word = waitWord(w); if (!byWord.has(word)) byWord.set(word, { reason: w.reason, details: [] }); byWord.get(word).details.push(w.detail); });
  return [...byWord].map(([word, { reason, details }]) => h('div', {}, h('span', { class: `pill wait-tag ${reason}`, dataset: { reason }, title: instantsLocal(details.join('\n')) },
    word)));
}

/** The steps that failed in a run. */
export function failedSteps(run) {
  return Object.entries(run.steps).filter(([, s]) => s === 'failed').map(([k]) => k);
}

export function stepSummary(run) {
  const all = Object.values(run.steps);
  const done = all.filter((s) => s === 'completed').length;
  return `${done}/${all.length} done`;
}
