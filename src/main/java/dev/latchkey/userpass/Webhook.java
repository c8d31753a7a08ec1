package dev.latchkey.userpass;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import javax.crypto.spec.SecretKeySpec;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.Hmac;
import dev.latchkey.error.ApiException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Calls an app's confirmation or reset webhook, where App Services ran a function. The body is
 * signed ({@code Latchkey-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>})
 * and never holds a password. One deadline covers connecting, sending and reading the whole
 * answer; an answer that is late, not 2xx, larger than {@value #MAX_ANSWER_BYTES} bytes or not
 * {@code {"status": "success"|"pending"|"fail"}} counts as {@link Verdict#FAIL}, and the
 * connection is reset. Calls in flight are bounded by the client's pool and its wait queue;
 * past that the request gets 503.
 */
@ApplicationScoped
public class Webhook {

    enum Verdict {
        SUCCESS, PENDING, FAIL
    }

    /** The signed body. {@code arguments} are passed through as the client sent them (realm-web: canonical EJSON). */
    record Call(String type, @JsonProperty("app_id") String appId, String email, String token,
            @JsonProperty("token_id") String tokenId, JsonNode arguments) {
    }

    static final String SIGNATURE_HEADER = "Latchkey-Signature";
    static final int MAX_ANSWER_BYTES = 16 * 1024;
    private static final int MAX_CONNECTIONS = 64;
    private static final int MAX_WAITING = 256;

    private final Vertx vertx;
    private final ObjectMapper json;
    private final long timeoutMillis;
    private final HttpClient client;

    public Webhook(Vertx vertx, ObjectMapper json, UserpassConfig config) {
        this.vertx = vertx;
        this.json = json;
        this.timeoutMillis = config.webhookTimeout().toMillis();
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) timeoutMillis)
                .setIdleTimeout((int) Math.max(1, config.webhookTimeout().toSeconds())),
                new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS).setMaxWaitQueueSize(MAX_WAITING));
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** The receiver's verdict; completes on the caller's Vert.x context, within the timeout. */
    Uni<Verdict> call(String url, String secret, Call call) {
        byte[] body = body(call);
        long t = System.currentTimeMillis() / 1000;
        String signature = "t=" + t + ",v1=" + sign(secret, t, body);
        return Uni.createFrom().emitter(emitter -> new Exchange(emitter, Vertx.currentContext(), call.type())
                .start(url, signature, body));
    }

    /** {@code hex(HMAC-SHA256(secret, t + "." + body))}. */
    static String sign(String secret, long t, byte[] body) {
        Key key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), Hmac.SHA256);
        return HexFormat.of().formatHex(Hmac.sha256(key, (t + ".").getBytes(StandardCharsets.US_ASCII), body));
    }

    private byte[] body(Call call) {
        try {
            return json.writeValueAsBytes(call);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Verdict verdict(Buffer answer) {
        try {
            JsonNode status = json.readTree(answer.getBytes()).get("status");
            if (status != null && status.isTextual()) {
                switch (status.textValue()) {
                    case "success":
                        return Verdict.SUCCESS;
                    case "pending":
                        return Verdict.PENDING;
                    default:
                        break;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            Log.debugf("webhook answer is not JSON: %s", e.toString());
        }
        return Verdict.FAIL;
    }

    /** One call: the first of answer, failure or deadline settles it, and the others are ignored. */
    private final class Exchange {
        private final UniEmitter<? super Verdict> emitter;
        private final Context caller;
        private final String type;
        private final AtomicBoolean settled = new AtomicBoolean();
        private final AtomicReference<HttpClientRequest> request = new AtomicReference<>();
        private long timer;

        Exchange(UniEmitter<? super Verdict> emitter, Context caller, String type) {
            this.emitter = emitter;
            this.caller = caller;
            this.type = type;
        }

        void start(String url, String signature, byte[] body) {
            timer = vertx.setTimer(timeoutMillis, id -> fail("no answer within " + timeoutMillis + " ms"));
            client.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("User-Agent", "Latchkey-Webhook")
                    .putHeader(SIGNATURE_HEADER, signature))
                    .onFailure(this::failed)
                    .onSuccess(req -> {
                        request.set(req);
                        if (settled.get()) {
                            req.reset();
                            return;
                        }
                        req.send(Buffer.buffer(body)).onFailure(this::failed).onSuccess(response -> {
                            response.exceptionHandler(this::failed);
                            if (response.statusCode() / 100 != 2) {
                                fail("answered HTTP " + response.statusCode());
                                return;
                            }
                            Buffer answer = Buffer.buffer();
                            response.handler(chunk -> {
                                if (answer.length() + chunk.length() > MAX_ANSWER_BYTES) {
                                    fail("answer larger than " + MAX_ANSWER_BYTES + " bytes");
                                } else {
                                    answer.appendBuffer(chunk);
                                }
                            });
                            response.endHandler(done -> settle(verdict(answer), null));
                        });
                    });
        }

        private void failed(Throwable failure) {
            if (failure instanceof ConnectionPoolTooBusyException) {
                settle(null, ApiException.unavailable(1));
            } else {
                fail(failure.toString());
            }
        }

        private void fail(String why) {
            if (!settled.get()) {
                Log.infof("%s webhook counts as fail: %s", type, why);
            }
            settle(Verdict.FAIL, null);
        }

        private void settle(Verdict verdict, RuntimeException failure) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(timer);
            HttpClientRequest req = request.get();
            if (req != null && verdict == Verdict.FAIL) {
                req.reset();
            }
            Runnable emit = failure != null ? () -> emitter.fail(failure) : () -> emitter.complete(verdict);
            if (caller == null) {
                emit.run();
            } else {
                caller.runOnContext(ignored -> emit.run());
            }
        }
    }
}
