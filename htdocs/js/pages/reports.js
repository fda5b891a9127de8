// Reports (REP-1): #/reports is a filter form (time range, branch, job,
// run status, suite, tag, domain, feature, owner; group by one or two
// keys) and the list of recent reports (GET api/reports).  Run posts the
// definition (POST api/reports) and opens #/reports/{report_id}: the URL
// holds the report, so a reload shows it again (GET api/reports/{id},
// recomputed) with its definition in the form.  A report shows as a
// chart of its grouping (uPlot over time for day, week and month: the
// pass rate as lines and the failed results as hatched bars; bars of the
// pass rate for the other keys) and as the table that the dashboards'
// report widget uses too (reporttable.js).  A click on a group or on one
// of its passed, failed or skipped counts opens the results behind it
// below the table (GET .../drilldown, paged with "More"), and the URL
// keeps it (?group=KEY&status=S).  A 400 shows next to the form in the
// API's words.  A report refreshes live.
import { h, clear, when, num, pct, dur, status } from '../dom.js';
import { api, send, seg } from '../api.js';
import { load, href, go, empty, errorBox, section, runHref, testHref, branchName } from '../ui.js';
import { loadUplot, followWidth } from '../chart.js';
import { exportButton } from '../exportbtn.js';
import { GROUP_KEYS, TIME_KEYS, keyLabel, valueText, groupText, querySummary, reportTable, drillHref } from '../reporttable.js';

const FILTERS = [
	{ name: 'branch', label: 'Branch', placeholder: 'default branch (* = every)', max: 256 },
	{ name: 'job', label: 'Job', placeholder: 'every job', max: 128 },
	{ name: 'suite', label: 'Suite', placeholder: 'a / b and nested', max: 512 },
	{ name: 'tag', label: 'Run tag', placeholder: 'e.g. nightly', max: 128 },
	{ name: 'domain', label: 'Domain', placeholder: 'e.g. checkout', max: 512 },
	{ name: 'feature', label: 'Feature', placeholder: 'e.g. checkout/payments', max: 512 },
	{ name: 'owner', label: 'Owner', placeholder: 'e.g. alice', max: 128 },
];

// live(ctx): a report (not the form alone) is counted again when a run
// is stored or a batch pass changed what it counts (the mapping pass
// moves new tests' results to their features).
export function live({ segs }) {
	if (segs.length !== 2)
		return null;
	return { stream: { path: 'live' }, filter: (ev) => ev.type === 'run_ingested' ||
	    ev.type === 'batch_done' };
}

export async function render(view, { segs, query }) {
	const id = segs.length === 2 ? segs[1] : null;
	const head = [h('h1', null, id ? 'Report #' + id : 'Reports'),
	    h('p', { class: 'sub' }, 'The suite over time or across branches, jobs, suites, features and owners: ',
		'runs, results and pass rate per group, with the results behind every figure.')];
	const recent = api('reports').catch((e) => e);
	if (!id) {
		const r = await load(view, head, 'the recent reports', recent);
		const msg = h('div', { 'data-test': 'report-error' });
		return clear(view, head, form(null, msg), msg, recentList(r, null));
	}
	const [d, r] = await load(view, head, 'the report', Promise.all([api('reports/' + seg(id)), recent]));
	const msg = h('div', { 'data-test': 'report-error' });
	const drill = h('div', { 'data-test': 'drilldown' });
	const sel = { key: query.group, status: query.status || null };
	let table = null;
	const onCell = (g, st, ev) => {
		ev.preventDefault();
		sel.key = g.key;
		sel.status = st;
		history.replaceState(null, '', drillHref(d.report_id, g.key, st));
		for (const a of table.querySelectorAll('a[aria-current]'))
			a.removeAttribute('aria-current');
		ev.currentTarget.setAttribute('aria-current', 'true');
		drilldown(drill, d, g, st);
		drill.scrollIntoView({ block: 'nearest' });
	};
	table = reportTable(d, { onCell, selected: sel });
	const chartEl = h('div', { class: 'rchart', 'data-test': 'report-chart' });
	clear(view, head, form(d.query, msg), msg,
	    section('By ' + d.query.group_by.map((k) => keyLabel(k).toLowerCase().replace(/ of$/, '')).join(' and '),
		h('p', { class: 'sub', 'data-test': 'report-summary' }, querySummary(d.query), h('br'),
		'Runs started from ', h('time', { datetime: d.range.from }, d.range.from), ' and before ',
		h('time', { datetime: d.range.to }, d.range.to), ' (UTC)',
		d.query.from || d.query.to ? '' : ': rolling, recomputed on every visit', '. ',
		num(d.totals.runs), d.totals.runs === 1 ? ' run, ' : ' runs, ', num(d.totals.tests), ' results.'),
	    chartEl, table, h('p', { class: 'small muted' }, 'Click a group or one of its counts to see the results behind it.'),
	    exportButton(() => ({ kind: 'report', report_id: Number(d.report_id) }), undefined, { key: 'report',
		note: 'The groups of this report as a file: its group keys, then runs, tests, passed, failed, skipped, ' +
		    'pass rate, p50 and p95 duration, counted when you press Export.' })),
	    drill, recentList(r, d.report_id));
	const g = query.group !== undefined ? d.groups.find((x) => x.key === query.group) : null;
	if (g)
		drilldown(drill, d, g, sel.status);
	else if (query.group !== undefined)
		clear(drill, errorBox(new Error('This report has no group ' + JSON.stringify(query.group) + ' (any more).')));
	try {
		await reportChart(chartEl, d);
	} catch (e) {
		clear(chartEl, errorBox(e));
	}
}

// form(q, msg): the report definition form holding query q (null: a new
// report, grouped by week); Run posts it and opens the report, or shows
// the API's 400 in msg.
function form(q, msg) {
	q = q || { group_by: ['week'] };
	const by = q.group_by || [];
	const input = (name, type, value, extra = {}) => h('input', { type, name, value: value || '', autocomplete: 'off',
	    'data-field': name, ...extra });
	const date = (v) => v === null || v === undefined ? '' : String(v).slice(0, 10);
	const keys = (name, v, none) => h('select', { name, 'data-field': name },
	    none ? h('option', { value: '' }, '(nothing)') : null,
	    GROUP_KEYS.map(([k, t]) => h('option', { value: k, selected: v === k }, t.replace(/ of$/, ''))));
	const f = h('form', { class: 'filters rform', 'data-test': 'report-form' },
	    h('label', null, 'From', input('from', 'date', date(q.from))),
	    h('label', null, 'To (included)', input('to', 'date', date(q.to))),
	    FILTERS.map((x) => h('label', null, x.label, input(x.name, 'text', q[x.name], { placeholder: x.placeholder,
		maxlength: x.max }))),
	    h('label', null, 'Run status', h('select', { name: 'status', 'data-field': 'status' },
		[['', 'any'], ['passed', '\u2713 passed'], ['failed', '\u2717 failed']].map(([v, t]) =>
		    h('option', { value: v, selected: (q.status || '') === v }, t)))),
	    h('label', null, 'Group by', keys('group_by', by[0] || 'week', false)),
	    h('label', null, 'then by', keys('group_by2', by[1] || '', true)),
	    h('button', { type: 'submit', class: 'primary', 'data-test': 'run' }, 'Run report'));
	f.addEventListener('submit', (ev) => {
		ev.preventDefault();
		submit(f, msg);
	});
	return f;
}

// submit(f, msg): POST api/reports with the form's fields (empty ones
// left out); on success the report's address (the router renders it),
// else the API's message in msg.
async function submit(f, msg) {
	const body = {};
	const fd = new FormData(f);
	for (const [k, v] of fd) {
		const s = String(v).trim();
		if (s !== '' && k !== 'group_by' && k !== 'group_by2')
			body[k] = s;
	}
	body.group_by = [fd.get('group_by'), fd.get('group_by2')].filter((x) => x);
	const btn = f.querySelector('button[type=submit]');
	btn.disabled = true;
	for (const el of f.querySelectorAll('[aria-invalid]'))
		el.removeAttribute('aria-invalid');
	clear(msg, h('p', { class: 'loading', role: 'status' }, 'Running the report\u2026'));
	try {
		const d = await send('POST', 'reports', body);
		const to = href(['reports', String(d.report_id)]);
		if (location.hash === to)
			window.dispatchEvent(new HashChangeEvent('hashchange'));
		else
			go(['reports', String(d.report_id)]);
	} catch (e) {
		clear(msg, h('div', { class: 'error', role: 'alert', 'data-test': 'report-400' },
		    h('p', null, h('strong', null, e.status ? 'The API answered ' + e.status + (e.code ? ' (' + e.code + ')' : '') :
			'The report could not be run')),
		    h('p', { 'data-test': 'report-400-message' }, e.message || String(e))));
		// the fields the API's message names are marked
		if (e.status === 400)
			for (const el of f.querySelectorAll('[data-field]'))
				if (new RegExp('\\b' + el.dataset.field.replace(/2$/, '') + '\\b').test(e.message))
					el.setAttribute('aria-invalid', 'true');
	} finally {
		btn.disabled = false;
	}
}

// recentList(r, current): the recent reports (GET api/reports answer r,
// or the error it threw), each a link; the one shown marked.
function recentList(r, current) {
	if (r instanceof Error)
		return section('Recent reports', errorBox(r));
	if (!r.reports.length)
		return section('Recent reports', empty('No report yet: choose the filters and a grouping above and run one.'));
	return section('Recent reports', h('ul', { class: 'rlist', 'data-test': 'recent-reports' }, r.reports.slice(0, 30).map((x) =>
	    h('li', { 'data-test': 'recent-report' }, h('a', { href: href(['reports', String(x.report_id)]),
		'aria-current': x.report_id === current ? 'page' : null }, '#' + x.report_id), ' ',
		querySummary(x.query), ' ', h('span', { class: 'muted small' }, '\u00b7 ', when(x.created_at))))));
}

// drilldown(el, d, g, st): the results behind group g of report d (st:
// passed, failed, skipped, or null for all), newest run first, 50 a page
// with "More results" while the API gives a next cursor.
async function drilldown(el, d, g, st) {
	const by = d.query.group_by;
	const body = h('tbody');
	const more = h('p');
	const title = (st ? st[0].toUpperCase() + st.slice(1) + ' results' : 'All results') + ': ' + groupText(by, g.values);
	clear(el, h('section', { class: 'drill' }, h('h2', { 'data-test': 'drill-title' }, title),
	    h('div', { class: 'tablewrap' }, h('table', { 'data-test': 'drill-table' },
		h('thead', null, h('tr', null, ['Status', 'Test', 'Run', 'Started (UTC)'].map((x) => h('th', { scope: 'col' }, x)),
		    h('th', { scope: 'col', class: 'num' }, 'Duration'))), body)), more));
	const page = async (cursor) => {
		clear(more, h('span', { class: 'loading', role: 'status' }, 'Loading results\u2026'));
		let r;
		try {
			r = await api('reports/' + d.report_id + '/drilldown', { group: g.key, status: st || undefined, limit: 50, cursor });
		} catch (e) {
			clear(more, errorBox(e));
			return;
		}
		if (!el.isConnected)
			return;
		body.append(...r.results.map(resultRow));
		if (!body.children.length)
			body.append(h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No results.')));
		const btn = r.next_cursor ? h('button', { type: 'button', 'data-test': 'drill-more' }, 'More results') : null;
		if (btn)
			btn.addEventListener('click', () => page(r.next_cursor));
		clear(more, h('span', { class: 'small muted', 'data-test': 'drill-count' }, num(body.querySelectorAll('[data-test=drill-row]').length),
		    ' results shown', r.next_cursor ? '' : ' (all)', '. '), btn);
	};
	await page(undefined);
}

// resultRow(x): one result of a drilldown: status, test (to its page),
// run (to its page, with branch and job), started, duration.
function resultRow(x) {
	return h('tr', { 'data-test': 'drill-row', 'data-status': x.status },
	    h('td', null, status(x.status)),
	    h('td', null, h('a', { href: testHref(x.test_id) }, x.name), x.suite ? h('span', { class: 'cls' }, x.suite) : null),
	    h('td', null, h('a', { href: runHref(x.run_id) }, x.run_id),
		h('span', { class: 'cls' }, branchName(x.branch === null ? '' : x.branch), x.job ? ' \u00b7 job ' + x.job : '')),
	    h('td', null, x.started_at ? h('time', { datetime: x.started_at, title: x.started_at },
		x.started_at.slice(0, 16).replace('T', ' ')) : '\u2014'),
	    h('td', { class: 'num' }, dur(x.duration_ms)));
}

// reportChart(el, d): the grouping drawn: over time (uPlot) when a key is
// day, week or month, else bars of the pass rate per group.
function reportChart(el, d) {
	const by = d.query.group_by;
	if (!d.groups.length) {
		el.remove();
		return Promise.resolve();
	}
	const tkey = by.find((k) => TIME_KEYS.includes(k));
	if (tkey)
		return timeChart(el, d, tkey, by.find((k) => k !== tkey));
	barChart(el, d);
	return Promise.resolve();
}

function cssVar(name) {
	return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// toSec(k, v): a time key's value as epoch seconds (UTC).
const toSec = (k, v) => Date.parse(k === 'month' ? v + '-01T00:00:00Z' : v + 'T00:00:00Z') / 1000;
const HALF = { day: 43200, week: 302400, month: 1314000 };
// line dashes: each line of the pass rate its own, so that they differ
// without colour
const DASH = [[], [8, 4], [2, 3], [12, 4, 2, 4], [4, 4], [1, 6]];
const MAX_LINES = DASH.length;

// hatch(colour): a pattern of diagonal lines, the failed bars' fill.
function hatch(ctx, colour) {
	const c = document.createElement('canvas');
	const s = Math.round(8 * devicePixelRatio);
	c.width = c.height = s;
	const x = c.getContext('2d');
	x.strokeStyle = colour;
	x.lineWidth = Math.max(1.5, 2 * devicePixelRatio);
	x.beginPath();
	x.moveTo(0, s);
	x.lineTo(s, 0);
	x.moveTo(-s / 2, s / 2);
	x.lineTo(s / 2, -s / 2);
	x.moveTo(s / 2, s * 1.5);
	x.lineTo(s * 1.5, s / 2);
	x.stroke();
	return ctx.createPattern(c, 'repeat');
}

// timeChart(el, d, tkey, other): one line of the pass rate per value of
// the other key (each with its own dash and named in the legend; at most
// MAX_LINES, the table has all), and the failed results of each period
// as hatched bars on a count axis, the count written above each bar.
async function timeChart(el, d, tkey, other) {
	const uPlot = await loadUplot();
	const fg = cssVar('--fg'), grid = cssVar('--border'), accent = cssVar('--accent');
	const failc = cssVar('--fail'), bg = cssVar('--bg'), muted = cssVar('--muted');
	const xsv = [...new Set(d.groups.map((g) => g.values[tkey]))].sort();
	const xs = xsv.map((v) => toSec(tkey, v));
	const lines = other ? [...new Set(d.groups.map((g) => g.values[other]))].sort() : [null];
	const shown = lines.slice(0, MAX_LINES);
	const failed = xsv.map((v) => d.groups.filter((g) => g.values[tkey] === v).reduce((a, g) => a + g.failed, 0));
	const rate = (lv) => xsv.map((v) => {
		const g = d.groups.find((x) => x.values[tkey] === v && (lv === null || x.values[other] === lv));
		return g && g.pass_rate !== null ? g.pass_rate : null;
	});
	const data = [xs, failed, ...shown.map(rate)];
	const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
	const day = (v) => new Date(v * 1000).toISOString().slice(0, tkey === 'month' ? 7 : 10);
	const height = 260;
	const labels = (u) => {
		const ctx = u.ctx, dpr = devicePixelRatio;
		ctx.save();
		ctx.font = 'bold ' + Math.round(11 * dpr) + 'px system-ui, sans-serif';
		ctx.textAlign = 'center';
		ctx.textBaseline = 'bottom';
		failed.forEach((n, i) => {
			if (!n)
				return;
			const x = u.valToPos(xs[i], 'x', true), y = u.valToPos(n, 'n', true) - 3 * dpr;
			const t = '\u2717' + n;
			const w = ctx.measureText(t).width;
			ctx.fillStyle = bg;
			ctx.fillRect(x - w / 2 - 2 * dpr, y - 13 * dpr, w + 4 * dpr, 13 * dpr);
			ctx.fillStyle = failc;
			ctx.fillText(t, x, y);
		});
		ctx.restore();
	};
	const u = new uPlot({
		width: Math.max(300, el.clientWidth || 600), height,
		scales: { x: { time: true, range: (u, min, max) => [min - HALF[tkey], max + HALF[tkey]] },
		    rate: { range: () => [0, 1.05] }, n: { range: (u, min, max) => [0, Math.max(1, max * 1.25)] } },
		series: [{ label: keyLabel(tkey).toLowerCase(), value: (u, v) => v === null ? '\u2014' : day(v) },
		    { label: '\u2717 failed results (hatched bars)', scale: 'n', stroke: failc, width: 1,
		      fill: (u) => hatch(u.ctx, failc), paths: uPlot.paths.bars({ size: [0.5, 40], align: 0 }),
		      points: { show: false }, value: (u, v) => v === null ? '\u2014' : num(v) },
		    ...shown.map((lv, i) => ({ label: 'pass rate' + (other ? ', ' + keyLabel(other).toLowerCase() + ' ' +
			valueText(other, lv) : '') + (DASH[i].length ? ' (' + ['', 'dashed', 'dotted', 'dash-dot', 'short dashes', 'sparse dots'][i] + ')' : ''),
			scale: 'rate', stroke: i === 0 ? accent : muted, width: 2, dash: DASH[i], spanGaps: false,
			points: { show: true, size: 7, fill: i === 0 ? accent : bg }, value: (u, v) => v === null ? '\u2014' : pct(v) }))],
		// a tick at each period when they are few (a week's tick on its Monday)
		axes: [{ ...axis, splits: xs.length <= 16 ? () => xs : undefined,
		    values: (u, vs) => vs.map((v) => day(v).slice(tkey === 'month' ? 0 : 5)) },
		    { ...axis, scale: 'rate', size: 56, values: (u, vs) => vs.map((v) => v <= 1 ? Math.round(v * 100) + '%' : ''),
			label: 'pass rate', labelSize: 18 },
		    { ...axis, scale: 'n', side: 1, size: 50, grid: { show: false },
			values: (u, vs) => vs.map((v) => Number.isInteger(v) ? String(v) : ''), label: 'failed results', labelSize: 18 }],
		legend: { show: true },
		hooks: { draw: [labels] },
	}, data, el);
	el.dataset.lines = String(shown.length);
	el.setAttribute('role', 'img');
	el.setAttribute('aria-label', 'Pass rate and failed results per ' + keyLabel(tkey).toLowerCase().replace(/ of$/, '') +
	    '; the table below has the same figures');
	if (lines.length > shown.length)
		el.append(h('p', { class: 'small muted' }, 'The chart shows the first ' + shown.length + ' of ' + lines.length +
		    ' ' + keyLabel(other).toLowerCase() + ' values; the table has them all.'));
	followWidth(el, u, height);
}

// fill(rate): the bar of a pass rate; its width set through the CSSOM
// (the Content-Security-Policy forbids style attributes).
function fill(rate) {
	const el = h('span', { class: 'rfill' });
	el.style.width = (rate === null ? 0 : Math.round(rate * 1000) / 10) + '%';
	return el;
}

// barChart(el, d): a row per group (at most 40): its name, a bar as long
// as its pass rate, and the figures in words.
function barChart(el, d) {
	const by = d.query.group_by;
	const list = d.groups.slice(0, 40);
	clear(el, h('div', { class: 'rbars', role: 'list', 'aria-label': 'Pass rate per group' }, list.map((g) =>
	    h('div', { class: 'rbar', role: 'listitem', 'data-key': g.key },
		h('span', { class: 'rname' }, by.map((k) => valueText(k, g.values[k])).join(' \u00b7 ')),
		h('span', { class: 'rtrack', 'aria-hidden': 'true' }, fill(g.pass_rate)),
		h('span', { class: 'rfig' }, pct(g.pass_rate) + ' passed',
		    g.failed ? [' \u00b7 ', h('span', { class: 'st st-failed' }, '\u2717 ' + num(g.failed) + ' failed')] : '',
		    ' \u00b7 ' + num(g.runs) + (g.runs === 1 ? ' run' : ' runs'))))),
	d.groups.length > list.length ? h('p', { class: 'small muted' }, 'The first ' + list.length + ' of ' +
	    num(d.groups.length) + ' groups; the table has them all.') : null);
}
