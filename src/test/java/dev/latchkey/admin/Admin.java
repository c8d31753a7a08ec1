package dev.latchkey.admin;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** Requests to the admin API as an operator with the test profile's admin key. */
final class Admin {

    static final String KEY = "an-operator-key-for-tests-only-0123456789";
    static final String API = "/api/admin/v1";

    private Admin() {
    }

    static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
    }

    static RequestSpecification operator() {
        return as(KEY);
    }
}
