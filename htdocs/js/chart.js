// chart.js: uPlot (vendor/, installed from npm by make), loaded only by the
// pages that draw a chart so that the first view stays small.
import { h } from './dom.js';

let loader = null;

// followWidth(el, u, height): keeps uPlot chart u as wide as el (at
// least 300 px) while el is in the page; stops once it has left.
export function followWidth(el, u, height) {
	const ro = new ResizeObserver(() => {
		if (!el.isConnected)
			return ro.disconnect();
		const w = Math.max(300, el.clientWidth);
		if (w !== u.width)
			u.setSize({ width: w, height });
	});
	ro.observe(el);
}

export function loadUplot() {
	if (window.uPlot)
		return Promise.resolve(window.uPlot);
	if (!loader) {
		loader = new Promise((resolve, reject) => {
			const s = document.createElement('script');
			s.src = 'vendor/uPlot.iife.min.js';
			s.addEventListener('load', () => resolve(window.uPlot));
			s.addEventListener('error', () => {
				loader = null;
				reject(new Error('The chart library (vendor/uPlot.iife.min.js) is missing: run make.'));
			});
			document.head.append(s);
		});
	}
	return loader;
}

function cssVar(name) {
	return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// durationChart(el, points [{t: ms epoch, v: ms}] ascending): a line with
// points; axes in the page's colours (light or dark).
export async function durationChart(el, points) {
	const uPlot = await loadUplot();
	const fg = cssVar('--fg'), grid = cssVar('--border'), accent = cssVar('--accent');
	const data = [points.map((p) => p.t / 1000), points.map((p) => p.v)];
	const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
	const width = Math.max(300, el.clientWidth || 600);
	const u = new uPlot({
		width, height: 240,
		scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
		series: [{ label: 'run started' },
		    { label: 'duration (ms)', stroke: accent, width: 2,
		      points: { show: true, size: 5, fill: accent },
		      value: (u, v) => v === null ? '\u2014' : v + ' ms' }],
		axes: [axis, { ...axis, size: 60, values: (u, vals) => vals.map((v) => v >= 1000 ? v / 1000 + ' s' : v + ' ms') }],
		legend: { show: true },
	}, data, el);
	followWidth(el, u, 240);
	el.append(h('p', { class: 'small muted' }, 'Duration of the last ' + points.length +
	    ' results with a time, oldest left.'));
	return u;
}

// dayChart(el, days, markers): a feature's results per UTC day as one
// stacked bar per day on a single count axis: failed results at the
// bottom (red), passed stacked on top, and the timeline's markers (first
// green, last red, last known good) as labelled dashed lines.
// Why one shared axis: two axes (passed left, failed right, each its own
// scale) drew 3 failures as tall as 130 passes, which reads as "half of
// it failed".  A stack keeps the proportion true (3 of 133 is a sliver,
// as it should be), the height still shows how much ran, and a failure is
// never hidden: its slice is at least FAIL_MIN_PX high, and the day strip
// above marks every failing day on its own.  days: [{day "YYYY-MM-DD", passed, failed}], oldest first;
// markers: [{label, day, colour variable}].
export async function dayChart(el, days, markers) {
	const uPlot = await loadUplot();
	const fg = cssVar('--fg'), grid = cssVar('--border');
	const pass = cssVar('--pass'), failc = cssVar('--fail'), bg = cssVar('--bg');
	const xs = days.map((d) => Date.parse(d.day + 'T00:00:00Z') / 1000 + 43200);
	// series 1: the whole stack (passed + failed), drawn first in the
	// pass colour; series 2: the failed part, drawn over its bottom
	const data = [xs, days.map((d) => d.runs ? d.passed + d.failed : null),
	    days.map((d) => d.runs ? d.failed : null)];
	const FAIL_MIN_PX = 3;
	const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
	const bars = (align) => uPlot.paths.bars({ size: [0.7, 28], align });
	const ints = (u, vals) => vals.map((v) => Number.isInteger(v) ? String(v) : '');
	const height = 220;
	const mk = markers.filter((m) => m.day && days.length && m.day >= days[0].day && m.day <= days[days.length - 1].day);
	const drawMarkers = (u) => {
		const ctx = u.ctx;
		ctx.save();
		ctx.font = Math.round(11 * devicePixelRatio) + 'px system-ui, sans-serif';
		ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
		ctx.lineWidth = devicePixelRatio;
		mk.forEach((m, i) => {
			const x = Math.round(u.valToPos(Date.parse(m.day + 'T00:00:00Z') / 1000 + 43200, 'x', true));
			ctx.strokeStyle = ctx.fillStyle = cssVar(m.colour);
			ctx.beginPath();
			ctx.moveTo(x, u.bbox.top);
			ctx.lineTo(x, u.bbox.top + u.bbox.height);
			ctx.stroke();
			const pad = 3 * devicePixelRatio;
			const w = ctx.measureText(m.label).width;
			const right = x + pad + w > u.bbox.left + u.bbox.width;
			const tx = right ? x - w - 2 * pad : x + pad;
			const ty = u.bbox.top + (12 + 15 * i) * devicePixelRatio;
			// a backdrop so that the label stays readable over the bars
			ctx.fillStyle = bg;
			ctx.fillRect(tx - pad / 2, ty - 10 * devicePixelRatio, w + pad, 13 * devicePixelRatio);
			ctx.fillStyle = cssVar(m.colour);
			ctx.fillText(m.label, tx, ty);
		});
		ctx.restore();
	};
	// a failure is never thinner than FAIL_MIN_PX (bars are 0.7 of a day
	// wide, at most 28 px, as bars() draws them)
	const drawFailMin = (u) => {
		const ctx = u.ctx, dpr = devicePixelRatio;
		const w = Math.min(28 * dpr, 0.7 * u.bbox.width / Math.max(1, days.length));
		const y0 = u.valToPos(0, 'n', true);
		ctx.save();
		ctx.fillStyle = failc;
		days.forEach((d, i) => {
			if (!d.failed || y0 - u.valToPos(d.failed, 'n', true) >= FAIL_MIN_PX * dpr)
				return;
			const x = u.valToPos(xs[i], 'x', true);
			ctx.fillRect(Math.round(x - w / 2), Math.round(y0 - FAIL_MIN_PX * dpr), Math.round(w), FAIL_MIN_PX * dpr);
		});
		ctx.restore();
	};
	const u = new uPlot({
		width: Math.max(300, el.clientWidth || 600), height,
		scales: { x: { time: true, range: (u, min, max) => [min - 43200, max + 43200] },
		    n: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
		series: [{ label: 'day', value: (u, v) => v === null ? '\u2014' : new Date(v * 1000).toISOString().slice(0, 10) },
		    { label: '\u2713 passed results', scale: 'n', stroke: pass, fill: pass, width: 0,
		      paths: bars(0), points: { show: false },
		      value: (u, v, si, i) => v === null || i === null ? '\u2014' : String(days[i].passed) },
		    { label: '\u2717 failed results', scale: 'n', stroke: failc, fill: failc, width: 0,
		      paths: bars(0), points: { show: false }, value: (u, v) => v === null ? '\u2014' : String(v) }],
		axes: [{ ...axis, values: (u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(5, 10)) },
		    { ...axis, scale: 'n', size: 50, values: ints, label: 'results', labelSize: 18 }],
		legend: { show: true },
		hooks: { draw: [drawFailMin, drawMarkers] },
	}, data, el);
	followWidth(el, u, height);
	return u;
}

// trendChart(el, d, fmt): a trend answer (api/trends) as a line of the
// measured values (points on it), the forecast as a dashed line from the
// last measured point with its prediction interval as a shaded band, and
// each anomaly as an outlined diamond with the label "anomaly" beside it
// (a shape and a word, not a colour alone).  fmt(v): a value as the page
// shows it.  el.dataset.anomalies: how many marks were drawn (the browser
// tests read it).
export async function trendChart(el, d, fmt) {
	const uPlot = await loadUplot();
	const fg = cssVar('--fg'), grid = cssVar('--border'), accent = cssVar('--accent');
	const warn = cssVar('--err'), bg = cssVar('--bg'), muted = cssVar('--muted');
	const sec = (iso) => Date.parse(iso) / 1000;
	const series = d.series, fc = (d.forecast && d.forecast.points) || [];
	const xs = [...series.map((p) => sec(p.start)), ...fc.map((p) => sec(p.start))];
	const pad = (a) => [...a, ...fc.map(() => null)];
	const vals = pad(series.map((p) => p.value));
	// the forecast line starts at the last measured value so that the
	// two read as one line
	let last = -1;
	series.forEach((p, i) => {
		if (p.value !== null)
			last = i;
	});
	const lead = (f) => series.map((p, i) => fc.length && i === last ? p.value : null)
	    .concat(fc.map(f));
	const an = new Map(((d.anomalies && d.anomalies.points) || []).map((a) => [sec(a.start), a]));
	const data = [xs, vals, lead((p) => p.value), lead((p) => p.low), lead((p) => p.high),
	    xs.map((x, i) => an.has(x) && i < series.length ? vals[i] : null)];
	const marks = data[5].filter((v) => v !== null).length;
	const height = 260;
	const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
	const show = (u, v) => v === null || v === undefined ? '\u2014' : fmt(v);
	// the anomaly marks: a diamond outlined in the page's colour around
	// the point, then "anomaly" on a backdrop beside it (right, or left at
	// the right edge), clear of the lines to its neighbours; when the
	// next mark is too close for that, above and below it in turn
	const drawMarks = (u) => {
		const ctx = u.ctx, dpr = devicePixelRatio, r = 8 * dpr, gap = 6 * dpr;
		const pos = [];
		data[5].forEach((v, i) => {
			if (v !== null)
				pos.push([u.valToPos(xs[i], 'x', true), u.valToPos(v, 'y', true)]);
		});
		ctx.save();
		ctx.setLineDash([]);
		ctx.lineWidth = 3 * dpr;
		for (const [x, y] of pos) {
			ctx.beginPath();
			ctx.moveTo(x, y - r);
			ctx.lineTo(x + r, y);
			ctx.lineTo(x, y + r);
			ctx.lineTo(x - r, y);
			ctx.closePath();
			ctx.fillStyle = bg;
			ctx.fill();
			ctx.strokeStyle = warn;
			ctx.stroke();
		}
		ctx.textAlign = 'left';
		ctx.textBaseline = 'middle';
		ctx.font = 'bold ' + Math.round(12 * dpr) + 'px system-ui, sans-serif';
		const label = 'anomaly', w = ctx.measureText(label).width;
		const right = u.bbox.left + u.bbox.width, bottom = u.bbox.top + u.bbox.height;
		let flip = false;
		pos.forEach(([x, y], i) => {
			const next = i + 1 < pos.length ? pos[i + 1][0] - r : Infinity;
			let tx = x + r + gap, ty = y;
			if (tx + w > Math.min(next - gap, right)) {
				tx = Math.max(u.bbox.left, Math.min(x - w / 2, right - w));
				ty = flip ? y + r + 11 * dpr : y - r - 11 * dpr;
				if (ty - 8 * dpr < u.bbox.top || ty + 8 * dpr > bottom)
					ty = flip ? y - r - 11 * dpr : y + r + 11 * dpr;
				flip = !flip;
			} else
				flip = false;
			ctx.fillStyle = bg;
			ctx.fillRect(tx - 3 * dpr, ty - 8 * dpr, w + 6 * dpr, 16 * dpr);
			ctx.fillStyle = warn;
			ctx.fillText(label, tx, ty);
		});
		ctx.restore();
	};
	const ratio = d.unit === 'ratio';
	const u = new uPlot({
		width: Math.max(300, el.clientWidth || 600), height,
		scales: { x: { time: true },
		    y: { range: (u, min, max) => ratio ? [Math.max(0, Math.floor(Math.min(min, 1) * 10 - 1) / 10), Math.min(1.05, Math.max(max, 0) + 0.05)] :
			[Math.min(0, min), Math.max(1, max * 1.15)] } },
		series: [{ label: d.interval === 'day' ? 'day' : 'week of',
		    value: (u, v) => v === null ? '\u2014' : new Date(v * 1000).toISOString().slice(0, 10) },
		    { label: 'measured', stroke: accent, width: 2, spanGaps: false,
		      points: { show: true, size: 6, fill: accent }, value: show },
		    { label: 'forecast (dashed)', stroke: muted, width: 2, dash: [6, 4],
		      points: { show: true, size: 5, fill: bg }, value: show },
		    { label: 'forecast low', stroke: muted, width: 1, dash: [2, 3], points: { show: false }, value: show },
		    { label: 'forecast high', stroke: muted, width: 1, dash: [2, 3], points: { show: false }, value: show },
		    { label: '\u25C6 anomaly', stroke: warn, width: 0, paths: () => null,
		      points: { show: false }, value: show }],
		bands: [{ series: [4, 3], fill: muted + '33' }],
		axes: [{ ...axis, values: (u, vs) => vs.map((v) => new Date(v * 1000).toISOString().slice(5, 10)) },
		    { ...axis, size: 64, values: (u, vs) => vs.map((v) => fmt(v)) }],
		legend: { show: true },
		hooks: { draw: [drawMarks] },
	}, data, el);
	el.dataset.anomalies = String(marks);
	followWidth(el, u, height);
	return u;
}
