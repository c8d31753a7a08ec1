package dev.latchkey.session;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.mutiny.Uni;

import dev.latchkey.http.Deadline;

/** Public keys for verifying access tokens offline. Answered on the event loop: it never waits behind worker-pool work. */
@Deadline
@Path("/.well-known/jwks.json")
public class JwksResource {

    private final SigningKeys keys;

    public JwksResource(SigningKeys keys) {
        this.keys = keys;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<String> jwks() {
        return Uni.createFrom().item(keys.jwks());
    }
}
