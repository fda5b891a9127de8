// Trends: GET api/trends for one metric over the last N days or weeks of
// a branch and job: the series as a chart (uPlot) with the anomalies the
// API found marked and its forecast with the prediction band, the
// methods named under the chart as the API names them, and the same
// figures as a table.  Everything the page shows is in the URL hash
// (metric, interval, window, branch, job; k and horizon when given).
import { h, clear, pct, num, dur, table, td } from '../dom.js';
import { api } from '../api.js';
import { load, empty, section, errorBox, filterForm, streamFields, stream, branchLine } from '../ui.js';
import { trendChart } from '../chart.js';

export const METRICS = [
	['pass_rate', 'Pass rate'], ['failures', 'Failures'], ['duration_p95', 'Duration p95'],
	['tests_count', 'Tests run'], ['flaky_count', 'Flaky tests'], ['incidents_open', 'Open incidents']];

// live(ctx): a stored run of the branch shown (or of any branch when the
// page shows the default one) or a finished batch pass (flaky states,
// incidents) refreshes the trend.
export function live({ query }) {
	return { stream: { path: 'live' }, filter: (ev) => ev.type === 'batch_done' ||
	    (ev.type === 'run_ingested' && (!query.branch || query.branch === '*' || ev.branch === query.branch) &&
	    (!query.job || ev.job === query.job)) };
}

// formatter(unit): how a value of that unit is shown.
export function formatter(unit) {
	if (unit === 'ratio')
		return (v) => pct(v);
	if (unit === 'ms')
		return (v) => dur(Math.round(v));
	return (v) => Number.isInteger(v) ? num(v) : v.toFixed(1);
}

// params(query): the API request's parameters: those in the URL (the
// API's defaults are the page's), the metric pass_rate unless chosen
// (the API needs one).
function params(query) {
	const p = { ...stream(query), metric: query.metric || 'pass_rate' };
	for (const k of ['interval', 'window', 'k', 'horizon'])
		if (query[k])
			p[k] = query[k];
	return p;
}

export async function render(view, { segs, query }) {
	const form = filterForm(segs, query, [
		{ name: 'metric', label: 'Metric', type: 'select',
		    options: METRICS.map(([v, t]) => [v === 'pass_rate' ? '' : v, t]) },
		{ name: 'interval', label: 'Interval', type: 'select', options: [['', 'week'], ['day', 'day']] },
		{ name: 'window', label: 'Intervals', type: 'number', placeholder: 'default' },
		...streamFields()], 'Show');
	const win = form.querySelector('input[name=window]');
	win.min = '1';
	win.max = '365';
	const head = [h('h1', null, 'Trends'),
	    h('p', { class: 'sub' }, 'One figure per day or week of a branch, with the points the API finds unusual ',
	    'and a forecast of the next intervals.')];
	const d = await load(view, [head, form], 'the trend', api('trends', params(query)));
	const name = (METRICS.find((m) => m[0] === d.metric) || [d.metric, d.metric])[1];
	const fmt = formatter(d.unit);
	const per = d.interval === 'day' ? 'day' : 'week';
	const title = name + ' per ' + per + ', last ' + num(d.window) + ' ' + per + 's';
	if (!d.series.some((p) => p.value !== null)) {
		return clear(view, head, branchLine(d, segs, query), form,
		    section(title, h('div', { 'data-test': 'trend-empty' }, empty(
			'No runs in these ' + num(d.window) + ' ' + per + 's on this branch: nothing to chart.',
			'Choose a longer window or another branch, or upload runs.'))));
	}
	const chartEl = h('div', { class: 'chart', 'data-test': 'trend-chart', role: 'img',
	    'aria-label': title + ' as a chart; the table below has the same figures' });
	const sec = section(title, h('figure', { class: 'trend' }, chartEl,
	    h('figcaption', { class: 'small', 'data-test': 'trend-methods' }, methods(d, per))), values(d, fmt, per));
	clear(view, head, branchLine(d, segs, query), form, sec);
	try {
		await trendChart(chartEl, d, fmt);
	} catch (e) {
		chartEl.replaceWith(errorBox(e));
	}
}

// methods(d, per): the anomaly and forecast methods in the API's words,
// with the marks' legend.
function methods(d, per) {
	const a = d.anomalies || {}, f = d.forecast || {};
	const n = (a.points || []).length;
	const fc = (f.points || []).length;
	return [h('p', { 'data-test': 'anomaly-method' }, h('span', { class: 'trend-mark', 'aria-hidden': 'true' }, '\u25C6'),
		' ', h('strong', null, 'Anomalies'), ' (outlined diamonds labelled \u201canomaly\u201d): ', a.method || '\u2014',
		a.k !== undefined ? ', k = ' + a.k : '', ' \u2014 ', n === 0 ? 'none found.' : n + ' found.'),
	    h('p', { 'data-test': 'forecast-method' }, h('span', { class: 'trend-dash', 'aria-hidden': 'true' }, '- -'),
		' ', h('strong', null, 'Forecast'), ' (dashed line, shaded band): ', f.method || '\u2014',
		fc ? ', next ' + fc + ' ' + per + (fc === 1 ? '' : 's') + '.' :
		' \u2014 none: fewer than 3 ' + per + 's have a value.')];
}

// values(d, fmt, per): the figures of the chart as a table, oldest
// first, the forecast after the measured values.
function values(d, fmt, per) {
	const an = new Map(((d.anomalies && d.anomalies.points) || []).map((a) => [a.start, a]));
	const day = (iso) => h('time', { datetime: iso }, iso.slice(0, 10));
	const rows = d.series.map((p) => {
		const a = an.get(p.start);
		return h('tr', { 'data-test': a ? 'trend-anomaly' : 'trend-point' },
		    td(day(p.start)), td(p.value === null ? h('span', { class: 'muted' }, 'no runs') : fmt(p.value), 'num'),
		    td(num(p.runs), 'num'),
		    td(a ? h('strong', { class: 'trend-anomaly' }, '\u25C6 anomaly: expected ' + fmt(a.low) + ' \u2013 ' + fmt(a.high)) : ''));
	});
	const fc = ((d.forecast && d.forecast.points) || []).map((p) => h('tr', { 'data-test': 'trend-forecast' },
	    td(day(p.start)), td(h('em', null, fmt(p.value)), 'num'), td('', 'num'),
	    td('forecast, 95% interval ' + fmt(p.low) + ' \u2013 ' + fmt(p.high))));
	return h('details', { class: 'trend-table', open: true },
	    h('summary', null, 'The figures as a table'),
	    table([per === 'day' ? 'Day' : 'Week of', ['Value', 'num'], ['Runs', 'num'], 'Note'], [rows, fc],
		'Oldest first; times in UTC.'));
}
