// Flaky tests: GET api/tests/flaky, each with its evidence; cursor pages.
import { h, clear, when, pct, num, status, table, td, recentStrip } from '../dom.js';
import { api } from '../api.js';
import { fail, loading, testHref, pager, empty } from '../ui.js';

export async function render(view, { segs, query }) {
	const head = [h('h1', null, 'Flaky tests'),
	    h('p', { class: 'sub' }, 'Tests that passed and failed on the same commit, passed only after a retry, ',
	    'or flip between pass and fail. Quiet after 14 days without new evidence.')];
	clear(view, head, loading('flaky tests'));
	let d;
	try {
		d = await api('tests/flaky', { cursor: query.cursor, limit: 50 });
	} catch (e) {
		return fail(view, e);
	}
	const body = d.flaky.length === 0 ?
	    empty('No flaky tests: no test has passed and failed on one commit, passed after a retry, or flipped.') :
	    table(['State', 'Test', ['Same-commit conflicts', 'num'], ['Passed on retry', 'num'],
		['Flip rate', 'num'], 'Recent results', 'First flaked', 'Last flaked'],
	    d.flaky.map((t) => h('tr', null,
		td([status(t.flaky_state), h('span', { class: 'cls' }, 'latest: ' + t.last_status)]),
		td([h('a', { href: testHref(t.test_id) }, t.name), h('span', { class: 'cls' }, t.classname || t.file)]),
		td(num(t.evidence.same_sha_conflicts), 'num'),
		td(num(t.evidence.retry_passes), 'num'),
		td(pct(t.evidence.flip_rate, 0), 'num'),
		td(recentStrip(t.recent)),
		td(when(t.first_flaked_at)),
		td(when(t.last_flaked_at)))));
	clear(view, head, body, pager(segs, query, d.next_cursor));
}
