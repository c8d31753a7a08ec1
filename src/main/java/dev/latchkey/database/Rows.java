package dev.latchkey.database;

import java.util.function.Function;

import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.RowSet;

/** What a statement that finds at most one row answered. */
public final class Rows {

    private Rows() {
    }

    /** The first row, read by {@code read}; null when there is none. */
    public static <T> T first(RowSet<Row> rows, Function<Row, T> read) {
        RowIterator<Row> it = rows.iterator();
        return it.hasNext() ? read.apply(it.next()) : null;
    }
}
