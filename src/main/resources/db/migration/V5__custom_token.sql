-- Custom JWT logins (SPEC section 8). A custom-token identity keeps the metadata fields of the
-- last token that logged in; the profile's data shows them. The service refuses more than 4 KiB
-- of them; the check here only backs that up (jsonb's text form is a little longer than compact JSON).
alter table identities add column data jsonb
    check (data is null or (jsonb_typeof(data) = 'object' and octet_length(data::text) <= 16384));

-- At most one custom-token identity per user: two links racing for one user meet on this index.
create unique index identities_custom_token_user_idx on identities (user_id) where provider_type = 'custom-token';
