package dev.latchkey.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.ws.rs.NameBinding;

import dev.latchkey.session.TokenType;

/**
 * Marks a route that needs a caller; {@link CallerFilter} answers 401/403 before the route runs.
 * A JAX-RS name binding: Quarkus REST decides at build time which routes carry the filter, so a
 * route without this annotation never reaches it and one with it never skips it. Deny by default:
 * an access token of a full user session unless the route names other tokens or kinds of session.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Authenticated {

    /** Token types the route accepts, tried in the token's own {@code typ}. */
    TokenType[] value() default TokenType.ACCESS;

    /** Kinds of session admitted besides a full user session. */
    SessionKind[] alsoAdmit() default {};
}
