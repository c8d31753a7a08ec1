package dev.latchkey.security;

/** Sessions other than a full user's, which a route must admit by name. */
public enum SessionKind {
    /** The session of an anonymous user. */
    ANONYMOUS,
    /** A session that logged in with an API key: it acts for the key's owner, but not as the owner. */
    API_KEY
}
