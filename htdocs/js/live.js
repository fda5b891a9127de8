// live.js: the page's one live connection (issue 15).  A page that updates
// by itself registers a watcher (watch): which stream it follows (the
// project's api/live, a test's api/tests/{id}/live, or api/live with the
// server-side filters types/job/branch), which events concern it
// (filter), and what to do with them (onEvents: the router re-renders
// the page in place, the live feed adds rows).  Every watcher of a page
// follows the same stream; one EventSource serves them all and stays open
// across pages that follow the same stream (overview -> runs -> run), so
// moving between them costs no reconnect.  The router drops the watchers
// when the route changes (leave) and closes the connection when the new
// page registered none (settle): no EventSource outlives its page.
//
// Auth: with a token saved (api.js), every new EventSource first gets a
// short-lived ticket (POST api/live/ticket, the token in the
// Authorization header as always) and names only the ticket in its URL;
// the long-lived token is never in a URL.  Without a token it connects
// without a ticket (auth_read = public).
//
// Reconnects: an EventSource reconnects by itself after the server closes
// an idle stream (sending Last-Event-ID).  When it gives up (CLOSED: an
// expired ticket's 401, a 503, the live program restarted) we back off
// (1 s doubling to 15 s), get a fresh ticket and open a new one with
// last_event_id= the last id seen, so no event is lost.  Events already
// seen (ids not above the last one) are dropped.
//
// Coalescing: a watcher's events are batched; its onEvents runs QUIET ms
// after the last event of a burst, but no later than MAX_WAIT ms after the
// first one, and never twice at once (events arriving meanwhile make one
// more run afterwards).  A 20-shard run or 10,000 incident events thus
// cost a few refetches, not one each.  A "reset" event (the server could
// not replay everything missed) reaches every watcher, whatever its
// filter, with reset = true: the page refetches everything.  Refreshes
// wait while the tab is hidden (a wall screen is visible; a background tab
// need not load the server) and while the page says it is busy (someone
// typing in one of its forms).
//
// Replay: a new connection first gets the last 50 events.  They happened
// before the page read its data, and refetching for them would double
// every page view, so a page watcher ignores events older than the time
// it began reading (server time, from api.js, less MARGIN for the
// truncated Date header and commits racing the read).  The feed wants
// them (history: true).  Events received on the connection before a
// watcher registered (the page was still loading) are offered to it from
// a small buffer under the same rule.
import { h, clear } from './dom.js';
import { api, apiUrl, getToken, getProject } from './api.js';

const QUIET = 1000;
const MAX_WAIT = 4000;
const BACKOFF_MIN = 1000;
const BACKOFF_MAX = 15000;
const MARGIN = 2000;
const KEEP = 200;
// the server says "retry: 3000": a stream the browser is reconnecting by
// itself shows "reconnecting" only when that takes longer than this
const GRACE = 4500;

const LOOK = {
	connecting: ['\u2026', 'connecting\u2026', 'Opening the live connection.'],
	live: ['\u25CF', 'live', 'Live: this page updates by itself when new results arrive.'],
	reconnecting: ['\u21BB', 'reconnecting\u2026',
	    'The live connection was lost; reconnecting. Nothing is missed: the events in between follow.'],
	offline: ['\u25CB', 'offline',
	    'No live connection: this page does not update by itself. Reload it for new data.'],
};

let conn = null;
let watchers = [];
let indicator = null;
let shown = 'idle';

// mount(el): the element (in the header) that shows the state; live.js
// owns its content.
export function mount(el) {
	indicator = el;
	show(shown);
}

// state(): the indicator's state, 'idle' when the page is not live.
export function state() {
	return shown;
}

// show(st, why): the indicator says st with a mark and a word (not colour
// alone); why (optional) goes into its title.  'idle' hides it: the page
// does not update by itself and says nothing about it.
function show(st, why) {
	shown = st;
	if (!indicator)
		return;
	indicator.dataset.state = st;
	if (st === 'idle') {
		indicator.hidden = true;
		clear(indicator);
		return;
	}
	const [mark, word, title] = LOOK[st];
	indicator.hidden = false;
	indicator.title = title + (why ? ' (' + why + ')' : '');
	clear(indicator, h('span', { class: 'g', 'aria-hidden': 'true' }, mark), ' ', word);
}

// keyOf(stream): what makes two streams the same connection: the path,
// the filters, the project and the token (a changed token reconnects).
function keyOf(stream) {
	const p = Object.entries(stream.params || {}).filter(([, v]) => v !== undefined &&
	    v !== null && v !== '').sort();
	return JSON.stringify([stream.path, p, getProject(), getToken()]);
}

// watch(spec): registers a watcher; returns it (close() drops it).
// spec.stream: {path: 'live' | 'tests/ID/live', params: {types, job,
// branch}}; spec.filter(ev): true for the events that concern it (all
// when absent); spec.onEvents(events, {reset}): may return a promise;
// spec.since: the server time (ms) when the page began reading its data,
// null when unknown (then every event counts); spec.history: true to get
// the replay and the buffer whatever their age; spec.busy(): true to
// hold a refresh; spec.quiet / spec.maxWait: the coalescing windows;
// spec.onClose(): called when the watcher is dropped.
export function watch(spec) {
	const w = { quiet: QUIET, maxWait: MAX_WAIT, ...spec, pending: [], reset: false,
	    first: 0, timer: null, running: false };
	w.close = () => drop(w);
	const key = keyOf(spec.stream);
	// one stream per page: watchers of another stream are dropped
	for (const o of watchers.slice())
		if (o.key !== key)
			drop(o);
	w.key = key;
	watchers.push(w);
	connect(spec.stream, key);
	for (const ev of conn ? conn.events : [])
		offer(w, ev);
	return w;
}

// drop(w): removes a watcher and its pending refresh.
function drop(w) {
	const i = watchers.indexOf(w);
	if (i < 0)
		return;
	watchers.splice(i, 1);
	clearTimeout(w.timer);
	w.timer = null;
	w.pending = [];
	if (w.onClose)
		w.onClose();
}

// leave(): the route changes: every watcher goes; the connection stays
// until settle() in case the next page follows the same stream.
export function leave() {
	for (const w of watchers.slice())
		drop(w);
}

// settle(): the new page has rendered: without watchers the connection
// closes and the indicator hides.
export function settle() {
	if (watchers.length === 0)
		disconnect();
}

// disconnect(): closes the EventSource and any planned reconnect.
function disconnect() {
	if (conn) {
		clearTimeout(conn.timer);
		clearTimeout(conn.grace);
		if (conn.es)
			conn.es.close();
		conn = null;
	}
	show('idle');
}

// connect(stream, key): makes conn follow stream (nothing to do when it
// already does).
function connect(stream, key) {
	if (conn && conn.key === key)
		return;
	disconnect();
	conn = { key, stream, es: null, lastId: null, backoff: BACKOFF_MIN, timer: null,
	    grace: null, events: [] };
	open(conn);
}

// open(c): a new EventSource for c (a ticket first when a token is
// saved), from the last id seen when c saw any.
async function open(c) {
	if (typeof EventSource === 'undefined') {
		show('offline', 'this browser has no EventSource');
		return;
	}
	if (shown !== 'reconnecting' && shown !== 'offline')
		show('connecting');
	const params = { ...(c.stream.params || {}) };
	if (c.lastId !== null)
		params.last_event_id = c.lastId;
	if (getToken()) {
		try {
			params.ticket = (await api('live/ticket', {}, { method: 'POST' })).ticket;
		} catch (e) {
			if (conn === c)
				retry(c, e.message);
			return;
		}
		if (conn !== c)
			return;
	}
	const es = new EventSource(apiUrl(c.stream.path, params));
	c.es = es;
	es.onopen = () => {
		if (c.es !== es)
			return;
		c.backoff = BACKOFF_MIN;
		clearTimeout(c.grace);
		c.grace = null;
		show('live');
	};
	es.onmessage = (m) => {
		if (c.es === es)
			receive(c, m);
	};
	es.onerror = () => {
		if (c.es !== es)
			return;
		if (es.readyState === EventSource.CLOSED) {
			retry(c, null);
		} else if (!c.grace) {
			// the browser reconnects by itself (the server closed an
			// idle stream): say so only when it takes long
			c.grace = setTimeout(() => {
				c.grace = null;
				if (c.es === es && es.readyState !== EventSource.OPEN)
					show('reconnecting');
			}, GRACE);
		}
	};
}

// retry(c, why): c's EventSource gave up (or its ticket could not be
// had): a new one after the back-off delay, which doubles up to 15 s;
// at that ceiling (or without a network) the indicator says offline,
// and retrying goes on.
function retry(c, why) {
	if (c.es) {
		c.es.close();
		c.es = null;
	}
	clearTimeout(c.grace);
	c.grace = null;
	const d = c.backoff;
	c.backoff = Math.min(BACKOFF_MAX, d * 2);
	show(d >= BACKOFF_MAX || navigator.onLine === false ? 'offline' : 'reconnecting', why);
	clearTimeout(c.timer);
	c.timer = setTimeout(() => {
		c.timer = null;
		if (conn === c)
			open(c);
	}, d);
}

// Back online: reconnect now rather than at the end of the back-off.
window.addEventListener('online', () => {
	if (conn && conn.timer) {
		clearTimeout(conn.timer);
		conn.timer = null;
		conn.backoff = BACKOFF_MIN;
		open(conn);
	}
});

// A visible tab again: the refreshes held while it was hidden run.
document.addEventListener('visibilitychange', () => {
	if (!document.hidden)
		for (const w of watchers)
			if (w.pending.length || w.reset)
				schedule(w);
});

// receive(c, m): one message: decoded, deduplicated by id, kept in the
// buffer and offered to every watcher.
function receive(c, m) {
	let ev;
	try {
		ev = JSON.parse(m.data);
	} catch (e) {
		return;
	}
	if (!ev || typeof ev !== 'object')
		return;
	const id = Number(ev.id ?? m.lastEventId);
	if (ev.type !== 'reset' && Number.isFinite(id)) {
		if (c.lastId !== null && id <= c.lastId)
			return;
		c.lastId = id;
	}
	c.events.push(ev);
	if (c.events.length > 2 * KEEP)
		c.events.splice(0, c.events.length - KEEP);
	for (const w of watchers.slice())
		offer(w, ev);
}

// fresh(ev, since): whether ev may be newer than data read from since on
// (server ms; null: unknown, so yes).
function fresh(ev, since) {
	if (since === null || since === undefined)
		return true;
	const at = Date.parse(ev.at);
	return Number.isNaN(at) || at >= since - MARGIN;
}

// offer(w, ev): queues ev for w when it concerns w.
function offer(w, ev) {
	if (ev.type === 'reset') {
		w.reset = true;
	} else {
		if (!w.history && !fresh(ev, w.since))
			return;
		if (w.filter && !w.filter(ev))
			return;
		w.pending.push(ev);
	}
	schedule(w);
}

// schedule(w): (re)arms w's flush: QUIET after now, no later than MAX_WAIT
// after the first pending event; none while one runs (it re-arms).
function schedule(w) {
	const now = Date.now();
	if (!w.first)
		w.first = now;
	clearTimeout(w.timer);
	w.timer = null;
	if (w.running)
		return;
	const at = Math.min(now + w.quiet, w.first + w.maxWait);
	w.timer = setTimeout(() => flush(w), Math.max(0, at - now));
}

// flush(w): hands w its pending events (held while the tab is hidden or
// w is busy); a failing refresh keeps the page as it was.
async function flush(w) {
	w.timer = null;
	if (!watchers.includes(w))
		return;
	if (document.hidden)
		return;
	if (w.busy && w.busy()) {
		w.timer = setTimeout(() => flush(w), w.quiet);
		return;
	}
	const events = w.pending;
	const reset = w.reset;
	w.pending = [];
	w.reset = false;
	w.first = 0;
	w.running = true;
	try {
		await w.onEvents(events, { reset });
	} catch (e) {
		console.warn('live refresh failed:', e);
	}
	w.running = false;
	if (watchers.includes(w) && (w.pending.length || w.reset))
		schedule(w);
}
