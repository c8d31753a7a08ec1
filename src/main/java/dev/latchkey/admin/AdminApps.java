package dev.latchkey.admin;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.latchkey.ObjectIds;
import dev.latchkey.app.App;
import dev.latchkey.app.AppRepository;
import dev.latchkey.app.AppSettings;
import dev.latchkey.app.SettingsPatch;
import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.error.ApiException;
import dev.latchkey.session.LiveSessionCache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/** Apps as operators change them; each change and its audit event commit together. */
@ApplicationScoped
public class AdminApps {

    private final AppRepository apps;
    private final AuditLog audit;
    private final Pool pool;
    private final ObjectMapper json;
    private final LiveSessionCache sessions;

    public AdminApps(AppRepository apps, AuditLog audit, Pool pool, ObjectMapper json, LiveSessionCache sessions) {
        this.sessions = sessions;
        this.apps = apps;
        this.audit = audit;
        this.pool = pool;
        this.json = json;
    }

    /** A new app: {@code id}, and the rest as a merge patch over every provider enabled; 409 when the id is taken. */
    public Uni<App> create(JsonNode body, Actor operator) {
        ObjectNode patch = object(body).deepCopy();
        JsonNode id = patch.remove("id");
        if (id == null || !id.isTextual()) {
            throw ApiException.invalidParameter("'id' is a required string");
        }
        AdminViews.requireAppId(id.asText());
        AppSettings settings = SettingsPatch.apply(json, AppSettings.allEnabled(), patch);
        App app = new App(id.asText(), ObjectIds.next(), settings);
        Actor actor = new Actor(app.id(), operator.who());
        return pool.withTransaction(conn -> apps.insertIfMissing(conn, app.id(), app.domainId(), settings)
                .call(created -> created == 0 ? Uni.createFrom().voidItem()
                        : audit.on(conn, actor.event("admin.app.create").detail(Map.of("fields", fields(patch))))))
                .map(created -> {
                    if (created == 0) {
                        throw new ApiException(409, "AppAlreadyExists", "app '" + app.id() + "' already exists");
                    }
                    return app;
                });
    }

    /** Merge-patches the app's settings (an {@code id} in the patch must be the app's own). */
    public Uni<App> patch(String appId, JsonNode body, Actor actor) {
        ObjectNode patch = object(body).deepCopy();
        JsonNode id = patch.remove("id");
        if (id != null && !appId.equals(id.asText())) {
            throw ApiException.invalidParameter("an app's id cannot change");
        }
        return pool.withTransaction(conn -> apps.update(conn, appId, current -> SettingsPatch.apply(json, current, patch))
                .call(app -> app == null ? Uni.createFrom().voidItem()
                        : audit.on(conn, actor.event("admin.app.update").detail(Map.of("fields", fields(patch))))))
                .map(app -> {
                    if (app == null) {
                        throw ApiException.appNotFound(appId);
                    }
                    return app;
                });
    }

    public Uni<Void> delete(String appId, Actor actor) {
        sessions.appChanged(appId);
        return pool.withTransaction(conn -> apps.delete(conn, appId)
                .call(deleted -> deleted ? audit.on(conn, actor.event("admin.app.delete")) : Uni.createFrom().voidItem()))
                .map(deleted -> {
                    if (!deleted) {
                        throw ApiException.appNotFound(appId);
                    }
                    return null;
                });
    }

    private static ObjectNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        return (ObjectNode) body;
    }

    /** The settings a patch touched, as dotted paths to its leaves: what the audit event records (never the values). */
    static List<String> fields(JsonNode patch) {
        List<String> fields = new ArrayList<>();
        collect("", patch, fields);
        return fields;
    }

    private static void collect(String prefix, JsonNode node, List<String> into) {
        if (!node.isObject() || node.isEmpty()) {
            if (!prefix.isEmpty()) {
                into.add(prefix);
            }
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> member = it.next();
            collect(prefix.isEmpty() ? member.getKey() : prefix + "." + member.getKey(), member.getValue(), into);
        }
    }
}
