// Runs the console's Runs below panel (views/runs.js) in Node against a fake server and DOM, on a virtual clock, and
// prints what a scenario measured as one JSON line: ConsoleRunsBelowReadsTest asserts on it.
// Usage: node runs-below.mjs <dir of the console's js> <scenario>
import { readFileSync } from 'node:fs';
import { Node, document } from './fake-dom.mjs';

const [dir, scenario] = process.argv.slice(2);
const runsJs = readFileSync(`${dir}/views/runs.js`, 'utf8');
const uiJs = readFileSync(`${dir}/ui.js`, 'utf8');

function between(text, start, end) {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  if (from < 0 || to < 0) throw new Error(`not found: ${start}`);
  return text.substring(from, to);
}

// ------------------------------------------------------------------ a virtual clock
let now = 0;
const timers = new Map();
let nextTimer = 1;
const clock = {
  setTimeout(fn, ms) { const id = nextTimer++; timers.set(id, { at: now + Math.max(0, ms || 0), fn }); return id; },
  clearTimeout(id) { timers.delete(id); },
  now: () => now,
};
const settle = () => new Promise((resolve) => setImmediate(resolve));
/** Runs the timers due up to `ms` from now, letting the promises they start settle. */
async function advance(ms) {
  const until = now + ms;
  for (;;) {
    await settle(); await settle();
    let first = null;
    timers.forEach((t, id) => { if (t.at <= until && (!first || t.at < first.t.at)) first = { id, t }; });
    if (!first) break;
    timers.delete(first.id);
    now = Math.max(now, first.t.at);
    first.t.fn();
  }
  now = until;
  await settle(); await settle();
}


// ------------------------------------------------------------------ a server: runs' children, newest first
const tree = new Map([['root', []]]); // parent -> its children, newest first
const children = tree.get('root');
const reads = { counted: 0, requests: 0, tree: 0, probes: 0, at: [] };
const position = (run) => `${String(run.startedAt).padStart(12, '0')} ${run.runId}`;
let started = 0;
function addChild(status = 'running', parent = 'root') {
  if (!tree.has(parent)) tree.set(parent, []);
  const n = started++;
  const run = { runId: `${parent === 'root' ? 'child' : parent}-${String(n).padStart(5, '0')}`, flow: 'leaf', status,
    startedAt: n, parent };
  tree.get(parent).unshift(run);
  return run;
}
/** The runs below a run at any depth. */
function allBelow(runId, seen = new Set()) {
  if (seen.has(runId)) return [];
  seen.add(runId);
  return (tree.get(runId) || []).flatMap((run) => [run, ...allBelow(run.runId, seen)]);
}
/** The counts of the runs below a run, as the server sends them with each run of a page and for the tree. */
function below(runId) {
  const runs = allBelow(runId);
  const count = (s) => runs.filter((run) => run.status === s).length;
  return { descendants: runs.length, underWay: count('running') + count('awaiting'), completed: count('completed'),
    failed: count('failed'), canceled: count('canceled') };
}
/** How many of the next requests for a page fail (the server away for a moment). */
let failing = 0;
/** How many of the next requests for the tree's counts fail. */
let failingCounts = 0;
/** Whether the store counts no descendants (every request for the counts answered 501). */
let countsUnsupported = false;
const api = {
  async runsPage({ parent, limit, descendants, after }) {
    reads.requests++;
    if (failing > 0) { failing--; throw new Error('503 Service Unavailable'); }
    const list = tree.get(parent) || [];
    const from = after ? list.findIndex((run) => position(run) < after) : 0;
    const runs = from < 0 ? [] : list.slice(from, from + limit).map((run) => ({ ...run, descendants: below(run.runId) }));
    if (descendants === 'true') { reads.counted += runs.length; reads.at.push({ at: now, n: runs.length }); }
    return { runs, next: runs.length === limit ? position(runs[runs.length - 1]) : null };
  },
  /** The counts of a run's whole tree: the panel's root's (counted in `tree`), or a row's (in `probes`). */
  async descendants(runId) {
    if (runId === 'root') reads.tree++; else reads.probes++;
    if (countsUnsupported) throw Object.assign(new Error('NVENT-0463 the runs below cannot be counted'), { status: 501 });
    if (failingCounts > 0) { failingCounts--; throw new Error('503 Service Unavailable'); }
    return below(runId);
  },
};
const followers = new Map();
const live = {
  children(parent, handler) { followers.set(parent, handler); return () => followers.delete(parent); },
  onStatus(fn) { fn('up'); return () => {}; },
};
/** The entry that gives a run a status, as the live stream's child message carries it. */
const ENTRY_OF = { running: 'step.start', awaiting: 'step.await', completed: 'flow.completed', failed: 'flow.failed',
  canceled: 'flow.cancel' };
/** A child's status changes as the server stores it and as the live stream tells (`type`: the entry, e.g. its start). */
function change(run, status, type = ENTRY_OF[status]) {
  run.status = status;
  const handler = followers.get(run.parent);
  if (handler) handler({ type: 'child', parentRunId: run.parent, runId: run.runId, flow: run.flow, event: { type } });
}

// ------------------------------------------------------------------ the panel
const num = (n) => String(n ?? 0);
const short = (id) => id;
// the console's own helpers: h, clear, fill, badge, paced
const source = between(uiJs, 'export function h(tag', 'export function time(').replaceAll('export ', '')
  + between(uiJs, 'export function paced(fn, ms)', '\n}\n').replace('export ', '') + '\n}\n'
  + between(runsJs, '// The children listed per request of the Runs below panel', '/** How far a running step')
  + '\nreturn { runsBelowPanel };';
const panel = new Function('api', 'live', 'document', 'Node', 'num', 'short', 'setTimeout', 'clearTimeout', 'Date',
  source)(api, live, document, Node, num, short, clock.setTimeout, clock.clearTimeout, { now: clock.now });
const runsBelowPanel = panel.runsBelowPanel;

const summary = new Node('div');
const list = new Node('ul');
const rows = () => list.childNodes.filter((li) => li.dataset.runId);
const moreButton = () => list.childNodes.find((li) => li.className === 'run-tree-more' && li.childNodes[0]?.tagName === 'button');
/** The panel opened on `root` with `total` children of this status, More… clicked until `shown` show. */
async function opened(total, status, shown) {
  for (let i = 0; i < total; i++) addChild(status);
  runsBelowPanel('root', summary, list, () => false);
  await advance(0);
  await clickMoreUntilShown(shown);
}
/** The panel opened on `root`, and the row of its child `run` opened; that row, found anew as it is drawn again. */
async function panelOpenedAt(run) {
  runsBelowPanel('root', summary, list, () => false);
  await advance(0);
  const row = () => rows().find((li) => li.dataset.runId === run.runId);
  const toggle = row().childNodes.find((c) => c.className.includes('run-tree-toggle'));
  toggle.listeners.click({ currentTarget: toggle });
  await advance(0);
  return row;
}
async function clickMoreUntilShown(n) {
  while (rows().length < n && moreButton()) {
    const button = moreButton().childNodes[0];
    button.listeners.click({ currentTarget: button });
    await advance(0);
  }
}
/** Every child changes every second (running and awaiting in turn) for `seconds` s; `eachSecond` after each second. */
async function floodFor(seconds, eachSecond = () => {}) {
  for (let second = 0; second < seconds; second++) {
    children.forEach((run) => change(run, second % 2 ? 'running' : 'awaiting'));
    await advance(1000);
    eachSecond();
  }
}
/** Deletes the child the `index`th row shows from the store, which nothing on the stream names; its id. */
function deleteShown(index) {
  const deleted = rows()[index].dataset.runId;
  children.splice(children.findIndex((run) => run.runId === deleted), 1);
  return deleted;
}
const listed = (runId) => rows().some((li) => li.dataset.runId === runId);

// ------------------------------------------------------------------ scenarios
const scenarios = {
  /** A child opened to its two children; one of them ends: its row, and the count of its parent's row, show it. */
  async grandchildEnds() {
    const opened = addChild('completed');
    addChild('completed');
    const grandchild = addChild('running', opened.runId);
    addChild('completed', opened.runId);
    const openedRow = await panelOpenedAt(opened);
    const sublist = () => openedRow().querySelector(':scope > ul.run-tree');
    const underWayBefore = openedRow().textContent.includes('2 below, 1 under way');
    reads.counted = 0;
    change(grandchild, 'completed');
    await advance(1500);
    return { underWayBefore, underWayAfter: openedRow().textContent.includes('under way'),
      grandchildStatus: sublist().childNodes.find((li) => li.dataset.runId === grandchild.runId)?.dataset.status,
      stillOpen: openedRow().querySelector(':scope > .run-tree-toggle[aria-expanded="true"]') !== null,
      counted: reads.counted };
  },
  /** 1,000 children shown (49 × More…), then every one of them changes every second for 10 s. */
  async flood() {
    await opened(1000, 'running', 1000);
    const shown = rows().length;
    reads.counted = 0;
    reads.at = [];
    await floodFor(10);
    // the most counted within any second (from one read's time to just before a second later)
    const most = Math.max(...reads.at.map((r) => reads.at.filter((o) => o.at >= r.at && o.at < r.at + 1000)
      .reduce((sum, o) => sum + o.n, 0)));
    children.forEach((run) => change(run, 'completed'));
    let staleFor = 0;
    while (rows().some((li) => li.dataset.status !== 'completed') && staleFor < 60000) { await advance(500); staleFor += 500; }
    return { shown, mostCountedInASecond: most, staleForMs: staleFor,
      allCompleted: rows().every((li) => li.dataset.status === 'completed'), rowsAfter: rows().length };
  },
  /**
   * 1,000 children shown, every one of them changing every second for 20 s: how long any row went without being read
   * again (drawn anew).
   */
  async floodReadInTurn() {
    await opened(1000, 'running', 1000);
    const readAt = new Map(rows().map((li) => [li.dataset.runId, { li, at: now }]));
    let longest = 0;
    await floodFor(20, () => rows().forEach((li) => {
      const last = readAt.get(li.dataset.runId);
      if (last.li !== li) { longest = Math.max(longest, now - last.at); readAt.set(li.dataset.runId, { li, at: now }); }
    }));
    readAt.forEach((last) => { longest = Math.max(longest, now - last.at); });
    return { longestUnreadMs: longest };
  },
  /** 150 children, 100 shown; one on the fourth page is deleted, then a sibling on its page changes. */
  async deletedWithASiblingsChange() {
    await opened(150, 'completed', 100);
    const sibling = children.find((run) => run.runId === rows()[70].dataset.runId);
    const deleted = deleteShown(65);
    change(sibling, 'failed');
    await advance(2000);
    return { deletedListed: listed(deleted), rows: rows().length,
      siblingStatus: rows().find((li) => li.dataset.runId === sibling.runId)?.dataset.status, more: Boolean(moreButton()) };
  },
  /** 150 children, 100 shown, none under way; one on the third page is deleted and nothing else happens. */
  async deletedWhileNothingChanges() {
    await opened(150, 'completed', 100);
    const deleted = deleteShown(45);
    await advance(35000);
    return { deletedListed: listed(deleted), rows: rows().length, treeCounts: reads.tree };
  },
  /**
   * 150 children, 100 shown, none under way; one on the third page is deleted, and the first read of the tree's
   * counts after it fails.
   */
  async deletedWhileTheCountsFailOnce() {
    await opened(150, 'completed', 100);
    const deleted = deleteShown(45);
    failingCounts = 1;
    await advance(70000);
    return { deletedListed: listed(deleted), rows: rows().length,
      summary: summary.textContent };
  },
  /** 30 children with a store that cannot count the runs below them: the panel open for a minute. */
  async countsUnsupported() {
    countsUnsupported = true;
    await opened(30, 'completed', 20);
    await advance(60000);
    return { treeCounts: reads.tree, summary: summary.textContent, rows: rows().length };
  },
  /** 100 children shown; 30 new children start: they come at the top, read with the first page, none shown twice. */
  async newChildrenStart() {
    await opened(100, 'completed', 100);
    reads.counted = 0;
    const started = [];
    for (let i = 0; i < 30; i++) { const run = addChild(); started.push(run.runId); change(run, 'running', 'flow.start'); }
    await advance(1500);
    const ids = rows().map((li) => li.dataset.runId);
    return { rows: ids.length, distinct: new Set(ids).size, newOnTop: started.reverse().every((id, i) => ids[i] === id),
      inOrder: ids.every((id, i) => i === 0 || ids[i - 1] > id), counted: reads.counted };
  },
  /**
   * 50 children; the first page fails to read (its counted read and the one without counts), then a child changes;
   * then More… fails, and a child changes again.
   */
  async pagesFailingToRead() {
    for (let i = 0; i < 50; i++) addChild('completed');
    failing = 2;
    runsBelowPanel('root', summary, list, () => false);
    await advance(0);
    const errorShown = list.textContent.includes('503');
    change(children[0], 'failed');
    await advance(1500);
    const rowsAfterAChange = rows().length;
    if (!moreButton()) return { errorShown, rowsAfterAChange, moreErrorShown: false, moreOfferedAgain: false, rows: rows().length };
    failing = 2;
    moreButton().childNodes[0].listeners.click({ currentTarget: moreButton().childNodes[0] });
    await advance(0);
    const moreErrorShown = list.textContent.includes('503');
    change(children[0], 'completed');
    await advance(1500);
    const moreOfferedAgain = Boolean(moreButton());
    await clickMoreUntilShown(50);
    return { errorShown, rowsAfterAChange, moreErrorShown, moreOfferedAgain, rows: rows().length };
  },
  /**
   * 40 children shown; the 31st (second page, not opened) has three runs under way below it, which end; meanwhile
   * the first child changes every 2 s and the second stays under way.
   */
  async runsBelowARowOfAnotherPageEndWhileASiblingKeepsChanging() {
    for (let i = 0; i < 40; i++) addChild('completed');
    const quiet = children[30];
    const below = [0, 1, 2].map(() => addChild('running', quiet.runId));
    const busy = children[0];
    children[1].status = 'running';
    runsBelowPanel('root', summary, list, () => false);
    await advance(0);
    await clickMoreUntilShown(40);
    const row = () => rows().find((li) => li.dataset.runId === quiet.runId);
    const underWayBefore = row().textContent.includes('3 below, 3 under way');
    await advance(1000);
    below.forEach((run) => change(run, 'completed'));
    for (let second = 0; second < 20; second += 2) {
      change(busy, second % 4 ? 'completed' : 'failed');
      await advance(2000);
    }
    return { underWayBefore, underWayAfter: row().textContent.includes('under way'), treeCounts: reads.tree };
  },
  /**
   * 100 children shown (five pages), all ended; the 10th has 5 runs under way below it, not opened, which end one every
   * 5 s; nothing else changes. 30 s.
   */
  async runsBelowOneRowEndWhileTheOtherPagesStayTheSame() {
    for (let i = 0; i < 100; i++) addChild('completed');
    const busy = children[9];
    const below = [0, 1, 2, 3, 4].map(() => addChild('running', busy.runId));
    runsBelowPanel('root', summary, list, () => false);
    await advance(0);
    await clickMoreUntilShown(100);
    const row = () => rows().find((li) => li.dataset.runId === busy.runId);
    const before = row().textContent.includes('5 below, 5 under way');
    reads.counted = 0;
    for (let i = 0; i < 5; i++) {
      change(below[i], 'completed');
      await advance(5000);
    }
    await advance(5000);
    return { before, after: row().textContent.includes('5 below') && !row().textContent.includes('under way'),
      counted: reads.counted, probes: reads.probes, rows: rows().length };
  },
  /**
   * A child opened to its child, which has 2 runs under way below it, not opened; they end. The opened child's row in
   * the level above counts them too.
   */
  async runsBelowARowOfAnOpenedLevelEnd() {
    const opened = addChild('completed');
    const inner = addChild('completed', opened.runId);
    const deep = [addChild('running', inner.runId), addChild('running', inner.runId)];
    const openedRow = await panelOpenedAt(opened);
    const innerRow = () => openedRow().querySelector(':scope > ul.run-tree').childNodes
      .find((li) => li.dataset.runId === inner.runId);
    const before = innerRow().textContent.includes('2 below, 2 under way')
      && openedRow().textContent.includes('3 below, 2 under way');
    await advance(1000);
    deep.forEach((run) => change(run, 'completed'));
    await advance(12000);
    return { before, innerUnderWay: innerRow().textContent.includes('under way'),
      openedUnderWay: openedRow().textContent.includes('under way') };
  },
  /**
   * 150 children, 100 shown, none under way but one behind More…, which changes every second for 10 s: each change
   * read the first page again, where the child is not.
   */
  async aChildBehindMoreChangesEverySecond() {
    await opened(150, 'completed', 100);
    const hidden = children[120];
    reads.counted = 0;
    const treeBefore = reads.tree;
    for (let second = 0; second < 10; second++) {
      change(hidden, second % 2 ? 'running' : 'failed');
      await advance(1000);
    }
    return { counted: reads.counted, treeCounts: reads.tree - treeBefore, summary: summary.textContent,
      rows: rows().length, hiddenShown: rows().some((li) => li.dataset.runId === hidden.runId) };
  },
  /**
   * 150 children, 100 shown; a new one starts and ends before the server hands its start over: the live stream keeps
   * the latest entry per run, so its one message is its end. 35 s.
   */
  async aNewChildWhoseStartAndEndCameAsOneMessage() {
    await opened(150, 'completed', 100);
    const quick = addChild('completed');
    change(quick, 'completed');
    await advance(35000);
    return { onTop: rows()[0]?.dataset.runId === quick.runId, rows: rows().length,
      summary: summary.textContent };
  },
  /**
   * Two children shown, not opened: one running with a run under way below it (so its row may change), one completed
   * whose failed run below is retried (an operator's retryStep): under way again, with no message to an opened level.
   * 40 s.
   */
  async aRunBelowAnEndedRowIsRetriedWhileAnotherRowHasRunsUnderWay() {
    const busy = addChild('running');
    addChild('running', busy.runId);
    const ended = addChild('completed');
    const retried = addChild('failed', ended.runId);
    runsBelowPanel('root', summary, list, () => false);
    await advance(0);
    const row = () => rows().find((li) => li.dataset.runId === ended.runId);
    const before = row().textContent.includes('1 below') && !row().textContent.includes('under way');
    await advance(1000);
    change(retried, 'running');
    await advance(40000);
    return { before, underWay: row().textContent.includes('1 below, 1 under way') };
  },
  /**
   * 40 children shown (two pages), not opened: the newest running with a run under way below it; on the second page
   * one completed whose failed run below is retried (under way again; no message names an opened level), and in the
   * same 5 s a sibling on the first page ends (a message), and with `keepsChanging` goes on changing every 2 s. 40 s.
   */
  async aRunBelowAnEndedRowIsRetriedAsASiblingEnds(keepsChanging = false) {
    for (let i = 0; i < 40; i++) addChild('completed');
    const busy = children[0];
    busy.status = 'running';
    addChild('running', busy.runId);
    const sibling = children[1];
    sibling.status = 'running';
    const ended = children[30];
    const retried = addChild('failed', ended.runId);
    runsBelowPanel('root', summary, list, () => false);
    await advance(0);
    await clickMoreUntilShown(40);
    await advance(6000);
    const row = () => rows().find((li) => li.dataset.runId === ended.runId);
    const before = row().textContent.includes('1 below') && !row().textContent.includes('under way');
    change(retried, 'running');
    change(sibling, 'completed');
    for (let second = 0; second < 40; second += 2) {
      await advance(2000);
      if (keepsChanging) change(sibling, second % 4 ? 'completed' : 'failed');
    }
    return { before, underWay: row().textContent.includes('1 below, 1 under way'), rows: rows().length,
      siblingStatus: rows().find((li) => li.dataset.runId === sibling.runId)?.dataset.status };
  },
  /** The same, the sibling changing every 2 s for the 40 s. */
  aRunBelowAnEndedRowIsRetriedAsASiblingKeepsChanging() {
    return scenarios.aRunBelowAnEndedRowIsRetriedAsASiblingEnds(true);
  },
  /**
   * 40 children shown (two pages), not opened: the newest running with a run under way below it; on the second page
   * one completed whose failed run below is retried (under way again), and in the same 5 s the run below the newest
   * ends: no message names an opened level for either. 40 s.
   */
  async aRunBelowAnEndedRowIsRetriedAsARunBelowAnotherRowEnds() {
    for (let i = 0; i < 40; i++) addChild('completed');
    const busy = children[0];
    busy.status = 'running';
    const deep = addChild('running', busy.runId);
    const ended = children[30];
    const retried = addChild('failed', ended.runId);
    runsBelowPanel('root', summary, list, () => false);
    await advance(0);
    await clickMoreUntilShown(40);
    await advance(6000);
    const row = () => rows().find((li) => li.dataset.runId === ended.runId);
    const before = row().textContent.includes('1 below') && !row().textContent.includes('under way');
    change(retried, 'running');
    change(deep, 'completed');
    await advance(40000);
    const busyRow = rows().find((li) => li.dataset.runId === busy.runId);
    return { before, underWay: row().textContent.includes('1 below, 1 under way'), rows: rows().length,
      busy: busyRow.textContent.includes('1 below') && !busyRow.textContent.includes('under way') };
  },
  /**
   * 140 children shown (7 pages), all running; the 130th has a run under way below it, not opened, which ends: the
   * counts of at most 100 rows are read a look. 60 s.
   */
  async aRunBelowTheHundredAndThirtiethRowThatMayChangeEnds() {
    for (let i = 0; i < 140; i++) addChild('running');
    const late = children[129];
    const deep = addChild('running', late.runId);
    runsBelowPanel('root', summary, list, () => false);
    await advance(0);
    await clickMoreUntilShown(140);
    await advance(6000);
    const row = () => rows().find((li) => li.dataset.runId === late.runId);
    const before = row().textContent.includes('1 below, 1 under way');
    change(deep, 'completed');
    await advance(60000);
    return { before, underWay: row().textContent.includes('under way'), rows: rows().length };
  },
};

const result = await scenarios[scenario]();
console.log(JSON.stringify(result));
