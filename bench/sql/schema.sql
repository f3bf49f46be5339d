-- Base (write-model) tables and data, loaded once into the template database
-- bench_tpl; every approach runs in its own clone of it.
-- psql variables: nusers, nposts, ncomments, post_select, user_select_fresh.
\set ON_ERROR_STOP 1

CREATE TABLE tb_user (
    pk_user bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id      uuid NOT NULL DEFAULT gen_random_uuid(),
    name    text NOT NULL,
    email   text
);

CREATE TABLE tb_post (
    pk_post bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id      uuid NOT NULL DEFAULT gen_random_uuid(),
    fk_user bigint NOT NULL,
    title   text NOT NULL,
    body    text
);

CREATE TABLE tb_comment (
    pk_comment bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    fk_post    bigint NOT NULL,
    fk_user    bigint NOT NULL,
    body       text
);

-- Users 1..N; post g belongs to user ((g-1) % N) + 1 (10 posts each at the
-- default ratio); comment g is on post ((g-1) % P) + 1 (5 per post) and its
-- commenter is spread over all users by a hash (about 50 comments per user,
-- on about 50 different posts).
INSERT INTO tb_user (name, email)
SELECT 'User ' || g, 'user' || g || '@example.com'
FROM generate_series(1, :nusers) g;

INSERT INTO tb_post (fk_user, title, body)
SELECT ((g - 1) % :nusers) + 1, 'Post ' || g,
       'Body of post ' || g || ': ' || repeat('lorem ipsum dolor sit amet ', 4)
FROM generate_series(1, :nposts) g;

INSERT INTO tb_comment (fk_post, fk_user, body)
SELECT ((g - 1) % :nposts) + 1,
       ((hashint8(g::bigint)::bigint & 2147483647) % :nusers) + 1,
       'Comment ' || g || ', well said'
FROM generate_series(1, :ncomments) g;

ALTER TABLE tb_user ADD UNIQUE (id);
ALTER TABLE tb_post ADD UNIQUE (id);
ALTER TABLE tb_comment ADD UNIQUE (id);
ALTER TABLE tb_post ADD FOREIGN KEY (fk_user) REFERENCES tb_user;
ALTER TABLE tb_comment ADD FOREIGN KEY (fk_post) REFERENCES tb_post ON DELETE CASCADE;
ALTER TABLE tb_comment ADD FOREIGN KEY (fk_user) REFERENCES tb_user;
CREATE INDEX tb_post_fk_user ON tb_post (fk_user);
CREATE INDEX tb_comment_fk_post ON tb_comment (fk_post);
CREATE INDEX tb_comment_fk_user ON tb_comment (fk_user);

-- The oracle for "stale documents": the read model computed from scratch.
-- bench_fresh_user aggregates fresh post documents (not tv_post), so a stale
-- tv_post document does not hide a stale tv_user document.
CREATE VIEW bench_fresh_post AS :post_select;
CREATE VIEW bench_fresh_user AS :user_select_fresh;

VACUUM (ANALYZE);
