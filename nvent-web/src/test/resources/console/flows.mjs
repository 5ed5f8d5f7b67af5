// Runs the console's flows screen and a flow's page (views/flows.js, with the console's own ui.js) in Node against a
// fake server and DOM, and prints what a scenario found as one JSON line: ConsoleFlowsTest asserts on it.
// Usage: node flows.mjs <dir of the console's js> <scenario>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Node, document } from './fake-dom.mjs';

const [dir, scenario] = process.argv.slice(2);
globalThis.document = document;
globalThis.Node = Node;
globalThis.location = { hash: '' };

// ------------------------------------------------------------------ a server: one flow, its runs by status
const MINUTE = 60_000;
const ago = (ms) => new Date(Date.now() - ms).toISOString();
const stored = [];
function addRuns(n, status) {
  for (let i = 0; i < n; i++) stored.unshift({ runId: `run-${stored.length}`, flow: 'order', status, startedAt: ago(MINUTE) });
}
/** The flow's counts as the server gives them (FlowStats): compensating runs in running too, and on their own. */
let times = { lastStartedAt: null, lastCompletedAt: null };
function stats() {
  const count = (s) => stored.filter((run) => run.status === s).length;
  return { total: stored.length, running: count('running') + count('compensating'), compensating: count('compensating'),
    awaiting: count('awaiting'), completed: count('completed'), failed: count('failed'), canceled: count('canceled'),
    stalled: count('stalled'), ...times, countedAt: new Date().toISOString() };
}
const flow = () => ({ name: 'order', entry: 'receive', steps: [{ name: 'receive', role: 'entry', queue: 'orders', subscribes: [],
  emits: [], maxAttempts: 1, timeoutMs: 1000 }], stats: stats() });
globalThis.fakes = {
  api: {
    base: '/api/nvent',
    async flows() { return [flow()]; },
    async flow() { return flow(); },
    async graph() { return { nodes: [], edges: [] }; },
    async runs() { return []; },
    /** A page of the runs in one status, as the bulk dialog counts them. */
    async runsPage({ status, limit }) { return { runs: stored.filter((run) => run.status === status).slice(0, limit), next: null }; },
    async triggers() { return []; },
  },
  live: { stats() { return () => {}; }, flow() { return () => {}; } },
  graph: { flowGraph: () => ({ el: new Node('div'), update() {} }), awaitWhat: () => '', awaitTimeout: () => '',
    retryLine: () => '', span: () => '', ROLE_NOTE: {} },
};

// ------------------------------------------------------------------ the views, their imports pointed at the fakes
const source = readFileSync(`${dir}/views/flows.js`, 'utf8')
  .replace("import { api } from '../api.js';", 'const { api } = globalThis.fakes;')
  .replace("import { live } from '../live.js';", 'const { live } = globalThis.fakes;')
  .replace(/import \{ ([^}]*) \} from '\.\.\/graph\.js';/, 'const { $1 } = globalThis.fakes.graph;')
  .replace("import { stepSummary } from './dashboard.js';", 'const stepSummary = () => "";')
  .replace(/import \{ [^}]* \} from '\.\/triggers\.js';/, 'const typeBadge = () => "", triggerHref = () => "", triggerSource = () => "";')
  .replace("from '../ui.js';", `from '${pathToFileURL(`${dir}/ui.js`).href}';`);
const views = await import(`data:text/javascript,${encodeURIComponent(source)}`);
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

/** Every element below `node` (itself included) that `test` accepts. */
function all(node, test, found = []) {
  if (test(node)) found.push(node);
  node.childNodes.forEach((child) => all(child, test, found));
  return found;
}
const byClass = (root, cls) => all(root, (n) => n.className.split(' ').includes(cls))[0] || null;
/** A line about the last runs: its text and the time element's datetime and tooltip. */
function line(node) {
  if (!node) return null;
  const time = all(node, (n) => n.tagName === 'time')[0];
  return { text: node.textContent, datetime: time ? time.attrs.datetime : null, title: time ? time.attrs.title : null };
}
/** What a view shows of the last runs, below `root`. */
const lastRuns = (root) => ({ started: line(byClass(root, 'last-started')), completed: line(byClass(root, 'last-completed')) });

/** The flows screen: the flow's row. */
async function list() {
  const view = new Node('div');
  const dispose = views.flowsView({ crumbs() {}, view });
  await settle();
  const row = all(view, (n) => n.tagName === 'tr' && n.dataset.flow === 'order')[0];
  dispose();
  return { times, ...lastRuns(row) };
}

/** A flow's page: its last runs and its buttons, with what the bulk cancel's confirmation counts. */
async function page() {
  const view = new Node('div');
  let actions = [];
  const dispose = views.flowView({ params: ['order'], crumbs() {}, view, query: {}, setQuery() {},
    actions: (...buttons) => { actions = buttons.flat(); } });
  await settle();
  const cancel = actions.find((b) => b.attrs.id === 'cancel-active');
  const listed = ['running', 'awaiting'].map((status) => stored.filter((run) => run.status === status).length);
  dispose();
  return { times, ...lastRuns(all(view, (n) => n.attrs.id === 'flow-last-runs')[0]),
    cancelButton: cancel.textContent, cancelable: listed[0] + listed[1] };
}

const scenarios = {
  /** A run started 3 minutes ago, the last one that completed 25 minutes ago. */
  async listed() {
    addRuns(1, 'running');
    addRuns(2, 'completed');
    times = { lastStartedAt: ago(3 * MINUTE), lastCompletedAt: ago(25 * MINUTE) };
    return list();
  },
  /** Runs, every one failed: a last run, no completion. */
  async neverCompleted() {
    addRuns(4, 'failed');
    times = { lastStartedAt: ago(3 * MINUTE), lastCompletedAt: null };
    return list();
  },
  /** No run at all. */
  async noRuns() {
    return list();
  },
  /** Runs, from a store adapter written before 0.2, which gives no times. */
  async storeWithoutTimes() {
    addRuns(2, 'completed');
    return list();
  },
  /** The flow's page: 3 running, 2 compensating and 3 awaiting runs, the last started 3 minutes ago. */
  async page() {
    addRuns(3, 'running');
    addRuns(2, 'compensating');
    addRuns(3, 'awaiting');
    addRuns(1, 'completed');
    times = { lastStartedAt: ago(3 * MINUTE), lastCompletedAt: ago(25 * MINUTE) };
    return page();
  },
};

const result = await scenarios[scenario]();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
