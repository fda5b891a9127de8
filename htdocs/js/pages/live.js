// Live feed (#/live, issue 15): the project's events as they happen,
// newest first: each one a row with its time, type, what it says and
// links to what it names (the run, the tests, the integrity signals).
// Filters ?types= (one type from the form; a deep link may name several,
// comma-separated), ?job= and ?branch= are in the URL and go to the
// server (api/live's own filters): changing them reconnects.  The list
// starts with the server's replay (its last 50 matching events) and
// keeps the newest ROWS rows.  Rows are added without a refetch; the
// list's scroll position stays put when rows arrive above it.
import { h, clear, when, num, ago } from '../dom.js';
import { filterForm, href, runHref, testHref } from '../ui.js';
import { typeLabel } from '../signals.js';
import * as live from '../live.js';

const ROWS = 200;
const FIRST_WAIT = 3000;

// type -> [glyph, label]: the type is always a word, the glyph only adds
export const TYPES = {
	run_ingested: ['\u25B6', 'run stored'],
	incident_opened: ['\u2717', 'incident opened'],
	incident_closed: ['\u2713', 'incident closed'],
	flaky_detected: ['\u2248', 'flaky detected'],
	signal_raised: ['\u2691', 'signal raised'],
	integrity_alert: ['\u26A0', 'integrity alert'],
	signal_acknowledged: ['\u25D0', 'signal acknowledged'],
	signal_resolved: ['\u2713', 'signal resolved'],
	// a signal set back to open
	signal_open: ['\u2691', 'signal reopened'],
	test_state: ['\u2016', 'test state'],
	test_aliased: ['\u2192', 'test aliased'],
	batch_done: ['\u21BB', 'batch pass done'],
};

// the types api/live's filter takes
const FILTERS = Object.keys(TYPES);

// the CSS class of a type's badge (its colour adds to glyph and word)
const TONE = { incident_opened: 'bad', integrity_alert: 'bad', signal_raised: 'bad',
    flaky_detected: 'warn', incident_closed: 'good', signal_resolved: 'good' };

export async function render(view, { segs, query }) {
	// types the server does not know would make it refuse the stream
	// (400), which an EventSource cannot tell from a network failure:
	// they are dropped here and named on the page
	const asked = (query.types || '').split(',').filter((t) => t !== '');
	const unknown = asked.filter((t) => !FILTERS.includes(t));
	const types = asked.filter((t) => FILTERS.includes(t)).join(',');
	const form = filterForm(segs, query, [
		{ name: 'types', label: 'Type', type: 'select', options: [['', 'any'],
		    ...FILTERS.map((k) => [k, TYPES[k][0] + ' ' + TYPES[k][1]]),
		    // a deep link naming several types keeps them selected
		    ...(types && !TYPES[types] ? [[types, types.split(',').map((t) => TYPES[t][1]).join(', ')]] : [])] },
		{ name: 'job', label: 'Job', type: 'search', placeholder: 'every job' },
		{ name: 'branch', label: 'Branch', type: 'search', placeholder: 'every branch' },
	], 'Filter');
	const tbody = h('tbody');
	const count = h('p', { class: 'small muted', 'data-test': 'live-count' });
	const noneLine = h('p', { class: 'loading', role: 'status' }, 'Loading the recent events\u2026');
	const none = h('div', { class: 'empty', 'data-test': 'live-empty' }, noneLine,
	    h('p', null, 'Events appear here as they happen: a run or shard uploaded, incidents opened ',
		'and closed, flaky tests and integrity signals found by the batch, tests muted or quarantined.'));
	const tableEl = h('div', { class: 'tablewrap', hidden: true }, h('table', { class: 'feed' },
	    h('thead', null, h('tr', null, ['Time', 'Type', 'What', 'Links', 'Branch / job'].map((x) =>
		h('th', { scope: 'col' }, x)))), tbody));
	clear(view, h('h1', null, 'Live feed'),
	    h('p', { class: 'sub' }, 'What happens in the project, newest first, as it happens (the newest ' +
		ROWS + ' events are kept). The indicator in the header says whether the page is connected.'),
	    form, unknown.length ? h('p', { class: 'error', role: 'alert', 'data-test': 'live-unknown' },
		'Not an event type, ignored: ' + unknown.join(', ') + '.') : null,
	    count, none, tableEl);
	const seen = new Set();
	// the page is ready with the server's replay shown (its first batch),
	// or after FIRST_WAIT ms without one (nothing to replay, or offline)
	let first;
	const firstBatch = new Promise((resolve) => {
		first = resolve;
	});
	const ticker = setInterval(() => {
		for (const t of tbody.querySelectorAll('time'))
			t.textContent = ago(t.getAttribute('datetime'));
	}, 30000);
	live.watch({
		stream: { path: 'live', params: { types, job: query.job, branch: query.branch } },
		history: true, quiet: 250, maxWait: 1000,
		onClose: () => clearInterval(ticker),
		onEvents: (events, { reset }) => {
			add(tbody, events, reset, seen);
			const n = tbody.querySelectorAll('tr[data-test=live-event]').length;
			none.hidden = n > 0;
			tableEl.hidden = n === 0;
			clear(count, n ? 'Showing the newest ' + num(n) + (n >= ROWS ? ' (older ones drop off)' : '') +
			    (n === 1 ? ' event.' : ' events.') : '');
			first();
		},
	});
	await Promise.race([firstBatch, new Promise((resolve) => setTimeout(resolve, FIRST_WAIT))]);
	noneLine.className = '';
	noneLine.removeAttribute('role');
	clear(noneLine, types || query.job || query.branch ? 'No events match these filters yet.' :
	    'No events yet.');
}

// add(tbody, events, reset, seen): the new events as rows on top (newest
// first), at most ROWS kept; a reset (too many missed to replay) adds a
// row saying so.  When the reader scrolled below the list's top, the page
// scrolls by what was added so the rows they look at stay in place.
function add(tbody, events, reset, seen) {
	const before = document.documentElement.scrollHeight;
	const below = window.scrollY > 0 && tbody.getBoundingClientRect().top < 0;
	const fresh = events.filter((e) => !seen.has(e.id)).sort((a, b) => a.id - b.id);
	if (reset)
		tbody.prepend(h('tr', { class: 'gap', 'data-test': 'live-reset' }, h('td', { colspan: 5 },
		    'More events happened while this page was disconnected than the server replays; ',
		    'the list goes on with the newest. Other pages reloaded their data.')));
	for (const ev of fresh) {
		seen.add(ev.id);
		tbody.prepend(row(ev));
	}
	const rows = tbody.querySelectorAll('tr');
	for (let i = rows.length - 1; i >= ROWS; i--) {
		seen.delete(Number(rows[i].dataset.id));
		rows[i].remove();
	}
	if (below)
		window.scrollBy(0, document.documentElement.scrollHeight - before);
}

// row(ev): one event.
function row(ev) {
	const [g, label] = TYPES[ev.type] || ['\u2022', String(ev.type).replace(/_/g, ' ')];
	return h('tr', { 'data-test': 'live-event', 'data-type': ev.type, 'data-id': ev.id },
	    h('td', null, when(ev.at)),
	    h('td', null, h('span', { class: 'ev ' + (TONE[ev.type] || '') },
		h('span', { class: 'g', 'aria-hidden': 'true' }, g), ' ', label)),
	    h('td', null, what(ev)),
	    h('td', null, links(ev)),
	    h('td', null, ev.branch || ev.job ? [ev.branch || '\u2014', ev.job ? ' / ' + ev.job : ''] :
		h('span', { class: 'muted', title: 'a project-wide event' }, '\u2014')));
}

// what(ev): what the event says, from its detail: counts of a stored run,
// the incident, the signal's type and severity, the batch pass's
// summary, a test's new state; the subject otherwise (unless it is the
// run or test the links already name).
function what(ev) {
	const d = ev.detail || {};
	const parts = [];
	switch (ev.type) {
	case 'run_ingested':
		if (d.counts)
			parts.push(num(d.counts.tests) + ' tests, ' + num((d.counts.failed || 0) +
			    (d.counts.errors || 0)) + ' failed');
		if (d.shard)
			parts.push('shard ' + d.shard);
		if (d.new_run === false)
			parts.push('added to the run');
		if (d.new_tests)
			parts.push(num(d.new_tests) + ' new tests');
		break;
	case 'incident_opened':
	case 'incident_closed':
		if (d.incident !== undefined)
			parts.push('incident #' + d.incident);
		if (d.failure_count)
			parts.push('after ' + num(d.failure_count) + (d.failure_count === 1 ? ' failing run' : ' failing runs'));
		if (d.fingerprint)
			parts.push('fingerprint ' + d.fingerprint);
		break;
	case 'flaky_detected':
		if (d.monitor)
			parts.push('monitor: ' + d.monitor);
		break;
	case 'signal_raised':
		if (d.signal_type)
			parts.push(typeLabel(d.signal_type));
		if (d.severity)
			parts.push(d.severity);
		break;
	case 'integrity_alert':
		if (d.signals !== undefined)
			parts.push(num(d.signals) + (d.signals === 1 ? ' signal' : ' signals'));
		if (d.signal_types)
			parts.push(String(d.signal_types).split(',').map(typeLabel).join(', '));
		if (d.critical)
			parts.push('critical');
		break;
	case 'signal_acknowledged':
	case 'signal_resolved':
	case 'signal_open':
		if (d.previous)
			parts.push('was ' + d.previous);
		if (d.note)
			parts.push('note: ' + d.note);
		break;
	case 'batch_done':
		parts.push((d.pass ? d.pass + ' pass' : 'batch') + (d.summary ? ': ' + d.summary : ''));
		break;
	case 'test_state':
		if (d.state)
			parts.push('now ' + d.state + (d.reason ? ': ' + d.reason : ''));
		break;
	default:
		break;
	}
	const ids = Array.isArray(ev.test_ids) ? ev.test_ids : [];
	if (parts.length === 0 && ev.subject && ev.subject !== ev.run_id && !ids.includes(ev.subject) &&
	    ev.subject !== String(ev.signal_id))
		parts.push(ev.subject);
	return parts.join(' \u00b7 ');
}

// links(ev): the run, the tests (at most 5, then a count) and the signal
// the event names.
function links(ev) {
	const out = [];
	if (ev.run_id)
		out.push(h('a', { href: runHref(ev.run_id), 'data-test': 'run-link' }, 'run ' + ev.run_id));
	const ids = Array.isArray(ev.test_ids) ? ev.test_ids : [];
	ids.slice(0, 5).forEach((id, i) => out.push(h('a', { href: testHref(id), 'data-test': 'test-link',
	    title: 'test ' + id }, ev.type === 'test_aliased' && ids.length === 2 ?
	    (i ? 'to ' : 'from ') + id.slice(0, 8) : 'test ' + id.slice(0, 8))));
	if (ids.length > 5)
		out.push(h('span', { class: 'muted' }, 'and ' + num(ids.length - 5) + ' more tests'));
	if (ev.signal_id !== undefined && ev.signal_id !== null || /^(signal_|integrity_)/.test(ev.type))
		out.push(h('a', { href: href(['integrity'], ev.type === 'signal_raised' ?
		    { signal_type: (ev.detail || {}).signal_type } : ev.type === 'integrity_alert' ? {} : { status: 'all' }),
		    'data-test': 'signal-link' },
		    ev.signal_id !== undefined && ev.signal_id !== null ? 'signal #' + ev.signal_id : 'integrity alerts'));
	if (out.length === 0)
		return h('span', { class: 'muted' }, '\u2014');
	return h('span', { class: 'links' }, out.map((a, i) => [i ? ' ' : '', a]));
}
