package dev.latchkey.app;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.database.Migrations;
import dev.latchkey.session.SigningKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Every start-up step run again on a database that has already been started on changes nothing. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class RepeatedStartTest {

    @Inject
    Migrations migrations;

    @Inject
    AppBootstrap bootstrap;

    @Inject
    SigningKeys keys;

    @Test
    void secondStartOnTheSameDatabaseIsANoOp() throws Throwable {
        String jwksBefore = given().get("/.well-known/jwks.json").then().statusCode(200).extract().asString();

        assertEquals(0, migrations.migrate().await().indefinitely(), "migrations already applied");
        bootstrap.onStart(null);
        keys.onStart(null);

        assertEquals(jwksBefore, given().get("/.well-known/jwks.json").then().extract().asString(),
                "the stored signing key is reused, not replaced");
        given().get("/api/client/v2.0/app/latchkey-app/location").then().statusCode(200);
    }
}
