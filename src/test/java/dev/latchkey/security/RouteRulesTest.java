package dev.latchkey.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Guards the build-time binding of {@link CallerFilter}: every client-API route either states its
 * rule with {@link Authenticated}, and then refuses a request without a token, or is one of the
 * routes that are public on purpose. A new route that is neither fails here.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class RouteRulesTest {

    /** Public by the SPEC: location, logins, the password lifecycle, the JWKS and GitHub's leak reports. */
    private static final Set<String> PUBLIC = Set.of(
            "LocationResource.location", "LoginResource.logIn", "JwksResource.jwks", "GithubReportResource.report",
            "UserpassResource.register", "UserpassResource.confirm", "UserpassResource.sendConfirmation",
            "UserpassResource.callConfirmation", "UserpassResource.sendReset", "UserpassResource.reset",
            "UserpassResource.callReset");

    @Inject
    BeanManager beans;

    @Test
    void everyClientRouteIsAuthenticatedOrPublicOnPurpose() {
        List<String> unruled = new ArrayList<>();
        for (Method route : clientRoutes()) {
            String name = route.getDeclaringClass().getSimpleName() + "." + route.getName();
            if (!route.isAnnotationPresent(Authenticated.class) && !PUBLIC.contains(name)) {
                unruled.add(name);
            }
        }
        assertEquals(List.of(), unruled, "routes with neither @Authenticated nor a place in PUBLIC");
    }

    @Test
    void everyAuthenticatedRouteRefusesARequestWithoutAToken() {
        List<Method> authenticated = clientRoutes().stream().filter(route -> route.isAnnotationPresent(Authenticated.class)).toList();
        assertTrue(authenticated.size() >= 10, "found the authenticated routes: " + authenticated);
        List<String> admitted = new ArrayList<>();
        for (Method route : authenticated) {
            String path = path(route).replaceAll("\\{[^}]+}", "0123456789abcdef01234567");
            int status = given().contentType("application/json").body("{}")
                    .request(httpMethod(route), path).statusCode();
            if (status != 401) {
                admitted.add(httpMethod(route) + " " + path + " -> " + status);
            }
        }
        assertEquals(List.of(), admitted, "authenticated routes that did not answer 401 without a token");
    }

    @Test
    void aPublicRouteNeverMeetsTheCallerFilter() {
        // Unbound, the filter would run everywhere and refuse the routes that have no rule.
        given().get("/api/client/v2.0/app/latchkey-app/location").then().statusCode(200);
        given().get("/.well-known/jwks.json").then().statusCode(200);
    }

    private List<Method> clientRoutes() {
        List<Class<?>> resources = beans.getBeans(Object.class, Any.Literal.INSTANCE).stream()
                .<Class<?>>map(bean -> bean.getBeanClass())
                .filter(type -> type.getName().startsWith("dev.latchkey.") && !type.getName().startsWith("dev.latchkey.admin.")
                        && type.isAnnotationPresent(Path.class))
                .distinct().toList();
        assertTrue(resources.size() >= 6, "found the resources: " + resources);
        return resources.stream().flatMap(type -> Arrays.stream(type.getDeclaredMethods()))
                .filter(method -> httpMethod(method) != null).toList();
    }

    private static String httpMethod(Method method) {
        return Arrays.stream(method.getAnnotations())
                .map(annotation -> annotation.annotationType().getAnnotation(HttpMethod.class))
                .filter(http -> http != null).map(HttpMethod::value).findFirst().orElse(null);
    }

    private static String path(Method method) {
        String base = method.getDeclaringClass().getAnnotation(Path.class).value();
        Path own = method.getAnnotation(Path.class);
        return own == null ? base : base.replaceAll("/$", "") + "/" + own.value().replaceAll("^/", "");
    }
}
