-- The second read model ("company"): base tables and data, loaded once into
-- the template database bench_company_tpl; every approach runs in its own
-- clone of it. A 3-level chain company -> user -> post with filters (only
-- active users, only published posts), posts with two nested arrays (tags and
-- comments).
-- psql variables: ncompanies, nusers, nposts, ncomments, ntags,
-- post_select, company_select.
\set ON_ERROR_STOP 1

CREATE TABLE tb_company (
    pk_company bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    name       text NOT NULL
);

CREATE TABLE tb_user (
    pk_user    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    fk_company bigint NOT NULL,
    name       text NOT NULL,
    active     boolean NOT NULL
);

CREATE TABLE tb_post (
    pk_post      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    fk_user      bigint NOT NULL,
    title        text NOT NULL,
    body         text,
    published    boolean NOT NULL,
    published_at timestamptz
);

CREATE TABLE tb_tag (
    pk_tag bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id     uuid NOT NULL DEFAULT gen_random_uuid(),
    name   text NOT NULL
);

CREATE TABLE tb_post_tag (
    fk_post bigint NOT NULL,
    fk_tag  bigint NOT NULL,
    PRIMARY KEY (fk_post, fk_tag)
);

CREATE TABLE tb_comment (
    pk_comment bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    fk_post    bigint NOT NULL,
    fk_user    bigint NOT NULL,
    body       text
);

-- Companies 1..C; user u works for company ((u-1) % C) + 1 (10 per company at
-- the default ratio), 9 in 10 are active (by a hash); post g belongs to user
-- ((g-1) % U) + 1 (10 each), 4 in 5 are published (by a hash); every post has
-- 2 of the tags; comment g is on post ((g-1) % P) + 1 (3 per post), its
-- commenter spread over all users by a hash (about 30 comments per user).
INSERT INTO tb_company (name)
SELECT 'Company ' || g FROM generate_series(1, :ncompanies) g;

INSERT INTO tb_user (fk_company, name, active)
SELECT ((g - 1) % :ncompanies) + 1, 'User ' || g, (hashint8(g::bigint) & 1023) % 10 <> 0
FROM generate_series(1, :nusers) g;

INSERT INTO tb_post (fk_user, title, body, published, published_at)
SELECT ((g - 1) % :nusers) + 1, 'Post ' || g,
       'Body of post ' || g || ': ' || repeat('lorem ipsum dolor sit amet ', 3),
       (hashint8(-g::bigint) & 1023) % 5 <> 0,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
FROM generate_series(1, :nposts) g;

INSERT INTO tb_tag (name)
SELECT 'tag-' || lpad(g::text, 3, '0') FROM generate_series(1, :ntags) g;

INSERT INTO tb_post_tag (fk_post, fk_tag)
SELECT g, (g % :ntags) + 1 FROM generate_series(1, :nposts) g
UNION ALL
SELECT g, ((g + 1 + g % 13) % :ntags) + 1 FROM generate_series(1, :nposts) g;

INSERT INTO tb_comment (fk_post, fk_user, body)
SELECT ((g - 1) % :nposts) + 1,
       ((hashint8(g::bigint)::bigint & 2147483647) % :nusers) + 1,
       'Comment ' || g || ', well said'
FROM generate_series(1, :ncomments) g;

ALTER TABLE tb_company ADD UNIQUE (id);
ALTER TABLE tb_user ADD UNIQUE (id);
ALTER TABLE tb_post ADD UNIQUE (id);
ALTER TABLE tb_tag ADD UNIQUE (id);
ALTER TABLE tb_comment ADD UNIQUE (id);
ALTER TABLE tb_user ADD FOREIGN KEY (fk_company) REFERENCES tb_company;
ALTER TABLE tb_post ADD FOREIGN KEY (fk_user) REFERENCES tb_user;
ALTER TABLE tb_post_tag ADD FOREIGN KEY (fk_post) REFERENCES tb_post ON DELETE CASCADE;
ALTER TABLE tb_post_tag ADD FOREIGN KEY (fk_tag) REFERENCES tb_tag ON DELETE CASCADE;
ALTER TABLE tb_comment ADD FOREIGN KEY (fk_post) REFERENCES tb_post ON DELETE CASCADE;
ALTER TABLE tb_comment ADD FOREIGN KEY (fk_user) REFERENCES tb_user;
CREATE INDEX tb_user_fk_company ON tb_user (fk_company);
CREATE INDEX tb_post_fk_user ON tb_post (fk_user);
CREATE INDEX tb_post_tag_fk_tag ON tb_post_tag (fk_tag);
CREATE INDEX tb_comment_fk_post ON tb_comment (fk_post);
CREATE INDEX tb_comment_fk_user ON tb_comment (fk_user);

-- The oracle for "stale documents": the read model computed from scratch.
CREATE VIEW bench_fresh_post AS :post_select;
CREATE VIEW bench_fresh_company AS :company_select;

VACUUM (ANALYZE);
