package dev.latchkey.session;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.lang.JoseException;

import dev.latchkey.LatchkeyConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;

/**
 * The keys that sign tokens. Access tokens: ES256 (others verify them offline from the JWKS).
 * Refresh tokens: HS256 (only Latchkey reads them). Both come from configuration when given;
 * otherwise they are generated once and kept in the database, so every instance and every
 * restart shares them.
 */
@ApplicationScoped
public class SigningKeys {

    static final String ES256 = AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256;
    static final String HS256 = AlgorithmIdentifiers.HMAC_SHA256;

    record Signer(String kid, java.security.Key key) {
    }

    private final LatchkeyConfig config;
    private volatile Signer accessSigner;
    private volatile Signer refreshSigner;
    private volatile Map<String, PublicKey> accessVerifiers = Map.of();
    private volatile String jwks;

    public SigningKeys(LatchkeyConfig config) {
        this.config = config;
    }

    Signer accessSigner() {
        return accessSigner;
    }

    Signer refreshSigner() {
        return refreshSigner;
    }

    PublicKey accessVerifier(String kid) {
        return kid == null ? null : accessVerifiers.get(kid);
    }

    /** The public JSON Web Key Set: every access-token key that may still have live tokens. */
    public String jwks() {
        return jwks;
    }

    public void onStart(@Observes StartupEvent event) throws Throwable {
        List<Object[]> stored = VertxContextSupport.subscribeAndAwait(
                () -> Panache.withTransaction(() -> storeMissingKeys().chain(this::activeKeys)));
        load(stored);
    }

    /** Generates the keys the configuration does not give; a concurrent first start keeps one set. */
    private Uni<Integer> storeMissingKeys() {
        KeyPair pair = generateEcKey();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return Panache.getSession().flatMap(session -> session.createNativeQuery(
                "insert into signing_keys (kid, alg, secret, public_key) values "
                        + "(:esKid, 'ES256', :esSecret, :esPublic), (:hsKid, 'HS256', :hsSecret, null) "
                        + "on conflict do nothing")
                .setParameter("esKid", thumbprint(pair.getPublic()))
                .setParameter("esSecret", pair.getPrivate().getEncoded())
                .setParameter("esPublic", pair.getPublic().getEncoded())
                .setParameter("hsKid", "hs-" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(secret)).substring(0, 16))
                .setParameter("hsSecret", secret)
                .executeUpdate());
    }

    @SuppressWarnings("unchecked")
    private Uni<List<Object[]>> activeKeys(Integer ignored) {
        return Panache.getSession().flatMap(session -> session
                .createNativeQuery("select kid, alg, secret, public_key from signing_keys where retired_at is null order by created_at")
                .getResultList()
                .map(rows -> (List<Object[]>) (List<?>) rows));
    }

    private void load(List<Object[]> rows) throws Exception {
        Map<String, PublicKey> verifiers = new LinkedHashMap<>();
        KeyFactory ec = KeyFactory.getInstance("EC");
        for (Object[] row : rows) {
            String kid = (String) row[0];
            if (ES256.equals(row[1])) {
                PrivateKey privateKey = ec.generatePrivate(new PKCS8EncodedKeySpec((byte[]) row[2]));
                verifiers.put(kid, ec.generatePublic(new X509EncodedKeySpec((byte[]) row[3])));
                accessSigner = new Signer(kid, privateKey);
            } else {
                refreshSigner = new Signer(kid, new SecretKeySpec((byte[]) row[2], "HmacSHA256"));
            }
        }
        if (config.token().signingKey().isPresent()) {
            PublicJsonWebKey configured = PublicJsonWebKey.Factory.newPublicJwk(config.token().signingKey().get());
            if (!(configured.getPrivateKey() instanceof ECPrivateKey)) {
                throw new IllegalStateException("latchkey.token.signing-key must be a private P-256 JWK (with \"d\")");
            }
            String kid = thumbprint(configured.getPublicKey());
            verifiers.put(kid, configured.getPublicKey());
            accessSigner = new Signer(kid, configured.getPrivateKey());
        }
        if (config.token().refreshSecret().isPresent()) {
            byte[] secret = config.token().refreshSecret().get().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (secret.length < 32) {
                throw new IllegalStateException("latchkey.token.refresh-secret must be at least 32 bytes");
            }
            SecretKey key = new SecretKeySpec(secret, "HmacSHA256");
            refreshSigner = new Signer("hs-config", key);
        }
        accessVerifiers = Map.copyOf(verifiers);
        jwks = toJwks(verifiers);
        Log.infof("access tokens signed with key %s; %d public key(s) published", accessSigner.kid(), verifiers.size());
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

    private static KeyPair generateEcKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException("cannot generate a P-256 key", e);
        }
    }

    /** RFC 7638 thumbprint: a stable kid that names the key itself. */
    private static String thumbprint(PublicKey key) {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(key).calculateBase64urlEncodedThumbprint("SHA-256");
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
