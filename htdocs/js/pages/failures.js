// Failure groups: GET api/failures, failures across tests grouped by
// cause, the groups affecting the most tests first; cursor pages.  For
// one branch and job (the default branch unless ?branch= / ?job=).
import { h, clear, when, num } from '../dom.js';
import { api } from '../api.js';
import { load, pager, empty, href, filterForm, streamFields, stream, branchLine } from '../ui.js';

export async function render(view, { segs, query }) {
	const head = [h('h1', null, 'Failure groups'),
	    h('p', { class: 'sub' }, 'Failures with the same error type, message and top stack frames ',
	    '(line numbers, addresses, ids and times normalised away; the failing test\'s own frames left out ',
	    'unless the message says nothing) share a fingerprint. The groups affecting the most tests come first.')];
	const form = filterForm(segs, query, streamFields(), 'Show');
	const d = await load(view, [head, form], 'failure groups',
	    api('failures', { ...stream(query), cursor: query.cursor, limit: 30 }));
	const body = d.failures.length === 0 ? empty('No failures recorded. Nice.') :
	    d.failures.map((g) => h('article', { class: 'box', 'data-test': 'failure-group' },
		h('h2', { class: 'small' }, h('span', { class: 'st st-failed' }, '\u2717 ', num(g.occurrences), ' failures'),
		    ' in ', num(g.test_count), g.test_count === 1 ? ' test' : ' tests',
		    g.error_type ? [' \u00b7 ', h('code', null, g.error_type)] : null,
		    ' \u00b7 fingerprint ', h('code', null, g.fingerprint)),
		g.message ? h('pre', null, g.message) : null,
		h('p', { class: 'small' }, 'First seen ', when(g.first_seen_at), ', last seen ', when(g.last_seen_at),
		    ' \u00b7 branches: ', g.branches.length ? g.branches.map((b, i) =>
			[i ? ', ' : '', h('a', { href: href(['runs'], { branch: b, job: query.job }) }, b)]) : '\u2014'),
		h('ul', { class: 'tests' }, g.tests.map((t) => h('li', null,
		    h('a', { href: href(['tests', t.test_id], stream(query)) }, t.name), h('span', { class: 'muted' }, ' \u00d7 ' + num(t.occurrences))))),
		g.test_count > g.tests.length ? h('p', { class: 'muted small' }, 'and ' + num(g.test_count - g.tests.length) + ' more tests') : null));
	clear(view, head, branchLine(d, segs, query), form, body, pager(segs, query, d.next_cursor));
}
