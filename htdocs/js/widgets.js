// widgets.js: the dashboard widgets (REP-4).  TYPES names each widget type
// with its parameters, as the API checks them (lib/views/dashboards.c):
// the editor builds its form fields from it.  widget(w) renders one
// widget into a box of its own: it fetches its data from the endpoint the
// matching page reads and draws it with that page's components where they
// are exported (the overview's runsTable, status, recentStrip,
// monitorTags, typeLabel; the reports page's reportTable); a failure
// shows in the widget, never in the page.  Each box says its state in data-state (loading, ready, error)
// for the browser test, and box.done resolves when it is filled.
import { h, clear, when, pct, num, dur, status, table, td, recentStrip } from './dom.js';
import { api } from './api.js';
import { href, runHref, errorBox, empty, branchName } from './ui.js';
import { loadUplot } from './chart.js';
import { monitorTags } from './evidence.js';
import { typeLabel } from './signals.js';
import { runsTable } from './pages/overview.js';
import { reportTable, querySummary } from './reporttable.js';

const BRANCH = { name: 'branch', label: 'Branch', kind: 'text', max: 256, placeholder: 'default branch' };
const JOB = { name: 'job', label: 'Job', kind: 'text', max: 128, placeholder: 'every job' };
const LIMIT = { name: 'limit', label: 'Rows', kind: 'int', min: 1, max: 100, placeholder: '10' };
const INTERVAL = { name: 'interval', label: 'Interval', kind: 'enum', choices: ['day', 'week'] };
const WINDOW = { name: 'window', label: 'Intervals', kind: 'int', min: 2, max: 366, placeholder: '30 days or 12 weeks' };
export const METRICS = ['pass_rate', 'failures', 'duration_p95', 'tests_count', 'flaky_count', 'incidents_open'];
const SECTIONS = ['flakiness', 'stability', 'mttr', 'most_failing', 'never_failing', 'count_drift', 'slowest_growing'];

// type -> [label, parameters]; a parameter with required set must be given.
export const TYPES = {
	pass_rate_trend: ['Pass rate trend', [BRANCH, JOB, INTERVAL, WINDOW]],
	trend: ['Trend of a metric', [{ name: 'metric', label: 'Metric', kind: 'enum', choices: METRICS, required: true },
	    BRANCH, JOB, INTERVAL, WINDOW]],
	failing_now: ['Failing now', [BRANCH, JOB, LIMIT]],
	recent_runs: ['Recent runs', [BRANCH, JOB, LIMIT]],
	top_failing: ['Top failing tests', [BRANCH, JOB, LIMIT]],
	flaky: ['Flaky tests', [BRANCH, JOB, LIMIT]],
	slowest: ['Slowest tests', [BRANCH, LIMIT]],
	domain_health: ['Domain health', [BRANCH, JOB]],
	incidents: ['Open incidents', [BRANCH, LIMIT]],
	integrity: ['Integrity signals', [{ name: 'status', label: 'Status', kind: 'enum',
	    choices: ['open', 'acknowledged', 'resolved'] }, LIMIT]],
	quality: ['Quality section', [{ name: 'section', label: 'Section', kind: 'enum', choices: SECTIONS, required: true },
	    BRANCH, JOB]],
	report: ['Saved report', [{ name: 'report_id', label: 'Report number', kind: 'int', min: 1, max: 2147483647,
	    required: true, placeholder: 'e.g. 7 (#/reports/7)' }]],
};

const METRIC_LABEL = { pass_rate: 'Pass rate', failures: 'Failures', duration_p95: 'Run duration p95',
    tests_count: 'Tests', flaky_count: 'Flaky tests', incidents_open: 'Open incidents' };

// title(w): the widget's heading: its own title, else the type's label
// with what the parameters choose.
export function title(w) {
	if (w.title)
		return w.title;
	const p = w.params || {};
	const t = TYPES[w.type] ? TYPES[w.type][0] : w.type;
	if (w.type === 'trend' && p.metric)
		return (METRIC_LABEL[p.metric] || p.metric) + ' trend';
	if (w.type === 'quality' && p.section)
		return 'Quality: ' + p.section.replace(/_/g, ' ');
	if (w.type === 'report' && p.report_id)
		return 'Report #' + p.report_id;
	return t;
}

// widget(w): the widget's box; its content arrives when its data does.
export function widget(w) {
	const width = Math.min(3, Math.max(1, w.width || 1));
	const body = h('div', { class: 'wbody' }, h('p', { class: 'loading', role: 'status' }, 'Loading\u2026'));
	const box = h('section', { class: 'widget w' + width, 'data-test': 'widget', 'data-type': w.type,
	    'data-state': 'loading' }, h('h2', null, title(w)), body);
	const p = w.params || {};
	const fill = RENDER[w.type];
	if (!fill) {
		box.dataset.state = 'error';
		clear(body, errorBox(new Error('This page does not know widgets of type ' + w.type + '.')));
		box.done = Promise.resolve();
		return box;
	}
	box.done = fill(p).then((nodes) => {
		clear(body, nodes);
		box.dataset.state = 'ready';
	}, (e) => {
		if (!(e && 'status' in e))
			console.warn(e);
		clear(body, errorBox(e));
		box.dataset.state = 'error';
	});
	return box;
}

// scope(p): the branch and job of the parameters, as the API takes them.
const scope = (p) => ({ branch: p.branch || undefined, job: p.job || undefined });

// For: "Branch main · every job", what the answer d is for.
function forLine(d) {
	if (!d || d.branch === undefined)
		return null;
	return h('p', { class: 'small muted' }, 'Branch ', h('strong', null, d.branch === null ? 'default' : branchName(d.branch)),
	    d.job ? [' \u00b7 job ', h('strong', null, d.job)] : ' \u00b7 every job');
}

const testLink = (t, p) => [h('a', { href: href(['tests', t.test_id], scope(p)) }, t.name),
    t.classname || t.file ? h('span', { class: 'cls' }, t.classname || t.file) : null];

const RENDER = {
	pass_rate_trend: (p) => trend({ ...p, metric: 'pass_rate' }),
	trend: (p) => trend(p),

	// the overview's "failing now" (api/dashboard), at most limit rows
	failing_now: async (p) => {
		const d = await api('dashboard', scope(p));
		const list = d.failing_now.slice(0, p.limit || 10);
		if (list.length === 0)
			return [forLine(d), h('p', { class: 'muted' }, '\u2713 Nothing is failing in the newest run of any job.')];
		return [forLine(d), table(['Test', 'Failing', 'Run'], list.map((f) => h('tr', null,
		    td([h('a', { href: href(['tests', f.test_id], { branch: d.branch || undefined, job: f.job || undefined }) }, f.name),
			f.flaky ? [' ', status('flaky')] : null, h('span', { class: 'cls' }, f.job === null ? '(no job)' : 'job ' + f.job)]),
		    td(f.new ? [status('failed', 'new')] : [status('failed', 'since'), ' ', when(f.since)]),
		    td(h('a', { href: runHref(f.run_id) }, f.run_id))))),
		    d.failing_now_total > list.length ? h('p', { class: 'small muted' }, list.length + ' of ' +
			num(d.failing_now_total) + ' failing tests.') : null];
	},

	// the overview's recent runs table (api/tests/runs)
	recent_runs: async (p) => {
		const d = await api('tests/runs', { ...scope(p), limit: p.limit || 5 });
		return d.runs.length === 0 ? empty('No runs yet.') :
		    [runsTable(d.runs), h('p', { class: 'small' }, h('a', { href: href(['runs'], scope(p)) }, 'All runs \u2192'))];
	},

	// the catalogue sorted by failure rate (api/tests?sort=fail_rate)
	top_failing: async (p) => {
		const d = await api('tests', { ...scope(p), sort: 'fail_rate', limit: p.limit || 10 });
		const list = d.tests.filter((t) => t.pass_rate !== null && t.pass_rate < 1);
		return [forLine(d), list.length === 0 ? h('p', { class: 'muted' }, '\u2713 No test failed in its recent runs.') :
		    table(['Latest', 'Test, recent results', ['Pass rate', 'num']], list.map((t) => h('tr', null,
			td(status(t.last_status)), td([testLink(t, p), recentStrip(t.recent)]), td(pct(t.pass_rate), 'num')))),
		    h('p', { class: 'small' }, h('a', { href: href(['tests'], { ...scope(p), sort: 'fail_rate' }) }, 'The catalogue \u2192'))];
	},

	// the flaky page's list (api/tests/flaky)
	flaky: async (p) => {
		const d = await api('tests/flaky', { ...scope(p), limit: p.limit || 10 });
		return [forLine(d), d.flaky.length === 0 ? h('p', { class: 'muted' }, 'No flaky tests.') :
		    table(['State', 'Test, monitors, recent results'], d.flaky.map((t) => h('tr', null,
			td(status(t.flaky_state)), td([testLink(t, p), h('div', null, monitorTags(t.monitors)), recentStrip(t.recent)])))),
		    h('p', { class: 'small' }, h('a', { href: href(['flaky'], scope(p)) }, 'All flaky tests \u2192'))];
	},

	// the slowest page's ranking (api/tests/slowest: project-wide, the
	// branch parameter is not used by the endpoint)
	slowest: async (p) => {
		const d = await api('tests/slowest', { limit: p.limit || 10 });
		return d.slowest.length === 0 ? empty('No durations recorded yet.') :
		    table(['#', 'Test', ['p50', 'num'], ['p95', 'num']], d.slowest.map((t, i) => h('tr', null,
			td(String(i + 1), 'num'), td(testLink(t, {})), td(dur(t.p50_ms), 'num'), td(dur(t.p95_ms), 'num'))));
	},

	// the health page's totals and first level of domains
	domain_health: async (p) => {
		const d = await api('tests/health/domains', scope(p));
		if (d.domains.length === 0)
			return empty('No domains or features yet (the batch mapping pass maps tests to features).');
		const t = d.totals;
		return [forLine(d), h('p', null, 'Overall ', status(t.status), ' \u00b7 ', num(t.tests), ' tests \u00b7 pass rate ',
		    pct(t.pass_rate), ' \u00b7 confidence ', pct(t.confidence, 0)),
		    table(['Domain', 'Status', ['Tests', 'num'], ['Failed', 'num'], ['Pass rate', 'num']], d.domains.map((x) => h('tr', null,
			td(h('a', { href: href(['health'], { ...scope(p), open: x.id }) }, x.name)), td(status(x.status)),
			td(num(x.tests), 'num'), td(num(x.failed), 'num'), td(pct(x.pass_rate), 'num'))))];
	},

	// open incidents: the count from api/dashboard, the tests from the
	// catalogue, last failed first, those with an open incident
	incidents: async (p) => {
		const [d, c] = await Promise.all([api('dashboard', scope(p)),
		    api('tests', { ...scope(p), sort: 'last_failed', limit: 100 })]);
		const list = c.tests.filter((t) => t.open_incident_id !== null).slice(0, p.limit || 10);
		return [forLine(d), h('p', null, h('strong', { 'data-test': 'incidents-open' }, (d.open_incidents ? '\u26A0 ' : '\u2713 ') +
		    num(d.open_incidents)), d.open_incidents === 1 ? ' open incident' : ' open incidents'),
		    list.length === 0 ? null : table(['Incident', 'Test', 'Latest', 'Last failed'], list.map((t) => h('tr', null,
			td('#' + t.open_incident_id), td(testLink(t, p)), td(status(t.last_status)), td(when(t.last_failed_at)))))];
	},

	// the integrity alerts (api/tests/integrity/alerts): severity, type and
	// status as the alerts page names them; the message on hover
	integrity: async (p) => {
		const st = p.status || 'open';
		const d = await api('tests/integrity/alerts', { status: st, limit: p.limit || 10 });
		return d.alerts.length === 0 ? h('p', { class: 'muted' }, '\u2713 No ' + st + ' integrity signals.') :
		    [table(['Severity', 'Signal, test', 'Status'], d.alerts.map((x) => h('tr', { title: x.message || null },
			td(status(x.severity)), td([typeLabel(x.signal_type), h('span', { class: 'cls' },
			    x.test_id ? h('a', { href: href(['tests', x.test_id]) }, x.test_name || x.test_id) :
			    x.test_name || 'whole run')]), td(status(x.status))))), h('p', { class: 'small' }, h('a', { href: href(['integrity'], { status: st === 'open' ? undefined : st }) },
			'All signals \u2192'))];
	},

	quality: (p) => quality(p),

	// a saved report (api/reports/{id}, recomputed) by the reports page's
	// table, its cells linking to the page's drilldown
	report: async (p) => {
		const d = await api('reports/' + encodeURIComponent(p.report_id));
		return [h('p', { class: 'small muted', 'data-test': 'report-summary' }, querySummary(d.query)),
		    reportTable(d, { limit: 20 }),
		    h('p', { class: 'small' }, h('a', { href: href(['reports', String(d.report_id)]), 'data-test': 'report-link' },
			'The report \u2192'))];
	},
};

// trend(p): GET api/trends: a uPlot line of the series (points marked),
// the forecast dashed with its band, anomalies marked on the chart by a
// ring and listed below in words, both methods named.
async function trend(p) {
	const d = await api('trends', { metric: p.metric, ...scope(p), interval: p.interval, window: p.window });
	const fmt = (v) => v === null || v === undefined ? '\u2014' : d.unit === 'ratio' ? pct(v) : d.unit === 'ms' ? dur(Math.round(v)) : num(Math.round(v * 100) / 100);
	const chartEl = h('div', { class: 'wchart', 'data-test': 'trend-chart' });
	const an = (d.anomalies && d.anomalies.points) || [];
	const fc = (d.forecast && d.forecast.points) || [];
	const last = d.series.length ? d.series[d.series.length - 1] : null;
	const cap = h('div', { class: 'small muted' },
	    h('p', null, 'Latest: ', h('strong', null, fmt(last && last.value)), ' \u00b7 ', num(d.series.length), ' ',
		d.interval === 'week' ? 'weeks' : 'days', ', ', branchName(d.branch === null ? 'default branch' : d.branch),
		d.job ? ', job ' + d.job : ''),
	    an.length ? h('p', { 'data-test': 'trend-anomalies' }, h('span', { class: 'trend-anomaly' }, '\u25EF '),
		'Anomalies: ', an.map((a, i) => [i ? ', ' : '', a.start.slice(0, 10) + ': ' + fmt(a.value) + ' (band ' + fmt(a.low) +
		    '\u2013' + fmt(a.high) + ')'])) : h('p', null, 'No anomaly.'),
	    h('p', null, 'Anomalies: ' + ((d.anomalies && d.anomalies.method) || '\u2014') + '. Forecast (dashed, band shaded): ' +
		((d.forecast && d.forecast.method) || '\u2014') + '.'));
	drawTrend(chartEl, d, fmt).catch((e) => clear(chartEl, errorBox(e)));
	return [chartEl, cap];
}

function cssVar(name) {
	return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// drawTrend(el, d, fmt): the series and its forecast on one time axis.
async function drawTrend(el, d, fmt) {
	const uPlot = await loadUplot();
	const fg = cssVar('--fg'), grid = cssVar('--border'), accent = cssVar('--accent');
	const muted = cssVar('--muted'), warn = cssVar('--err');
	const fc = (d.forecast && d.forecast.points) || [];
	const an = new Map(((d.anomalies && d.anomalies.points) || []).map((a) => [a.start, a]));
	const pts = [...d.series.map((s) => ({ t: s.start, v: s.value })), ...fc.map((f) => ({ t: f.start, f }))];
	const xs = pts.map((x) => Date.parse(x.t) / 1000);
	// the forecast line starts at the last value so that it joins the series
	const lastIdx = d.series.length - 1;
	const data = [xs, pts.map((x) => x.v === undefined ? null : x.v),
	    pts.map((x, i) => x.f ? x.f.value : i === lastIdx && fc.length ? x.v : null),
	    pts.map((x) => x.f ? x.f.low : null), pts.map((x) => x.f ? x.f.high : null)];
	const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
	const ring = (u) => {
		const ctx = u.ctx, dpr = devicePixelRatio;
		ctx.save();
		ctx.strokeStyle = warn;
		ctx.lineWidth = 2 * dpr;
		d.series.forEach((s, i) => {
			if (!an.has(s.start) || s.value === null)
				return;
			ctx.beginPath();
			ctx.arc(u.valToPos(xs[i], 'x', true), u.valToPos(s.value, 'y', true), 7 * dpr, 0, 2 * Math.PI);
			ctx.stroke();
		});
		ctx.restore();
	};
	const height = 200;
	const u = new uPlot({
		width: Math.max(260, el.clientWidth || 400), height,
		scales: { x: { time: true }, y: d.unit === 'ratio' ? { range: (u, min, max) => [Math.max(0, Math.min(min, 1) - 0.05), 1] } :
		    { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
		series: [{ label: d.interval === 'week' ? 'week of' : 'day', value: (u, v) => v === null ? '\u2014' : new Date(v * 1000).toISOString().slice(0, 10) },
		    { label: '\u25CF ' + (METRIC_LABEL[d.metric] || d.metric), stroke: accent, width: 2, spanGaps: false,
			points: { show: true, size: 6, fill: accent }, value: (u, v) => fmt(v) },
		    { label: '- - forecast', stroke: muted, width: 2, dash: [6, 4], points: { show: false }, value: (u, v) => fmt(v) },
		    { label: 'low', stroke: 'transparent', points: { show: false }, show: true, value: (u, v) => fmt(v) },
		    { label: 'high', stroke: 'transparent', points: { show: false }, value: (u, v) => fmt(v) }],
		bands: [{ series: [4, 3], fill: muted + '33' }],
		axes: [{ ...axis, values: (u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(5, 10)) },
		    { ...axis, size: 66, values: (u, vals) => vals.map((v) => fmt(v)) }],
		legend: { show: false },
		hooks: { draw: [ring] },
	}, data, el);
	// drawn out of sight by a live refresh: resized once it is shown
	const ro = new ResizeObserver(() => {
		if (!el.isConnected && el.dataset.shown)
			return ro.disconnect();
		if (!el.isConnected)
			return;
		el.dataset.shown = '1';
		const w = Math.max(260, el.clientWidth);
		if (w !== u.width)
			u.setSize({ width: w, height });
	});
	ro.observe(el);
}

// quality(p): one section of GET api/quality as a short table (the
// quality page draws the whole answer).
async function quality(p) {
	const d = await api('quality', scope(p));
	const rows = (list, headers, row) => !list || list.length === 0 ? h('p', { class: 'muted' }, 'Nothing here.') :
	    table(headers, list.slice(0, 10).map(row));
	const t = (x) => testLink(x, p);
	const change = (n, f) => n === null || n === undefined ? '\u2014' : n > 0 ? '\u2191 +' + f(n) : n < 0 ? '\u2193 \u2212' + f(-n) : '0';
	const more = h('p', { class: 'small' }, h('a', { href: href(['quality'], scope(p)) }, 'The quality page \u2192'));
	switch (p.section) {
	case 'flakiness':
		return [rows(d.flakiness, ['Test', ['Score', 'num'], ['Flip rate', 'num']], (x) => h('tr', null,
		    td(t(x)), td(x.score === null || x.score === undefined ? '\u2014' : Number(x.score).toFixed(2), 'num'),
		    td(pct(x.flip_rate, 0), 'num'))), more];
	case 'stability': {
		const s = d.stability || {};
		return [h('p', null, num(s.tests), ' tests: ', status('passed', num(s.stable) + ' stable'), ' ',
		    status('flaky', num(s.unstable) + ' unstable')),
		    rows(s.suites, ['Suite', ['Tests', 'num'], ['Pass rate', 'num']], (x) => h('tr', null,
			td(h('code', null, x.suite)), td(num(x.tests), 'num'), td(pct(x.pass_rate), 'num'))), more];
	}
	case 'mttr': {
		const m = d.mttr || {};
		return [h('p', null, num(m.incidents), ' incidents closed \u00b7 mean ', h('strong', null, dur(m.mean_ms)),
		    ' \u00b7 median ', h('strong', null, dur(m.median_ms))),
		    rows(m.by_branch, ['Branch', ['Incidents', 'num'], ['Mean', 'num']], (x) => h('tr', null,
			td(branchName(x.branch)), td(num(x.incidents), 'num'), td(dur(x.mean_ms), 'num'))), more];
	}
	case 'most_failing':
		return [rows(d.most_failing, ['Test', ['Failed', 'num'], ['Fail rate', 'num']], (x) => h('tr', null,
		    td(t(x)), td(num(x.failed), 'num'), td(pct(x.fail_rate), 'num'))), more];
	case 'never_failing':
		return [rows(d.never_failing, ['Test', ['Runs', 'num']], (x) => h('tr', null, td(t(x)), td(num(x.runs), 'num'))), more];
	case 'count_drift':
		return [rows(d.count_drift, ['Suite', ['First', 'num'], ['Newest', 'num'], ['Change', 'num']], (x) => h('tr', null,
		    td(h('code', null, x.suite)), td(num(x.first), 'num'), td(num(x.last), 'num'), td(change(x.change, num), 'num'))), more];
	default:
		return [rows(d.slowest_growing, ['Suite', ['First', 'num'], ['Newest', 'num'], ['Change', 'num']], (x) => h('tr', null,
		    td(h('code', null, x.suite)), td(dur(x.first_ms), 'num'), td(dur(x.last_ms), 'num'), td(change(x.change_ms, dur), 'num'))), more];
	}
}
