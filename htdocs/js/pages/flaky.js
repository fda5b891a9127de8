// Flaky tests: GET api/tests/flaky?state=flaky|resolved|all, the states
// the batch flaky pass keeps: which monitors fired (same commit, retry
// pass, flip rate), the evidence figures and items (the runs that showed
// it), first/last flaked and when it resolved; cursor pages.  For one
// branch and job (the default branch unless ?branch= / ?job=).
import { h, clear, when, pct, num, status, table, td, recentStrip } from '../dom.js';
import { api } from '../api.js';
import { load, href, pager, empty, filterForm, streamFields, stream, branchLine } from '../ui.js';
import { monitorName, monitorTags, evidenceItems, streamName } from '../evidence.js';

// The evidence items of one test, folded: "Evidence: 20 runs (...)".
function evidenceDetails(t) {
	const items = t.evidence.items || [];
	if (items.length === 0)
		return h('span', { class: 'muted small' }, 'No evidence items kept.');
	const by = {};
	for (const e of items)
		by[e.monitor] = (by[e.monitor] || 0) + 1;
	return h('details', { class: 'evidence', 'data-test': 'flaky-evidence-items' },
	    h('summary', { class: 'small' }, 'Evidence for ' + t.name + ': ' + num(items.length) +
		(items.length === 1 ? ' item' : ' items') + ' (' + Object.entries(by).map(([m, n]) =>
		    monitorName(m) + ' ' + n).join(', ') + ')'),
	    evidenceItems(items));
}

export async function render(view, { segs, query }) {
	const state = ['resolved', 'all'].includes(query.state) ? query.state : 'flaky';
	const form = filterForm(segs, query, [...streamFields(),
		{ name: 'state', label: 'State', type: 'select', options: [['', '\u2248 flaky now'],
		    ['resolved', '\u2713 resolved'], ['all', 'flaky or resolved']] }]);
	const head = [h('h1', null, 'Flaky tests'),
	    h('p', { class: 'sub' }, 'Tests that passed and failed on the same commit, passed only after a retry, ',
	    'or flip between pass and fail on a branch. Runs where most tests failed (an outage) are left out. ',
	    'A flaky test resolves after a quiet period without new evidence.')];
	const d = await load(view, [head, form], 'flaky tests',
	    api('tests/flaky', { ...stream(query), state, cursor: query.cursor, limit: 50 }));
	const body = d.flaky.length === 0 ?
	    empty(state === 'resolved' ? 'No flaky test has resolved yet.' :
		'No flaky tests: no test has passed and failed on one commit, passed after a retry, or flipped. ' +
		'(The batch flaky pass, run by cron, keeps this list.)') :
	    table(['State', 'Test', 'Monitors', ['Same commit', 'num'], ['Retry passes', 'num'],
		['Flip rate', 'num'], 'Recent results', 'Flaky since'],
	    d.flaky.map((t) => [h('tr', { 'data-test': 'flaky-row', class: 'haschild' },
		td([status(t.flaky_state), t.resolved_at ? h('span', { class: 'sub2' }, 'resolved ', when(t.resolved_at)) : null,
		    h('span', { class: 'sub2' }, 'latest: ' + t.last_status)]),
		td([h('a', { href: href(['tests', t.test_id], stream(query)) }, t.name), h('span', { class: 'cls' }, t.classname || t.file)]),
		td(monitorTags(t.monitors)),
		td(num(t.evidence.same_sha_conflicts), 'num'),
		td(num(t.evidence.retry_passes), 'num'),
		td([pct(t.evidence.flip_rate, 0), t.evidence.flip_branch ?
		    h('span', { class: 'sub2' }, 'on ' + streamName(t.evidence.flip_branch, t.evidence.flip_job)) : null,
		    t.evidence.flip_branch && !t.evidence.flip_active ? h('span', { class: 'sub2' }, 'below threshold') : null], 'num'),
		td(recentStrip(t.recent)),
		td([when(t.first_flaked_at), h('span', { class: 'sub2' }, 'last evidence ', when(t.last_flaked_at))])),
	    h('tr', { class: 'child' }, h('td', { colspan: '8' }, evidenceDetails(t)))]));
	clear(view, head, branchLine(d, segs, query), form, body, pager(segs, query, d.next_cursor));
}
