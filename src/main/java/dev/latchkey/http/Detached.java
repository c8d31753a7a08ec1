package dev.latchkey.http;

import io.smallrye.mutiny.Uni;

/**
 * Lets a request's work run to its end when the client goes away mid-way: cancelling while a
 * transaction is open would abandon it half-way on its connection, and a change
 * half-made (a token used, its password not yet set) helps nobody. The result is then simply dropped.
 */
public final class Detached {

    private Detached() {
    }

    public static <T> Uni<T> of(Uni<T> work) {
        return Uni.createFrom().emitter(emitter -> work.subscribe().with(emitter::complete, emitter::fail));
    }
}
