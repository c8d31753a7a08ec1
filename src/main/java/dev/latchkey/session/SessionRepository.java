package dev.latchkey.session;

import java.time.Duration;
import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;

@ApplicationScoped
public class SessionRepository implements PanacheRepositoryBase<Session, String> {

    public Uni<Session> start(String sessionId, String userId, String deviceId, String providerType, String apiKeyId,
            Duration lifetime) {
        Session session = new Session();
        session.id = sessionId;
        session.userId = userId;
        session.deviceId = deviceId;
        session.providerType = providerType;
        session.apiKeyId = apiKeyId;
        session.expiresAt = OffsetDateTime.now().plus(lifetime);
        return persist(session);
    }

    /** The session with its user, or null once it ended, expired or its user was deleted. */
    public Uni<LiveSession> findLive(String sessionId, String userId) {
        return getSession().flatMap(session -> session.createQuery(
                "select new dev.latchkey.session.LiveSession(s.id, s.userId, u.appId, u.type, s.providerType, s.apiKeyId, s.deviceId) "
                        + "from Session s join User u on u.id = s.userId "
                        + "where s.id = :session and s.userId = :user and s.endedAt is null and s.expiresAt > current_timestamp",
                LiveSession.class)
                .setParameter("session", sessionId)
                .setParameter("user", userId)
                .getSingleResultOrNull());
    }

    /** Ends the caller's own session; false when it was not live. */
    public Uni<Boolean> end(String sessionId, String userId) {
        return update("endedAt = current_timestamp where id = ?1 and userId = ?2 and endedAt is null", sessionId, userId)
                .map(count -> count > 0);
    }

    /** Ends every live session a key logged in, so disabling or deleting it takes effect at once. */
    public Uni<Integer> endAllForKey(String apiKeyId, String ownerId) {
        return update("endedAt = current_timestamp where apiKeyId = ?1 and userId = ?2 and endedAt is null", apiKeyId, ownerId);
    }
}
