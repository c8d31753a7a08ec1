package dev.latchkey.security;

import java.util.List;
import java.util.Set;

import dev.latchkey.error.ApiException;
import dev.latchkey.session.TokenType;

/** Who a route lets in: which tokens, and which sessions besides full user sessions. */
public record Admission(List<TokenType> tokens, Set<SessionKind> alsoAdmitted) {

    /** Linking credentials to the caller ({@code ?link=true}): an anonymous user may become a normal one; a key's session may not grow its owner's account. */
    public static final Admission LINK = new Admission(List.of(TokenType.ACCESS), Set.of(SessionKind.ANONYMOUS));

    static Admission of(Authenticated rule) {
        return new Admission(List.of(rule.value()), Set.of(rule.alsoAdmit()));
    }

    /** 403 unless the caller's kind of session is admitted. */
    void check(Caller caller) {
        if (caller.loggedInWithApiKey() && !alsoAdmitted.contains(SessionKind.API_KEY)) {
            throw ApiException.forbidden("sessions that logged in with an API key cannot do this");
        }
        if (caller.anonymous() && !alsoAdmitted.contains(SessionKind.ANONYMOUS)) {
            throw ApiException.forbidden("anonymous users cannot do this");
        }
    }
}
