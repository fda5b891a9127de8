// Feature timelines, the index: GET api/tests/health/features (cursor
// pages, optional domain_id), every feature with its status and figures;
// each links to its timeline (#/features/{id}/timeline).  For one branch
// and job (the default branch unless ?branch= / ?job=).
import { h, clear, when, pct, num, status, table, td } from '../dom.js';
import { api } from '../api.js';
import { load, pager, empty, href, filterForm, streamFields, stream, branchLine } from '../ui.js';

export async function render(view, { segs, query }) {
	const head = [h('h1', null, 'Feature timelines'),
	    h('p', { class: 'sub' }, 'Pick a feature to see its results day by day, when it was first green, last red ',
		'and last known good. The ', h('a', { href: href(['health']) }, 'health tree'), ' shows the same features by domain.')];
	const form = filterForm(segs, query, streamFields(), 'Show');
	const d = await load(view, [head, form], 'features',
	    api('tests/health/features', { ...stream(query), domain_id: query.domain_id, cursor: query.cursor, limit: 50 }));
	const body = d.features.length === 0 ?
	    empty(query.domain_id ? 'This domain has no features.' :
		h('p', null, 'No features yet: the batch mapping pass (', h('code', null, 'testvis batch'),
		    ') maps tests to features once reports are uploaded.')) :
	    table(['Status', 'Feature', ['Tests', 'num'], ['Failed', 'num'], ['Pass rate', 'num'],
		['Confidence', 'num'], ['Flaky', 'num'], ['Open signals', 'num'], 'Last result'],
	    d.features.map((f) => h('tr', { 'data-test': 'feature' },
		td(status(f.status)),
		td([h('a', { href: href(['features', String(f.id), 'timeline'], stream(query)) }, f.path)]),
		td(num(f.tests), 'num'),
		td(num(f.failed), 'num'),
		td(pct(f.pass_rate), 'num'),
		td(pct(f.confidence, 0), 'num'),
		td(num(f.flaky_tests), 'num'),
		td(num(f.open_signals), 'num'),
		td(when(f.last_run_at)))));
	clear(view, head, branchLine(d, segs, query), form, body, pager(segs, query, d.next_cursor));
}
