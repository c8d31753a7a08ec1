-- Every instance keeps live sessions (and apps) in memory; the database tells them, at commit,
-- what is no longer true (SPEC section 11): a session ended, expired earlier or deleted ('s:'),
-- a user disabled, changed or deleted ('u:'), an app changed or deleted ('a:'). The triggers fire
-- whoever makes the change: any instance, a scheduled job, or an operator in SQL.

create function notify_session_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('latchkey_revoke', 's:' || old.id);
    return null;
end
$$;
create trigger sessions_notify_change after update on sessions for each row
    when (old.ended_at is distinct from new.ended_at or old.expires_at is distinct from new.expires_at
          or old.user_id is distinct from new.user_id)
    execute function notify_session_change();
create trigger sessions_notify_delete after delete on sessions for each row
    execute function notify_session_change();

create function notify_user_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('latchkey_revoke', 'u:' || old.id);
    return null;
end
$$;
create trigger users_notify_change after update on users for each row
    when (old.disabled is distinct from new.disabled or old.type is distinct from new.type
          or old.app_id is distinct from new.app_id)
    execute function notify_user_change();
create trigger users_notify_delete after delete on users for each row
    execute function notify_user_change();

create function notify_app_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('latchkey_revoke', 'a:' || old.id);
    return null;
end
$$;
create trigger apps_notify_change after update or delete on apps for each row
    execute function notify_app_change();
