package dev.latchkey.provider;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.ObjectIds;
import dev.latchkey.app.App;
import dev.latchkey.session.LoginResult;
import dev.latchkey.session.SessionStarter;
import dev.latchkey.user.User;
import dev.latchkey.user.UserRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/** Every anonymous login makes a new anonymous user, as App Services did. */
@ApplicationScoped
public class AnonUserProvider implements LoginProvider {

    public static final String TYPE = "anon-user";

    private final UserRepository users;
    private final SessionStarter sessions;
    private final Pool pool;

    public AnonUserProvider(UserRepository users, SessionStarter sessions, Pool pool) {
        this.users = users;
        this.sessions = sessions;
        this.pool = pool;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId) {
        return pool.withTransaction(tx -> users.create(tx, app.id(), User.ANONYMOUS, ObjectIds.next(), TYPE, ObjectIds.next())
                .chain(userId -> sessions.start(tx, userId, app.id(), deviceId, TYPE)));
    }
}
