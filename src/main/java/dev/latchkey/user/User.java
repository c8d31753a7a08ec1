package dev.latchkey.user;

/** The types a user (a row of {@code users}) has. */
public final class User {

    public static final String NORMAL = "normal";
    public static final String ANONYMOUS = "anonymous";
    /** The user a server API key logs in as (admin API). */
    public static final String SERVER = "server";

    private User() {
    }
}
