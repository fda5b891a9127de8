// Pages whose data comes from batch passes that are not installed yet
// (domain/feature health, feature timeline, integrity alerts).  They say
// what will appear and call no endpoint: nothing here is invented.
import { h, clear } from '../dom.js';
import { empty } from '../ui.js';

const PAGES = {
	health: {
		title: 'Domain and feature health',
		what: ['A tree of product domains and features (checkout / payments / refunds \u2026) with, per node, ' +
		    'the tests mapped to it, how many pass, fail and are skipped, the pass rate, flaky tests, open ' +
		    'integrity signals and a confidence score (pass rate \u00d7 integrity score).',
		    'Features get a green / red / unknown status and the time of their last run.'],
		needs: 'the batch mapping pass (which maps tests to features from test properties, a rules file or path heuristics) ' +
		    'and the health endpoints api/tests/health/domains and api/tests/health/features',
	},
	timeline: {
		title: 'Feature timeline',
		what: ['For one feature, day by day over the last 90 days: runs, passes, failures, skips and integrity signals.',
		    'When the feature was first green, last red, and last known good, each with the run to open.'],
		needs: 'the batch mapping pass and the endpoint api/tests/features/{feature_id}/timeline',
	},
	integrity: {
		title: 'Integrity alerts',
		what: ['Evidence that the suite was weakened: tests removed while their file still reports, a suite that shrank, ' +
		    'tests newly skipped, assertions dropped, a test that suddenly got 10\u00d7 faster, and in diffs: removed ' +
		    'assertions, added skips or broad exception handlers, and tests edited right before turning green.',
		    'Each alert can be acknowledged or resolved with a note; filters by type, severity, status and coding session.'],
		needs: 'the batch integrity pass and the endpoint api/tests/integrity/alerts',
	},
};

export async function render(view, { key }) {
	const p = PAGES[key];
	clear(view, h('h1', null, p.title),
	    h('div', { 'data-test': 'planned' }, empty(
		h('p', null, h('strong', null, 'Nothing to show yet: this page needs the batch passes.')),
		...p.what.map((w) => h('p', null, w)),
		h('p', null, 'It fills in once ' + p.needs + ' are installed. Until then no data is shown here, rather than a guess.'))));
}
