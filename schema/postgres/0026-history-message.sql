-- result_history.message (issue 18): a copied result's failure message,
-- as result_texts holds it for (run, test).  A test's history page (GET
-- /api/tests/{id}/history) shows each result's message: it read it per
-- row through result_texts's (run, test) index and then the table row,
-- half of the page's SQL on the PERF-2 database (a 50-row page: 52
-- microseconds with the lookups, 26 with the message in the row).  The
-- history pass copies it with the rest of the row; a run written again
-- is copied again, and retention and aliases treat both tables alike.
-- The pending runs' rows are still read from results and result_texts.
ALTER TABLE result_history ADD COLUMN message TEXT;
-- the message counts in no day of history_days (0024): its update
-- triggers, which take every row an UPDATE wrote off and on again, stay
-- out of this one
ALTER TABLE result_history DISABLE TRIGGER history_days_update_1;
ALTER TABLE result_history DISABLE TRIGGER history_days_update_2;
UPDATE result_history SET message = x.message FROM result_texts x
    WHERE x.run = result_history.run AND x.test = result_history.test
    AND x.message IS NOT NULL;
ALTER TABLE result_history ENABLE TRIGGER history_days_update_1;
ALTER TABLE result_history ENABLE TRIGGER history_days_update_2;
