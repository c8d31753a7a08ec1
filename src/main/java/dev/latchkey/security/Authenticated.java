package dev.latchkey.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.latchkey.session.TokenType;

/** Marks a route that needs a caller; {@link CallerFilter} reads it and answers 401/403 before the route runs. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Authenticated {

    /** Token types the route accepts, tried in the token's own {@code typ}. */
    TokenType[] value();

    /** Whether anonymous users and API-key sessions may call the route (key management forbids both). */
    boolean keyManagement() default false;
}
