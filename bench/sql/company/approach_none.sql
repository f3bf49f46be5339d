-- (1) No read model: the documents are computed at read time from views.
\set ON_ERROR_STOP 1
CREATE VIEW v_post AS :post_select;
CREATE VIEW v_company AS :company_select;
