package dev.latchkey.leak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.apikey.ApiKeyRepository;
import dev.latchkey.apikey.ApiKeyRepository.LeakedKey;
import dev.latchkey.apikey.KeyCodec;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.BodyLimit;
import dev.latchkey.http.ClientAddress;
import dev.latchkey.http.StrictJson;
import dev.latchkey.session.SessionRepository;
import dev.latchkey.throttle.Throttle;
import dev.latchkey.throttle.Throttle.Limit;
import dev.latchkey.throttle.Throttle.Slot;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.Router;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * GitHub's secret-scanning reports (its partner program): a signed JSON array of
 * {@code {token, type, url, source}}. The signature (ECDSA P-256 over SHA-256 of the raw body,
 * base64 DER) is checked before anything is read; then every token that looks like a Latchkey key
 * (prefix and checksum, no database read) is matched by SHA-256 against the current and previous
 * values of every key, in one statement for the whole report. A match disables its key at once
 * and ends its sessions, and the owner's audit trail gets {@code api_key.leak} with where GitHub
 * found it (never the token). The answer labels every token {@code true_positive} or
 * {@code false_positive}, with the SHA-256 of the token, as GitHub's feedback format asks.
 * <p>
 * A report with a missing or bad signature is 401 and changes nothing; such failures count
 * against the sender's address (the signature check is cheap, but not free), and an address over
 * the limit gets 429 without any check.
 */
@ApplicationScoped
public class LeakReports {

    /** Where GitHub sends reports. Not under the client API: GitHub is not a client. */
    public static final String PATH = "/api/secret-scanning/github";
    /** A report of 1,000 tokens with long URLs fits; GitHub sends large batches in one request. */
    static final long MAX_BODY_BYTES = 1024 * 1024;
    /** Report fields kept in the audit trail are cut to this length. */
    static final int MAX_DETAIL_CHARS = 2048;
    static final String ACTOR = "github-secret-scanning";

    public static final String TRUE_POSITIVE = "true_positive";
    public static final String FALSE_POSITIVE = "false_positive";

    /** One token's label, in GitHub's feedback format. */
    @JsonPropertyOrder({ "token_hash", "token_type", "label" })
    public record TokenLabel(@JsonProperty("token_hash") String tokenHash, @JsonProperty("token_type") String tokenType,
            String label) {
    }

    /** One reported match, as read from the body. */
    private record Match(String token, String type, String url, String source, String hashHex) {
    }

    private final GithubPublicKeys githubKeys;
    private final ApiKeyRepository keys;
    private final SessionRepository sessions;
    private final AuditLog audit;
    private final Throttle throttle;
    private final Pool pool;
    private final ObjectMapper json;
    private final Limit failures;
    private final int maxTokens;

    public LeakReports(GithubPublicKeys githubKeys, ApiKeyRepository keys, SessionRepository sessions, AuditLog audit,
            Throttle throttle, Pool pool, ObjectMapper json, LatchkeyConfig config) {
        LatchkeyConfig.SecretScanning c = config.secretScanning();
        this.githubKeys = githubKeys;
        this.keys = keys;
        this.sessions = sessions;
        this.audit = audit;
        this.throttle = throttle;
        this.pool = pool;
        this.json = json;
        this.failures = new Limit("secret-scanning-failures/address", c.addressFailures(), c.addressFailuresWindow());
        this.maxTokens = c.maxTokens();
    }

    void install(@Observes Router router, BodyLimit bodyLimit) {
        bodyLimit.raise(PATH, MAX_BODY_BYTES);
    }

    /** Checks the report's signature, then acts on it; the labels, in the report's order. */
    public Uni<List<TokenLabel>> report(byte[] body, String keyIdentifier, String signature, ClientAddress client) {
        Slot slot = new Slot(failures, client.limitKey());
        long blocked = throttle.knownBlockedSeconds(slot);
        if (blocked > 0) {
            return Uni.createFrom().failure(ApiException.tooManyRequests(blocked));
        }
        if (isBlank(keyIdentifier) || isBlank(signature) || body == null || body.length == 0) {
            return refused(slot, "missing signature headers or body");
        }
        return githubKeys.find(keyIdentifier.trim()).chain(key -> {
            if (key == null) {
                return refused(slot, "unknown key identifier");
            }
            if (!verifies(key, body, signature.trim())) {
                return refused(slot, "signature does not verify");
            }
            return act(read(body), client);
        });
    }

    private Uni<List<TokenLabel>> refused(Slot slot, String why) {
        Log.debugf("secret-scanning report refused: %s", why);
        return throttle.record(slot).map(wait -> {
            if (wait > 0) {
                throw ApiException.tooManyRequests(wait);
            }
            throw new ApiException(401, "Unauthorized", "invalid or missing GitHub signature");
        });
    }

    private static boolean verifies(PublicKey key, byte[] body, String signature) {
        try {
            Signature check = Signature.getInstance("SHA256withECDSA");
            check.initVerify(key);
            check.update(body);
            return check.verify(Base64.getDecoder().decode(signature));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The signed body: a JSON array of objects, each with a string {@code token}. */
    private List<Match> read(byte[] body) {
        JsonNode report;
        try {
            report = json.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("request body is not valid JSON");
        }
        if (report == null || !report.isArray()) {
            throw ApiException.badRequest("request body must be a JSON array");
        }
        if (report.size() > maxTokens) {
            throw new ApiException(413, "BadRequest", "request too large: at most " + maxTokens + " tokens per report");
        }
        List<Match> matches = new ArrayList<>(report.size());
        for (JsonNode entry : report) {
            JsonNode token = entry.get("token");
            if (token == null || !token.isTextual()) {
                throw ApiException.badRequest("every entry needs a string 'token'");
            }
            matches.add(new Match(token.asText(), text(entry, "type"), text(entry, "url"), text(entry, "source"),
                    HexFormat.of().formatHex(sha256(token.asText()))));
        }
        return matches;
    }

    /**
     * Disables the reported keys, ends their sessions and writes their events, in one transaction
     * of three statements whatever the report's size; a report without a Latchkey-shaped token
     * reads nothing.
     */
    private Uni<List<TokenLabel>> act(List<Match> matches, ClientAddress client) {
        Map<String, byte[]> candidates = new LinkedHashMap<>();
        for (Match match : matches) {
            if (KeyCodec.isWellFormed(match.token())) {
                candidates.put(match.hashHex(), KeyCodec.hash(match.token()));
            }
        }
        if (candidates.isEmpty()) {
            return Uni.createFrom().item(labels(matches, Map.of()));
        }
        return pool.withTransaction(tx -> keys.disableByValueHashes(tx, new ArrayList<>(candidates.values()))
                .call(leaked -> leaked.isEmpty() ? Uni.createFrom().voidItem()
                        : sessions.endAllForKeys(tx, leaked.stream().map(LeakedKey::id).toArray(String[]::new),
                                leaked.stream().map(LeakedKey::ownerId).toArray(String[]::new)))
                .map(LeakReports::byValueHash)
                .call(byHash -> audit.onAll(tx, events(matches, byHash, client))))
                .map(byHash -> labels(matches, byHash));
    }

    /** Each disabled key under the hex SHA-256 of its current value, and of its previous one. */
    private static Map<String, Reported> byValueHash(List<LeakedKey> leaked) {
        Map<String, Reported> byHash = new HashMap<>();
        for (LeakedKey key : leaked) {
            byHash.put(HexFormat.of().formatHex(key.keyHash()), new Reported(key, "current"));
            if (key.previousKeyHash() != null) {
                byHash.put(HexFormat.of().formatHex(key.previousKeyHash()), new Reported(key, "previous"));
            }
        }
        return byHash;
    }

    /** A disabled key, and which of its values the report named. */
    private record Reported(LeakedKey key, String value) {
    }

    private static List<AuditEvent> events(List<Match> matches, Map<String, Reported> byHash, ClientAddress client) {
        List<AuditEvent> events = new ArrayList<>();
        for (Match match : matches) {
            Reported reported = byHash.get(match.hashHex());
            if (reported == null) {
                continue;
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("url", match.url());
            detail.put("source", match.source());
            detail.put("type", match.type());
            detail.put("value", reported.value());
            detail.put("reporter", "github");
            LeakedKey key = reported.key();
            events.add(AuditEvent.of("api_key.leak", key.appId()).user(key.ownerId()).apiKey(key.id()).by(ACTOR)
                    .from(client.address()).detail(detail));
        }
        return events;
    }

    private static List<TokenLabel> labels(List<Match> matches, Map<String, Reported> byHash) {
        List<TokenLabel> labels = new ArrayList<>(matches.size());
        for (Match match : matches) {
            labels.add(new TokenLabel(match.hashHex(), match.type(),
                    byHash.containsKey(match.hashHex()) ? TRUE_POSITIVE : FALSE_POSITIVE));
        }
        return labels;
    }

    /** A string field as text the database can keep (cut, and without NUL or lone surrogates); null when absent. */
    private static String text(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.asText();
        if (!StrictJson.isText(text)) {
            return "(not text)";
        }
        return text.length() > MAX_DETAIL_CHARS ? text.substring(0, MAX_DETAIL_CHARS) : text;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
