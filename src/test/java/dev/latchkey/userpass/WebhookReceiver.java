package dev.latchkey.userpass;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An app's webhook receiver on 127.0.0.1, as an operator would write one: it verifies
 * {@code Latchkey-Signature} (HMAC-SHA256 over {@code t + "." + body}) independently of the
 * service's code, records each call, and answers as the test told it for that email.
 */
final class WebhookReceiver {

    static final String SECRET = "webhook-secret-for-the-tests-0123456789";
    private static final Pattern SIGNATURE = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static WebhookReceiver running;

    /** How to answer: success, pending, fail; garbage (200, not JSON), error (500), huge (2 MB), silent (never). */
    enum Answer {
        SUCCESS, PENDING, FAIL, GARBAGE, ERROR, HUGE, SILENT
    }

    record Call(String path, JsonNode body, String rawBody, boolean signed, long signedAt) {
        String text(String field) {
            JsonNode value = body.get(field);
            return value == null || value.isNull() ? null : value.asText();
        }
    }

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private WebhookReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.setExecutor(Executors.newCachedThreadPool(work -> {
            Thread thread = new Thread(work, "test-webhook-receiver");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    static synchronized WebhookReceiver get() {
        if (running == null) {
            try {
                running = new WebhookReceiver(TestPorts.free());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return running;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void answer(String email, Answer answer) {
        answers.put(email, answer);
    }

    List<Call> callsFor(String email) {
        return calls.stream().filter(c -> email.equals(c.text("email"))).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] raw = exchange.getRequestBody().readAllBytes();
        String header = exchange.getRequestHeaders().getFirst("Latchkey-Signature");
        JsonNode body = JSON.readTree(raw);
        boolean signed = false;
        long signedAt = 0;
        Matcher m = header == null ? null : SIGNATURE.matcher(header);
        if (m != null && m.matches()) {
            signedAt = Long.parseLong(m.group(1));
            signed = MessageDigest.isEqual(hmac(m.group(1) + "." + new String(raw, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.US_ASCII), m.group(2).getBytes(StandardCharsets.US_ASCII));
        }
        Call call = new Call(exchange.getRequestURI().getPath(), body, new String(raw, StandardCharsets.UTF_8), signed, signedAt);
        calls.add(call);
        Answer answer = signed ? answers.getOrDefault(call.text("email"), Answer.FAIL) : Answer.FAIL;
        switch (answer) {
            case SILENT -> {
                try {
                    Thread.sleep(15_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
            }
            case GARBAGE -> respond(exchange, 200, "this is not JSON");
            case ERROR -> respond(exchange, 500, "{\"status\":\"success\"}");
            case HUGE -> respond(exchange, 200, "{\"status\":\"success\",\"pad\":\"" + "x".repeat(2_000_000) + "\"}");
            default -> respond(exchange, 200, "{\"status\":\"" + answer.name().toLowerCase() + "\"}");
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        try {
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException reset) {
            // The service hung up on a huge answer: that is the point.
        } finally {
            exchange.close();
        }
    }

    private static String hmac(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
