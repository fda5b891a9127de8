-- failure_branches (issue 18): a failure group's branches, one row per
-- (fingerprint, branch), is what failure_streams (0007) holds too: the
-- same rows by run, branch and job, the same branch for both.  Every
-- upload's failures each wrote a row of it at a random place among the
-- groups' fingerprints: on the PERF-2 database 700-1,000 pages more to
-- read and write back per 10,000-test upload (12-14 ms of its SQL, and
-- those pages in the commit), for a list that failure_streams's rows of
-- the group give in the same order (GET /api/failures, the dashboard).
DROP TABLE failure_branches;
