-- (5)/(6)/(7) pg_tviews: the read model is declared, nothing else (run.sh
-- sets the immediate mode and the row-level capture as for the blog model).
\set ON_ERROR_STOP 1
CREATE EXTENSION pg_tviews;
CREATE TABLE tv_post AS :post_select;
CREATE TABLE tv_company AS :company_select;
