-- createdb and psql -f are shell commands (docs/guides.md shows them); the
-- SQL part needs a GROUP BY and counts catalog rows, not documents. What a
-- restored database is checked with:
SELECT m.entity, c.reltuples, v.*
  FROM pg_tview_meta m
  JOIN pg_class c ON c.oid = m.table_oid
  CROSS JOIN LATERAL pg_tviews_verify(m.table_oid) v;
