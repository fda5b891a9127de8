-- report_cells_feature (issue 18): an index of the report cells by
-- feature and run.  An upload's cells went in at the end of each of its
-- features' ranges: on the PERF-2 database 359 pages, read and written
-- back, for 359 rows (14-31 ms of inserts against 1 ms without it, and
-- their pages in the commit).  Only the mapping pass's rebuild of one
-- feature's cells read it, to delete them; that rebuild now reads the
-- feature's results test by test (result_history), and deletes by run
-- over the window, where a run's cells lie together.
DROP INDEX report_cells_feature;
