package dev.latchkey.leak;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestHeader;

import dev.latchkey.http.ClientAddress;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * GitHub's secret-scanning partner endpoint. No token: GitHub proves itself with the signature
 * headers, which {@link LeakReports} checks over the raw body before anything else.
 */
@Deadline
@Path(LeakReports.PATH)
public class GithubReportResource {

    private final LeakReports reports;

    public GithubReportResource(LeakReports reports) {
        this.reports = reports;
    }

    /** The body is taken as bytes: the signature covers exactly what GitHub sent. */
    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Leaked-token report from GitHub secret scanning",
            description = "A signed JSON array of {token, type, url, source} (at most 1000, 1 MiB). Reported Latchkey keys "
                    + "are disabled at once and their sessions end; the answer labels each token by SHA-256.")
    @APIResponse(responseCode = "200", description = "[{token_hash, token_type, label}]: label is true_positive for "
            + "a Latchkey key (now disabled), false_positive otherwise, in the report's order")
    public Uni<List<LeakReports.TokenLabel>> report(byte[] body,
            @RestHeader("Github-Public-Key-Identifier") String keyIdentifier,
            @RestHeader("Github-Public-Key-Signature") String signature, HttpServerRequest http) {
        return reports.report(body, keyIdentifier, signature, ClientAddress.of(http));
    }
}
