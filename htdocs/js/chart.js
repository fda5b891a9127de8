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
