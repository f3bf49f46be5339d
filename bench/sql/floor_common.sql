-- The floor, shared by both read models: the table of precomputed documents
-- and the function that stores the documents a sample's change rewrites.
-- The documents are stored uncompressed (STORAGE EXTERNAL), so that writing
-- one into a read-model table compresses it with that table's settings, as
-- an engine's write does.
CREATE TABLE bench_floor_doc (
    w   text NOT NULL,      -- workload (its pgbench script)
    i   int NOT NULL,       -- sample number
    rel text NOT NULL,      -- read-model table
    pk  bigint NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (w, i, rel, pk)
);
ALTER TABLE bench_floor_doc ALTER COLUMN doc SET STORAGE EXTERNAL;

-- Each model's bench_floor_make(w, from, to, bulk) makes the changes of samples
-- from..to of workload w (targets in bench_target), one after the other; after
-- each one it stores, for each read-model table, the rows of the fresh
-- computation (bench_fresh_*) among the keys the change may touch whose
-- document differs from the stored one -- exactly the documents the change
-- rewrites, with their new content -- and writes them into the table, so that
-- the next sample starts from the state after this one.
