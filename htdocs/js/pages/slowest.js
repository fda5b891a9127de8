// Slowest tests and duration regressions: GET api/tests/slowest by p50 or
// p95 over recent runs.
import { h, clear, dur, num, table, td } from '../dom.js';
import { api } from '../api.js';
import { load, testHref, filterForm, empty, section } from '../ui.js';

export async function render(view, { segs, query }) {
	const by = query.by === 'p50' ? 'p50' : 'p95';
	const form = filterForm(segs, query, [
		{ name: 'by', label: 'Rank by', type: 'select', options: [['', 'p95 duration'], ['p50', 'p50 duration']] }]);
	const d = await load(view, [h('h1', null, 'Slowest tests'), form], 'durations',
	    api('tests/slowest', { by, limit: 50 }));
	const name = (t) => [h('a', { href: testHref(t.test_id) }, t.name), h('span', { class: 'cls' }, t.classname || t.file)];
	const regressions = d.regressions.length === 0 ?
	    empty('No duration regressions: no test got at least 1.5\u00d7 and 50 ms slower recently.') :
	    table(['Test', ['Before (p50)', 'num'], ['After (p50)', 'num'], ['Slowdown', 'num']],
		d.regressions.map((t) => h('tr', { 'data-test': 'regression' }, td(name(t)),
		    td(dur(t.before_p50_ms), 'num'), td(dur(t.after_p50_ms), 'num'),
		    td(h('strong', null, '\u2191 ' + t.slowdown.toFixed(1) + '\u00d7'), 'num'))));
	const slowest = d.slowest.length === 0 ? empty('No durations recorded yet.') :
	    table(['#', 'Test', ['p50', 'num'], ['p95', 'num'], ['Runs', 'num']],
		d.slowest.map((t, i) => h('tr', null, td(String(i + 1), 'num'), td(name(t)),
		    td(dur(t.p50_ms), 'num'), td(dur(t.p95_ms), 'num'), td(num(t.runs), 'num'))));
	clear(view, h('h1', null, 'Slowest tests'), form,
	    section('Duration regressions', h('p', { class: 'sub' }, 'Tests whose newer recent durations have a p50 at least 1.5\u00d7 and 50 ms above the older ones.'), regressions),
	    section('Slowest by ' + d.by, slowest));
}
