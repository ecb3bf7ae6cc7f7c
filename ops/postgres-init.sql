-- Runs once, when the postgres container starts on an empty data volume
-- (mounted into /docker-entrypoint-initdb.d, executed by psql with ON_ERROR_STOP).
-- Each service owns its database; the schemas themselves come from `python -m ops.migrate <service>`.
CREATE DATABASE catalog;
CREATE DATABASE booking;
CREATE DATABASE notifications;
