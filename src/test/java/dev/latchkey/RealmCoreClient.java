package dev.latchkey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Requests sent byte for byte as the realm-core SDKs send them: {@code Content-Type:
 * application/json;charset=utf-8} and {@code Accept: application/json} on every POST, PUT and
 * DELETE, empty bodies included. REST Assured rewrites Content-Type, so these go through the JDK client.
 */
public final class RealmCoreClient {

    public static final String CONTENT_TYPE = "application/json;charset=utf-8";

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final URI base;

    public RealmCoreClient(URI base) {
        this.base = base;
    }

    public HttpResponse<String> send(String method, String path, String bearer, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", CONTENT_TYPE)
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
