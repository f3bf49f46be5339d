-- as: super
-- primary_conninfo is a setting of the standby (postgresql.conf or
-- ALTER SYSTEM there, with standby.signal), not SQL on the primary.
ALTER SYSTEM SET wal_level = replica;
ALTER SYSTEM SET max_wal_senders = 3;
