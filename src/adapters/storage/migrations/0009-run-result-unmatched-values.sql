-- Requested list values (such as campaign IDs) that a run's result shows
-- nothing for, with the reason and a message (see UnmatchedValues). Null
-- when the run requested no list values or all of them matched, and for
-- results stored before this migration.
ALTER TABLE question_run_results ADD COLUMN unmatched_values jsonb;
