-- Read-model tables for the hand-written approaches (3) and (4): the same
-- columns, keys and indexes as the ones pg_tviews creates.
CREATE VIEW v_post AS :post_select;
CREATE TABLE tv_post AS SELECT * FROM v_post;
ALTER TABLE tv_post ADD PRIMARY KEY (pk_post);
CREATE INDEX ON tv_post (id);
CREATE INDEX ON tv_post (fk_user);
CREATE INDEX ON tv_post (user_id);

CREATE VIEW v_user AS :user_select_tv;
CREATE TABLE tv_user AS SELECT * FROM v_user;
ALTER TABLE tv_user ADD PRIMARY KEY (pk_user);
CREATE INDEX ON tv_user (id);
