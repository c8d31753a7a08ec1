package dev.latchkey.userpass;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.latchkey.ObjectIds;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;

/** Apps in each lifecycle mode, the lifecycle routes as an SDK calls them, and direct reads of the database. */
final class Lifecycle {

    /** Confirmation and reset by mail; the URLs carry a query and a fragment of their own. */
    static final String MAIL_APP = "mail-app";
    static final String CONFIRM_URL = "https://app.example/confirm?lang=en";
    static final String RESET_URL = "https://app.example/account/reset#choose";
    /** Automatic confirmation (today's behaviour), reset by mail. */
    static final String RESET_APP = "reset-app";
    /** Confirmation and reset by webhook. */
    static final String HOOK_APP = "hook-app";
    static final String PASSWORD = TestUsers.PASSWORD;
    static final String NEW_PASSWORD = "a brand new password";

    private Lifecycle() {
    }

    /** Creates the apps once per database (the rows outlive test classes that share the application). */
    static void createApps() {
        WebhookReceiver hooks = WebhookReceiver.get();
        insertApp(MAIL_APP, "{\"local-userpass\": {\"enabled\": true, \"auto_confirm\": false, "
                + "\"email_confirmation_url\": \"" + CONFIRM_URL + "\", \"reset_password_url\": \"" + RESET_URL + "\"}, "
                + "\"anon-user\": {\"enabled\": true}, \"api-key\": {\"enabled\": true}}");
        insertApp(RESET_APP, "{\"local-userpass\": {\"enabled\": true, \"reset_password_url\": \"" + RESET_URL + "\"}, "
                + "\"api-key\": {\"enabled\": true}}");
        insertApp(HOOK_APP, "{\"local-userpass\": {\"enabled\": true, \"auto_confirm\": false, "
                + "\"confirmation_webhook_url\": \"" + hooks.url("/confirm") + "\", "
                + "\"reset_webhook_url\": \"" + hooks.url("/reset") + "\", "
                + "\"webhook_secret\": \"" + WebhookReceiver.SECRET + "\"}, \"api-key\": {\"enabled\": true}}");
    }

    static void insertApp(String id, String providers) {
        sql("insert into apps (id, domain_id, settings) values (?, ?, cast(? as jsonb)) on conflict do nothing",
                id, ObjectIds.next(), "{\"providers\": " + providers + "}");
    }

    static String email(String tag) {
        return tag + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    static String route(String app, String path) {
        return TestUsers.API + "/app/" + app + "/auth/providers/local-userpass/" + path;
    }

    static Response post(String app, String path, Object body) {
        return given().contentType(ContentType.JSON).body(body).post(route(app, path));
    }

    static void register(String app, String email) {
        post(app, "register", Map.of("email", email, "password", PASSWORD)).then().statusCode(201);
    }

    static Response logIn(String app, String email, String password) {
        return post(app, "login", Map.of("username", email, "password", password));
    }

    static TestUsers.Tokens loggedIn(String app, String email, String password) {
        var body = logIn(app, email, password).then().statusCode(200).extract().jsonPath();
        return new TestUsers.Tokens(body.getString("user_id"), body.getString("access_token"),
                body.getString("refresh_token"), body.getString("device_id"));
    }

    /** A 204 with no body and no Content-Type, as SPEC section 7 answers every success. */
    static void noContent(Response response) {
        response.then().statusCode(204);
        if (response.getHeader("Content-Type") != null || !response.asString().isEmpty()) {
            throw new AssertionError("a 204 must have no body or Content-Type: " + response.headers());
        }
    }

    static ValidatableResponse error(Response response, int status, String code, String message) {
        return response.then().statusCode(status)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo(code))
                .body("error", equalTo(message));
    }

    /** Rows of a query, each as a list of column values. */
    static List<List<Object>> rows(String query, Object... args) {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = connection(); PreparedStatement s = c.prepareStatement(query)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.add(rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    static int sql(String statement, Object... args) {
        try (Connection c = connection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            return s.executeUpdate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection connection() throws java.sql.SQLException {
        String database = ConfigProvider.getConfig().getValue("test.database.name", String.class);
        return TestDatabase.connect(database);
    }
}
