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
import * as live from '../live.js';

const ROWS = 200;

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
	test_state: ['\u2016', 'test state'],
	test_aliased: ['\u2192', 'test aliased'],
	batch_done: ['\u21BB', 'batch pass done'],
};

// the CSS class of a type's badge (its colour adds to glyph and word)
const TONE = { incident_opened: 'bad', integrity_alert: 'bad', signal_raised: 'bad',
    flaky_detected: 'warn', incident_closed: 'good', signal_resolved: 'good' };

export async function render(view, { segs, query }) {
	const form = filterForm(segs, query, [
		{ name: 'types', label: 'Type', type: 'select', options: [['', 'any'],
		    ...Object.entries(TYPES).map(([k, [g, l]]) => [k, g + ' ' + l]),
		    // a deep link naming several types keeps them selected
		    ...(query.types && !TYPES[query.types] ? [[query.types, query.types]] : [])] },
		{ name: 'job', label: 'Job', type: 'search', placeholder: 'every job' },
		{ name: 'branch', label: 'Branch', type: 'search', placeholder: 'every branch' },
	], 'Filter');
	const tbody = h('tbody');
	const count = h('p', { class: 'small muted', 'data-test': 'live-count' });
	const none = h('div', { class: 'empty', 'data-test': 'live-empty' },
	    h('p', null, query.types || query.job || query.branch ? 'No events match these filters yet.' :
		'No events yet.'),
	    h('p', null, 'Events appear here as they happen: a run or shard uploaded, incidents opened ',
		'and closed, flaky tests and integrity signals found by the batch, tests muted or quarantined.'));
	const tableEl = h('div', { class: 'tablewrap', hidden: true }, h('table', { class: 'feed' },
	    h('thead', null, h('tr', null, ['Time', 'Type', 'What', 'Links', 'Branch / job'].map((x) =>
		h('th', { scope: 'col' }, x)))), tbody));
	clear(view, h('h1', null, 'Live feed'),
	    h('p', { class: 'sub' }, 'What happens in the project, newest first, as it happens (the newest ' +
		ROWS + ' events are kept). The indicator in the header says whether the page is connected.'),
	    form, count, none, tableEl);
	const seen = new Set();
	const ticker = setInterval(() => {
		for (const t of tbody.querySelectorAll('time'))
			t.textContent = ago(t.getAttribute('datetime'));
	}, 30000);
	live.watch({
		stream: { path: 'live', params: { types: query.types, job: query.job, branch: query.branch } },
		history: true, quiet: 250, maxWait: 1000,
		onClose: () => clearInterval(ticker),
		onEvents: (events, { reset }) => {
			add(tbody, events, reset, seen);
			const n = tbody.querySelectorAll('tr[data-test=live-event]').length;
			none.hidden = n > 0;
			tableEl.hidden = n === 0;
			clear(count, n ? 'Showing the newest ' + num(n) + (n >= ROWS ? ' (older ones drop off)' : '') +
			    (n === 1 ? ' event.' : ' events.') : '');
		},
	});
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
	    h('td', { class: 'msg' }, ev.subject || '', summary(ev)),
	    h('td', null, links(ev)),
	    h('td', null, ev.branch || ev.job ? [ev.branch || '\u2014', ev.job ? ' / ' + ev.job : ''] :
		h('span', { class: 'muted', title: 'a project-wide event' }, '\u2014')));
}

// summary(ev): a short line from the event's detail where it has one.
function summary(ev) {
	const d = ev.detail || {};
	let s = null;
	if (ev.type === 'run_ingested' && d.counts) {
		const c = d.counts;
		s = num(c.tests) + ' tests, ' + num((c.failed || 0) + (c.errors || 0)) + ' failed' +
		    (d.shard ? ' \u00b7 shard ' + d.shard : '') + (d.new_run === false ? ' \u00b7 added to the run' : '') +
		    (d.new_tests ? ' \u00b7 ' + num(d.new_tests) + ' new tests' : '');
	} else if (ev.type === 'batch_done' && d.passes) {
		s = 'passes: ' + (Array.isArray(d.passes) ? d.passes.join(', ') : Object.keys(d.passes).join(', '));
	} else if (ev.type === 'test_state' && d.state) {
		s = 'now ' + d.state + (d.reason ? ': ' + d.reason : '');
	}
	return s ? h('span', { class: 'cls' }, s) : null;
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
		out.push(h('a', { href: href(['integrity'], ev.type === 'signal_raised' || ev.type === 'integrity_alert' ?
		    {} : { status: 'all' }), 'data-test': 'signal-link' },
		    ev.signal_id !== undefined && ev.signal_id !== null ? 'signal #' + ev.signal_id : 'integrity alerts'));
	if (out.length === 0)
		return h('span', { class: 'muted' }, '\u2014');
	return h('span', { class: 'links' }, out.map((a, i) => [i ? ' ' : '', a]));
}
