-- Instances keep each user's profile (identities, their data, the credential's email) in memory
-- (user/ProfileCache); the database tells them, at commit, whose profile changed ('p:<user>'),
-- whoever changed it: a login or link on any instance, or an operator in SQL. A user deleted,
-- disabled or retyped already says so with 'u:' (V8), which drops the profile too.

create function notify_identity_change() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' then
        perform pg_notify('latchkey_revoke', 'p:' || old.user_id);
    end if;
    if tg_op <> 'DELETE' and (tg_op = 'INSERT' or new.user_id is distinct from old.user_id) then
        perform pg_notify('latchkey_revoke', 'p:' || new.user_id);
    end if;
    return null;
end
$$;
create trigger identities_notify_change after insert or update or delete on identities for each row
    execute function notify_identity_change();

-- Only a claimed credential shows in a profile, and only its email and owner: a registration,
-- a confirmation or a new password changes nobody's profile.
create function notify_credential_change() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' and old.user_id is not null then
        perform pg_notify('latchkey_revoke', 'p:' || old.user_id);
    end if;
    if tg_op <> 'DELETE' and new.user_id is not null
            and (tg_op = 'INSERT' or new.user_id is distinct from old.user_id) then
        perform pg_notify('latchkey_revoke', 'p:' || new.user_id);
    end if;
    return null;
end
$$;
create trigger password_credentials_notify_insert after insert on password_credentials for each row
    when (new.user_id is not null)
    execute function notify_credential_change();
create trigger password_credentials_notify_change after update on password_credentials for each row
    when (old.email is distinct from new.email or old.user_id is distinct from new.user_id)
    execute function notify_credential_change();
create trigger password_credentials_notify_delete after delete on password_credentials for each row
    when (old.user_id is not null)
    execute function notify_credential_change();
