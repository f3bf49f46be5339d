-- as: super
SET ROLE readonly_user;
SELECT count(*) > 0 FROM tv_post;
RESET ROLE;
SELECT NOT has_table_privilege('readonly_user', 'tv_post', 'UPDATE');
SELECT has_function_privilege('monitoring_user', 'pg_tviews_health_check()', 'EXECUTE');
