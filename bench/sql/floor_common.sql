-- The floor, shared by both read models: the table of precomputed documents
-- and the function that stores the documents a sample's change rewrites.
-- The documents are stored uncompressed: inline up to a page, in TOAST above
-- that (STORAGE EXTERNAL, toast_tuple_target 8160). Writing one into a
-- read-model table then stores what an engine's write of a fresh document
-- stores, compressed (or not) by that table's own settings; a document copied
-- already compressed would leave the compression out of the floor (half of a
-- blog rename's floor at scale 0.1, whose 60 user documents are ~50 kB each).
CREATE TABLE bench_floor_doc (
    w   text NOT NULL,      -- workload (its pgbench script)
    i   int NOT NULL,       -- sample number
    rel text NOT NULL,      -- read-model table
    pk  bigint NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (w, i, rel, pk)
);
ALTER TABLE bench_floor_doc SET (toast_tuple_target = 8160);
ALTER TABLE bench_floor_doc ALTER COLUMN doc SET STORAGE EXTERNAL;

-- Each model's bench_floor_make(w, from, to, bulk) makes the changes of samples
-- from..to of workload w (targets in bench_target), one after the other; after
-- each one it stores, for each read-model table, the rows of the fresh
-- computation (bench_fresh_*) among the keys the change may touch whose
-- document differs from the stored one -- exactly the documents the change
-- rewrites, with their new content -- and writes them into the table, so that
-- the next sample starts from the state after this one.
