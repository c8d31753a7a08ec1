package dev.latchkey.security;

import static dev.latchkey.TestUsers.API;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class CallerFilterTest {

    @Inject
    CallerFilter filter;

    @Test
    void routeRulesAreKeptOncePerRouteNotOncePerRequest() {
        Tokens user = TestUsers.registered();
        callBothRoutes(user, 3);
        int known = filter.knownRoutes();
        callBothRoutes(user, 50);
        assertEquals(known, filter.knownRoutes(), "the rules grew with the requests, not with the routes");
    }

    private static void callBothRoutes(Tokens user, int times) {
        for (int i = 0; i < times; i++) {
            given().header("Authorization", user.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);
            given().header("Authorization", user.bearerRefresh()).get(API + "/auth/api_keys").then().statusCode(200);
        }
    }
}
