-- The floor's samples, for both read models (included by floor.sql and
-- company/floor.sql once the tables and bench_floor_make exist). In one
-- transaction, rolled back at the end: the samples' changes are made one after
-- the other, in the order of run.sh's I/O runs (the samples every approach
-- applies: post updates, renames, comment inserts, the first bulk rename),
-- then those of the timed rounds; the documents each one rewrites are exported
-- (server-side COPY, which the rollback does not undo) and loaded back after
-- the rollback. So the documents of the I/O samples are exactly those the
-- approaches' I/O runs rewrite, and the tables are left as built.
-- psql variables: bulk_users, io_post_update, io_author_rename,
-- io_comment_insert (samples of the I/O runs), n_post_update, n_author_rename,
-- n_comment_insert, n_bulk_authors (all samples), docs_file (a path the
-- server may write).
BEGIN;
SELECT bench_floor_make('post_update', 1, :io_post_update, :bulk_users);
SELECT bench_floor_make('author_rename', 1, :io_author_rename, :bulk_users);
SELECT bench_floor_make('comment_insert', 1, :io_comment_insert, :bulk_users);
SELECT bench_floor_make('bulk_authors', 1, 1, :bulk_users);
SELECT bench_floor_make('post_update', :io_post_update + 1, :n_post_update, :bulk_users);
SELECT bench_floor_make('author_rename', :io_author_rename + 1, :n_author_rename, :bulk_users);
SELECT bench_floor_make('comment_insert', :io_comment_insert + 1, :n_comment_insert, :bulk_users);
SELECT bench_floor_make('bulk_authors', 2, :n_bulk_authors, :bulk_users);
COPY bench_floor_doc TO :'docs_file';
ROLLBACK;
COPY bench_floor_doc FROM :'docs_file';
SELECT 'floor_docs ' || w || ' ' || count(*) FROM bench_floor_doc GROUP BY w;
