package dev.latchkey.http;

import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * JSON responses say exactly {@code application/json}: realm-core SDKs read an error body only
 * when the Content-Type is exactly that, and the framework would add a charset.
 */
public class JsonContentType {

    @ServerResponseFilter
    public void exactJson(ContainerResponseContext response) {
        MediaType type = response.getMediaType();
        if (type != null && MediaType.APPLICATION_JSON_TYPE.isCompatible(type) && !type.getParameters().isEmpty()) {
            response.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        }
    }
}
