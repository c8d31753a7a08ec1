package dev.latchkey.session;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.lang.JoseException;

import dev.latchkey.LatchkeyConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The keys that sign tokens. Access tokens: ES256 (others verify them offline from the JWKS).
 * Refresh tokens: HS256 (only Latchkey reads them).
 * <p>
 * Every key in use is kept in {@code signing_keys}, sealed with the key-encryption key when one is
 * set. At start-up the configured key (or, without one, a generated key) becomes the active key
 * of its algorithm; a key it replaces is retired, not deleted: tokens it signed keep verifying
 * until the last of them has expired (the access lifetime for ES256, the refresh lifetime for
 * HS256), and retired access keys stay in the JWKS that long. So changing either key, or moving
 * from generated keys to configured ones, logs nobody out, and every instance verifies what any
 * other instance signs: an unknown kid makes an instance read the table again (at most every few
 * seconds), as it also does once a minute.
 */
@ApplicationScoped
public class SigningKeys {

    static final String ES256 = AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256;
    static final String HS256 = AlgorithmIdentifiers.HMAC_SHA256;
    static final String GENERATED = "generated";
    static final String CONFIGURED = "configured";
    /** Serializes the start-up of instances sharing a database (pg_advisory_xact_lock). */
    private static final long START_LOCK = 0x6c6b5f6b657973L;
    private static final Duration RELOAD_AT_MOST_EVERY = Duration.ofSeconds(5);

    /** A key this instance signs with; {@code publicKey} and {@code ecdsa} only for ES256. */
    record Signer(String kid, Key key, PublicKey publicKey, Es256.Signing ecdsa) {
    }

    /** A key as it should be stored. */
    private record Material(String kid, String alg, byte[] secret, byte[] publicKey, String source) {
    }

    private record Stored(String kid, String alg, byte[] secret, byte[] publicKey, String kekId, String source, boolean active) {
    }

    private record Statement(String sql, Tuple args) {
    }

    private final LatchkeyConfig config;
    private final Pool pool;
    private final KeyEncryption encryption;
    private volatile Signer accessSigner;
    private volatile Signer refreshSigner;
    private volatile Map<String, Es256.Verifying> accessVerifiers = Map.of();
    private volatile Map<String, Key> refreshVerifiers = Map.of();
    private volatile String jwks;
    private final AtomicLong lastUnknownKidReload = new AtomicLong();

    public SigningKeys(LatchkeyConfig config, Pool pool) {
        this.config = config;
        this.pool = pool;
        this.encryption = KeyEncryption.of(config.keyEncryptionKey(), config.keyEncryptionKeyPrevious());
    }

    Signer accessSigner() {
        return accessSigner;
    }

    Signer refreshSigner() {
        return refreshSigner;
    }

    Es256.Verifying accessVerifier(String kid) {
        return kid == null ? null : accessVerifiers.get(kid);
    }

    /** The refresh secret named by the kid, or null. */
    Key refreshVerifier(String kid) {
        return kid == null ? null : refreshVerifiers.get(kid);
    }

    /** Every refresh secret still accepted, for tokens whose kid names none of them. */
    Iterable<Key> refreshVerifiers() {
        return refreshVerifiers.values();
    }

    /** The public JSON Web Key Set: every access-token key that may still have live tokens. */
    public String jwks() {
        return jwks;
    }

    public void onStart(@Observes StartupEvent event) throws Throwable {
        Material access = configuredAccessKey();
        Material refresh = configuredRefreshSecret();
        VertxContextSupport.subscribeAndAwait(() -> pool.withTransaction(conn -> conn
                .query("select pg_advisory_xact_lock(" + START_LOCK + ")").execute()
                .chain(() -> stored(conn, false))
                .chain(rows -> run(conn, plan(rows, access, refresh)))
                .chain(() -> stored(conn, true))
                .invoke(rows -> load(rows, true))));
        if (!encryption.enabled()) {
            Log.warn("LATCHKEY_KEY_ENCRYPTION_KEY is not set: token signing keys are stored unencrypted, "
                    + "and anyone with a copy of the database can forge tokens");
        }
        Log.infof("access tokens signed with key %s; %d public key(s) published", accessSigner.kid(), accessVerifiers.size());
    }

    /** Once a minute; a database that does not answer is a warning, and the keys in memory stay in use. */
    @Scheduled(every = "60s", delayed = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledReload() {
        return reload().onFailure().invoke(failure -> Log.warnf("signing keys not read again: %s", failure.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Reads the keys again: retired ones whose tokens have all expired drop out, new ones of other instances come in. */
    Uni<Void> reload() {
        // Not counted as a reload for unknown kids: an instance that started with new keys just
        // after this read would otherwise see its tokens refused (a 401 that logs realm-web out)
        // for the next few seconds.
        return stored(pool, true).invoke(rows -> load(rows, false)).replaceWithVoid();
    }

    /** Reads the keys again if that was not done in the last few seconds; for a kid this instance does not know. */
    Uni<Void> reloadForUnknownKid() {
        long last = lastUnknownKidReload.get();
        long now = System.nanoTime();
        if (now - last < RELOAD_AT_MOST_EVERY.toNanos() || !lastUnknownKidReload.compareAndSet(last, now)) {
            return Uni.createFrom().voidItem();
        }
        return stored(pool, true).invoke(rows -> load(rows, false)).replaceWithVoid()
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** What start-up changes so that the wanted keys are active and every stored secret is sealed with the current KEK. */
    private List<Statement> plan(List<Stored> rows, Material configuredAccess, Material configuredRefresh) {
        List<Statement> plan = new ArrayList<>();
        if (configuredAccess != null) {
            activate(plan, rows, configuredAccess);
        } else {
            keepOrGenerate(plan, rows, ES256);
        }
        if (configuredRefresh != null) {
            activate(plan, rows, configuredRefresh);
        } else {
            keepOrGenerate(plan, rows, HS256);
        }
        for (Stored row : rows) {
            boolean sealedRight = encryption.enabled() ? encryption.currentId().equals(row.kekId()) : row.kekId() == null;
            if (!sealedRight) {
                byte[] plain = encryption.open(row.kekId(), row.secret(), row.kid(), row.alg());
                KeyEncryption.Sealed sealed = encryption.seal(plain, row.kid(), row.alg());
                plan.add(new Statement("update signing_keys set secret = $2, kek_id = $3 where kid = $1",
                        Tuple.of(row.kid(), Buffer.buffer(sealed.bytes()), sealed.kekId())));
            }
        }
        plan.add(new Statement("delete from signing_keys where " + RETIRED_FOR_GOOD, lifetimes()));
        return plan;
    }

    private void activate(List<Statement> plan, List<Stored> rows, Material wanted) {
        Stored active = active(rows, wanted.alg());
        if (active != null && active.kid().equals(wanted.kid())) {
            return;
        }
        if (active != null) {
            plan.add(retire(active.kid()));
        }
        if (rows.stream().anyMatch(r -> r.kid().equals(wanted.kid()))) {
            plan.add(new Statement("update signing_keys set retired_at = null where kid = $1", Tuple.of(wanted.kid())));
        } else {
            plan.add(insert(wanted));
        }
    }

    /** Without a configured key, a generated active key is kept; a configured one that is no longer configured is retired. */
    private void keepOrGenerate(List<Statement> plan, List<Stored> rows, String alg) {
        Stored active = active(rows, alg);
        if (active != null && GENERATED.equals(active.source())) {
            return;
        }
        if (active != null) {
            plan.add(retire(active.kid()));
        }
        plan.add(insert(ES256.equals(alg) ? generatedAccessKey() : generatedRefreshSecret()));
    }

    private Statement insert(Material m) {
        KeyEncryption.Sealed sealed = encryption.seal(m.secret(), m.kid(), m.alg());
        return new Statement("insert into signing_keys (kid, alg, secret, public_key, kek_id, source) values ($1, $2, $3, $4, $5, $6)",
                Tuple.from(new Object[] { m.kid(), m.alg(), Buffer.buffer(sealed.bytes()),
                        m.publicKey() == null ? null : Buffer.buffer(m.publicKey()), sealed.kekId(), m.source() }));
    }

    /** Retired keys none of whose tokens can still be live ($1: access lifetime, $2: refresh lifetime, in seconds). */
    private static final String RETIRED_FOR_GOOD = "(retired_at is not null and ("
            + "(alg = 'ES256' and retired_at <= now() - make_interval(secs => $1)) "
            + "or (alg = 'HS256' and retired_at <= now() - make_interval(secs => $2))))";

    private Tuple lifetimes() {
        return Tuple.of((double) config.token().accessLifetime().toSeconds(), (double) config.token().refreshLifetime().toSeconds());
    }

    private static Statement retire(String kid) {
        return new Statement("update signing_keys set retired_at = now() where kid = $1", Tuple.of(kid));
    }

    private static Stored active(List<Stored> rows, String alg) {
        return rows.stream().filter(r -> r.active() && r.alg().equals(alg)).findFirst().orElse(null);
    }

    private static Uni<Void> run(SqlClient conn, List<Statement> plan) {
        return Multi.createFrom().iterable(plan)
                .onItem().transformToUniAndConcatenate(s -> conn.preparedQuery(s.sql()).execute(s.args()))
                .collect().last().replaceWithVoid();
    }

    /** Every stored key, or ({@code live}) the active ones and the retired ones whose tokens may still be live. */
    private Uni<List<Stored>> stored(SqlClient client, boolean live) {
        return client.preparedQuery("select kid, alg, secret, public_key, kek_id, source, retired_at is null from signing_keys "
                + "where not ($3 and " + RETIRED_FOR_GOOD + ") order by retired_at desc nulls first, created_at desc")
                .execute(lifetimes().addBoolean(live))
                .map(result -> {
                    List<Stored> rows = new ArrayList<>();
                    for (Row row : result) {
                        rows.add(new Stored(row.getString(0), row.getString(1), row.getBuffer(2).getBytes(),
                                row.getBuffer(3) == null ? null : row.getBuffer(3).getBytes(), row.getString(4),
                                row.getString(5), row.getBoolean(6)));
                    }
                    return rows;
                });
    }

    /** Verifiers from the rows; signers too at start-up (an instance keeps signing with what it started with). */
    private void load(List<Stored> rows, boolean signers) {
        try {
            KeyFactory ec = KeyFactory.getInstance("EC");
            Map<String, PublicKey> access = new LinkedHashMap<>();
            Map<String, Key> refresh = new LinkedHashMap<>();
            for (Stored row : rows) {
                byte[] secret = encryption.open(row.kekId(), row.secret(), row.kid(), row.alg());
                if (ES256.equals(row.alg())) {
                    PublicKey publicKey = ec.generatePublic(new X509EncodedKeySpec(row.publicKey()));
                    access.put(row.kid(), publicKey);
                    if (signers && row.active()) {
                        PrivateKey privateKey = ec.generatePrivate(new PKCS8EncodedKeySpec(secret));
                        accessSigner = new Signer(row.kid(), privateKey, publicKey, new Es256.Signing((ECPrivateKey) privateKey));
                    }
                } else {
                    Key key = new SecretKeySpec(secret, "HmacSHA256");
                    refresh.put(row.kid(), key);
                    if (signers && row.active()) {
                        refreshSigner = new Signer(row.kid(), key, null, null);
                    }
                }
            }
            // This instance's own signers always verify, even once another instance has retired them.
            access.putIfAbsent(accessSigner.kid(), accessSigner.publicKey());
            refresh.putIfAbsent(refreshSigner.kid(), refreshSigner.key());
            Map<String, Es256.Verifying> verifiers = new LinkedHashMap<>();
            access.forEach((kid, publicKey) -> verifiers.put(kid, new Es256.Verifying((ECPublicKey) publicKey)));
            accessVerifiers = Map.copyOf(verifiers);
            refreshVerifiers = Map.copyOf(refresh);
            jwks = toJwks(access);
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the token signing keys", e);
        }
    }

    private Material configuredAccessKey() throws JoseException {
        if (config.token().signingKey().isEmpty()) {
            return null;
        }
        PublicJsonWebKey configured = PublicJsonWebKey.Factory.newPublicJwk(config.token().signingKey().get());
        if (!(configured.getPrivateKey() instanceof ECPrivateKey)) {
            throw new IllegalStateException("latchkey.token.signing-key must be a private P-256 JWK (with \"d\")");
        }
        return new Material(thumbprint(configured.getPublicKey()), ES256, configured.getPrivateKey().getEncoded(),
                configured.getPublicKey().getEncoded(), CONFIGURED);
    }

    private Material configuredRefreshSecret() {
        if (config.token().refreshSecret().isEmpty()) {
            return null;
        }
        byte[] secret = config.token().refreshSecret().get().getBytes(StandardCharsets.UTF_8);
        if (secret.length < 32) {
            throw new IllegalStateException("latchkey.token.refresh-secret must be at least 32 bytes");
        }
        return new Material(secretKid(secret), HS256, secret, null, CONFIGURED);
    }

    private static Material generatedAccessKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            return new Material(thumbprint(pair.getPublic()), ES256, pair.getPrivate().getEncoded(), pair.getPublic().getEncoded(),
                    GENERATED);
        } catch (Exception e) {
            throw new IllegalStateException("cannot generate a P-256 key", e);
        }
    }

    private static Material generatedRefreshSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new Material(secretKid(secret), HS256, secret, null, GENERATED);
    }

    private static String toJwks(Map<String, PublicKey> keys) throws JoseException {
        List<JsonWebKey> jwks = new ArrayList<>();
        for (var entry : keys.entrySet()) {
            PublicJsonWebKey jwk = PublicJsonWebKey.Factory.newPublicJwk(entry.getValue());
            jwk.setKeyId(entry.getKey());
            jwk.setUse("sig");
            jwk.setAlgorithm(ES256);
            jwks.add(jwk);
        }
        return new JsonWebKeySet(jwks).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    /** RFC 7638 thumbprint: a stable kid that names the key itself. */
    private static String thumbprint(PublicKey key) {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(key).calculateBase64urlEncodedThumbprint("SHA-256");
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Names a secret by part of its hash: stable across instances, and says nothing usable about the secret. */
    private static String secretKid(byte[] secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret);
            return "hs-" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
