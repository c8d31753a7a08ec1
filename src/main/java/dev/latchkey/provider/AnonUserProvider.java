package dev.latchkey.provider;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.ObjectIds;
import dev.latchkey.app.App;
import dev.latchkey.session.LoginResult;
import dev.latchkey.session.SessionStarter;
import dev.latchkey.user.User;
import dev.latchkey.user.UserRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/** Every anonymous login makes a new anonymous user, as App Services did. */
@ApplicationScoped
public class AnonUserProvider implements LoginProvider {

    public static final String TYPE = "anon-user";

    private final UserRepository users;
    private final SessionStarter sessions;

    public AnonUserProvider(UserRepository users, SessionStarter sessions) {
        this.users = users;
        this.sessions = sessions;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId) {
        return Panache.withTransaction(() -> users.create(app.id(), User.ANONYMOUS, ObjectIds.next(), TYPE, ObjectIds.next())
                .chain(user -> sessions.start(user.id, app.id(), deviceId, TYPE)));
    }
}
