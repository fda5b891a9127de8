// chart.js: uPlot (vendor/, installed from npm by make), loaded only by the
// pages that draw a chart so that the first view stays small.
import { h } from './dom.js';

let loader = null;

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
	const ro = new ResizeObserver(() => {
		if (!el.isConnected)
			return ro.disconnect();
		const w = Math.max(300, el.clientWidth);
		if (w !== u.width)
			u.setSize({ width: w, height: 240 });
	});
	ro.observe(el);
	el.append(h('p', { class: 'small muted' }, 'Duration of the last ' + points.length +
	    ' results with a time, oldest left.'));
	return u;
}

// dayChart(el, days, markers): a feature's results per UTC day as bars,
// passed (left axis) beside failed (right axis, its own scale so that one
// failure among hundreds of passes still shows), and the timeline's
// markers (first green, last red, last known good) as labelled dashed
// lines.  days: [{day "YYYY-MM-DD", passed, failed}], oldest first;
// markers: [{label, day, colour variable}].
export async function dayChart(el, days, markers) {
	const uPlot = await loadUplot();
	const fg = cssVar('--fg'), grid = cssVar('--border');
	const pass = cssVar('--pass'), failc = cssVar('--fail'), bg = cssVar('--bg');
	const xs = days.map((d) => Date.parse(d.day + 'T00:00:00Z') / 1000 + 43200);
	const data = [xs, days.map((d) => d.runs ? d.passed : null), days.map((d) => d.runs ? d.failed : null)];
	const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
	const bars = (align) => uPlot.paths.bars({ size: [0.42, 24], align });
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
	const u = new uPlot({
		width: Math.max(300, el.clientWidth || 600), height,
		scales: { x: { time: true, range: (u, min, max) => [min - 43200, max + 43200] },
		    p: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] },
		    f: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
		series: [{ label: 'day', value: (u, v) => v === null ? '\u2014' : new Date(v * 1000).toISOString().slice(0, 10) },
		    { label: '\u2713 passed results', scale: 'p', stroke: pass, fill: pass, width: 0,
		      paths: bars(-1), points: { show: false }, value: (u, v) => v === null ? '\u2014' : String(v) },
		    { label: '\u2717 failed results', scale: 'f', stroke: failc, fill: failc, width: 0,
		      paths: bars(1), points: { show: false }, value: (u, v) => v === null ? '\u2014' : String(v) }],
		axes: [{ ...axis, values: (u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(5, 10)) },
		    { ...axis, scale: 'p', size: 50, values: ints, label: 'passed', labelSize: 18 },
		    { ...axis, scale: 'f', side: 1, size: 50, grid: { show: false }, values: ints, label: 'failed', labelSize: 18 }],
		legend: { show: true },
		hooks: { draw: [drawMarkers] },
	}, data, el);
	const ro = new ResizeObserver(() => {
		if (!el.isConnected)
			return ro.disconnect();
		const w = Math.max(300, el.clientWidth);
		if (w !== u.width)
			u.setSize({ width: w, height });
	});
	ro.observe(el);
	return u;
}
