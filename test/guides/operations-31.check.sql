-- as: super
-- the guide's alert view (its creator, the DBA, reads it) sees the other
-- session's 150+ keys
SELECT status = 'CRITICAL' AND current_value > 150 FROM monitoring_alerts WHERE alert_type = 'queue_size';
