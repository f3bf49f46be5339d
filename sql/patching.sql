-- Patching: an UPDATE that changes only columns reaching the documents as
-- leaf values sets those leaves again in place; anything else recomputes.
-- tv_recomputed() raises a NOTICE each time a document of tv_post is
-- recomputed while patching.trace is on (a patch never evaluates it), so
-- each write shows which path it took; every scenario ends with checks()
-- (trace off): each TVIEW compared with its definition, by equality and by
-- row text.
CREATE SCHEMA patching;
SET search_path = patching, public;

CREATE FUNCTION tv_recomputed(k bigint) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF current_setting('patching.trace', true) = 'on' THEN
        RAISE NOTICE 'recomputed post %', k;
    END IF;
    RETURN k;
END $$;

CREATE FUNCTION tv_recomputed(tview text, k bigint) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF current_setting('patching.trace', true) = 'on' THEN
        RAISE NOTICE 'recomputed % %', tview, k;
    END IF;
    RETURN k;
END $$;

CREATE FUNCTION checks()
RETURNS TABLE(tview text, missing bigint, extra bigint, differing bigint)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('patching.trace', 'off', true);
    RETURN QUERY SELECT c.tview, c.missing, c.extra, i.differing
                   FROM tv_check() c JOIN tv_images('patching') i ON i.tview = c.tview;
END $$;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name varchar(40) NOT NULL, email text, score numeric,
                      active boolean NOT NULL DEFAULT true);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL,
                      body text, rank int NOT NULL DEFAULT 0);
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, fk_post bigint NOT NULL REFERENCES tb_post,
                         fk_user bigint REFERENCES tb_user, body text NOT NULL);
INSERT INTO tb_user VALUES (1, 'ann', 'ann@x', 1.5), (2, 'bob', NULL, 2), (3, 'cy', 'cy@x', 3);
INSERT INTO tb_post VALUES (10, 1, 'p10', 'b10'), (11, 2, 'p11', 'b11'), (12, 2, 'p12', 'b12');
INSERT INTO tb_comment VALUES (100, 10, 2, 'c100'), (101, 11, 3, 'c101');

-- name (varchar shown as text), score and email reach tv_post only as
-- leaves; title both as a column and a leaf; fk_user is a join column;
-- rank orders nothing but is filtered on.
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, p.title,
       jsonb_build_object('title', p.title, 'check', tv_recomputed(p.pk_post),
                          'author', jsonb_build_object('name', u.name::text, 'contact', jsonb_build_object('email', u.email),
                                                       'score', u.score),
                          'comments', (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
WHERE p.rank >= 0;
-- A TVIEW on it (its documents embed tv_post's) and one where the user is
-- read twice (author and commenter): user columns recompute there.
CREATE TABLE tv_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name, 'upper', upper(u.email),
       'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post) FROM tv_post tp WHERE tp.fk_user = u.pk_user),
                         '[]'::jsonb)) AS data
FROM tb_user u WHERE u.active;
CREATE TABLE tv_thread AS
SELECT p.pk_post AS pk_thread, jsonb_build_object('author', u.name,
       'by', (SELECT jsonb_agg(cu.name ORDER BY c.pk_comment) FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
              WHERE c.fk_post = p.pk_post)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;

-- pages keep 10 % free: a rewritten document finds room on its own page
-- (a HOT update, no new index entries)
SELECT c.relname, c.reloptions FROM pg_class c WHERE c.relnamespace = 'patching'::regnamespace AND c.relkind = 'r'
   AND c.relname LIKE 'tv\_%' ORDER BY 1;
SET patching.trace = on;

-- what each column's change does
SELECT v->>'view' AS view, r->>'relation' AS relation, c->>'column' AS column_name, c->>'change' AS change,
       COALESCE(c->'leaves', to_jsonb(c->>'why')) AS leaves_or_why
  FROM (SELECT pg_tviews_analyze_select(pg_get_viewdef(m.view_oid)) || jsonb_build_object('view', m.view_oid::regclass)
          FROM pg_tview_meta m JOIN pg_class k ON k.oid = m.table_oid
         WHERE k.relnamespace = 'patching'::regnamespace) x(v),
       jsonb_array_elements(v->'relations') r, jsonb_array_elements(r->'columns') c
 ORDER BY 1, 2, 3;

-- leaves only: patched (no NOTICE), one statement for all of ann's posts
UPDATE tb_user SET name = 'Ann', score = 1.50 WHERE pk_user = 1;
UPDATE tb_post SET title = 'p10 v2' WHERE pk_post = 10;
UPDATE tb_user SET email = NULL WHERE pk_user = 1;       -- a leaf becomes JSON null
UPDATE tb_user SET email = 'bob@x' WHERE pk_user = 2;
SELECT pk_post, title, data - 'check' AS data FROM tv_post ORDER BY 1;
SELECT data->'author'->>'score' AS score_text FROM tv_post WHERE pk_post = 10;  -- 1.50, as the view says
SELECT * FROM checks();

-- the same value again writes nothing
SELECT xmin AS before FROM tv_post WHERE pk_post = 11 \gset
UPDATE tb_user SET name = name WHERE pk_user = 2;
SELECT xmin = :'before'::xid AS not_rewritten FROM tv_post WHERE pk_post = 11;

-- a join column, a filter column, a body the view does not read
UPDATE tb_post SET fk_user = 3 WHERE pk_post = 12;       -- recomputed
UPDATE tb_post SET rank = -1 WHERE pk_post = 11;         -- recomputed: leaves tv_post
UPDATE tb_post SET body = 'unread' WHERE pk_post = 10;   -- nothing to do
SELECT pk_post, data->'author'->>'name' AS author FROM tv_post ORDER BY 1;
SELECT * FROM checks();

-- leaves and a structural column in one statement: recomputed
UPDATE tb_post SET title = 'p10 v3', rank = 1 WHERE pk_post = 10;
-- several rows whose join columns trade places: recomputed (the rows are
-- compared as a multiset of the columns read outside leaves)
UPDATE tb_post SET rank = 0 WHERE pk_post = 11;
UPDATE tb_post SET fk_user = CASE pk_post WHEN 10 THEN 2 ELSE 1 END WHERE pk_post IN (10, 11);
SELECT pk_post, data->'author'->>'name' AS author FROM tv_post ORDER BY 1;
SELECT * FROM checks();

-- in one transaction: a patch and a recomputation of the same document
-- (recomputed once), a patch rolled back with its savepoint
BEGIN;
SET LOCAL patching.trace = off;
UPDATE tb_user SET name = 'bob 2' WHERE pk_user = 2;
UPDATE tb_comment SET fk_post = 10 WHERE pk_comment = 101;
SAVEPOINT s;
UPDATE tb_post SET title = 'undone' WHERE pk_post = 12;
SELECT count(*) AS undone_visible FROM tv_post WHERE title = 'undone';
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT pk_post, title, data->'author'->>'name' AS author, data->'comments' AS comments FROM tv_post ORDER BY 1;
SELECT * FROM checks();

-- a user renamed: the user's tv_user document has two patches (its name from
-- tb_user, the copy of the user's post from tv_post): recomputed once, one
-- write (tuples updated in this transaction), not one write per patch
-- (the counters a backend has not reported yet: a difference)
BEGIN;
SET LOCAL patching.trace = off;
SELECT pg_stat_get_xact_tuples_updated('tv_user'::regclass) AS user_before,
       pg_stat_get_xact_tuples_updated('tv_post'::regclass) AS post_before \gset
UPDATE tb_user SET name = 'ann 2' WHERE pk_user = 1;
SELECT data->>'name' AS name, data #>> '{posts,0,author,name}' AS post_author FROM tv_user WHERE pk_user = 1;
SELECT pg_stat_get_xact_tuples_updated('tv_user'::regclass) - :user_before AS tv_user_writes,
       pg_stat_get_xact_tuples_updated('tv_post'::regclass) - :post_before AS tv_post_writes;
COMMIT;
SELECT * FROM checks();

-- Array elements: the comments of a post with their authors, in the order
-- of the comment's primary key (every element keeps its position: patched),
-- and the same names ordered by the comment's body (ties: recomputed).
SET patching.trace = off;
CREATE TABLE tv_feed AS
SELECT p.pk_post AS pk_feed,
       jsonb_build_object('check', tv_recomputed('tv_feed', p.pk_post), 'author', u.name,
           'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', c.pk_comment, 'body', c.body,
                                                   'by', jsonb_build_object('name', cu.name, 'score', cu.score))
                                                   ORDER BY c.pk_comment)
                                   FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
                                  WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_tied AS
SELECT p.pk_post AS pk_tied,
       jsonb_build_object('check', tv_recomputed('tv_tied', p.pk_post),
           'names', (SELECT jsonb_agg(cu.name ORDER BY c.body) FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
                      WHERE c.fk_post = p.pk_post)) AS data
FROM tb_post p;
INSERT INTO tb_comment VALUES (102, 10, 3, 'c102'), (103, 10, 2, 'c103');
SELECT r->>'relation' AS relation, c->>'column' AS column_name, c->>'change' AS change, c->'leaves' AS leaves
  FROM (VALUES ('v_feed'), ('v_tied')) v(name),
       jsonb_array_elements(pg_tviews_analyze_select(pg_get_viewdef(v.name::regclass))->'relations') r,
       jsonb_array_elements(r->'columns') c
 WHERE r->>'relation' = 'patching.tb_user' ORDER BY v.name, 2;
SET patching.trace = on;
-- cy comments twice on post 10 and once on 11, bob once on 10: each of
-- their elements set again in place (tv_tied recomputes; tv_user's copies
-- of the patched tv_post documents are patched in turn)
UPDATE tb_user SET name = 'Cy', score = 30 WHERE pk_user = 3;
UPDATE tb_user SET name = 'Bob' WHERE pk_user = 2;
UPDATE tb_comment SET body = 'c102 v2' WHERE pk_comment = 102;   -- a leaf of tv_feed, the order of tv_tied
SELECT pk_feed, data - 'check' AS data FROM tv_feed ORDER BY 1;
SELECT * FROM checks();

-- an array ordered by its own elements: the sorted column is read twice
-- (element and order), so a change of it recomputes (the element moves)
CREATE TABLE tv_ids AS
SELECT p.pk_post AS pk_ids,
       jsonb_build_object('ids', (SELECT jsonb_agg(c.pk_comment ORDER BY c.pk_comment) FROM tb_comment c
                                   WHERE c.fk_post = p.pk_post)) AS data
FROM tb_post p;
SELECT c->>'column' AS column_name, c->>'change' AS change
  FROM jsonb_array_elements(pg_tviews_analyze_select(pg_get_viewdef('v_ids'::regclass))->'relations') r,
       jsonb_array_elements(r->'columns') c
 WHERE r->>'relation' = 'patching.tb_comment' ORDER BY 1;
UPDATE tb_comment SET pk_comment = 99 WHERE pk_comment = 103;
SELECT data FROM tv_ids WHERE pk_ids = 10;
SELECT * FROM checks();

-- elements of a relation with no identity (no primary key, no unique not
-- null column: every element is read again) set to NULL: a JSON null, not
-- an element left as it was
CREATE TABLE tb_label (code text UNIQUE, name text);
CREATE TABLE tb_post_label (pk_post_label bigint PRIMARY KEY, fk_post bigint NOT NULL, label_code text NOT NULL);
INSERT INTO tb_label VALUES ('a', 'Alpha'), ('b', 'Beta');
INSERT INTO tb_post_label VALUES (1, 10, 'a'), (2, 10, 'b'), (3, 11, 'a');
CREATE TABLE tv_labels AS
SELECT p.pk_post AS pk_labels,
       jsonb_build_object('labels', COALESCE((SELECT jsonb_agg(l.name ORDER BY pl.pk_post_label)
                                              FROM tb_post_label pl JOIN tb_label l ON l.code = pl.label_code
                                              WHERE pl.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p;
SELECT c->>'column' AS column_name, c->>'change' AS change, c->'leaves' AS leaves
  FROM jsonb_array_elements(pg_tviews_analyze_select(pg_get_viewdef('v_labels'::regclass))->'relations') r,
       jsonb_array_elements(r->'columns') c
 WHERE r->>'relation' = 'patching.tb_label' ORDER BY 1;
UPDATE tb_label SET name = NULL WHERE code = 'a';
SELECT pk_labels, data FROM tv_labels WHERE pk_labels IN (10, 11) ORDER BY 1;
UPDATE tb_label SET name = 'Alpha 2' WHERE code = 'a';
SELECT pk_labels, data FROM tv_labels WHERE pk_labels IN (10, 11) ORDER BY 1;
SELECT * FROM checks();

SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user \gset
-- Arrays inside array elements: each user with their posts, each post with
-- its comments and their authors (users[*] is not needed: the document is
-- the user's). A post title, a comment body, a commenter's name: set in
-- place at data.posts[*].title, data.posts[*].comments[*].body and
-- data.posts[*].comments[*].by. The same tree with the comments ordered by
-- body (ties) recomputes for those.
CREATE TABLE tv_tree AS
SELECT u.pk_user AS pk_tree,
       jsonb_build_object('check', tv_recomputed('tv_tree', u.pk_user), 'name', u.name,
           'posts', COALESCE((SELECT jsonb_agg(jsonb_build_object('title', p.title,
                        'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', c.body, 'by', cu.name)
                                                               ORDER BY c.pk_comment)
                                              FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
                                              WHERE c.fk_post = p.pk_post), '[]'::jsonb))
                                  ORDER BY p.pk_post)
                              FROM tb_post p WHERE p.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM tb_user u;
CREATE TABLE tv_tree_tied AS
SELECT u.pk_user AS pk_tree_tied,
       jsonb_build_object('check', tv_recomputed('tv_tree_tied', u.pk_user),
           'posts', (SELECT jsonb_agg(jsonb_build_object('title', p.title,
                        'bodies', (SELECT jsonb_agg(c.body ORDER BY c.fk_user) FROM tb_comment c
                                    WHERE c.fk_post = p.pk_post)) ORDER BY p.pk_post)
                      FROM tb_post p WHERE p.fk_user = u.pk_user)) AS data
FROM tb_user u;
SELECT v.name AS tview, r->>'relation' AS relation, c->>'column' AS column_name, c->>'change' AS change,
       c->'leaves' AS leaves
  FROM (VALUES ('v_tree'), ('v_tree_tied')) v(name),
       jsonb_array_elements(pg_tviews_analyze_select(pg_get_viewdef(v.name::regclass))->'relations') r,
       jsonb_array_elements(r->'columns') c
 WHERE c->>'column' IN ('patching.tb_post.title', 'patching.tb_comment.body', 'patching.tb_user.name')
 ORDER BY 1, 2, 3;
SET patching.trace = on;
UPDATE tb_post SET title = 'p11 v2' WHERE pk_post = 11;
UPDATE tb_comment SET body = body || ' v2' WHERE pk_comment IN (100, 102);
UPDATE tb_user SET name = 'Cy 2' WHERE pk_user = 3;
SELECT pk_tree, data - 'check' AS data FROM tv_tree ORDER BY 1;
SELECT * FROM checks();
-- a stored nested array with another number of elements than the rows
-- (written behind pg_tviews' back, by a superuser) is recomputed, not
-- patched: 4 comments again, not 5; the same for the enclosing array (1 post
-- again, not 2)
SET patching.trace = off;
\if :superuser
SET session_replication_role = replica;
UPDATE tv_tree SET data = jsonb_set(data, '{posts,0,comments}', data #> '{posts,0,comments}' || '[{"body": 0}]')
 WHERE pk_tree = 2;
RESET session_replication_role;
\endif
UPDATE tb_comment SET body = 'c101 v2' WHERE pk_comment = 101;
SELECT jsonb_array_length(data #> '{posts,0,comments}') AS comments FROM tv_tree WHERE pk_tree = 2;
\if :superuser
SET session_replication_role = replica;
UPDATE tv_tree SET data = jsonb_set(data, '{posts}', data -> 'posts' || '[{"title": 0, "comments": []}]')
 WHERE pk_tree = 2;
RESET session_replication_role;
\endif
UPDATE tb_comment SET body = 'c101 v3' WHERE pk_comment = 101;
SELECT jsonb_array_length(data -> 'posts') AS posts FROM tv_tree WHERE pk_tree = 2;
SELECT * FROM checks();

-- 16 arrays, one inside the elements of the other, patch; with a 17th the
-- relation recomputes (pg_tviews_patch_doc follows at most 16)
CREATE FUNCTION deep_select(levels int, entity text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE q text := '''[]''::jsonb';
BEGIN
    FOR n IN REVERSE levels..1 LOOP
        q := format('COALESCE((SELECT jsonb_agg(jsonb_build_object(''title'', t%1$s.title, ''in'', %2$s) ORDER BY t%1$s.pk_post)'
                    ' FROM tb_post t%1$s WHERE %3$s), ''[]''::jsonb)',
                    n, q, CASE WHEN n = 1 THEN 't1.fk_user = u.pk_user' ELSE format('t%s.pk_post = t%s.pk_post', n, n - 1) END);
    END LOOP;
    RETURN format('SELECT u.pk_user AS pk_%1$s, jsonb_build_object(''check'', tv_recomputed(''tv_%1$s'', u.pk_user), ''posts'', %2$s)'
                  ' AS data FROM tb_user u', entity, q);
END $$;
SELECT l AS levels, c->>'column' AS column_name, c->>'change' AS change, jsonb_array_length(c->'leaves') AS leaves
  FROM (VALUES (16), (17)) v(l),
       jsonb_array_elements(pg_tviews_analyze_select(deep_select(l, 'deep'))->'relations') r,
       jsonb_array_elements(r->'columns') c
 WHERE c->>'column' IN ('patching.tb_post', 'patching.tb_post.title') ORDER BY 1;
DO $$
BEGIN
    EXECUTE 'CREATE TABLE tv_deep AS ' || deep_select(16, 'deep');
    EXECUTE 'CREATE TABLE tv_deeper AS ' || deep_select(17, 'deeper');
END $$;
SET patching.trace = on;
UPDATE tb_post SET title = title || ' d' WHERE pk_post = 10;
SET patching.trace = off;
SELECT pk_deep, data #> '{posts,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,in,0,title}' AS title_16
  FROM tv_deep WHERE pk_deep = 2;
SELECT * FROM checks() WHERE tview LIKE 'tv_deep%';

-- a stored document whose array has another number of elements than the
-- rows (written behind pg_tviews' back, which takes a superuser) is
-- recomputed, not patched: 4 comments again, not 5
SET patching.trace = off;
\if :superuser
SET session_replication_role = replica;
UPDATE tv_feed SET data = jsonb_set(data, '{comments}', data->'comments' || '[{"id": 0}]') WHERE pk_feed = 10;
RESET session_replication_role;
\endif
UPDATE tb_user SET score = 31 WHERE pk_user = 3;
SELECT jsonb_array_length(data->'comments') AS comments FROM tv_feed WHERE pk_feed = 10;
SELECT * FROM checks();

-- pg_tviews_patch_doc(), which the patch statements call, by hand: a pure
-- function (the leaves that differ set, NULL when none does, fits false for
-- another shape); a specification it did not write is refused
SELECT * FROM pg_tviews_patch_doc('{"a": {"b": 1}, "c": [{"d": 1}, {"d": 2}]}',
                                  '[{"p": ["a", "b"]}, {"a": ["c"], "l": [["d"]]}]',
                                  '2'::jsonb, ARRAY['1', '3']::jsonb[]);
SELECT * FROM pg_tviews_patch_doc('{"a": {"b": 1}}', '[{"p": ["a", "b"]}]', '1'::jsonb);
SELECT * FROM pg_tviews_patch_doc('{"c": [{"d": 1}]}', '[{"a": ["c"], "l": [["d"]]}]', ARRAY['1', '2']::jsonb[]);
SELECT * FROM pg_tviews_patch_doc('{"c": 1}', '[{"p": ["c", "x"]}]', '1'::jsonb);
SELECT sqlstate_of($$SELECT pg_tviews_patch_doc('{}', '{"p": 1}', '1'::jsonb)$$);
SELECT sqlstate_of($$SELECT pg_tviews_patch_doc('{}', '[{"p": ["a"]}]', 'x'::text)$$);
SELECT sqlstate_of($$SELECT pg_tviews_patch_doc('{}', '[{"p": ["a"]}]')$$);
-- an array inside the elements of an array: each element's value lists its
-- leaves' values and, for the inner array, one value per inner element; an
-- inner array of another length does not fit; more than 16 arrays deep, or
-- an element value that is not a list of its entries, is refused
SELECT * FROM pg_tviews_patch_doc('{"c": [{"d": 1, "e": [{"f": 1}, {"f": 2}]}, {"d": 2, "e": []}]}',
                                  '[{"a": ["c"], "l": [["d"], {"a": ["e"], "l": [["f"]]}]}]',
                                  ARRAY['[1, [1, 5]]', '[3, []]']::jsonb[]);
SELECT * FROM pg_tviews_patch_doc('{"c": [{"d": 1, "e": [{"f": 1}, {"f": 2}]}]}',
                                  '[{"a": ["c"], "l": [["d"], {"a": ["e"], "l": [["f"]]}]}]',
                                  ARRAY['[1, [1]]']::jsonb[]);
SELECT sqlstate_of(format($$SELECT pg_tviews_patch_doc('{}', %L, NULL::jsonb[])$$,
                          '[' || repeat('{"a": ["e"], "l": [', 17) || '["f"]' || repeat(']}', 17) || ']'));
SELECT sqlstate_of($$SELECT pg_tviews_patch_doc('{"c": [{"d": 1, "e": []}]}',
                                                '[{"a": ["c"], "l": [["d"], {"a": ["e"], "l": [["f"]]}]}]',
                                                ARRAY['1']::jsonb[])$$);

-- The splice agrees with jsonb_set(): arrays and objects of 1 to 40
-- children (every 32nd holds an offset), numerics and containers after
-- strings of every length (4-byte alignment), each child replaced by values
-- of every kind; equal as values, as text and in size (both stored alike)
WITH docs AS (
    SELECT n, jsonb_build_object('c', jsonb_agg(e ORDER BY g), 'o', jsonb_object_agg('k' || g, e)) AS d
      FROM generate_series(1, 40) n, generate_series(1, n) g,
           LATERAL (SELECT CASE g % 5 WHEN 0 THEN to_jsonb(repeat('x', g % 7)) WHEN 1 THEN to_jsonb(g * 1.5)
                                      WHEN 2 THEN jsonb_build_object('k', g, 's', repeat('y', g % 5))
                                      WHEN 3 THEN to_jsonb(g % 2 = 0) ELSE jsonb_build_array(g, repeat('z', g % 3)) END) x(e)
     GROUP BY n),
values_ AS (
    SELECT v FROM (VALUES ('12.345'::jsonb), ('"abc"'), ('"de"'), ('{"z": [1, 2.50]}'), ('null'), ('[true, "q"]'), ('7')) t(v)),
cases AS (
    SELECT d, i, v,
           (SELECT array_agg(CASE WHEN o - 1 = i THEN v ELSE e END ORDER BY o)
              FROM jsonb_array_elements(d->'c') WITH ORDINALITY a(e, o)) AS elements
      FROM docs, generate_series(0, n - 1) i, values_)
SELECT count(*) AS cases,
       count(*) FILTER (WHERE a.doc IS NULL OR o.doc IS NULL) AS unchanged,
       count(*) FILTER (WHERE NOT a.fits OR NOT o.fits) AS not_fitting,
       count(*) FILTER (WHERE ad IS DISTINCT FROM ae OR ad::text <> ae::text OR pg_column_size(ROW(ad)) <> pg_column_size(ROW(ae))
                           OR od IS DISTINCT FROM oe OR od::text <> oe::text OR pg_column_size(ROW(od)) <> pg_column_size(ROW(oe)))
         AS differing
  FROM cases,
       LATERAL pg_tviews_patch_doc(d, '[{"a": ["c"], "l": [[]]}]', elements) a,
       LATERAL pg_tviews_patch_doc(d, jsonb_build_array(jsonb_build_object('p', jsonb_build_array('o', 'k' || (i + 1)))), v) o,
       LATERAL (SELECT COALESCE(a.doc, d), jsonb_set(d, ARRAY['c', i::text], v),
                       COALESCE(o.doc, d), jsonb_set(d, ARRAY['o', 'k' || (i + 1)], v)) r(ad, ae, od, oe);

-- patching off: the same change recomputes
SET pg_tviews.patching = off;
UPDATE tb_user SET name = 'cy 2' WHERE pk_user = 3;
RESET pg_tviews.patching;
SELECT * FROM checks();

-- the change feed on: recomputed too (the feed reports what the refresh
-- statements write)
BEGIN;
SET LOCAL patching.trace = off;
SET LOCAL pg_tviews.change_feed = keys;
UPDATE tb_post SET title = 'p12 fed' WHERE pk_post = 12;
SELECT entity, pk, op FROM pg_tviews_flush_and_report() ORDER BY 1, 2;
COMMIT;
SELECT * FROM checks();
DROP SCHEMA patching CASCADE;
