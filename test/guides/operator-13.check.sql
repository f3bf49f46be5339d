SELECT to_regclass('unused_index') IS NULL AND to_regclass('new_index') IS NOT NULL;
