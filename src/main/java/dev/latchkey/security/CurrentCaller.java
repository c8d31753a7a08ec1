package dev.latchkey.security;

import jakarta.enterprise.context.RequestScoped;

/** The request's {@link Caller}, set by {@link CallerFilter} before an {@link Authenticated} route runs. */
@RequestScoped
public class CurrentCaller {

    private Caller caller;

    public Caller get() {
        if (caller == null) {
            throw new IllegalStateException("route is not @Authenticated");
        }
        return caller;
    }

    void set(Caller caller) {
        this.caller = caller;
    }
}
