package dev.latchkey.http;

import java.util.Map;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * One GET of a small document from another service (an identity provider's keys, GitHub's
 * secret-scanning keys), without blocking: no redirects, a bounded body, a deadline for the whole
 * exchange. The future always ends, even for a URI that cannot be requested: a fetch that never
 * ended would hold every request waiting for it.
 */
public final class BoundedGet {

    private BoundedGet() {
    }

    /** A client for such fetches: connections time out like the fetch, and TLS names the host (SNI). */
    public static HttpClient client(Vertx vertx, long timeoutMillis, int maxConnections) {
        return vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) timeoutMillis)
                .setForceSni(true)
                .setMaxPoolSize(maxConnections)
                .setKeepAliveTimeout(30));
    }

    /** The body of a 200 answer; any other status, a longer body, or no answer in time fails. */
    public static Future<Buffer> fetch(Vertx vertx, HttpClient http, String uri, Map<String, String> headers,
            long timeoutMillis, int maxBytes) {
        try {
            return request(vertx, http, uri, headers, timeoutMillis, maxBytes);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private static Future<Buffer> request(Vertx vertx, HttpClient http, String uri, Map<String, String> headers,
            long timeoutMillis, int maxBytes) {
        Promise<Buffer> result = Promise.promise();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri)
                .setFollowRedirects(false).setIdleTimeout(timeoutMillis);
        headers.forEach(options::putHeader);
        long timer = vertx.setTimer(timeoutMillis, id -> result.tryFail("no answer within " + timeoutMillis + " ms"));
        result.future().onComplete(done -> vertx.cancelTimer(timer));
        http.request(options).onComplete(requested -> {
            if (requested.failed()) {
                result.tryFail(requested.cause());
                return;
            }
            HttpClientRequest request = requested.result();
            result.future().onFailure(f -> request.reset());
            request.send().onComplete(sent -> {
                if (sent.failed()) {
                    result.tryFail(sent.cause());
                    return;
                }
                var response = sent.result();
                // First, so that the reset of a refused answer below is not reported as unhandled.
                response.exceptionHandler(result::tryFail);
                if (response.statusCode() != 200) {
                    result.tryFail("status " + response.statusCode());
                    return;
                }
                if (declaredTooLarge(response.getHeader(HttpHeaders.CONTENT_LENGTH), maxBytes)) {
                    result.tryFail("answer over " + maxBytes + " bytes");
                    return;
                }
                Buffer body = Buffer.buffer();
                response.handler(chunk -> {
                    if (body.length() + chunk.length() > maxBytes) {
                        result.tryFail("answer over " + maxBytes + " bytes");
                    } else {
                        body.appendBuffer(chunk);
                    }
                });
                response.endHandler(end -> result.tryComplete(body));
            });
        });
        return result.future();
    }

    private static boolean declaredTooLarge(String length, int maxBytes) {
        if (length == null) {
            return false;
        }
        try {
            return Long.parseLong(length.trim()) > maxBytes;
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
