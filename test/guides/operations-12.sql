-- cl_active, sv_idle, ... are columns of PgBouncer's SHOW POOLS, not of
-- pg_stat_database. What PostgreSQL shows of the pooler's connections:
SELECT datname, state, count(*) AS connections
  FROM pg_stat_activity
 WHERE datname = current_database()
 GROUP BY datname, state;
