package dev.latchkey.http;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.latchkey.RawHttp;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * A fixed corpus of hostile values sent to every field of every route: each answer is a 4xx with
 * the JSON error body, never a 500, and nothing is stored. Bodies are written as raw JSON so the
 * test controls every byte (escapes, duplicate keys, nesting, invalid UTF-8).
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class HostileInputTest {

    /** JSON values that no string field may accept. */
    static final Map<String, String> NOT_TEXT = new LinkedHashMap<>();

    static {
        NOT_TEXT.put("NUL", "\"a\\u0000b\"");
        NOT_TEXT.put("lone high surrogate", "\"a\\ud800b\"");
        NOT_TEXT.put("lone low surrogate", "\"\\udc00\"");
        NOT_TEXT.put("64 KiB minus one", "\"" + "x".repeat(64 * 1024 - 1) + "\"");
        NOT_TEXT.put("number", "5");
        NOT_TEXT.put("float", "5.5");
        NOT_TEXT.put("boolean", "true");
        NOT_TEXT.put("array", "[\"a\"]");
        NOT_TEXT.put("object", "{\"a\":\"b\"}");
        NOT_TEXT.put("deep nesting", "[".repeat(3000) + "]".repeat(3000));
    }

    /** Right-to-left override and a combining mark: text, but nothing an identifier or email may hold. */
    static final String RTL_AND_COMBINING = "\"\\u202eevil\\u0301\"";

    record Route(String name, String path, String token, Map<String, String> fields) {
        String body(String field, String value) {
            StringBuilder json = new StringBuilder("{");
            fields.forEach((name, base) -> {
                if (json.length() > 1) {
                    json.append(',');
                }
                json.append('"').append(name).append("\":").append(name.equals(field) ? value : base);
            });
            return json.append('}').toString();
        }
    }

    @Test
    void everyHostileValueInEveryBodyFieldIsA4xxAndStoresNothing() throws Exception {
        Tokens user = TestUsers.registered();
        Map<String, Long> before = counts();

        List<String> failures = new ArrayList<>();
        for (Route route : routes(user)) {
            for (String field : route.fields().keySet()) {
                Map<String, String> values = new LinkedHashMap<>(NOT_TEXT);
                if (!field.equals("password") && !field.equals("options")) {
                    // Any text is a valid password, so RTL there is accepted (see passwordsMayBeAnyText).
                    values.put("RTL and combining marks", RTL_AND_COMBINING);
                }
                if (!field.equals("options") && !field.equals("expires_at")) {
                    // A null expires_at is a key that never expires: a valid request.
                    values.put("null", "null");
                }
                for (Map.Entry<String, String> value : values.entrySet()) {
                    String body = route.body(field, field.equals("options") ? deviceOption(value.getValue()) : value.getValue());
                    check(failures, route.name() + " " + field + " = " + value.getKey(), send(route, body));
                }
            }
            String first = route.fields().keySet().iterator().next();
            String duplicate = route.body(first, route.fields().get(first)).replaceFirst("\\{",
                    "{\"" + first + "\":" + route.fields().get(first) + ",");
            check(failures, route.name() + " duplicate key " + first, send(route, duplicate));
            for (String whole : new String[] { "null", "[]", "\"text\"", "5", "", "{\"a\":" + "[".repeat(5000) }) {
                check(failures, route.name() + " body " + (whole.length() > 20 ? whole.substring(0, 20) + "..." : "'" + whole + "'"),
                        send(route, whole));
            }
            byte[] invalidUtf8 = route.body(first, "\"a\u00c3\u0028b\"").getBytes(StandardCharsets.ISO_8859_1);
            check(failures, route.name() + " invalid UTF-8 in " + first, given().contentType(ContentType.JSON)
                    .header("Authorization", route.token() == null ? "" : route.token()).body(invalidUtf8).post(route.path()));
        }
        assertTrue(failures.isEmpty(), "not a 4xx with the JSON error body:\n" + String.join("\n", failures));
        assertEquals(before, counts(), "hostile requests stored nothing");
    }

    @Test
    void hostileBytesInPathQueryAndHeadersAreBadRequests() {
        Tokens user = TestUsers.registered();
        List<String> failures = new ArrayList<>();
        String[] hostile = { "%00", "x%00y", "%ED%A0%80", "%C3%28", "%FF" };
        for (String bad : hostile) {
            rawCheck(failures, "GET /api/client/v2.0/app/" + bad + "/location HTTP/1.1", null);
            rawCheck(failures, "GET /api/client/v2.0/auth/api_keys/" + bad + " HTTP/1.1\r\nAuthorization: " + user.bearerRefresh(), null);
            rawCheck(failures, "POST /api/client/v2.0/app/latchkey-app/auth/providers/anon-user/login?link=" + bad
                    + " HTTP/1.1\r\nContent-Type: application/json", "{}".getBytes(StandardCharsets.UTF_8));
        }
        for (String header : new String[] { "Bearer \u00ed\u00a0\u0080", "Bearer \u00c3(" }) {
            rawCheck(failures, "GET /api/client/v2.0/auth/profile HTTP/1.1\r\nAuthorization: " + header, null);
            rawCheck(failures, "GET /api/client/v2.0/app/latchkey-app/location HTTP/1.1\r\nX-Anything: " + header, null);
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        // A NUL in a header never reaches Latchkey: the HTTP decoder refuses the request (400, no body).
        assertEquals(400, RawHttp.send("GET /api/client/v2.0/auth/profile HTTP/1.1\r\nAuthorization: Bearer a\u0000b", null).status());
        // A right-to-left override is valid UTF-8: an unknown app, nothing worse.
        given().get("/api/client/v2.0/app/%E2%80%AEevil/location").then().statusCode(404);
    }

    @Test
    void passwordsMayBeAnyText() {
        String email = TestUsers.newEmail();
        String password = "\u202eevil\u0301 and more";
        TestUsers.register(email, password);
        TestUsers.logIn(email, password);
    }

    private static List<Route> routes(Tokens user) {
        String unique = "\"" + TestUsers.newEmail() + "\"";
        String providers = TestUsers.PROVIDERS;
        return List.of(
                new Route("register", providers + "/local-userpass/register", null,
                        Map.of("email", unique, "password", "\"correct horse\"")),
                new Route("password login", providers + "/local-userpass/login", null,
                        ordered("username", unique, "password", "\"correct horse\"", "options", deviceOption("null"))),
                new Route("api-key login", providers + "/api-key/login", null,
                        ordered("key", "\"lk_x\"", "options", deviceOption("null"))),
                new Route("anonymous login", providers + "/anon-user/login", null, ordered("options", deviceOption("null"))),
                new Route("create key", TestUsers.API + "/auth/api_keys", user.bearerRefresh(),
                        ordered("name", "\"a-name\"", "expires_at", "null")));
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private static String deviceOption(String deviceId) {
        return "{\"device\":{\"deviceId\":" + deviceId + "}}";
    }

    private static Response send(Route route, String body) {
        var request = given().contentType(ContentType.JSON).body(body.getBytes(StandardCharsets.UTF_8));
        if (route.token() != null) {
            request.header("Authorization", route.token());
        }
        return request.post(route.path());
    }

    private static void check(List<String> failures, String what, Response response) {
        int status = response.statusCode();
        String type = response.contentType();
        String code = status >= 400 && "application/json".equals(type) ? response.jsonPath().getString("error_code") : null;
        if (status < 400 || status >= 500 || code == null || code.isEmpty()) {
            failures.add(what + " -> " + status + " " + type + " " + abbreviate(response.asString()));
        }
    }

    private static void rawCheck(List<String> failures, String head, byte[] body) {
        RawHttp.Answer answer = RawHttp.send(head, body);
        if (answer.status() < 400 || answer.status() >= 500 || !answer.jsonError()) {
            failures.add(head.replace("\r\n", " | ") + " -> " + answer.status() + " " + abbreviate(answer.text()));
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static Map<String, Long> counts() throws Exception {
        String database = ConfigProvider.getConfig().getValue("test.database.name", String.class);
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Connection c = TestDatabase.connect(database);
                Statement s = c.createStatement()) {
            for (String table : new String[] { "users", "identities", "password_credentials", "api_keys", "sessions" }) {
                try (ResultSet rs = s.executeQuery("select count(*) from " + table)) {
                    rs.next();
                    counts.put(table, rs.getLong(1));
                }
            }
        }
        return counts;
    }
}
