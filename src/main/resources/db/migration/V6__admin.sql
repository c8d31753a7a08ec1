-- Operators (SPEC section 9).

-- A disabled user keeps everything but can start no session: the trigger below refuses any
-- session insert for them, whichever provider tries, and the session check refuses the live ones.
alter table users add column disabled boolean not null default false;
-- Server API keys are app-level keys; each logs in as a user of its own of type 'server'.
alter table users drop constraint users_type_check;
alter table users add constraint users_type_check check (type in ('normal', 'anonymous', 'server'));
create index users_app_page_idx on users (app_id, id);

create function refuse_session_of_disabled_user() returns trigger language plpgsql as $$
begin
    if exists (select 1 from users where id = new.user_id and disabled) then
        raise exception 'user is disabled' using errcode = 'LK401';
    end if;
    return new;
end
$$;
create trigger sessions_refuse_disabled_user before insert on sessions
    for each row execute function refuse_session_of_disabled_user();

-- A server key names its app, so its name is unique among the app's server keys.
alter table api_keys add column server_app_id text references apps (id) on delete cascade;
create unique index api_keys_server_name_idx on api_keys (server_app_id, name) where server_app_id is not null;

-- Email search for operators: a prefix match that can use an index whatever the collation.
create index password_credentials_email_prefix_idx on password_credentials (app_id, email text_pattern_ops);

-- Keys of operators: hashed like user keys, with a prefix of their own.
create table admin_keys (
    id          char(24)    primary key,
    name        text        not null unique check (name ~ '^[A-Za-z0-9_-]{1,64}$'),
    key_hash    bytea       not null unique check (octet_length(key_hash) = 32),
    created_at  timestamptz not null default now()
);

-- Events of the deployment itself (admin keys) belong to no app.
alter table audit_events alter column app_id drop not null;
