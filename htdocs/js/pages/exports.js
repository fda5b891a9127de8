// Exports (REP-6): #/exports lists the project's export jobs (GET
// api/exports, the newest first, "More" for the next page by its cursor):
// status, format, what it exports, progress, size, when asked for, when
// the file expires, and the download link once done.  Jobs that have not
// ended are read again every 2 s until they end or the page is left.
// Linked from Settings and from every Export control (exportbtn.js); not
// in the navigation.
import { h, clear, when, num } from '../dom.js';
import { api } from '../api.js';
import { load, empty, errorBox } from '../ui.js';
import { FORMATS, watchJob, jobStatus, jobProgress, jobDownload, what, size } from '../exportbtn.js';

const PAGE = 20;

// render(view): the first page of jobs; add(page) appends a page (the
// first, then each "More") and follows its jobs that have not ended.
export async function render(view) {
	const head = [h('h1', null, 'Exports'),
	    h('p', { class: 'sub' }, 'The export files asked for from the run, test, catalogue and report pages ',
		'(or with ', h('code', null, 'POST /api/exports'), '). The batch ', h('code', null, 'exports'),
		' pass writes them, every minute from cron; each is kept for ', h('code', null, 'export_ttl_hours'),
		' (24 h unless configured) after it is written.')];
	const d = await load(view, head, 'the exports', api('exports', { limit: PAGE }));
	if (!d.exports.length) {
		clear(view, head, empty('No exports yet.', 'Use the Export button on a run, a test, the test catalogue or a saved report.'));
		return;
	}
	const body = h('tbody');
	const more = h('p', { class: 'pager' });
	const alive = () => view.isConnected;
	clear(view, head, h('div', { class: 'tablewrap' }, h('table', { 'data-test': 'exports-table' },
	    h('thead', null, h('tr', null, ['Status', 'Format', 'What', 'Progress', 'Size', 'Asked', 'Expires', 'File']
		.map((x) => h('th', { scope: 'col', class: x === 'Size' ? 'num' : null }, x)))), body)), more);
	const add = (page) => {
		for (const job of page.exports) {
			let row = jobRow(job);
			body.append(row);
			if (!['done', 'failed', 'expired'].includes(job.status))
				watchJob(job.job_id, (j) => {
					if (!j)
						return;
					const next = jobRow(j);
					row.replaceWith(next);
					row = next;
				}, alive);
		}
		clear(more);
		if (page.next_cursor) {
			const btn = h('button', { type: 'button', 'data-test': 'exports-more' }, 'More');
			btn.addEventListener('click', async () => {
				btn.disabled = true;
				try {
					add(await api('exports', { limit: PAGE, cursor: page.next_cursor }));
				} catch (e) {
					clear(more, errorBox(e));
				}
			});
			more.append(btn);
		}
		more.append(h('span', { class: 'small muted', 'data-test': 'exports-count' }, ' ', num(body.children.length),
		    body.children.length === 1 ? ' export shown' : ' exports shown', page.next_cursor ? '' : ' (all)', '.'));
	};
	add(d);
}

// jobRow(job): one job of the list.
function jobRow(job) {
	const f = FORMATS.find(([v]) => v === job.format);
	return h('tr', { 'data-test': 'export-row', 'data-job': job.job_id, 'data-status': job.status },
	    h('td', null, jobStatus(job)),
	    h('td', null, f ? f[1].replace(/ \(.*\)$/, '') : job.format),
	    h('td', { 'data-test': 'export-what' }, what(job.query)),
	    h('td', null, job.status === 'running' ? jobProgress(job) :
		job.status === 'failed' ? h('span', { class: 'st-failed small', 'data-test': 'export-error' }, job.error || 'failed') :
		job.status === 'done' && job.progress && job.progress.rows_total !== null ?
		    num(job.progress.rows_total) + (job.progress.rows_total === 1 ? ' row' : ' rows') :
		    h('span', { class: 'muted' }, job.status === 'queued' ? 'waiting for the batch' : '\u2014')),
	    h('td', { class: 'num' }, job.status === 'done' || job.status === 'running' ? size(job.bytes) : '\u2014'),
	    h('td', null, when(job.created_at)),
	    h('td', null, job.expires_at ? when(job.expires_at) : h('span', { class: 'muted' }, '\u2014')),
	    h('td', null, job.status === 'done' ? jobDownload(job, true) : h('span', { class: 'muted' }, '\u2014')));
}
