-- The tests a run-wide integrity signal is about (issue 13 item 4): a
-- suite_shrink names no test, but the tests that vanished from the
-- baseline tell which features it weakened, so the health tree counts
-- it toward those features, on the branch of the run that raised it.
-- Features are read through tests.feature, so a re-mapping moves them.
CREATE TABLE signal_tests (
	signal		BIGINT NOT NULL,
	test		BIGINT NOT NULL,
	PRIMARY KEY (signal, test)
);
CREATE INDEX signal_tests_test ON signal_tests(test);
