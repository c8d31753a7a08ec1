package dev.latchkey.error;

import io.vertx.pgclient.PgException;

/** Recognises PostgreSQL's unique-violation (23505) on a named constraint, however it was wrapped. */
public final class UniqueViolation {

    private UniqueViolation() {
    }

    public static boolean on(Throwable failure, String constraint) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg && "23505".equals(pg.getSqlState())) {
                return constraint.equals(pg.getConstraint())
                        || String.valueOf(pg.getMessage()).contains(constraint);
            }
        }
        return false;
    }
}
