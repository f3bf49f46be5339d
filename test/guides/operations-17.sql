-- As written it counts pg_class rows (1 and 1), whatever the tables hold.
-- What "consistent" means is checked with:
SELECT m.entity, v.missing, v.extra, v.different, v.checked
  FROM pg_tview_meta m CROSS JOIN LATERAL pg_tviews_verify(m.table_oid) v;
