// evidence.js: the flaky pass's verdict as the flaky list
// (pages/flaky.js) and the test page (pages/test.js) both show it: the
// monitors that fired and the evidence items (the runs that showed it).
import { h, pct, table, td, when, sha, toIso } from './dom.js';
import { runHref, href } from './ui.js';

// The monitors of the flaky pass: [short name, what it saw].
export const MONITORS = {
	same_sha: ['same commit', 'passed and failed on one git commit'],
	retry: ['retry pass', 'failed, then passed on a retry within one run'],
	flip: ['flip rate', 'flips between pass and fail on a branch above the threshold'],
};

// monitorName(m): the short name of monitor m.
export const monitorName = (m) => (MONITORS[m] ? MONITORS[m][0] : m);

// monitorTags(list): "same_sha,retry" as tags, or a dash.
export function monitorTags(list) {
	const ms = String(list || '').split(',').filter((x) => x);
	if (ms.length === 0)
		return h('span', { class: 'muted' }, '\u2014');
	return ms.map((m) => h('span', { class: 'tag', title: MONITORS[m] ? MONITORS[m][1] : null },
	    monitorName(m)));
}

// streamName(branch, job): "main" or "main / e2e" for a flip rate's stream.
export const streamName = (branch, job) => (job ? branch + ' / ' + job : branch);

// evidenceItems(items): the runs behind a flaky state, newest first,
// each with the stream (branch and job) it was judged in.
export function evidenceItems(items) {
	const at = (e) => Date.parse(toIso(e.at)) || 0;
	const list = (items || []).slice().sort((a, b) => at(b) - at(a));
	return table(['Monitor', 'Run', 'When', 'Branch', 'Job', 'Commit', ['Flip rate', 'num']],
	    list.map((e) => h('tr', { 'data-test': 'evidence-item' },
		td(monitorName(e.monitor)),
		td(e.run_id ? h('a', { href: runHref(e.run_id) }, e.run_id) : '\u2014'),
		td(when(toIso(e.at))),
		td(e.branch ? h('a', { href: href(['runs'], { branch: e.branch }) }, e.branch) : '\u2014'),
		td(e.job ? h('a', { href: href(['runs'], { branch: e.branch || undefined, job: e.job }) }, e.job) :
		    h('span', { class: 'muted', title: 'uploads that name no job' }, 'unnamed')),
		td(sha(e.git_sha)),
		td(e.flip_rate !== undefined && e.flip_rate !== null ? pct(e.flip_rate, 0) : '\u2014', 'num'))));
}
