-- "Restore from backup": the definitions saved in operations-04
\i :walkdir/tview_definitions.sql
