-- API keys beyond App Services (SPEC section 10): expiry, last use, rotation with a grace period.
alter table api_keys
    -- Null: never expires. An expired key logs in like a deleted one.
    add column expires_at timestamptz,
    -- Written from memory in batches (at most once per key per flush), never by a login itself.
    add column last_used_at timestamptz,
    -- When the api_key.expire audit event was written: the expiry job writes each key's event once.
    add column expired_event_at timestamptz,
    -- Rotation: the value before the last rotation keeps logging in until previous_expires_at.
    add column previous_key_hash bytea unique check (octet_length(previous_key_hash) = 32),
    add column previous_expires_at timestamptz,
    -- Counts rotations, so a session knows which value of its key it logged in with.
    add column generation integer not null default 0,
    add constraint api_keys_previous_pair check ((previous_key_hash is null) = (previous_expires_at is null));

-- The expiry job's work list: keys past their expiry whose event is not written yet.
create index api_keys_expiry_due_idx on api_keys (expires_at)
    where expires_at is not null and expired_event_at is null;

-- The generation of the key value a session logged in with (api-key sessions only; sessions from
-- before this migration logged in with generation 0, the only one there was).
alter table sessions add column api_key_generation integer;
