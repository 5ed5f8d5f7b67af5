// REST client of the console. Every call is same-origin; X-Requested-With marks it as the console's own.
const base = document.querySelector('meta[name="nvent-api"]').content;

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
  }
}

async function request(method, path, body, idempotencyKey, reason) {
  const init = { method, headers: { 'X-Requested-With': 'nvent-console', 'Accept': 'application/json' }, credentials: 'same-origin' };
  // an operator's reason travels in a header, UTF-8 percent-encoded: in the query a long one outside ASCII
  // overran the server's limit on a request line (1,000 Japanese characters are some 9 KB)
  if (reason) init.headers['Nvent-Reason'] = encodeURIComponent(reason);
  // the same key for every try of one action: a second click or a retry after a lost answer gets the first run
  if (idempotencyKey) init.headers['Idempotency-Key'] = idempotencyKey;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  // absolute, from the origin: a page opened as http://user:pw@host/... must not hand its credentials to fetch
  const response = await fetch(location.origin + base + path, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    // a page that is not nvent's answer (the server's HTML error page while the application redeploys, a
    // proxy's 502) is not shown as its markup: its status says it
    const plain = json ? text : /^\s*</.test(text) ? '' : text.slice(0, 500);
    const error = new ApiError(response.status, json && json.title, (json && json.detail) || plain || `HTTP ${response.status} ${response.statusText}`.trim());
    if (json && json.checks) error.report = json;
    throw error;
  }
  return { json, response };
}

async function call(method, path, body, idempotencyKey, reason) {
  return (await request(method, path, body, idempotencyKey, reason)).json;
}

// An operator action's call: its params' `reason` goes in the Nvent-Reason header, the others in the query.
const act = (method, path, params = {}, body = undefined, key = undefined) => {
  const { reason, ...query } = params;
  return call(method, `${path}${q(query)}`, body, key, reason);
};

// The cursor of the page after this one: the `after` of the Link rel="next" the server sends when a page is full.
function nextAfter(response) {
  const link = (response.headers.get('Link') || '').split(',').find((l) => /;\s*rel="?next"?/.test(l));
  const target = link && link.match(/<([^>]*)>/);
  return target ? new URL(target[1], location.origin).searchParams.get('after') : null;
}

const q = (params) => {
  const s = new URLSearchParams();
  // an array is given once per value (?exclude=a&exclude=b)
  Object.entries(params).forEach(([k, v]) => {
    if (Array.isArray(v)) v.forEach((one) => s.append(k, one));
    else if (v !== undefined && v !== null && v !== '') s.set(k, v);
  });
  const t = s.toString();
  return t ? '?' + t : '';
};
const e = encodeURIComponent;

export const api = {
  base,
  session: () => call('GET', '/session'),
  logout: () => call('POST', '/session/logout'),
  // 503 is an answer here (not ready), not a failure
  health: () => call('GET', '/health').catch((err) => {
    if (err.status === 503 && err.report) return err.report;
    throw err;
  }),
  flows: () => call('GET', '/flows'),
  flow: (name) => call('GET', `/flows/${e(name)}`),
  graph: (name, runId) => call('GET', `/flows/${e(name)}/graph${q({ runId })}`),
  /** Starts a run; `key` (an Idempotency-Key, see actionKey) makes a repeated start answer the first's run. */
  startRun: (name, json, key) => call('POST', `/flows/${e(name)}/runs`, json, key),
  runs: (params) => call('GET', `/runs${q(params)}`),
  /** A page of runs and the cursor of the next page (null on the last): { runs, next }. */
  runsPage: async (params) => {
    const { json, response } = await request('GET', `/runs${q(params)}`);
    return { runs: json, next: nextAfter(response) };
  },
  run: (id) => call('GET', `/runs/${e(id)}`),
  /** The runs below a run at any depth, by status (one count of the store): { descendants, underWay, …, depthLimitReached }. */
  descendants: (id) => call('GET', `/runs/${e(id)}/descendants`),
  events: (id, params) => call('GET', `/runs/${e(id)}/events${q(params)}`),
  // compensate: the run undoes its completed steps (their compensation steps, newest first) before it ends canceled
  // reason (optional, every operator action): recorded with the operator's name in the history and the audit log
  cancel: (id, children = false, compensate = false, reason = undefined) => act('POST', `/runs/${e(id)}/cancel`, {
    children: children ? 'true' : undefined, compensate: compensate ? 'true' : undefined, reason }),
  /** Deletes an ended run with its history (204); a run under way is refused (409). */
  deleteRun: (id, reason) => act('DELETE', `/runs/${e(id)}`, { reason }),
  restart: (id, key, reason) => act('POST', `/runs/${e(id)}/restart`, { reason }, undefined, key),
  rerun: (id, step, key, reason) => act('POST', `/runs/${e(id)}/steps/${e(step)}/rerun`, { reason }, undefined, key),
  retryStep: (id, step, reason) => act('POST', `/runs/${e(id)}/steps/${e(step)}/retry`, { reason }),
  /** Deletes up to `limit` (default 1,000) of the flow's finished runs: { flow, deleted, remaining, stats }; repeat while remaining > 0. */
  clearHistory: (flow, params = {}) => act('DELETE', `/flows/${e(flow)}/runs`, params),
  /** One page of a bulk retry of the flow's failed runs: { matched, acted, skipped, skippedBy, failed, next }. */
  retryFailed: (flow, params = {}) => act('POST', `/flows/${e(flow)}/runs/retry-failed`, params),
  /** One page of a bulk cancel of the flow's runs (status: running,awaiting by default); as retryFailed. */
  cancelRuns: (flow, params = {}) => act('POST', `/flows/${e(flow)}/runs/cancel`, params),
  queues: () => call('GET', '/queues'),
  instances: () => call('GET', '/instances'),
  queue: (name) => call('GET', `/queues/${e(name)}`),
  rateLimitUsage: (name, limit = 20) => call('GET', `/queues/${e(name)}/rate-limit?limit=${limit}`),
  pause: (name, reason) => act('POST', `/queues/${e(name)}/pause`, { reason }),
  resume: (name, reason) => act('POST', `/queues/${e(name)}/resume`, { reason }),
  setWorkers: (name, workers, reason) => act('PUT', `/queues/${e(name)}/concurrency`, { reason }, { workers }),
  removeWorkers: (name, reason) => act('DELETE', `/queues/${e(name)}/concurrency`, { reason }),
  redrive: (name, reason, limit = 500) => act('POST', `/queues/${e(name)}/redrive`, { limit, reason }),
  jobs: (name, params) => call('GET', `/queues/${e(name)}/jobs${q(params)}`),
  job: (name, id) => call('GET', `/queues/${e(name)}/jobs/${e(id)}`),
  retryJob: (name, id, reason) => act('POST', `/queues/${e(name)}/jobs/${e(id)}/retry`, { reason }),
  discardJob: (name, id, reason) => act('DELETE', `/queues/${e(name)}/jobs/${e(id)}`, { reason }),
  triggers: () => call('GET', '/triggers'),
  trigger: (name, history = 50) => call('GET', `/triggers/${e(name)}${q({ history })}`),
  createTrigger: (spec, reason) => act('POST', '/triggers', { reason }, spec),
  updateTrigger: (name, spec, reason) => act('PUT', `/triggers/${e(name)}`, { reason }, spec),
  deleteTrigger: (name, reason) => act('DELETE', `/triggers/${e(name)}`, { reason }),
  enableTrigger: (name, reason) => act('POST', `/triggers/${e(name)}/enable`, { reason }),
  disableTrigger: (name, reason) => act('POST', `/triggers/${e(name)}/disable`, { reason }),
  fireTrigger: (name, json, key, reason) => act('POST', `/triggers/${e(name)}/fire`, { reason }, json, key),
  // exclude: an unsaved schedule's exclusion rules, the ticks they exclude listed in "excluded"
  cronPreview: (cron, timezone, count = 5, after = undefined, exclude = []) => call('GET', `/triggers/cron-preview${q({ cron, timezone, count, after, exclude })}`),
  // an unsaved interval schedule's ticks (every: ISO-8601), its exclusion rules' marked in "excluded" as they match in
  // the time zone given (since 0.2)
  everyPreview: (every, timezone, count = 5, exclude = []) => call('GET', `/triggers/cron-preview${q({ every, timezone, count, exclude })}`),
  triggerTicks: (trigger, count = 5) => call('GET', `/triggers/cron-preview${q({ trigger, count })}`),
  /**
   * One page of a backfill of a schedule's ticks within [from, to): { ticks, fired, alreadyFired, inDoubt, notFired, next };
   * the operator's reason, if any, in the Nvent-Reason header.
   */
  backfill: (name, params, reason) => act('POST', `/triggers/${e(name)}/backfill`, { ...params, reason }),
  awaits: (status = 'pending', limit) => call('GET', `/awaits${q({ status, limit })}`),
  resolveAwait: (awaitId, json, reason) => act('POST', `/awaits/id/${e(awaitId)}/resolve`, { reason }, json),
  // body: {"timeoutAt":"<instant>"} or {"in":"<ISO-8601 duration from now>"}
  moveAwaitTimeout: (awaitId, body, reason) => act('PUT', `/awaits/id/${e(awaitId)}/timeout`, { reason }, JSON.stringify(body)),
  publishEvent: (event, json) => call('POST', `/events/${e(event)}`, json),
};
