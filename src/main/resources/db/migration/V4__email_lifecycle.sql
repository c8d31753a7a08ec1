-- Email/password lifecycle (SPEC section 7): confirmation and password reset.

-- A credential is pending until confirmed_at is set, and a pending one cannot log in. No
-- default: whatever inserts a credential states whether it is confirmed. Every credential
-- registered before this migration was confirmed at registration (auto-confirm was the only mode).
alter table password_credentials add column confirmed_at timestamptz;
update password_credentials set confirmed_at = created_at;

-- Single-use tokens of the confirm and reset links and webhooks. The row's id is the tokenId
-- the client sends back; of the token itself only its SHA-256 is kept. A used token stays (with
-- used_at) until it is purged a day after expiry, so "used" can be told from "unknown".
create table userpass_tokens (
    id          char(24)    primary key,
    app_id      text        not null,
    email       text        not null,
    purpose     text        not null check (purpose in ('confirm', 'reset')),
    token_hash  bytea       not null unique check (octet_length(token_hash) = 32),
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz,
    foreign key (app_id, email) references password_credentials (app_id, email) on delete cascade
);
create index userpass_tokens_credential_idx on userpass_tokens (app_id, email, purpose) where used_at is null;
create index userpass_tokens_expires_idx on userpass_tokens (expires_at);

-- Mails to send. A request stores the intent in its own transaction and answers; a sender on
-- every instance claims due rows (skip locked), creates the token at that moment, sends, and
-- deletes the row, or tries again later with backoff. A row that ran out of attempts keeps
-- failed_at and last_error for operators until it is purged. No token is ever stored here.
create table mail_outbox (
    id              bigint      generated always as identity primary key,
    app_id          text        not null,
    email           text        not null,
    purpose         text        not null check (purpose in ('confirm', 'reset')),
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,
    failed_at       timestamptz,
    created_at      timestamptz not null default now(),
    foreign key (app_id, email) references password_credentials (app_id, email) on delete cascade
);
create index mail_outbox_due_idx on mail_outbox (next_attempt_at) where failed_at is null;
create index mail_outbox_credential_idx on mail_outbox (app_id, email);
