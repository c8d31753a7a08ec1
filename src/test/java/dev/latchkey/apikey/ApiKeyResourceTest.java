package dev.latchkey.apikey;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.TestUsers.PASSWORD;
import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.latchkey.ObjectIds;
import dev.latchkey.RealmCoreClient;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;

@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class ApiKeyResourceTest {

    static final String KEYS = API + "/auth/api_keys";
    static final String HEX24 = "[0-9a-f]{24}";
    static final String KEY_FORMAT = "lk_[0-9A-Za-z]{46}";
    static final String RFC_3339_UTC = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z";
    static final String NAME_RULE = "can only contain ASCII letters, numbers, underscores, and hyphens";
    static final String FAILED_TO_FIND = "invalid session: failed to find refresh token";

    @TestHTTPResource("/")
    URI base;

    @Test
    void createAnswers201WithTheKeyValueOnce() {
        Tokens user = TestUsers.registered();

        given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", "deploy-bot_1"))
                .post(KEYS)
                .then().statusCode(201)
                .header("Content-Type", "application/json")
                .body("size()", equalTo(7))
                .body("_id", matchesPattern(HEX24))
                .body("key", matchesPattern(KEY_FORMAT))
                .body("name", equalTo("deploy-bot_1"))
                .body("disabled", equalTo(false))
                .body("created_at", matchesPattern(RFC_3339_UTC))
                .body("expires_at", nullValue())
                .body("last_used_at", nullValue());
    }

    @Test
    void everyCreatedKeyIsDifferent() {
        Tokens user = TestUsers.registered();
        Map<String, Object> first = TestUsers.createKey(user, "first");
        Map<String, Object> second = TestUsers.createKey(user, "second");

        assertFalse(first.get("key").equals(second.get("key")));
        assertFalse(first.get("_id").equals(second.get("_id")));
    }

    @Test
    void listShowsKeysInCreationOrderWithoutValues() {
        Tokens user = TestUsers.registered();
        List<String> names = List.of("zeta", "alpha", "Mid-1", "beta_2");
        List<String> ids = new ArrayList<>();
        for (String name : names) {
            ids.add((String) TestUsers.createKey(user, name).get("_id"));
        }

        Response response = given().header("Authorization", user.bearerRefresh()).get(KEYS);
        response.then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("name", equalTo(names))
                .body("_id", equalTo(ids))
                .body("disabled", equalTo(List.of(false, false, false, false)));
        List<Map<String, Object>> keys = response.jsonPath().getList("");
        for (Map<String, Object> key : keys) {
            assertEquals(Set.of("_id", "name", "disabled", "created_at", "expires_at", "last_used_at"), key.keySet(),
                    "no key value in a list: " + key);
        }
    }

    @Test
    void listOfAUserWithoutKeysIsEmpty() {
        given().header("Authorization", TestUsers.registered().bearerRefresh()).get(KEYS)
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("size()", equalTo(0));
    }

    @Test
    void fetchShowsOneKeyWithoutItsValue() {
        Tokens user = TestUsers.registered();
        String id = (String) TestUsers.createKey(user, "fetch-me").get("_id");

        given().header("Authorization", user.bearerRefresh()).get(KEYS + "/" + id)
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("size()", equalTo(6))
                .body("_id", equalTo(id))
                .body("name", equalTo("fetch-me"))
                .body("disabled", equalTo(false))
                .body("created_at", matchesPattern(RFC_3339_UTC))
                .body("expires_at", nullValue())
                .body("last_used_at", nullValue());
    }

    @Test
    void enableAndDisableAreIdempotentAndAnswer204WithoutBody() {
        Tokens user = TestUsers.registered();
        String id = (String) TestUsers.createKey(user, "toggle").get("_id");

        for (int i = 0; i < 2; i++) {
            emptySuccess(given().header("Authorization", user.bearerRefresh()).put(KEYS + "/" + id + "/disable"));
        }
        given().header("Authorization", user.bearerRefresh()).get(KEYS + "/" + id)
                .then().statusCode(200).body("disabled", equalTo(true));
        given().header("Authorization", user.bearerRefresh()).get(KEYS)
                .then().statusCode(200).body("[0].disabled", equalTo(true));

        for (int i = 0; i < 2; i++) {
            emptySuccess(given().header("Authorization", user.bearerRefresh()).put(KEYS + "/" + id + "/enable"));
        }
        given().header("Authorization", user.bearerRefresh()).get(KEYS + "/" + id)
                .then().statusCode(200).body("disabled", equalTo(false));
    }

    @Test
    void deletedKeyIsGone() {
        Tokens user = TestUsers.registered();
        String id = (String) TestUsers.createKey(user, "short-lived").get("_id");

        emptySuccess(given().header("Authorization", user.bearerRefresh()).delete(KEYS + "/" + id));

        notFound(given().header("Authorization", user.bearerRefresh()).get(KEYS + "/" + id));
        notFound(given().header("Authorization", user.bearerRefresh()).delete(KEYS + "/" + id));
        given().header("Authorization", user.bearerRefresh()).get(KEYS)
                .then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void deletedNameCanBeUsedAgain() {
        Tokens user = TestUsers.registered();
        String id = (String) TestUsers.createKey(user, "reused").get("_id");
        given().header("Authorization", user.bearerRefresh()).delete(KEYS + "/" + id).then().statusCode(204);

        TestUsers.createKey(user, "reused");
    }

    @Test
    void accessTokenManagesKeysToo() {
        Tokens user = TestUsers.registered();

        String id = given().header("Authorization", user.bearerAccess()).contentType(ContentType.JSON)
                .body(Map.of("name", "by-access"))
                .post(KEYS)
                .then().statusCode(201).extract().path("_id");
        given().header("Authorization", user.bearerAccess()).get(KEYS).then().statusCode(200).body("_id", equalTo(List.of(id)));
        given().header("Authorization", user.bearerAccess()).get(KEYS + "/" + id).then().statusCode(200);
        emptySuccess(given().header("Authorization", user.bearerAccess()).put(KEYS + "/" + id + "/disable"));
        emptySuccess(given().header("Authorization", user.bearerAccess()).put(KEYS + "/" + id + "/enable"));
        emptySuccess(given().header("Authorization", user.bearerAccess()).delete(KEYS + "/" + id));
    }

    @Test
    void missingNameIsInvalidParameter() {
        Tokens user = TestUsers.registered();

        for (String body : new String[] { "{}", "{\"name\": null}", "{\"other\": \"x\"}" }) {
            error(given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON).body(body).post(KEYS),
                    400, "InvalidParameter", "'name' is a required string");
        }
        error(given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON).post(KEYS),
                400, "InvalidParameter", "'name' is a required string");
        // SPEC's never-415 rule names only the bodiless routes; create without any body or
        // Content-Type may be refused either way, but as a JSON error.
        given().header("Authorization", user.bearerRefresh()).post(KEYS)
                .then().statusCode(anyOf(equalTo(400), equalTo(415)))
                .header("Content-Type", "application/json")
                .body("error_code", not(emptyOrNullString()));
        assertNoKeys(user);
    }

    @Test
    void badNameIsInvalidParameter() {
        Tokens user = TestUsers.registered();

        for (String name : new String[] { "has space", "ünï", "x".repeat(65), "", "dot.ted", "slash/ed", "tab\t", "emoji😀" }) {
            error(given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON)
                    .body(Map.of("name", name)).post(KEYS),
                    400, "InvalidParameter", NAME_RULE);
        }
        assertNoKeys(user);
    }

    @Test
    void nameOfOneTo64AllowedCharactersIsAccepted() {
        Tokens user = TestUsers.registered();

        for (String name : new String[] { "a", "x".repeat(64), "AZaz09_-", "-", "_" }) {
            TestUsers.createKey(user, name);
        }
    }

    @Test
    void nonStringNameIsBadRequestWithoutCoercion() {
        Tokens user = TestUsers.registered();

        for (String body : new String[] { "{\"name\": 5}", "{\"name\": true}", "{\"name\": 1.5}", "{\"name\": [\"a\"]}",
                "{\"name\": {\"a\": 1}}" }) {
            given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON).body(body).post(KEYS)
                    .then().statusCode(400)
                    .header("Content-Type", "application/json")
                    .body("error_code", equalTo("BadRequest"))
                    .body("error", not(emptyOrNullString()));
        }
        assertNoKeys(user);
    }

    @Test
    void bodyThatIsNotJsonIsBadRequest() {
        Tokens user = TestUsers.registered();

        for (String body : new String[] { "{", "name=x", "\"x\"", "[]" }) {
            given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON).body(body).post(KEYS)
                    .then().statusCode(400)
                    .header("Content-Type", "application/json")
                    .body("error_code", equalTo("BadRequest"));
        }
        assertNoKeys(user);
    }

    @Test
    void duplicateNameIsAPIKeyAlreadyExists() {
        Tokens user = TestUsers.registered();
        TestUsers.createKey(user, "same");

        error(given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", "same")).post(KEYS),
                409, "APIKeyAlreadyExists", "API key with name already exists");
        given().header("Authorization", user.bearerRefresh()).get(KEYS).then().body("size()", equalTo(1));
    }

    @Test
    void namesAreUniquePerUserOnly() {
        TestUsers.createKey(TestUsers.registered(), "shared-name");
        TestUsers.createKey(TestUsers.registered(), "shared-name");
    }

    @Test
    void twentyFirstKeyIsAPIKeyLimitReached() {
        Tokens user = TestUsers.registered();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add((String) TestUsers.createKey(user, "key-" + i).get("_id"));
        }

        error(given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", "key-20")).post(KEYS),
                409, "APIKeyLimitReached", "maximum number of API keys reached");
        given().header("Authorization", user.bearerRefresh()).get(KEYS).then().body("size()", equalTo(20));

        given().header("Authorization", user.bearerRefresh()).delete(KEYS + "/" + ids.get(0)).then().statusCode(204);
        TestUsers.createKey(user, "key-20");
        error(given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", "key-21")).post(KEYS),
                409, "APIKeyLimitReached", "maximum number of API keys reached");
    }

    @Test
    void malformedOrUnknownIdIsAPIKeyNotFound() {
        Tokens user = TestUsers.registered();
        TestUsers.createKey(user, "exists");

        for (String id : new String[] { "abc", "0123456789abcdef012345678", ObjectIds.next(),
                "0123456789ABCDEF01234567", "0123456789abcdef0123456g", "%20" }) {
            notFound(given().header("Authorization", user.bearerRefresh()).get(KEYS + "/" + id));
            notFound(given().header("Authorization", user.bearerRefresh()).put(KEYS + "/" + id + "/enable"));
            notFound(given().header("Authorization", user.bearerRefresh()).put(KEYS + "/" + id + "/disable"));
            notFound(given().header("Authorization", user.bearerRefresh()).delete(KEYS + "/" + id));
        }
        given().header("Authorization", user.bearerRefresh()).get(KEYS).then().body("size()", equalTo(1));
    }

    @Test
    void anotherUsersKeyAnswersExactlyLikeAnUnknownId() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "private");
        String id = (String) key.get("_id");
        Tokens stranger = TestUsers.registered();

        for (String bearer : new String[] { stranger.bearerRefresh(), stranger.bearerAccess() }) {
            notFound(given().header("Authorization", bearer).get(KEYS + "/" + id));
            notFound(given().header("Authorization", bearer).put(KEYS + "/" + id + "/disable"));
            notFound(given().header("Authorization", bearer).put(KEYS + "/" + id + "/enable"));
            notFound(given().header("Authorization", bearer).delete(KEYS + "/" + id));
            given().header("Authorization", bearer).get(KEYS).then().statusCode(200).body("size()", equalTo(0));
        }

        given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + id)
                .then().statusCode(200).body("disabled", equalTo(false)).body("name", equalTo("private"));
        given().header("Authorization", owner.bearerRefresh()).get(KEYS)
                .then().statusCode(200).body("_id", equalTo(List.of(id)));
        assertEquals(owner.userId(), TestUsers.withKey((String) key.get("key")).userId());
    }

    @Test
    void strangerCannotEndSessionsOfSomeoneElsesKey() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "busy");
        Tokens keySession = TestUsers.withKey((String) key.get("key"));
        Tokens stranger = TestUsers.registered();

        notFound(given().header("Authorization", stranger.bearerRefresh()).put(KEYS + "/" + key.get("_id") + "/disable"));
        notFound(given().header("Authorization", stranger.bearerRefresh()).delete(KEYS + "/" + key.get("_id")));

        given().header("Authorization", keySession.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
        given().header("Authorization", keySession.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);
    }

    @Test
    void anonymousUserIsForbiddenOnEveryRoute() {
        Tokens anonymous = TestUsers.anonymous();

        for (String bearer : new String[] { anonymous.bearerRefresh(), anonymous.bearerAccess() }) {
            forbiddenOnEveryRoute(bearer, ObjectIds.next());
        }
    }

    @Test
    void apiKeySessionIsForbiddenOnEveryRoute() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "robot");
        Tokens robot = TestUsers.withKey((String) key.get("key"));

        for (String bearer : new String[] { robot.bearerRefresh(), robot.bearerAccess() }) {
            forbiddenOnEveryRoute(bearer, (String) key.get("_id"));
        }
        given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + key.get("_id"))
                .then().statusCode(200).body("disabled", equalTo(false));
        given().header("Authorization", owner.bearerRefresh()).get(KEYS).then().body("size()", equalTo(1));
    }

    @Test
    void seedFlowCreateListFetchDisableEnableDelete() {
        Tokens user = TestUsers.registered();
        Map<String, Object> created = TestUsers.createKey(user, "myApiKey");
        String id = (String) created.get("_id");
        String value = (String) created.get("key");

        given().header("Authorization", user.bearerRefresh()).get(KEYS)
                .then().statusCode(200).body("name", equalTo(List.of("myApiKey")));
        given().header("Authorization", user.bearerRefresh()).get(KEYS + "/" + id)
                .then().statusCode(200).body("name", equalTo("myApiKey"));

        given().header("Authorization", user.bearerRefresh()).put(KEYS + "/" + id + "/disable").then().statusCode(204);
        keyRefused(value);

        given().header("Authorization", user.bearerRefresh()).put(KEYS + "/" + id + "/enable").then().statusCode(204);
        assertEquals(user.userId(), TestUsers.withKey(value).userId());

        given().header("Authorization", user.bearerRefresh()).delete(KEYS + "/" + id).then().statusCode(204);
        notFound(given().header("Authorization", user.bearerRefresh()).get(KEYS + "/" + id));
        keyRefused(value);
    }

    @Test
    void apiKeyLoginActsAsTheOwner() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);
        Tokens owner = TestUsers.logIn(email, PASSWORD);
        Map<String, Object> key = TestUsers.createKey(owner, "as-owner");

        given().contentType(ContentType.JSON).body(Map.of("key", key.get("key")))
                .post(PROVIDERS + "/api-key/login")
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("user_id", equalTo(owner.userId()))
                .body("device_id", matchesPattern(HEX24))
                .body("access_token", not(emptyOrNullString()))
                .body("refresh_token", not(emptyOrNullString()));
        Tokens robot = TestUsers.withKey((String) key.get("key"));

        for (Tokens session : new Tokens[] { owner, robot }) {
            given().header("Authorization", session.bearerAccess()).get(API + "/auth/profile")
                    .then().statusCode(200)
                    .body("user_id", equalTo(owner.userId()))
                    .body("data.email", equalTo(email))
                    .body("identities.provider_type", hasItem("api-key"))
                    .body("identities.provider_type", hasItem("local-userpass"))
                    .body("identities.findAll { it.provider_type == 'api-key' }", hasSize(1));
        }
        given().header("Authorization", robot.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
    }

    @Test
    void badKeyIsUnauthorized() {
        Tokens owner = TestUsers.registered();
        String value = (String) TestUsers.createKey(owner, "real").get("key");
        char last = value.charAt(value.length() - 1);
        String badChecksum = value.substring(0, value.length() - 1) + (last == 'a' ? 'b' : 'a');
        String badBody = value.substring(0, 10) + (value.charAt(10) == 'a' ? 'b' : 'a') + value.substring(11);

        for (String key : new String[] { "lk_short", badChecksum, badBody, KeyCodec.newKey(), "", value.toLowerCase(Locale.ROOT),
                " " + value, value + "x", "sk_" + value.substring(3) }) {
            keyRefused(key);
        }
        error(given().contentType(ContentType.JSON).body(Map.of()).post(PROVIDERS + "/api-key/login"),
                400, "BadRequest", "'key' is a required string");
        assertEquals(owner.userId(), TestUsers.withKey(value).userId());
    }

    @Test
    void disablingAKeyEndsItsSessionsAtOnce() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "revocable");
        Tokens first = TestUsers.withKey((String) key.get("key"));
        Tokens second = TestUsers.withKey((String) key.get("key"));
        given().header("Authorization", first.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);

        given().header("Authorization", owner.bearerRefresh()).put(KEYS + "/" + key.get("_id") + "/disable").then().statusCode(204);

        for (Tokens ended : new Tokens[] { first, second }) {
            sessionEnded(ended);
        }

        given().header("Authorization", owner.bearerRefresh()).put(KEYS + "/" + key.get("_id") + "/enable").then().statusCode(204);
        Tokens third = TestUsers.withKey((String) key.get("key"));
        given().header("Authorization", third.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
        for (Tokens ended : new Tokens[] { first, second }) {
            sessionEnded(ended);
        }
    }

    @Test
    void deletingAKeyEndsItsSessionsAtOnce() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "deletable");
        Tokens robot = TestUsers.withKey((String) key.get("key"));
        given().header("Authorization", robot.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);

        given().header("Authorization", owner.bearerRefresh()).delete(KEYS + "/" + key.get("_id")).then().statusCode(204);

        sessionEnded(robot);
        keyRefused((String) key.get("key"));
    }

    @Test
    void endingOneKeysSessionsLeavesEveryOtherSessionAlone() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> doomed = TestUsers.createKey(owner, "doomed");
        Map<String, Object> kept = TestUsers.createKey(owner, "kept");
        Tokens doomedSession = TestUsers.withKey((String) doomed.get("key"));
        Tokens keptSession = TestUsers.withKey((String) kept.get("key"));

        given().header("Authorization", owner.bearerRefresh()).put(KEYS + "/" + doomed.get("_id") + "/disable").then().statusCode(204);
        given().header("Authorization", owner.bearerRefresh()).delete(KEYS + "/" + doomed.get("_id")).then().statusCode(204);

        sessionEnded(doomedSession);
        for (Tokens alive : new Tokens[] { owner, keptSession }) {
            given().header("Authorization", alive.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
            given().header("Authorization", alive.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);
        }
    }

    @Test
    void realmCoreRequestsWithJsonContentTypeAndEmptyBodiesAreAccepted() {
        Tokens user = TestUsers.registered();
        RealmCoreClient client = new RealmCoreClient(base);

        HttpResponse<String> created = client.send("POST", KEYS, user.refreshToken(), "{\"name\":\"core\"}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("application/json", created.headers().firstValue("Content-Type").orElse(null));
        String id = JsonPath.from(created.body()).getString("_id");
        String value = JsonPath.from(created.body()).getString("key");

        for (String path : new String[] { KEYS + "/" + id + "/disable", KEYS + "/" + id + "/disable",
                KEYS + "/" + id + "/enable", KEYS + "/" + id + "/enable" }) {
            emptySuccess(client.send("PUT", path, user.refreshToken(), null));
        }
        HttpResponse<String> login = client.send("POST", PROVIDERS + "/api-key/login", null,
                "{\"provider\":\"api-key\",\"key\":\"" + value + "\",\"options\":{\"device\":{\"platform\":\"iOS\",\"coreVersion\":\"14.10.0\"}}}");
        assertEquals(200, login.statusCode(), login.body());
        String robotRefresh = JsonPath.from(login.body()).getString("refresh_token");
        HttpResponse<String> refreshed = client.send("POST", API + "/auth/session", robotRefresh, null);
        assertEquals(201, refreshed.statusCode(), refreshed.body());
        emptySuccess(client.send("DELETE", API + "/auth/session", robotRefresh, null));
        emptySuccess(client.send("DELETE", KEYS + "/" + id, user.refreshToken(), null));

        HttpResponse<String> missing = client.send("DELETE", KEYS + "/" + id, user.refreshToken(), null);
        assertEquals(404, missing.statusCode());
        assertEquals("application/json", missing.headers().firstValue("Content-Type").orElse(null));
        assertTrue(missing.body().contains("\"APIKeyNotFound\""), missing.body());
    }

    @Test
    void keyValuesPasswordsAndTokensAreNotStoredAnywhere() throws Exception {
        String email = TestUsers.newEmail();
        String password = "stored-nowhere-" + ObjectIds.next();
        TestUsers.register(email, password);
        Tokens owner = TestUsers.logIn(email, password);
        List<String> secrets = new ArrayList<>(List.of(password, owner.refreshToken(), owner.accessToken()));
        List<String> ids = new ArrayList<>();
        for (String name : new String[] { "secret-1", "secret-2" }) {
            Map<String, Object> key = TestUsers.createKey(owner, name);
            ids.add((String) key.get("_id"));
            secrets.add((String) key.get("key"));
            Tokens robot = TestUsers.withKey((String) key.get("key"));
            secrets.add(robot.refreshToken());
        }

        List<String> rows = allRowsAsText();

        for (String id : ids) {
            assertTrue(rows.stream().anyMatch(row -> row.contains(id)), "the scan sees the api_keys table");
        }
        for (String secret : secrets) {
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            for (String form : new String[] { secret, HexFormat.of().formatHex(bytes), Base64.getEncoder().encodeToString(bytes) }) {
                List<String> leaks = rows.stream().filter(row -> row.contains(form)).toList();
                assertTrue(leaks.isEmpty(), "a secret is stored in " + leaks);
            }
        }
    }

    private static List<String> allRowsAsText() throws Exception {
        String database = ConfigProvider.getConfig().getValue("test.database.name", String.class);
        List<String> rows = new ArrayList<>();
        try (Connection connection = TestDatabase.connect(database);
                Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet result = statement.executeQuery("select tablename from pg_tables where schemaname = 'public'")) {
                while (result.next()) {
                    tables.add(result.getString(1));
                }
            }
            assertTrue(tables.containsAll(List.of("api_keys", "sessions", "users", "password_credentials")), tables.toString());
            for (String table : tables) {
                try (ResultSet result = statement.executeQuery("select t::text from public.\"" + table + "\" t")) {
                    while (result.next()) {
                        rows.add(table + ": " + result.getString(1));
                    }
                }
            }
        }
        return rows;
    }

    private static void forbiddenOnEveryRoute(String bearer, String id) {
        forbidden(given().header("Authorization", bearer).contentType(ContentType.JSON).body(Map.of("name", "nope")).post(KEYS));
        forbidden(given().header("Authorization", bearer).get(KEYS));
        forbidden(given().header("Authorization", bearer).get(KEYS + "/" + id));
        forbidden(given().header("Authorization", bearer).put(KEYS + "/" + id + "/enable"));
        forbidden(given().header("Authorization", bearer).put(KEYS + "/" + id + "/disable"));
        forbidden(given().header("Authorization", bearer).delete(KEYS + "/" + id));
    }

    private static void forbidden(Response response) {
        response.then().statusCode(403)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("Forbidden"))
                .body("error", not(emptyOrNullString()));
    }

    private static void notFound(Response response) {
        error(response, 404, "APIKeyNotFound", "API key not found");
    }

    private static void keyRefused(String key) {
        error(given().contentType(ContentType.JSON).body(Map.of("key", key)).post(PROVIDERS + "/api-key/login"),
                401, "AuthError", "unauthorized");
    }

    private static void sessionEnded(Tokens session) {
        error(given().header("Authorization", session.bearerRefresh()).post(API + "/auth/session"),
                401, "InvalidSession", FAILED_TO_FIND);
        given().header("Authorization", session.bearerAccess()).get(API + "/auth/profile")
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidSession"));
    }

    private static void assertNoKeys(Tokens user) {
        given().header("Authorization", user.bearerRefresh()).get(KEYS).then().statusCode(200).body("size()", equalTo(0));
    }

    private static void emptySuccess(Response response) {
        assertEquals(204, response.statusCode(), response.asString());
        assertNull(response.getHeader("Content-Type"));
        assertEquals("", response.asString());
    }

    private static void emptySuccess(HttpResponse<String> response) {
        assertEquals(204, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").isEmpty(), response.headers().toString());
        assertEquals("", response.body());
    }

    private static ValidatableResponse error(Response response, int status, String code, String message) {
        return response.then().statusCode(status)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo(code))
                .body("error", equalTo(message));
    }
}
