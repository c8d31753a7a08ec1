package dev.latchkey.http;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.interceptor.InterceptorBinding;

/**
 * Every route of a resource class so marked answers within {@code latchkey.request-deadline}: past
 * it, the client gets 503 ServiceUnavailable with Retry-After, while the work itself runs on to its
 * end (cancelling it mid-transaction would abandon the transaction half-way on its connection).
 * What this guards against is a database that stops answering with its sockets open, which no
 * pool timeout notices once a query is on the wire. Every resource class carries it; a test checks.
 */
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface Deadline {
}
