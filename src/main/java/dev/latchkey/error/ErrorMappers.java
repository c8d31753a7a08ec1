package dev.latchkey.error;

import java.net.ConnectException;
import java.time.Duration;
import java.util.UUID;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import dev.latchkey.LatchkeyConfig;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/** Turns every failure into SPEC section 4's body; the only place that writes error responses. */
public class ErrorMappers {

    /** Seconds a client should wait before retrying while the database is unreachable. */
    static final String RETRY_AFTER_SECONDS = "5";

    private final Duration refusalPause;

    public ErrorMappers(LatchkeyConfig config) {
        this.refusalPause = config.throttle().refusalPause();
    }

    /**
     * A 429 is answered after a short pause ({@code latchkey.throttle.refusal-pause}): a client
     * that asks again the moment it is refused can then send only so many requests a second on
     * each connection, so a flood of refused requests costs this service, and the machine, little.
     */
    @ServerExceptionMapper
    public Uni<Response> apiException(ApiException e) {
        Response.ResponseBuilder response = Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(e.getMessage(), e.code()));
        if (e.retryAfterSeconds() > 0) {
            response.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        Uni<Response> answer = Uni.createFrom().item(response.build());
        return e.status() == 429 && !refusalPause.isZero() ? answer.onItem().delayIt().by(refusalPause) : answer;
    }

    @ServerExceptionMapper
    public Response invalidJson(JsonProcessingException e) {
        return json(400, new ApiError(describe(e), "BadRequest"));
    }

    /** Declared for the exact type so it wins over the framework's built-in mapper. */
    @ServerExceptionMapper
    public Response wrongShape(MismatchedInputException e) {
        return invalidJson(e);
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException json) {
            return invalidJson(json);
        }
        return switch (status) {
            case 400 -> json(400, new ApiError("invalid request", "BadRequest"));
            case 404 -> json(404, new ApiError("not found", "NotFound"));
            case 405 -> json(405, new ApiError("method not allowed", "MethodNotAllowed"));
            case 406 -> json(406, new ApiError("responses are application/json", "NotAcceptable"));
            case 413 -> tooLarge();
            case 415 -> json(415, new ApiError("request body must be application/json", "UnsupportedMediaType"));
            default -> status >= 500 ? unexpected(e) : json(status, new ApiError("request failed", "BadRequest"));
        };
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (isDatabaseUnavailable(e)) {
            Log.warnf("database unavailable: %s", e.toString());
            return Response.status(503)
                    .header("Retry-After", RETRY_AFTER_SECONDS)
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(new ApiError("service unavailable", "ServiceUnavailable"))
                    .build();
        }
        String sqlState = sqlState(e);
        if ("LK401".equals(sqlState)) {
            // The database refused a session for a disabled user (the trigger of V6), whichever provider asked.
            return json(401, new ApiError("unauthorized", "AuthError"));
        }
        if (sqlState != null && sqlState.startsWith("23")) {
            // Every constraint a request can hit is mapped where it is hit; reaching this is a
            // bug to fix, but the client still gets what happened: its change conflicted.
            Log.warnf("unmapped constraint violation (SQLSTATE %s, constraint %s)", sqlState, constraint(e));
            return json(409, new ApiError("the change conflicts with the current state; try again", "Conflict"));
        }
        if (sqlState != null && sqlState.startsWith("22")) {
            // Data PostgreSQL refuses (a NUL byte, a number out of range) that no check caught first.
            Log.warnf("input refused by the database (SQLSTATE %s)", sqlState);
            return json(400, new ApiError("request contains a value that cannot be stored", "BadRequest"));
        }
        String correlationId = UUID.randomUUID().toString();
        Log.errorf(e, "unexpected failure, correlation id %s", correlationId);
        return json(500, new ApiError("internal server error (correlation id " + correlationId + ")", "InternalServerError"));
    }

    private static Response tooLarge() {
        return json(413, new ApiError("request too large", "BadRequest"));
    }

    static Response json(int status, ApiError body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }

    /** Connection failures anywhere in the cause chain, however the driver wrapped them. */
    public static boolean isDatabaseUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedConnectionException) {
                return true;
            }
            if (t instanceof PgException pg && pg.getSqlState() != null
                    && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57P"))) {
                return true;
            }
            String message = String.valueOf(t.getMessage());
            if (t.getClass().getName().startsWith("io.vertx.")
                    && (message.contains("Connection refused") || message.contains("Connection is closed")
                            || message.contains("Timeout") || message.contains("Connection reset")
                            || message.contains("wait queue"))) {
                return true;
            }
        }
        return false;
    }

    /** The SQLSTATE of a database error anywhere in the cause chain, or null. */
    static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg && pg.getSqlState() != null) {
                return pg.getSqlState();
            }
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private static String constraint(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg && pg.getConstraint() != null) {
                return pg.getConstraint();
            }
        }
        return "unknown";
    }

    /** Names what is wrong without echoing the body back (it may hold a password or key). */
    private static String describe(JsonProcessingException e) {
        if (e instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (var ref : mismatch.getPath()) {
                if (ref.getFieldName() != null) {
                    path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            boolean badText = String.valueOf(mismatch.getOriginalMessage()).contains("NUL character");
            return "'" + path + (badText ? "' holds a NUL character or a lone surrogate" : "' has the wrong type");
        }
        if (e instanceof MismatchedInputException) {
            return "request body has the wrong shape";
        }
        return "request body is not valid JSON";
    }
}
