-- Instances keep each owner's key list in memory (apikey/KeyListCache); the database tells them,
-- at commit, whose keys changed ('k:<owner>'), whoever changed them: any instance, a scheduled job
-- (expiry, last use), a leak report, or an operator in SQL.

create function notify_key_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('latchkey_revoke', 'k:' || coalesce(new.owner_id, old.owner_id));
    return null;
end
$$;
create trigger api_keys_notify_change after insert or update or delete on api_keys for each row
    execute function notify_key_change();
