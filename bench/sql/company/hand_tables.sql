-- Read-model tables of the "company" model for the hand-written approaches
-- (3) and (4): the same columns, keys and indexes as the ones pg_tviews
-- creates (PRIMARY KEY, and an index on id and on each fk_* column).
CREATE VIEW v_post AS :post_select;
CREATE TABLE tv_post AS SELECT * FROM v_post;
ALTER TABLE tv_post ADD PRIMARY KEY (pk_post);
CREATE INDEX ON tv_post (id);
CREATE INDEX ON tv_post (fk_user);
CREATE INDEX ON tv_post (fk_company);

CREATE VIEW v_company AS :company_select;
CREATE TABLE tv_company AS SELECT * FROM v_company;
ALTER TABLE tv_company ADD PRIMARY KEY (pk_company);
CREATE INDEX ON tv_company (id);
