-- App settings move into one JSON document with the shape of the admin API's app object
-- (providers with their settings, the per-user key limit), so the admin API, the bootstrap
-- configuration and every provider read the same thing.
alter table apps add column settings jsonb not null default '{}';
update apps set settings = jsonb_build_object('providers',
    (select coalesce(jsonb_object_agg(p, jsonb_build_object('enabled', true)), '{}'::jsonb) from unnest(providers) p));
alter table apps drop column providers;

-- Security events, append-only. Not tied to apps or users by foreign keys: the trail must
-- outlive what it describes (a deleted user's history stays until retention purges it).
create table audit_events (
    seq         bigint      generated always as identity primary key,
    id          char(24)    not null unique,
    app_id      text        not null,
    at          timestamptz not null default clock_timestamp(),
    type        text        not null check (type ~ '^[a-z_]+(\.[a-z_]+)*$'),
    user_id     char(24),
    api_key_id  char(24),
    session_id  char(24),
    actor       text        not null,
    address     text,
    outcome     text        not null check (outcome in ('success', 'failure', 'refused')),
    detail      jsonb       not null default '{}'
);
create index audit_events_app_idx on audit_events (app_id, seq);
create index audit_events_user_idx on audit_events (app_id, user_id, seq) where user_id is not null;
create index audit_events_at_idx on audit_events (at);

-- Rate-limit counters shared by every instance. A key is the SHA-256 of the limit's name and
-- its subject (client address, account, email), so hostile input cannot make it long. Unlogged:
-- counters need no crash safety, and skipping the WAL keeps each reservation cheap.
create unlogged table throttle_counters (
    key          bytea       primary key check (octet_length(key) = 32),
    window_start timestamptz not null,
    window_end   timestamptz not null,
    count        integer     not null
);
create index throttle_counters_end_idx on throttle_counters (window_end);
