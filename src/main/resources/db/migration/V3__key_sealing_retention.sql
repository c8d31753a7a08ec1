-- Signing keys: which key-encryption key sealed the secret (null: stored plain), and whether the
-- key came from configuration or was generated, so a start-up knows which one must be active.
alter table signing_keys add column kek_id text;
alter table signing_keys add column source text not null default 'generated'
    check (source in ('generated', 'configured'));

-- Retention: the scheduled purge finds ended and expired sessions, and anonymous users, by these.
create index sessions_ended_idx on sessions (ended_at) where ended_at is not null;
create index sessions_expires_idx on sessions (expires_at);
create index users_anonymous_idx on users (created_at) where type = 'anonymous';
