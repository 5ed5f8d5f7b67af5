// The console's single WebSocket to /api/nvent/ws: reconnects with backoff and, after a reconnect,
// re-subscribes every run after the last sequence number it saw, so nothing is missed or repeated.
import { api } from './api.js';

const listeners = new Set();
const statusListeners = new Set();
const runs = new Map();      // runId -> { lastSeq, handlers:Set }
let flowsWanted = new Map(); // flow -> count
const parentsWanted = new Map(); // parentRunId -> count: the runs whose children's status changes are followed
let statsWanted = 0;
let lastStats = null;        // the latest statistics, handed to subscribers that join later
let socket = null;
let attempt = 0;
let state = 'connecting';
let pingTimer = null;
let stopped = false;

function url() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${api.base}/ws`;
}

function setState(next) {
  state = next;
  statusListeners.forEach((fn) => fn(state));
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  setState(attempt ? 'reconnecting' : 'connecting');
  socket = new WebSocket(url());
  socket.onopen = () => {
    attempt = 0;
    setState('up');
    runs.forEach((sub, runId) => { sub.acked = false; send({ type: 'subscribe', runId, afterSeq: sub.lastSeq }); });
    flowsWanted.forEach((n, flow) => send({ type: 'subscribe', flow }));
    parentsWanted.forEach((n, parentRunId) => send({ type: 'subscribe', parentRunId }));
    if (statsWanted > 0) send({ type: 'subscribe.stats' });
    clearInterval(pingTimer);
    pingTimer = setInterval(() => send({ type: 'ping' }), 25000);
  };
  socket.onmessage = (m) => {
    let msg;
    try { msg = JSON.parse(m.data); } catch { return; }
    const sub = msg.runId ? runs.get(msg.runId) : undefined;
    // The run's entries count from the server's acknowledgement on: anything before it is left over
    // from a flow or "all" subscription and would be repeated by the backfill.
    if (sub && msg.type === 'subscribed') sub.acked = true;
    if (msg.type === 'stats') lastStats = msg;
    if (sub && sub.acked && (msg.type === 'history' || msg.type === 'event')) {
      const events = msg.type === 'history' ? msg.events : [msg.event];
      const fresh = events.filter((ev) => ev.seq > sub.lastSeq);
      if (fresh.length) sub.lastSeq = fresh[fresh.length - 1].seq;
      sub.handlers.forEach((fn) => fn({ ...msg, events: fresh, live: msg.type === 'event' }));
    }
    // A refused run subscription (e.g. no such run) ends that run's loading with the server's reason.
    const refused = msg.type === 'error' && msg.request && msg.request.type === 'subscribe' ? runs.get(msg.request.runId) : undefined;
    if (refused) refused.handlers.forEach((fn) => fn({ type: 'error', message: msg.message, events: [] }));
    listeners.forEach((fn) => fn(msg));
  };
  socket.onclose = () => {
    clearInterval(pingTimer);
    lastStats = null;
    setState('down');
    if (stopped) return;
    const delay = Math.min(10000, 500 * 2 ** attempt) + Math.random() * 300;
    attempt++;
    setTimeout(connect, delay);
  };
}

export const live = {
  start() { if (!socket) connect(); },
  /** Closes the stream for good (after logging out): no reconnect. */
  stop() { stopped = true; if (socket) socket.close(); },
  state: () => state,
  onStatus(fn) { statusListeners.add(fn); fn(state); return () => statusListeners.delete(fn); },
  on(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  /** Entries of one run, history first then live: handler({events, complete, live}). */
  run(runId, handler) {
    let sub = runs.get(runId);
    if (!sub) {
      sub = { lastSeq: 0, acked: false, handlers: new Set() };
      runs.set(runId, sub);
      send({ type: 'subscribe', runId, afterSeq: 0 });
    }
    sub.handlers.add(handler);
    return () => {
      sub.handlers.delete(handler);
      if (!sub.handlers.size) { runs.delete(runId); send({ type: 'unsubscribe', runId }); }
    };
  },
  flow(flow, handler) {
    flowsWanted.set(flow, (flowsWanted.get(flow) || 0) + 1);
    if (flowsWanted.get(flow) === 1) send({ type: 'subscribe', flow });
    const off = live.on((msg) => { if (msg.type === 'event' && msg.flow === flow) handler(msg); });
    return () => {
      off();
      const n = flowsWanted.get(flow) - 1;
      if (n <= 0) { flowsWanted.delete(flow); send({ type: 'unsubscribe', flow }); } else flowsWanted.set(flow, n);
    };
  },
  /**
   * The status changes of the runs a run started (each one's start, awaits and end): handler(msg) per `child`
   * message ({parentRunId, runId, flow, event}), and per `children.changed` ({parentRunId}: more changed than the
   * server held one by one while this page read slowly; read the children again). Changes while the stream was down
   * are not repeated: a follower reads again once the status is back 'up' (onStatus).
   */
  children(parentRunId, handler) {
    parentsWanted.set(parentRunId, (parentsWanted.get(parentRunId) || 0) + 1);
    if (parentsWanted.get(parentRunId) === 1) send({ type: 'subscribe', parentRunId });
    const off = live.on((msg) => { if ((msg.type === 'child' || msg.type === 'children.changed') && msg.parentRunId === parentRunId) handler(msg); });
    return () => {
      off();
      const n = parentsWanted.get(parentRunId) - 1;
      if (n <= 0) { parentsWanted.delete(parentRunId); send({ type: 'unsubscribe', parentRunId }); } else parentsWanted.set(parentRunId, n);
    };
  },
  /** Statistics: the latest known at once (the server sends them only when they change), then every change. */
  stats(handler) {
    statsWanted++;
    if (statsWanted === 1) send({ type: 'subscribe.stats' });
    let active = true;
    const off = live.on((msg) => { if (msg.type === 'stats') handler(msg); });
    const known = lastStats;
    if (known) queueMicrotask(() => { if (active && lastStats === known) handler(known); });
    return () => {
      active = false;
      off();
      statsWanted--;
      if (statsWanted === 0) { lastStats = null; send({ type: 'unsubscribe.stats' }); }
    };
  },
};
