package dev.latchkey.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The console's files are served by Latchkey itself, with their own types and a strict CSP. */
@QuarkusTest
class ConsoleTest {

    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    @Test
    void theConsolePageIsHtmlWithAStrictPolicy() {
        given().get("/console/").then().statusCode(200)
                .header("Content-Type", startsWith("text/html"))
                .header("Content-Security-Policy", equalTo(CSP))
                .header("X-Frame-Options", equalTo("DENY"))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("Referrer-Policy", equalTo("no-referrer"))
                .body(containsString("<script type=\"module\" src=\"console.js\"></script>"))
                .body(containsString("<title>Latchkey console</title>"))
                // No inline script or style: the policy would refuse them.
                .body(not(containsString("<script>"))).body(not(containsString("style=")))
                .body(not(containsString("onclick")));
    }

    @Test
    void slashlessConsoleRedirectsToThePage() {
        given().redirects().follow(false).get("/console").then().statusCode(301).header("Location", equalTo("console/"));
    }

    @Test
    void scriptsAndStylesLoadWithTheirTypes() {
        for (String script : new String[] { "console.js", "api.js", "chart.js" }) {
            given().get("/console/" + script).then().statusCode(200)
                    .header("Content-Type", startsWith("text/javascript"))
                    .header("Content-Security-Policy", equalTo(CSP))
                    .body(anyOf(containsString("export "), containsString("import ")));
        }
        given().get("/console/console.css").then().statusCode(200).header("Content-Type", startsWith("text/css"));
        given().get("/console/no-such-file.js").then().statusCode(404);
    }

    @Test
    void theApiKeepsItsOwnHeadersAndExactJson() {
        given().get("/api/admin/v1/apps").then().statusCode(401).header("Content-Type", equalTo("application/json"))
                .header("Content-Security-Policy", org.hamcrest.Matchers.nullValue());
    }
}
