-- An import's lookup of its account's contacts under stale planner statistics (PostgreSQL).
--
-- Run: psql -h 127.0.0.1 -U postgres -d DATABASE -f bench/stale_statistics.sql
--
-- A platform whose statistics know one account with 100,000 contacts; a new account, analysed
-- before it had any, then imports 100,000. Two bare tables shaped like contacts_contact's
-- indexes: before (unique (account, hash), the account's condition inside the fenced probe)
-- and now (unique (hash, account), the account's condition outside it). Each EXPLAIN ANALYZE
-- probes 1,000 addresses of the new account.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP TABLE IF EXISTS stale_before, stale_now;
CREATE TABLE stale_before (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL,
    address_hash varchar(64) NOT NULL,
    status varchar(1) NOT NULL
);
CREATE TABLE stale_now (LIKE stale_before INCLUDING DEFAULTS);
CREATE UNIQUE INDEX stale_before_unique ON stale_before (account_id, address_hash);
CREATE INDEX stale_before_status ON stale_before (account_id, status);
CREATE UNIQUE INDEX stale_now_unique ON stale_now (address_hash, account_id);
CREATE INDEX stale_now_status ON stale_now (account_id, status);

INSERT INTO stale_before (account_id, address_hash, status)
SELECT 1, md5(g::text) || md5(g::text), 'A' FROM generate_series(1, 100000) g;
INSERT INTO stale_now (account_id, address_hash, status)
SELECT account_id, address_hash, status FROM stale_before;
ANALYZE stale_before, stale_now;
-- The new account's contacts, after the statistics were taken.
INSERT INTO stale_before (account_id, address_hash, status)
SELECT 2, md5((-g)::text) || md5(g::text), 'A' FROM generate_series(1, 100000) g;
INSERT INTO stale_now (account_id, address_hash, status)
SELECT account_id, address_hash, status FROM stale_before WHERE account_id = 2;

\echo 'before: the account inside the probe, unique (account, hash)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)
SELECT t.* FROM unnest(ARRAY(
    SELECT address_hash FROM stale_before WHERE account_id = 2 ORDER BY id LIMIT 1000
)) AS probe(v) CROSS JOIN LATERAL (
    SELECT * FROM stale_before WHERE account_id = 2 AND address_hash = probe.v OFFSET 0
) t;

\echo 'now: the value alone inside the probe, unique (hash, account)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)
SELECT t.* FROM unnest(ARRAY(
    SELECT address_hash FROM stale_now WHERE account_id = 2 ORDER BY id LIMIT 1000
)) AS probe(v) CROSS JOIN LATERAL (
    SELECT * FROM stale_now WHERE address_hash = probe.v OFFSET 0
) t WHERE account_id = 2;

DROP TABLE stale_before, stale_now;
