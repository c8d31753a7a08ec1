package dev.latchkey.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.ws.rs.Path;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Every resource class is bounded by the request deadline, so no route can hang on a silent database. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class DeadlineCoverageTest {

    @Inject
    BeanManager beans;

    @Test
    void everyResourceClassCarriesTheDeadline() {
        List<Class<?>> resources = beans.getBeans(Object.class, Any.Literal.INSTANCE).stream()
                .<Class<?>>map(bean -> bean.getBeanClass())
                .filter(type -> type.getName().startsWith("dev.latchkey.") && type.isAnnotationPresent(Path.class))
                .distinct().toList();
        assertTrue(resources.size() >= 6, "found the resources: " + resources);
        List<Class<?>> unbounded = resources.stream().filter(type -> !type.isAnnotationPresent(Deadline.class)).toList();
        assertEquals(List.of(), unbounded, "resource classes without @Deadline");
    }
}
