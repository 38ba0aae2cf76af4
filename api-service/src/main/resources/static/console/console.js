// The operators' console: one page, a view per hash route, everything read from the API's
// documented endpoints. The overview is one server-sent event stream; the operators' key
// lives in this tab's session storage and is sent as X-API-Key, never in a URL.

const KEY_STORAGE = 'pricing.api-key';
const TERMINAL = new Set(['SUCCEEDED', 'COALESCED', 'DEAD_LETTERED']);
const HISTORY_POINTS = 300;
const PUBLISHED_FIELDS = {
  DEMAND_FACTOR: [['factor', 'publish-factor'], ['category', 'publish-category'], ['product_id', 'publish-product']],
  BASE_PRICE: [['product_id', 'publish-product'], ['base_price', 'publish-base-price']],
  RECALCULATE: [],
};

const $ = (id) => document.getElementById(id);
const history = [];
let jaegerUrl = 'http://localhost:16686';
let refreshTimer = null;
// the number of the latest publication from the form: an older one's job is no longer followed
let publications = 0;

// --- helpers ---------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  for (const child of children) {
    element.append(child instanceof Node ? child : document.createTextNode(child ?? ''));
  }
  return element;
}

function rows(table, items, toCells) {
  const body = $(table).tBodies[0];
  body.replaceChildren(...items.map((item) => el('tr', {}, ...toCells(item).map(
    (cell) => (cell instanceof Node && cell.tagName === 'TD') ? cell : el('td', {}, cell)))));
}

const dash = '–';
const rate = (value) => (value === null || value === undefined) ? dash : value.toFixed(1);
const time = (iso) => iso ? new Date(iso).toLocaleTimeString() : dash;
const seconds = (ms) => (ms === null || ms === undefined) ? dash : `${(ms / 1000).toFixed(1)} s`;
const jobLink = (id) => id ? el('a', { href: `#/jobs/${encodeURIComponent(id)}` }, id) : dash;

function progress(processed, total) {
  const bar = el('progress', { max: total || 1, value: processed || 0, 'aria-label': 'Progress' });
  return el('td', {}, bar, ` ${processed ?? 0} / ${total ?? '?'}`);
}

function describeEvent(event) {
  if (!event) {
    return dash;
  }
  const scope = event.product_id ? ` product ${event.product_id}` : event.category ? ` category ${event.category}` : '';
  const value = event.factor !== null && event.factor !== undefined ? ` × ${event.factor}`
    : event.base_price !== null && event.base_price !== undefined ? ` → ${event.base_price}` : '';
  return `${event.type}${scope}${value}`;
}

// --- the API ---------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) {
    headers['X-API-Key'] = key;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }
  catch (error) {
    return { status: 0, ok: false, body: { detail: `The API did not answer (${error.message})` } };
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  }
  catch {
    json = { detail: text };
  }
  return { status: response.status, ok: response.ok, body: json };
}

/** What an error answer says, for a person. */
function problem(answer) {
  const detail = answer.body?.detail ?? answer.body?.title ?? '';
  if (answer.status === 401) {
    return sessionStorage.getItem(KEY_STORAGE)
      ? `Refused (401): the API key set here is not accepted. ${detail}`
      : `Refused (401): this needs an API key. Use "Set API key" at the top of the page. ${detail}`;
  }
  return answer.status ? `${answer.status} ${answer.body?.title ?? ''}: ${detail}` : detail;
}

function say(id, text, ok) {
  const target = $(id);
  target.textContent = text;
  target.className = ok === undefined ? '' : ok ? 'ok' : 'error';
}

// --- API key ---------------------------------------------------------------------------

function showKeyState() {
  const set = Boolean(sessionStorage.getItem(KEY_STORAGE));
  $('key-state').textContent = set ? 'API key set (this tab)' : 'No API key';
  $('key-button').textContent = set ? 'Change API key' : 'Set API key';
}

function setUpKeyDialog() {
  const dialog = $('key-dialog');
  $('key-button').addEventListener('click', () => {
    $('key-input').value = '';
    dialog.showModal();
  });
  $('key-form').addEventListener('submit', () => {
    sessionStorage.setItem(KEY_STORAGE, $('key-input').value.trim());
    $('key-input').value = '';
    showKeyState();
    refreshFaultBanner();
  });
  $('key-forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    dialog.close();
    showKeyState();
    refreshFaultBanner();
  });
  $('key-cancel').addEventListener('click', () => dialog.close());
  showKeyState();
}

// --- overview --------------------------------------------------------------------------

function connectOverview() {
  const source = new EventSource('/api/v1/console/overview/stream');
  source.addEventListener('open', () => {
    $('live').textContent = 'live';
    $('live').className = 'live on';
  });
  source.addEventListener('error', () => {
    $('live').textContent = 'reconnecting…';
    $('live').className = 'live';
  });
  let last = Date.now();
  source.addEventListener('overview', (message) => {
    last = Date.now();
    $('live').textContent = 'live';
    $('live').className = 'live on';
    showOverview(JSON.parse(message.data));
  });
  // snapshots that cannot be taken (Redis unreachable) are left out of the stream
  setInterval(() => {
    const silent = Math.round((Date.now() - last) / 1000);
    if (silent >= 3 && source.readyState === EventSource.OPEN) {
      $('live').textContent = `no snapshot for ${silent} s: Redis unreachable?`;
      $('live').className = 'live error';
    }
  }, 1000);
}

function showOverview(overview) {
  $('accepted').textContent = rate(overview.events.accepted_per_second);
  $('refused').textContent = rate(overview.events.refused_per_second);
  $('prices').textContent = rate(overview.prices_per_second);
  $('sequence').textContent = overview.events.sequence;
  $('dead-letter-count').textContent = overview.dead_letters;
  const groups = overview.stream.groups;
  $('stream').textContent = `${overview.stream.length} entries` + groups.map(
    (group) => ` · lag ${group.lag ?? 'n/a'} · pending ${group.pending}`).join('');
  const states = Object.entries(overview.jobs.by_state);
  $('job-states').replaceChildren(...(states.length ? states.map(([state, count]) => el('li', {}, `${state} ${count}`))
    : [el('li', {}, 'no jobs yet')]));
  rows('locks', overview.locks, (lock) => [String(lock.partition), lock.holder ?? 'free',
    lock.fencing_token ?? dash, time(lock.held_since), seconds(lock.lease_ms), jobLink(lock.job),
    lock.price_fence ?? dash]);
  rows('instances', overview.instances, (instance) => [instance.service, instance.instance,
    el('td', { class: instance.alive ? 'alive' : 'dead' }, instance.alive ? 'alive' : 'not seen'),
    `${seconds(instance.last_seen_ms)} ago`, time(instance.started_at),
    instance.tasks.length ? el('td', {}, ...instance.tasks.flatMap((task) => [jobLink(task.job_id),
      ` partition ${task.partition}, attempt ${task.attempt}` + (task.fencing_token ? `, token ${task.fencing_token}` : ''),
      el('br')])) : 'idle']);
  if (overview.events.accepted_per_second !== null) {
    history.push({ accepted: overview.events.accepted_per_second, refused: overview.events.refused_per_second,
      prices: (overview.prices_per_second ?? 0) / 1000 });
    if (history.length > HISTORY_POINTS) {
      history.shift();
    }
    drawChart();
  }
  document.dispatchEvent(new CustomEvent('overview', { detail: overview }));
}

function drawChart() {
  const chart = $('chart');
  const top = Math.max(1, ...history.flatMap((point) => [point.accepted, point.refused, point.prices]));
  const line = (field, color) => {
    const points = history.map((point, i) => {
      const x = (HISTORY_POINTS - history.length + i) * (600 / (HISTORY_POINTS - 1));
      const y = 135 - (point[field] / top) * 125;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    }).join(' ');
    const polyline = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    polyline.setAttribute('points', points);
    polyline.setAttribute('fill', 'none');
    polyline.setAttribute('stroke', color);
    polyline.setAttribute('stroke-width', '2');
    polyline.setAttribute('vector-effect', 'non-scaling-stroke');
    return polyline;
  };
  const style = getComputedStyle(document.documentElement);
  chart.replaceChildren(line('prices', style.getPropertyValue('--accent')),
    line('accepted', style.getPropertyValue('--good')), line('refused', style.getPropertyValue('--bad')));
}

// --- jobs ------------------------------------------------------------------------------

async function showJobs() {
  const state = $('jobs-state').value;
  const answer = await api('GET', `/api/v1/jobs?limit=50${state ? `&state=${state}` : ''}`);
  if (!answer.ok) {
    rows('jobs', [answer], (failed) => [problem(failed), '', '', '', '', '', '']);
    return;
  }
  rows('jobs', answer.body, (job) => [jobLink(job.job_id), job.state, describeEvent(job.event), String(job.sequence),
    progress(job.processed, job.total), time(job.enqueued_at), time(job.finished_at)]);
}

async function showJob(id) {
  const answer = await api('GET', `/api/v1/jobs/${encodeURIComponent(id)}`);
  $('job-title').textContent = `Job ${id}`;
  if (!answer.ok) {
    $('job-fields').replaceChildren(el('dt', {}, 'Status'), el('dd', { class: 'error' }, problem(answer)));
    return false;
  }
  const job = answer.body;
  $('job-progress').max = job.total || 1;
  $('job-progress').value = job.processed || 0;
  $('job-progress-text').textContent = `${job.state}: ${job.processed ?? 0} of ${job.total ?? '?'} products`;
  $('job-trace').replaceChildren(job.trace_id
    ? el('a', { href: `${jaegerUrl.replace(/\/$/, '')}/trace/${job.trace_id}`, target: '_blank', rel: 'noopener' },
      `Open the event's trace in Jaeger (${job.trace_id})`)
    : 'No trace (tracing is off)');
  const fields = [['State', job.state], ['Event', describeEvent(job.event)], ['Sequence', job.sequence],
    ['Attempts', job.attempts], ['Processed', job.processed], ['Total', job.total], ['Enqueued', job.enqueued_at],
    ['Started', job.started_at], ['Finished', job.finished_at], ['Lock', job.lock], ['Locked at', job.locked_at],
    ['Unlocked at', job.unlocked_at], ['Fencing token', job.fencing_token], ['Lock expired', job.lock_expired],
    ['Worker', job.worker], ['Coalesced partitions', job.coalesced.length ? job.coalesced.join(', ') : 'none'],
    ['Skipped', job.skipped], ['Error', job.error], ['Trace id', job.trace_id]];
  $('job-fields').replaceChildren(...fields.flatMap(([name, value]) => [el('dt', {}, name),
    el('dd', {}, value === null || value === undefined ? dash : String(value))]));
  rows('job-partitions', job.partitions, (task) => [String(task.partition), task.state, String(task.attempts),
    progress(task.processed, task.total), task.worker ?? dash, task.fencing_token ?? dash, task.error ?? dash]);
  return !TERMINAL.has(job.state);
}

// --- dead letters ----------------------------------------------------------------------

async function showDeadLetters() {
  const answer = await api('GET', '/api/v1/dead-letters?limit=200');
  if (!answer.ok) {
    say('dead-letters-message', problem(answer), false);
    rows('dead-letters', [], () => []);
    return;
  }
  say('dead-letters-message', `${answer.body.items.length} dead letter(s)${answer.body.next ? ' (first 200)' : ''}`);
  rows('dead-letters', answer.body.items, (letter) => [
    el('td', {}, el('input', { type: 'checkbox', 'data-entry': letter.entry_id, 'aria-label': `Select ${letter.entry_id}` })),
    letter.entry_id, jobLink(letter.job_id), describeEvent(letter.event), letter.partition ?? dash,
    String(letter.attempts), letter.error ?? dash, el('td', { 'data-outcome': letter.entry_id }, '')]);
}

async function replaySelected() {
  const selected = [...document.querySelectorAll('#dead-letters input[type=checkbox]:checked')];
  if (!selected.length) {
    say('dead-letters-message', 'Select the dead letters to replay first.', false);
    return;
  }
  let replayed = 0;
  for (const box of selected) {
    const entry = box.dataset.entry;
    const answer = await api('POST', `/api/v1/dead-letters/${encodeURIComponent(entry)}/replay`);
    const cell = document.querySelector(`[data-outcome="${CSS.escape(entry)}"]`);
    cell.className = answer.ok ? 'ok' : 'error';
    cell.textContent = answer.ok ? `replayed (${answer.status})` : problem(answer);
    replayed += answer.ok ? 1 : 0;
  }
  say('dead-letters-message', `Replayed ${replayed} of ${selected.length}.`, replayed === selected.length);
}

// --- faults ----------------------------------------------------------------------------

function describeFaults(faults) {
  const on = faults.failure_rate > 0 || faults.latency_ms > 0 || faults.batch_latency_ms > 0;
  return { on, text: on ? `Fault injection is ON: failure rate ${faults.failure_rate}, latency ${faults.latency_ms} ms`
    + ` per attempt and ${faults.batch_latency_ms} ms per batch` : 'Fault injection is off' };
}

async function refreshFaultBanner() {
  const banner = $('fault-banner');
  if (!sessionStorage.getItem(KEY_STORAGE)) {
    banner.hidden = true;
    return;
  }
  const answer = await api('GET', '/api/v1/admin/faults');
  const faults = answer.ok ? describeFaults(answer.body) : { on: false };
  banner.hidden = !faults.on;
  banner.textContent = faults.on ? faults.text : '';
}

async function showFaults() {
  const answer = await api('GET', '/api/v1/admin/faults');
  if (!answer.ok) {
    say('faults-current', problem(answer), false);
    return;
  }
  const faults = describeFaults(answer.body);
  say('faults-current', faults.text, !faults.on);
  $('failure-rate').value = answer.body.failure_rate;
  $('latency-ms').value = answer.body.latency_ms;
  $('batch-latency-ms').value = answer.body.batch_latency_ms;
}

async function setFaults(settings) {
  const answer = await api('PUT', '/api/v1/admin/faults', settings);
  if (!answer.ok) {
    say('faults-current', problem(answer), false);
    return;
  }
  await showFaults();
  await refreshFaultBanner();
}

// --- prices ----------------------------------------------------------------------------

async function lookUpPrice() {
  say('price-message', 'Looking up…');
  $('price-fields').replaceChildren();
  const id = $('price-product').value.trim();
  const query = new URLSearchParams();
  if ($('price-location').value.trim()) {
    query.set('location', $('price-location').value.trim());
  }
  if ($('price-member').checked) {
    query.set('member', 'true');
  }
  const [price, explanation] = await Promise.all([
    api('GET', `/api/v1/prices/${encodeURIComponent(id)}?${query}`),
    api('GET', `/api/v1/prices/${encodeURIComponent(id)}/explanation`)]);
  if (!price.ok) {
    say('price-message', problem(price), false);
    $('price-fields').replaceChildren();
    return;
  }
  say('price-message', `${id}: ${price.body.final_price} for this caller`, true);
  const fields = [['Final price (this caller)', price.body.final_price], ['Market price', price.body.market_price],
    ['Discount rate', price.body.discount_rate], ['Source', price.body.source],
    ['Market price computed at', price.body.computed_at]];
  if (explanation.ok) {
    const why = explanation.body;
    fields.push(['Category', why.category], ['Base price', why.base_price], ['Floor price', why.floor_price],
      ['Ceiling price', why.ceiling_price],
      ...why.factors.map((factor) => [`${factor.scope[0].toUpperCase()}${factor.scope.slice(1)} factor`,
        `${factor.value} (${factor.sequence === null ? 'no event set it' : `set by event #${factor.sequence}`}, ${factor.field})`]),
      ['Price the rule gives now', why.rule_price]);
    if (why.stored) {
      fields.push(['Stored market price', `${why.stored.price}${why.stored.price === why.rule_price ? ' (as the rule gives)' : ' (the rule now gives another: a recalculation is due)'}`],
        ['Stored at', why.stored.computed_at],
        ['Written by', why.stored.fencing_token === 0 ? 'the read path (no lock)' : `the lock holder with fencing token ${why.stored.fencing_token}`]);
    }
    else {
      fields.push(['Stored market price', 'none (the next read computes it)']);
    }
  }
  $('price-fields').replaceChildren(...fields.flatMap(([name, value]) => [el('dt', {}, name),
    el('dd', {}, String(value ?? dash))]));
}

// --- publish ---------------------------------------------------------------------------

async function publish() {
  const body = { type: $('publish-type').value };
  // only the fields of the chosen type, whatever the others hold
  for (const [field, input] of PUBLISHED_FIELDS[body.type]) {
    const value = $(input).value.trim();
    if (value) {
      body[field] = value;
    }
  }
  const publication = ++publications;
  $('publish-progress').hidden = true;
  $('publish-job').textContent = '';
  $('publish-answer').textContent = '';
  say('publish-message', 'Publishing…');
  const answer = await api('POST', '/api/v1/publish-market-event', body);
  $('publish-answer').textContent = `${answer.status}\n${JSON.stringify(answer.body, null, 2)}`;
  if (!answer.ok) {
    say('publish-message', problem(answer), false);
    return;
  }
  say('publish-message', `Accepted (${answer.status}): event ${answer.body.event_id}, sequence ${answer.body.sequence}`, true);
  followJob(answer.body.job, answer.body.event_id, publication);
}

/** Follows a published event's job until it ends, or another publication starts. */
async function followJob(path, id, publication) {
  const bar = $('publish-progress');
  bar.hidden = false;
  while (publication === publications) {
    const answer = await api('GET', path);
    if (answer.ok) {
      bar.max = answer.body.total || 1;
      bar.value = answer.body.processed || 0;
      $('publish-job').replaceChildren('Job ', jobLink(id), `: ${answer.body.state}, ${answer.body.processed ?? 0} of ${answer.body.total ?? '?'} products`);
      if (TERMINAL.has(answer.body.state)) {
        return;
      }
    }
    else {
      $('publish-job').replaceChildren('Job ', jobLink(id), answer.status === 404
        ? ': published, waiting for a listener to queue it' : `: ${problem(answer)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// --- routing ---------------------------------------------------------------------------

function route() {
  const [, view = 'overview', id] = location.hash.split('/');
  const name = (view === 'jobs' && id) ? 'job' : view;
  clearInterval(refreshTimer);
  refreshTimer = null;
  for (const section of document.querySelectorAll('main > section')) {
    section.hidden = section.dataset.view !== name;
  }
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.view === view) {
      link.setAttribute('aria-current', 'page');
    }
    else {
      link.removeAttribute('aria-current');
    }
  }
  const every = (ms, load) => {
    refreshTimer = setInterval(load, ms);
    load();
  };
  if (name === 'jobs') {
    every(2000, showJobs);
  }
  else if (name === 'job') {
    const jobId = decodeURIComponent(id);
    const load = async () => {
      const timer = refreshTimer;
      // a job that has ended changes no more: stop refreshing it, unless the view changed
      if (!(await showJob(jobId)) && timer === refreshTimer) {
        clearInterval(timer);
      }
    };
    every(1000, load);
  }
  else if (name === 'dead-letters') {
    showDeadLetters();
  }
  else if (name === 'faults') {
    showFaults();
  }
}

async function start() {
  setUpKeyDialog();
  $('jobs-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    showJobs();
  });
  $('dead-letters-refresh').addEventListener('click', showDeadLetters);
  $('dead-letters-replay').addEventListener('click', replaySelected);
  $('faults-form').addEventListener('submit', (event) => {
    event.preventDefault();
    setFaults({ failure_rate: Number($('failure-rate').value), latency_ms: Number($('latency-ms').value),
      batch_latency_ms: Number($('batch-latency-ms').value) });
  });
  $('faults-clear').addEventListener('click', () => setFaults({}));
  $('price-form').addEventListener('submit', (event) => {
    event.preventDefault();
    lookUpPrice();
  });
  $('publish-form').addEventListener('submit', (event) => {
    event.preventDefault();
    publish();
  });
  window.addEventListener('hashchange', route);
  route();
  connectOverview();
  refreshFaultBanner();
  setInterval(refreshFaultBanner, 10000);
  const settings = await api('GET', '/api/v1/console/settings');
  if (settings.ok) {
    jaegerUrl = settings.body.jaeger_url;
  }
}

start();
