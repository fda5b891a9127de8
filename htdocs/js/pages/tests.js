// Test catalogue: GET api/tests with search, status and flaky filters,
// sorting and cursor pages; limited to a feature or domain when the link
// came from the health tree (feature_id, domain_id); for one branch and
// job (the default branch unless ?branch= / ?job=; branch=* every branch),
// named above the list, and carried along to the tests' pages.
import { h, clear, when, pct, status, table, td, dur, recentStrip } from '../dom.js';
import { api } from '../api.js';
import { load, filterForm, pager, empty, href, streamFields, stream, branchLine } from '../ui.js';
import { exportButton } from '../exportbtn.js';

export async function render(view, { segs, query }) {
	const form = filterForm(segs, query, [...streamFields(true),
		{ name: 'q', label: 'Name contains', type: 'search', placeholder: 'search tests' },
		{ name: 'status', label: 'Latest status', type: 'select', options: [['', 'any'],
		    ['failing', '\u2717 failed or error'], ['failed', '\u2717 failed'], ['error', '\u26A0 error'], ['skipped', '\u2298 skipped'],
		    ['passed', '\u2713 passed'], ['pending', '\u2026 pending']] },
		{ name: 'flaky', label: 'Flaky', type: 'select', options: [['', 'any'],
		    ['true', 'only flaky'], ['false', 'not flaky']] },
		{ name: 'sort', label: 'Sort by', type: 'select', options: [['', 'name'],
		    ['fail_rate', 'failure rate'], ['flakiness', 'flakiness'],
		    ['duration', 'duration (p95)'], ['last_failed', 'last failed']] },
	], 'Search');
	const d = await load(view, [h('h1', null, 'Tests'), form], 'tests',
	    api('tests', { ...stream(query), q: query.q, status: query.status, flaky: query.flaky,
		feature_id: query.feature_id, domain_id: query.domain_id,
		sort: query.sort, cursor: query.cursor, limit: 50 }));
	const filtered = query.q || query.status || query.flaky || query.feature_id || query.domain_id;
	const body = d.tests.length === 0 ?
	    empty(filtered ? 'No tests match these filters.' : 'No tests yet: they appear with the first uploaded report.') :
	    testTable(d.tests, stream(query));
	clear(view, h('h1', null, 'Tests'), branchLine(d, segs, query), scope(segs, query), form, body, pager(segs, query, d.next_cursor),
	    exportSection(query));
}

// The latest statuses the catalogue export filters on (its status key).
const EXPORT_STATUS = ['passed', 'failed', 'error', 'skipped'];

// catalogueQuery(query): the export query (kind catalogue) of the page's
// filters that an export can apply: the name search and one latest
// status.
function catalogueQuery(query) {
	const q = { kind: 'catalogue' };
	if (query.q)
		q.q = query.q;
	if (EXPORT_STATUS.includes(query.status))
		q.status = query.status;
	return q;
}

// exportSection(query): the Export control for the catalogue with the
// page's filters, saying which of them an export cannot apply.
function exportSection(query) {
	const left = [query.status && !EXPORT_STATUS.includes(query.status) ? 'latest status ' + query.status : null,
	    query.flaky ? 'flaky' : null, query.feature_id || query.domain_id ? 'feature or domain' : null,
	    query.branch || query.job ? 'branch and job' : null, query.sort ? 'sort' : null].filter((x) => x);
	const kept = [query.q ? 'name contains \u201C' + query.q + '\u201D' : null,
	    EXPORT_STATUS.includes(query.status) ? 'latest status ' + query.status : null].filter((x) => x);
	return h('section', { id: 'export' }, h('h2', null, 'Export the catalogue'),
	    exportButton(() => catalogueQuery(query), undefined, { key: 'tests', note: [
		'Every test of the project', kept.length ? ' with ' + kept.join(' and ') : '',
		', one row each: id, name, class, suite, file, state, owner, tags, first seen, latest status, runs, fail rate.',
		left.length ? [' ', h('span', { 'data-test': 'exp-not-applied' }, 'Not applied to the export: ' +
		    left.join(', ') + '.')] : ''] }));
}

// The feature or domain the list is limited to (links from the health
// tree), with a way out.
function scope(segs, query) {
	if (!query.feature_id && !query.domain_id)
		return null;
	const rest = { ...query };
	delete rest.feature_id;
	delete rest.domain_id;
	delete rest.cursor;
	const what = query.feature_id ? h('a', { href: href(['features', query.feature_id, 'timeline']) },
	    'feature #' + query.feature_id) : h('a', { href: href(['health'], { open: query.domain_id }) },
	    'domain #' + query.domain_id);
	return h('p', { class: 'note', 'data-test': 'scope' }, 'Only the tests mapped to ', what,
	    query.label ? [' (', h('strong', null, query.label), ')'] : null, '. ',
	    h('a', { href: href(segs, rest) }, 'Show all tests'));
}

// testTable(tests, carry): the catalogue rows; carry (branch, job) goes
// along on the links to the tests' pages.
export function testTable(tests, carry = {}) {
	return table(['Latest', 'Test', ['Pass rate', 'num'], 'Recent results', ['Flip rate', 'num'],
	    ['p50', 'num'], ['p95', 'num'], 'Last failed'],
	    tests.map((t) => h('tr', null,
		td([status(t.last_status), t.open_incident_id !== null ?
		    h('span', { class: 'cls', title: 'open incident' }, '\u26A0 incident') : null]),
		td([h('a', { href: href(['tests', t.test_id], carry) }, t.name), h('span', { class: 'cls' }, t.classname || t.file)]),
		td(pct(t.pass_rate), 'num'),
		td(recentStrip(t.recent)),
		td(pct(t.flaky_score, 0), 'num'),
		td(dur(t.p50_ms), 'num'),
		td(dur(t.p95_ms), 'num'),
		td(when(t.last_failed_at)))));
}
