-- (2) Materialized views, rebuilt with REFRESH MATERIALIZED VIEW [CONCURRENTLY].
-- mv_user is built on mv_post, as tv_user is built on tv_post.
\set ON_ERROR_STOP 1
CREATE MATERIALIZED VIEW mv_post AS :post_select;
CREATE UNIQUE INDEX mv_post_pk ON mv_post (pk_post);
CREATE INDEX ON mv_post (id);
CREATE INDEX ON mv_post (fk_user);
CREATE INDEX ON mv_post (user_id);
CREATE MATERIALIZED VIEW mv_user AS :user_select_mv;
CREATE UNIQUE INDEX mv_user_pk ON mv_user (pk_user);
CREATE INDEX ON mv_user (id);
