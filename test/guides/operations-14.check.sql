SELECT count(*) = 4 AND bool_and(definition IS NOT NULL) FROM tview_backup_pre_upgrade;
