// Runs the console's dashboard (views/dashboard.js, with the console's own ui.js) in Node against a fake server, live
// stats and DOM, and prints what a scenario found as one JSON line: ConsoleDashboardTest asserts on it.
// Usage: node dashboard.mjs <dir of the console's js> <scenario>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Node, document } from './fake-dom.mjs';

const [dir, scenario] = process.argv.slice(2);
globalThis.document = document;
globalThis.Node = Node;
globalThis.location = { hash: '' };

// ------------------------------------------------------------------ a server: runs by status, newest first
const stored = [];
let started = 0;
function addRuns(n, status) {
  for (let i = 0; i < n; i++) {
    const at = new Date(Date.UTC(2026, 11, 7, 10, 0, started++)).toISOString();
    stored.unshift({ runId: `run-${String(started).padStart(4, '0')}`, flow: 'order', status, startedAt: at, endedAt: null,
      steps: { charge: 'completed', ship: 'running' } });
  }
}
/** The runs a list of the console shows for a status: all of them, as the server lists them a page after another. */
const listed = (status) => stored.filter((run) => run.status === status);
/** The live stats as the server counts them (FlowStats): compensating runs in running too, and on their own. */
function stats() {
  const count = (s) => stored.filter((run) => run.status === s).length;
  return { flows: [{ name: 'order', stats: { total: stored.length, running: count('running') + count('compensating'),
    compensating: count('compensating'), awaiting: count('awaiting'), completed: count('completed'),
    failed: count('failed'), canceled: count('canceled'), stalled: count('stalled') } }], queues: [] };
}
globalThis.fakes = {
  api: {
    async runs({ status, limit }) { return listed(status).slice(0, limit); },
    async run(runId) { return { ...stored.find((run) => run.runId === runId), waits: [] }; },
    async events() { return []; },
    async instances() { return { kept: false, detail: 'no instance records' }; },
  },
  live: { stats(handler) { globalThis.fakes.statsHandler = handler; return () => {}; } },
};

// ------------------------------------------------------------------ the dashboard, its imports pointed at the fakes
const source = readFileSync(`${dir}/views/dashboard.js`, 'utf8')
  .replace("import { api } from '../api.js';", 'const { api } = globalThis.fakes;')
  .replace("import { live } from '../live.js';", 'const { live } = globalThis.fakes;')
  .replace("from '../ui.js';", `from '${pathToFileURL(`${dir}/ui.js`).href}';`);
const { dashboard } = await import(`data:text/javascript,${encodeURIComponent(source)}`);
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

/** Every element below `node` (itself included) that `test` accepts. */
function all(node, test, found = []) {
  if (test(node)) found.push(node);
  node.childNodes.forEach((child) => all(child, test, found));
  return found;
}
/** A link's count (its first number) and how many runs the list it opens holds. */
function counted(link, text) {
  const status = link.attrs.href.replace('#/runs?status=', '');
  return { status, text: text.trim(), count: Number((/\d[\d,]*/.exec(text) || ['NaN'])[0].replaceAll(',', '')),
    lists: listed(status).length };
}
/**
 * What the dashboard shows of the active runs once the live stats came: the line below the table, each of its links and
 * the Running tile with their counts and what the lists they open hold, and the statuses of the runs in the table.
 */
async function shown() {
  const view = new Node('div');
  const dispose = dashboard({ crumbs() {}, view });
  globalThis.fakes.statsHandler(stats());
  await settle();
  const foot = all(view, (n) => n.attrs.id === 'active-more')[0];
  const links = foot ? all(foot, (n) => n.tagName === 'a').map((a) => counted(a, a.textContent)) : [];
  const tile = all(view, (n) => n.tagName === 'a' && n.className.includes('kpi') && n.attrs.href === '#/runs?status=running')[0];
  const rows = all(view, (n) => n.tagName === 'tr' && n.dataset.run !== undefined);
  dispose();
  return { foot: foot ? foot.textContent : null, links,
    runningTile: { ...counted(tile, all(tile, (n) => n.dataset.kpi === 'Running')[0].textContent),
      hint: all(tile, (n) => n.className === 'hint')[0].textContent },
    rowStatuses: rows.map((tr) => stored.find((run) => run.runId === tr.dataset.run).status) };
}

const scenarios = {
  /** 3 running, 6 awaiting and, newest, 2 compensating runs: 11 active, of which the card lists the newest 8. */
  async compensating() {
    addRuns(3, 'running');
    addRuns(6, 'awaiting');
    addRuns(2, 'compensating');
    return shown();
  },
};

const result = await scenarios[scenario]();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
