// exportbtn.js: export jobs (REP-6) from the pages.  exportButton() is the
// "Export" control a page puts beside what it shows: a format choice and a
// button that asks for the file (POST api/exports {format, query}), then
// the job inline as the batch `exports` pass makes it: queued, running
// with its progress, done with its download link, failed with its error,
// or expired.  The job is read again every 2 s (GET api/exports/{id})
// until it ends or the page is left.  The #/exports page (pages/exports.js)
// lists every job with the same pieces (jobStatus, jobProgress,
// jobDownload, what).
import { h, clear, num, when } from './dom.js';
import { api, send, download, getToken, apiUrl, seg } from './api.js';
import { href } from './ui.js';

// The formats a page offers: [value, label]; junit is a run's only.
export const FORMATS = [['csv', 'CSV'], ['xlsx', 'Excel (xlsx)'], ['json', 'JSON'],
    ['ndjson', 'NDJSON'], ['junit', 'JUnit XML']];
// The file name extension of each format (the API names files so).
const EXT = { csv: 'csv', xlsx: 'xlsx', json: 'json', ndjson: 'ndjson', junit: 'xml' };
// How often a job that has not ended is read again (ms).
const POLL_MS = 2000;
// The statuses after which a job does not change any more (but expiry).
const ENDED = ['done', 'failed', 'expired'];

// exportButton(queryFn, formats, opts): the Export control.  queryFn()
// gives the ExportQuery ({kind, ...}) when the button is pressed (so it
// can read the page's current filters); formats: the values of FORMATS to
// offer (default csv, xlsx, json, ndjson); opts.label: the button's text;
// opts.note: a node or text under the button (what the export holds).
// The job's box is kept across a live refresh of the page (data-live-keep).
export function exportButton(queryFn, formats = ['csv', 'xlsx', 'json', 'ndjson'], opts = {}) {
	// a stable id: a live refresh puts back the format chosen (app.js)
	const id = 'exp-format-' + (opts.key || 'page');
	const sel = h('select', { id, name: 'export-format', 'data-test': 'exp-format' },
	    FORMATS.filter(([v]) => formats.includes(v)).map(([v, t]) => h('option', { value: v }, t)));
	const btn = h('button', { type: 'submit', 'data-test': 'exp-go' }, opts.label || '\u2913 Export');
	const box = h('div', { class: 'exp-job', 'data-test': 'exp-job', 'data-live-keep': 'export-job-' + (opts.key || 'page'),
	    role: 'status', 'aria-live': 'polite' });
	const form = h('form', { class: 'inline exp-form', 'data-test': 'exp-form', 'aria-label': 'Export' },
	    h('label', { for: id }, 'Export as'), sel, btn,
	    h('a', { href: href(['exports']), class: 'small', 'data-test': 'exp-all' }, 'All exports'));
	let stop = null;
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (stop)
			stop();
		stop = null;
		btn.disabled = true;
		clear(box, h('p', { class: 'loading' }, 'Asking for the export\u2026'));
		try {
			const q = await send('POST', 'exports', { format: sel.value, query: queryFn() });
			const job = { job_id: q.job_id, status: q.status, format: sel.value, progress: {}, bytes: 0 };
			const card = jobCard(job);
			clear(box, card.el);
			stop = watchJob(q.job_id, card.update, aliveFn(form, card.el));
		} catch (e) {
			clear(box, exportError(e));
		} finally {
			btn.disabled = false;
		}
	});
	return h('div', { class: 'exp-ctl', 'data-test': 'export-ctl' }, form,
	    opts.note ? h('p', { class: 'small muted', 'data-test': 'exp-note' }, opts.note) : null,
	    h('p', { class: 'small muted' }, 'The file is written by the batch (',
		h('code', null, 'testvis batch'), ', every minute from cron), so it may take a minute to be ready.'),
	    box);
}


// aliveFn(el, card): a predicate that holds while the page el was put on
// is shown (its view, which the router replaces when the reader leaves; a
// live refresh keeps it) and card is on it (a newer export replaced it;
// a live refresh moves it, so it may be away for a moment).
export function aliveFn(el, card) {
	const view = el.closest('.view') || el;
	let away = 0;
	return () => {
		if (!view.isConnected)
			return false;
		away = card.isConnected ? 0 : away + 1;
		return away < 3;
	};
}

// watchJob(jobId, onJob, alive): reads GET api/exports/{jobId} every
// POLL_MS and hands each answer to onJob(job) (or onJob(null, err) when
// the read failed: it is tried again, but not after a 404), until the
// job ended or alive() no longer holds.  Returns a function that stops it.
export function watchJob(jobId, onJob, alive) {
	let timer = null, stopped = false;
	const tick = async () => {
		timer = null;
		if (stopped || !alive())
			return;
		let job = null;
		try {
			job = await api('exports/' + seg(jobId));
		} catch (e) {
			onJob(null, e);
			if (e.status === 404 || e.status === 401 || e.status === 403)
				return;
		}
		if (job)
			onJob(job, null);
		if (!stopped && alive() && !(job && ENDED.includes(job.status)))
			timer = setTimeout(tick, POLL_MS);
	};
	timer = setTimeout(tick, POLL_MS);
	return () => {
		stopped = true;
		if (timer)
			clearTimeout(timer);
	};
}

// jobCard(job): the job shown inline: {el, update(job, err)}; update
// draws a newer state of it (or says that it could not be read).
export function jobCard(job) {
	const el = h('div', { class: 'box exp-card', 'data-test': 'exp-card', 'data-job': job.job_id });
	let last = job;
	const update = (j, err) => {
		if (j)
			last = j;
		el.dataset.status = last.status;
		clear(el, h('p', null, jobStatus(last), ' ', h('span', { class: 'small muted' },
		    FORMATS.find(([v]) => v === last.format) ? FORMATS.find(([v]) => v === last.format)[1] : last.format,
		    ' \u00b7 job ', h('code', null, last.job_id.slice(0, 8)))),
		    jobBody(last),
		    err ? h('p', { class: 'small error', 'data-test': 'exp-poll-error' },
			'Could not read the job\u2019s state (', err.message, ')',
			err.status === 404 ? '.' : '; trying again.') : null);
	};
	update(job, null);
	return { el, update };
}

// jobBody(job): what the job's status calls for: the wait, the
// progress, the download with its size and expiry, the error.
function jobBody(job) {
	switch (job.status) {
	case 'queued':
		return h('p', { class: 'small' }, 'Waiting for the batch ', h('code', null, 'exports'),
		    ' pass to take it (it runs every minute from cron).');
	case 'running':
		return jobProgress(job);
	case 'done':
		return h('p', null, jobDownload(job), ' ', h('span', { class: 'small muted', 'data-test': 'exp-size' },
		    size(job.bytes), job.progress && job.progress.rows_total !== null && job.progress.rows_total !== undefined ?
			' \u00b7 ' + num(job.progress.rows_total) + (job.progress.rows_total === 1 ? ' row' : ' rows') : '',
		    job.expires_at ? [' \u00b7 expires ', when(job.expires_at)] : ''));
	case 'failed':
		return h('div', { class: 'error', role: 'alert', 'data-test': 'exp-error' },
		    h('p', null, h('strong', null, 'The export failed.')),
		    h('p', { 'data-test': 'exp-error-message' }, job.error || 'No reason was recorded.'),
		    h('p', { class: 'small' }, 'Fix the cause and export again.'));
	case 'expired':
		return h('p', { class: 'note', 'data-test': 'exp-expired' },
		    'The file expired and was deleted: export again to get a new one.');
	default:
		return null;
	}
}

// jobStatus(job): the status as a glyph and a word (not colour alone).
export function jobStatus(job) {
	const s = {
		queued: ['\u231B', 'queued', 'st-pending'], running: ['\u21BB', 'running', 'st-pending'],
		done: ['\u2713', 'done', 'st-passed'], failed: ['\u2717', 'failed', 'st-failed'],
		expired: ['\u2298', 'expired', 'st-skipped'],
	}[job.status] || ['?', job.status, ''];
	return h('span', { class: 'st ' + s[2], 'data-test': 'exp-status', 'data-status': job.status }, s[0] + ' ' + s[1]);
}

// jobProgress(job): a progress bar of rows written of rows counted, with
// the figures in words (the count is unknown until the pass began).
export function jobProgress(job) {
	const p = job.progress || {};
	const known = p.rows_total !== null && p.rows_total !== undefined;
	const bar = h('progress', { max: known ? Math.max(1, p.rows_total) : null,
	    value: known ? p.rows_done || 0 : null, 'data-test': 'exp-progress',
	    'aria-label': 'Rows written' });
	return h('p', { class: 'exp-progress' }, bar, ' ', h('span', { class: 'small', 'data-test': 'exp-progress-text' },
	    known ? num(p.rows_done || 0) + ' of ' + num(p.rows_total) + ' rows' +
		(p.pct !== null && p.pct !== undefined ? ' (' + p.pct + '%)' : '') : 'counting the rows\u2026',
	    job.bytes ? ' \u00b7 ' + size(job.bytes) + ' so far' : ''));
}

// jobDownload(job, short): the link to a finished job's file ("Download
// ID.csv"; short: "Download CSV", the name on hover).  Its address is
// the API's `download` link, taken from "api/" on and made relative to
// the page as api.js does (so it works under a sub-path); with a token
// saved, a click fetches the file with it (a plain link cannot send it).
export function jobDownload(job, short = false) {
	const m = /(?:^|\/)api\/([^?#]+)/.exec(job.download || '');
	const path = m ? m[1] : 'exports/' + seg(job.job_id) + '/download';
	const name = job.job_id + '.' + (EXT[job.format] || 'dat');
	const msg = h('span', { class: 'small', 'data-test': 'exp-download-msg' });
	const a = h('a', { href: apiUrl(path), download: name, 'data-test': 'exp-download', class: 'exp-dl',
	    title: name }, '\u2913 Download ' + (short ? (EXT[job.format] || job.format).toUpperCase() : name));
	a.addEventListener('click', async (ev) => {
		if (!getToken())
			return;
		ev.preventDefault();
		msg.textContent = ' Fetching\u2026';
		try {
			await download(path, {}, name);
			msg.textContent = '';
		} catch (e) {
			msg.textContent = ' The download failed: ' + e.message;
		}
	});
	return h('span', null, a, msg);
}

// what(query): the ExportQuery in words ("run r1", "catalogue, name
// contains x").
export function what(q) {
	if (!q)
		return '?';
	switch (q.kind) {
	case 'run':
		return h('span', null, 'run ', h('a', { href: href(['runs', q.run_id]) }, q.run_id));
	case 'test_history':
		return h('span', null, 'history of test ', h('a', { href: href(['tests', q.test_id]) },
		    h('code', null, q.test_id.slice(0, 12))), q.branch ? ' on ' + q.branch : '',
		    q.limit ? ' (last ' + num(q.limit) + ')' : '');
	case 'catalogue': {
		const f = ['q', 'suite', 'state', 'status', 'owner', 'tag'].filter((k) => q[k])
		    .map((k) => ({ q: 'name contains ', suite: 'suite ', state: 'state ', status: 'latest ',
			owner: 'owner ', tag: 'tag ' }[k] + q[k]));
		return 'test catalogue' + (f.length ? ' (' + f.join(', ') + ')' : '');
	}
	case 'report':
		return h('span', null, 'report ', h('a', { href: href(['reports', String(q.report_id)]) }, '#' + q.report_id));
	default:
		return q.kind;
	}
}

// size(bytes): "512 B", "4.2 KB", "3.1 MB".
export function size(b) {
	if (b === null || b === undefined)
		return '\u2014';
	if (b < 1024)
		return num(b) + ' B';
	if (b < 1024 * 1024)
		return (b / 1024).toFixed(1) + ' KB';
	return (b / 1048576).toFixed(1) + ' MB';
}

// exportError(err): why the export could not be asked for, in the API's
// words with what to do: a token (read scope is enough), the quota, a
// bad query, something that is gone.
export function exportError(e) {
	const heads = {
		400: 'The API refused this export.',
		401: 'Exports need an API token with read scope on this server.',
		403: 'The saved token may not read this project.',
		404: 'What this export names does not exist (any more).',
		413: 'The export request is too large.',
		415: 'The export request was not sent as JSON.',
		429: 'Too many requests: wait a moment and export again.',
		503: 'Exports are not available on this server right now.',
		507: 'The export storage quota is used up.',
	};
	const hints = {
		401: ['Save a token (scope read or above) in ', h('a', { href: '#/settings' }, 'Settings'),
		    ' (create one with ', h('code', null, 'testvis token create --project P --scope read'), ').'],
		403: ['Check the project and the token in ', h('a', { href: '#/settings' }, 'Settings'), '.'],
		413: ['Use shorter filters.'],
		507: ['Download the finished exports in ', h('a', { href: href(['exports']) }, 'All exports'),
		    ' and let them expire, or ask the administrator to raise ', h('code', null, 'export_quota_mb'), '.'],
	};
	return h('div', { class: 'error', role: 'alert', 'data-test': 'exp-post-error', 'data-status': String(e.status || 0) },
	    h('p', null, h('strong', null, heads[e.status] || (e.status ? 'The API answered ' + e.status +
		(e.code ? ' (' + e.code + ')' : '') + '.' : 'The export could not be asked for.'))),
	    h('p', { 'data-test': 'exp-post-error-message' }, e.status ? 'The API answered ' + e.status + ': ' : '',
		h('q', null, e.message || String(e))),
	    hints[e.status] ? h('p', { class: 'small' }, hints[e.status]) : null);
}
