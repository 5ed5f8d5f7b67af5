// Draws a flow as a layered DAG in SVG: steps in columns by level (longest chain of subscriptions
// from the entry), edges from emitters to subscribers labelled with the event. No library needed.
const NS = 'http://www.w3.org/2000/svg';
const W = 196, H = 66, GAP_Y = 30, PAD = 24;
let GAP_X = 104;

/** What a step's role (StepRole) puts before its queue: the entry step and a compensation, which undoes another, say so. */
export const ROLE_NOTE = { entry: 'entry · ', step: '', compensation: 'compensation · ' };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, v);
  children.flat().forEach((c) => c && el.append(c instanceof Node ? c : document.createTextNode(String(c))));
  return el;
}

function layout(graph) {
  // room between columns for the longest event label
  GAP_X = Math.max(104, ...graph.edges.map((e) => e.event.length * 6.4 + 36));
  const columns = [];
  graph.nodes.forEach((n) => { (columns[n.level] ||= []).push(n); });
  const pos = new Map();
  const preds = new Map(graph.nodes.map((n) => [n.id, []]));
  graph.edges.forEach((e) => preds.get(e.to).push(e.from));
  columns.forEach((col, level) => {
    if (level > 0) {
      // order by the mean position of predecessors, to keep edges short and uncrossed
      col.sort((a, b) => center(a) - center(b));
    }
    col.forEach((n, i) => pos.set(n.id, { x: PAD + level * (W + GAP_X), y: PAD + i * (H + GAP_Y), i }));
  });
  function center(n) {
    const ps = preds.get(n.id).map((p) => pos.get(p)).filter(Boolean);
    return ps.length ? ps.reduce((a, p) => a + p.i, 0) / ps.length : 0;
  }
  const tallest = Math.max(...columns.map((c) => c.length));
  // vertically center short columns
  columns.forEach((col) => {
    const offset = ((tallest - col.length) * (H + GAP_Y)) / 2;
    col.forEach((n) => { pos.get(n.id).y += offset; });
  });
  return { pos, width: PAD * 2 + columns.length * W + (columns.length - 1) * GAP_X, height: PAD * 2 + tallest * H + (tallest - 1) * GAP_Y };
}

/** 500 → "500 ms", 90000 → "90 s", 300000 → "5 min", 86400000 → "24 h", 129600000 → "36 h", 172800000 → "2 d". */
export function span(ms) {
  if (ms < 1000) return `${ms} ms`;
  // days from two on: "24 h" reads better than "1 d"
  const units = [['d', 86400000], ['h', 3600000], ['min', 60000], ['s', 1000]].filter(([u]) => u !== 'd' || ms >= 172800000);
  const [unit, size] = units.find(([, size]) => ms % size === 0) || units.find(([, size]) => ms >= size);
  const n = ms / size;
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${unit}`;
}

const ACTIONS = { fail: 'the step and the run fail', continue: 'the run goes on without its data', retry: 'it is registered again' };

/**
 * What an await of the registry ({type, delayMs, cron, timezone, event, filterKey, timeoutMs, timeoutAction,
 * timeoutRetries}) waits for, in words: "waits 5 min", "waits for a POST to its webhook URL", ….
 */
export function awaitWhat(a) {
  switch (a.type) {
    case 'time': return `waits ${span(a.delayMs)}`;
    case 'schedule': return `waits for the next tick of ${a.cron} (${a.timezone})`;
    case 'webhook': return 'waits for a POST to its webhook URL';
    case 'event': return `waits for event ${a.event}${a.filterKey ? ` with the run input's ${a.filterKey}` : ''}`;
    default: return `waits (${a.type})`;
  }
}

/** "times out after 1 h: the step and the run fail"; null for an await without timeout. */
export function awaitTimeout(a) {
  if (a.timeoutMs === undefined || a.timeoutMs === null) return null;
  const action = ACTIONS[a.timeoutAction] || a.timeoutAction;
  const retries = a.timeoutAction === 'retry' && a.timeoutRetries !== undefined
    ? ` (at most ${a.timeoutRetries} time${a.timeoutRetries === 1 ? '' : 's'}, then the step fails)` : '';
  return `times out after ${span(a.timeoutMs)}: ${action}${retries}`;
}

/** An await in one line, for tooltips: "before the step: waits 5 min; times out after …". */
export function awaitLine(a, position) {
  const timeout = awaitTimeout(a);
  return `${position === 'before' ? 'before the step' : 'after the step, before its events'}: ${awaitWhat(a)}${timeout ? `; ${timeout}` : ''}`;
}

/**
 * "3 attempts, exponential backoff from 1 s up to 5 min"; "4 attempts, retried after 10 s, 1 min, 10 min ±20 %";
 * "1 attempt, no retry"; a step with a retry decider ends with "; each retry decided by com.acme.InvoiceRetries".
 */
export function retryLine(r) {
  if (!r || r.maxAttempts <= 1) return '1 attempt, no retry';
  const spreadAndDecider = (r.jitter ? ` ±${Math.round(r.jitter * 100)} %` : '')
    + (r.decider ? `; each retry decided by ${r.decider}` : '');
  if (r.delaysMs && r.delaysMs.length) {
    const later = r.maxAttempts - 1 > r.delaysMs.length ? ' (then again for each later attempt)' : '';
    return `${r.maxAttempts} attempts, retried after ${r.delaysMs.map(span).join(', ')}${later}${spreadAndDecider}`;
  }
  return r.backoff === 'fixed'
    ? `${r.maxAttempts} attempts, ${span(r.delayMs)} apart${spreadAndDecider}`
    : `${r.maxAttempts} attempts, exponential backoff from ${span(r.delayMs)} up to ${span(r.maxDelayMs)}${spreadAndDecider}`;
}

const BADGE_H = 16;

/** The "‖ webhook" pill on a node's top edge: before the step on the left, after it on the right. */
function awaitBadge(a, position) {
  const label = `‖ ${a.type}`;
  const w = label.length * 6.2 + 14;
  const x = position === 'before' ? 16 : W - 16 - w;
  return s('g', { class: `await-badge ${position}`, 'data-position': position, 'data-type': a.type },
    s('rect', { x, y: -BADGE_H / 2, width: w, height: BADGE_H, rx: BADGE_H / 2 }),
    s('text', { x: x + w / 2, y: 3.5, 'text-anchor': 'middle' }, label),
    s('title', {}, awaitLine(a, position)));
}

/**
 * Renders the graph. statuses: {step: status}; onSelect(step) when a node is clicked.
 * Returns {el, update(statuses), select(step)}.
 */
export function flowGraph(graph, { statuses = {}, onSelect, selected, fit = false } = {}) {
  const { pos, width, height } = layout(graph);
  // fit: scale down to the container's width (small side panels); otherwise natural size, scrollable
  const svg = s('svg', { class: 'graph', width: fit ? '100%' : width, height: fit ? undefined : height, style: fit ? `max-width:${width}px` : undefined, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `flow ${graph.flow}` });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#a3adc2' }))));
  const edgeEls = [];
  graph.edges.forEach((e) => {
    const a = pos.get(e.from), b = pos.get(e.to);
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x - 2, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    const path = s('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, 'marker-end': 'url(#arrow)' });
    const lx = x1 + (x2 - x1) * 0.5, ly = y1 + (y2 - y1) * 0.5;
    const tw = e.event.length * 6.4 + 12;
    const label = s('g', { class: 'edge-label' }, s('rect', { x: lx - tw / 2, y: ly - 9, width: tw, height: 18, rx: 9 }),
      s('text', { x: lx, y: ly + 3.5, 'text-anchor': 'middle' }, e.event));
    svg.append(path);
    edgeEls.push({ e, path, label });
  });
  edgeEls.forEach(({ label }) => svg.append(label));
  const nodeEls = new Map();
  graph.nodes.forEach((n) => {
    const p = pos.get(n.id);
    const status = s('text', { class: 'status', x: W - 12, y: 22, 'text-anchor': 'end' }, '');
    const g = s('g', { class: `node ${n.role}`, transform: `translate(${p.x},${p.y})`, tabindex: 0, 'data-step': n.id },
      s('rect', { class: 'box', width: W, height: H, rx: 8 }),
      s('rect', { class: 'bar', width: 5, height: H - 16, x: 6, y: 8, rx: 2.5 }),
      s('text', { class: 'title', x: 20, y: 24 }, n.id.length > 20 ? n.id.slice(0, 19) + '…' : n.id),
      status,
      s('text', { class: 'meta', x: 20, y: 44 }, `${ROLE_NOTE[n.role] || ''}queue ${n.queue}`),
      s('text', { class: 'meta', x: 20, y: 58 }, `${n.maxAttempts} attempt${n.maxAttempts === 1 ? '' : 's'} · emits ${n.emits.length}`),
      s('title', {}, [`${n.id}`, `subscribes: ${n.subscribes.join(', ') || '–'}`, `emits: ${n.emits.join(', ') || '–'}`,
        n.retry ? `retry: ${retryLine(n.retry)}` : null,
        n.awaitBefore ? `await ${awaitLine(n.awaitBefore, 'before')}` : null,
        n.awaitAfter ? `await ${awaitLine(n.awaitAfter, 'after')}` : null].filter(Boolean).join('\n')),
      n.awaitBefore ? awaitBadge(n.awaitBefore, 'before') : null,
      n.awaitAfter ? awaitBadge(n.awaitAfter, 'after') : null);
    if (onSelect) {
      g.addEventListener('click', () => onSelect(n.id));
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') onSelect(n.id); });
    }
    svg.append(g);
    nodeEls.set(n.id, { g, status, role: n.role });
  });
  function update(next) {
    nodeEls.forEach(({ g, status, role }, id) => {
      const st = next[id] || 'idle';
      g.setAttribute('class', `node ${role} ${st}${id === selected ? ' selected' : ''}`);
      status.textContent = Object.keys(next).length ? st : '';
    });
    edgeEls.forEach(({ e, path }) => path.setAttribute('class', 'edge' + (next[e.from] === 'completed' ? ' done' : '')));
  }
  function select(step) { selected = step; update(statuses); }
  update(statuses);
  return { el: wrap(svg), update: (st) => { statuses = st; update(st); }, select };
}

function wrap(svg) {
  const div = document.createElement('div');
  div.className = 'graph-wrap';
  div.append(svg);
  return div;
}
