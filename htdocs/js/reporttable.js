// reporttable.js: a saved report (REP-1, api/reports) as one table: a row
// per group (its values, runs, tests, passed, failed, skipped, pass rate,
// duration p50 and p95) and the totals under them.  Shared by the reports
// page (#/reports/{id}) and the dashboards' "report" widget, so that both
// show a report the same way.  The group's values and its non-zero
// passed, failed and skipped counts are links to the report's drilldown
// (#/reports/{id}?group=KEY&status=S): the reports page intercepts the
// click and opens the drilldown in place, a widget simply follows them.
// Statuses are shown with a glyph and a word as well as a colour.  This
// module draws; it fetches nothing.
import { h, pct, num, dur } from './dom.js';
import { href } from './ui.js';

// The keys a report may be grouped by, with their column headings.
export const GROUP_KEYS = [['day', 'Day'], ['week', 'Week of'], ['month', 'Month'], ['branch', 'Branch'],
    ['job', 'Job'], ['suite', 'Suite'], ['domain', 'Domain'], ['feature', 'Feature'], ['owner', 'Owner']];
export const TIME_KEYS = ['day', 'week', 'month'];

// What an empty value of a key means ("" in the API's answer).
const NONE = { branch: '(no branch)', job: '(no job)', suite: '(no suite)', domain: '(not mapped)',
    feature: '(not mapped)', owner: '(no owner)', day: '(no day)', week: '(no week)', month: '(no month)' };

const GLYPH = { passed: '\u2713', failed: '\u2717', skipped: '\u2298' };

// keyLabel(k): the heading of group key k ("Week of").
export function keyLabel(k) {
	const e = GROUP_KEYS.find((x) => x[0] === k);
	return e ? e[1] : k;
}

// valueText(k, v): a group's value of key k as the page shows it.
export function valueText(k, v) {
	return v === '' || v === null || v === undefined ? NONE[k] || '(none)' : String(v);
}

// groupText(by, values): a group named in words: "week of 2026-11-02,
// branch main".
export function groupText(by, values) {
	return by.map((k) => keyLabel(k).toLowerCase() + ' ' + valueText(k, (values || {})[k])).join(', ');
}

// drillHref(id, key, status): the address of a group's drilldown.
// The group is always in the address, even an empty key (a group of
// runs without a branch): href() would drop it.
export function drillHref(id, key, status) {
	return href(['reports', String(id)]) + '?group=' + encodeURIComponent(key) +
	    (status ? '&status=' + encodeURIComponent(status) : '');
}

// querySummary(q): a report's definition in a line: "by week, branch ·
// branch * · job unit · 2026-11-01 to 2026-11-30" (rolling: "last 30
// days").
export function querySummary(q) {
	const parts = ['by ' + (q.group_by || []).join(', ')];
	for (const k of ['branch', 'job', 'status', 'suite', 'tag', 'domain', 'feature', 'owner'])
		if (q[k] !== null && q[k] !== undefined)
			parts.push(k + ' ' + q[k]);
	if (q.from || q.to)
		parts.push((q.from ? String(q.from).slice(0, 10) : '\u2026') + ' to ' + (q.to ? String(q.to).slice(0, 10) : 'now'));
	else
		parts.push('last 30 days (rolling)');
	return parts.join(' \u00b7 ');
}

// count(n, st, link): a passed/failed/skipped figure: the glyph and the
// number, a link to its results when there are any (link: the href, or
// null).
function count(n, st, link, label) {
	if (!n)
		return h('span', { class: 'muted' }, '0');
	const body = [h('span', { class: 'g', 'aria-hidden': 'true' }, GLYPH[st] + ' '), num(n)];
	if (!link)
		return h('span', { class: 'st st-' + st }, body);
	return h('a', { href: link, class: 'st st-' + st, 'data-test': 'cell-' + st, 'data-status': st,
	    'aria-label': num(n) + ' ' + st + ' results, ' + label }, body);
}

// figures(x): the figure cells of a group or of the totals; links(st)
// gives a status's drilldown link (null: none).
function figures(x, links, label) {
	return [h('td', { class: 'num', 'data-col': 'runs' }, num(x.runs)),
	    h('td', { class: 'num', 'data-col': 'tests' }, num(x.tests)),
	    ['passed', 'failed', 'skipped'].map((st) => h('td', { class: 'num', 'data-col': st },
		count(x[st], st, links(st), label))),
	    h('td', { class: 'num', 'data-col': 'pass_rate' }, pct(x.pass_rate)),
	    h('td', { class: 'num', 'data-col': 'p50' }, dur(x.duration_p50_ms)),
	    h('td', { class: 'num', 'data-col': 'p95' }, dur(x.duration_p95_ms))];
}

// reportTable(d, opts): the table of report answer d (GET or POST
// api/reports).  opts.onCell(group, status, event): called on a click of
// a group's link (status null for the group's values: all its results),
// may preventDefault; opts.selected: {key, status} of the drilldown
// shown (its link is marked aria-current); opts.limit: at most that many
// groups (a note says how many more the report has).  The table's rows
// carry data-key (the group's key) for the tests.
export function reportTable(d, opts = {}) {
	const by = d.query.group_by || [];
	const groups = opts.limit ? d.groups.slice(0, opts.limit) : d.groups;
	const sel = opts.selected || {};
	const click = (g, st) => (ev) => {
		if (opts.onCell)
			opts.onCell(g, st, ev);
	};
	const mark = (a, g, st) => {
		if (a.tagName === 'A') {
			a.addEventListener('click', click(g, st));
			if (sel.key === g.key && (sel.status || null) === st)
				a.setAttribute('aria-current', 'true');
		}
		return a;
	};
	const rows = groups.map((g) => {
		const label = groupText(by, g.values);
		const cells = by.map((k, i) => {
			const v = valueText(k, g.values[k]);
			const cls = g.values[k] === '' ? 'muted' : null;
			if (i > 0)
				return h('td', { 'data-col': k, class: cls }, v);
			return h('th', { scope: 'row', 'data-col': k }, mark(h('a', { href: drillHref(d.report_id, g.key),
			    class: cls, 'data-test': 'cell-group', 'aria-label': 'all results, ' + label }, v), g, null));
		});
		return h('tr', { 'data-test': 'report-row', 'data-key': g.key }, cells,
		    figures(g, (st) => drillHref(d.report_id, g.key, st), label).flat().map((c) => {
			    const a = c.querySelector('a');
			    if (a)
				    mark(a, g, a.dataset.status);
			    return c;
		    }));
	});
	const t = d.totals;
	const foot = h('tr', { 'data-test': 'report-totals' },
	    h('th', { scope: 'row', colspan: by.length }, 'Total'), figures(t, () => null, 'all groups'));
	const head = h('tr', null, by.map((k) => h('th', { scope: 'col' }, keyLabel(k))),
	    ['Runs', 'Tests'].map((x) => h('th', { scope: 'col', class: 'num' }, x)),
	    ['passed', 'failed', 'skipped'].map((st) => h('th', { scope: 'col', class: 'num' },
		h('span', { 'aria-hidden': 'true' }, GLYPH[st] + ' '), st[0].toUpperCase() + st.slice(1))),
	    ['Pass rate', 'p50', 'p95'].map((x) => h('th', { scope: 'col', class: 'num' }, x)));
	const more = d.groups.length - groups.length;
	return h('div', { class: 'tablewrap report' }, h('table', { class: 'report', 'data-test': 'report-table' },
	    h('caption', { class: 'muted small' }, (d.duration === 'tests' ? 'p50/p95: the sum of the test times of a run' :
		'p50/p95: run duration') + '; pass rate: passed of passed and failed. Times in UTC.'),
	    h('thead', null, head), h('tbody', null, rows.length ? rows :
		h('tr', null, h('td', { colspan: by.length + 8, class: 'muted' }, 'No runs match this report.'))),
	    h('tfoot', null, foot)),
	    more > 0 ? h('p', { class: 'small muted' }, num(more) + ' more groups in the report.') : null);
}
