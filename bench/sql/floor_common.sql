-- The floor, shared by both read models: the table of precomputed documents
-- and the function that stores the documents a sample's change rewrites.
-- The documents are stored uncompressed (STORAGE EXTERNAL), so that writing
-- one into a read-model table compresses it with that table's settings, as
-- an engine's write does.
CREATE TABLE bench_floor_doc (
    w   text NOT NULL,      -- workload
    i   int NOT NULL,       -- sample number
    rel text NOT NULL,      -- read-model table
    pk  bigint NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (w, i, rel, pk)
);
ALTER TABLE bench_floor_doc ALTER COLUMN doc SET STORAGE EXTERNAL;

-- bench_floor_capture(w, i, rel, fresh, keys): called after sample i's change
-- was made (before it is undone), stores the rows of the fresh computation
-- `fresh` (a view) among keys whose document differs from the one stored in
-- rel (a tv_<e> table keyed by pk_<e>): exactly the documents the change
-- rewrites, with their new content. keys only needs to hold them all.
CREATE FUNCTION bench_floor_capture(p_w text, p_i int, p_rel text, p_fresh text, p_keys bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO bench_floor_doc (w, i, rel, pk, doc)
         SELECT $1, $2, $3, f.%1$I, f.data
         FROM %2$I f JOIN %3$I t ON t.%1$I = f.%1$I
         WHERE f.%1$I = ANY ($4) AND f.data IS DISTINCT FROM t.data',
        'pk_' || substr(p_rel, 4), p_fresh, p_rel)
    USING p_w, p_i, p_rel, p_keys;
END $$;

-- Sample targets: the same for every run at a given scale.
CREATE FUNCTION bench_floor_pick(p_salt int, p_i int, p_n bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 1 + (hashint8(p_salt * 1000003 + p_i) & 2147483647) % p_n $$;
