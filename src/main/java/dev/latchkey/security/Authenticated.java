package dev.latchkey.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.latchkey.session.TokenType;

/**
 * Marks a route that needs a caller; {@link CallerFilter} reads it and answers 401/403 before the
 * route runs. Deny by default: only full user sessions are admitted unless the route names the
 * other kinds of session it also serves.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Authenticated {

    /** Token types the route accepts, tried in the token's own {@code typ}. */
    TokenType[] value();

    /** Kinds of session admitted besides a full user session. */
    SessionKind[] alsoAdmit() default {};
}
