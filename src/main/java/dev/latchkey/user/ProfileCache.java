package dev.latchkey.user;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.notify.NoticedCache;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Each user's identities and profile data as last read, so a profile (with the session from the
 * live-session cache) needs no database round trip. V10's triggers announce every change to a
 * user's identities or to the email of their credential (a login, a link, an operator's SQL) and
 * the listener drops that user's entry, as it does on V8's user notices; the instance that made a
 * change drops it before answering.
 */
@Singleton
public class ProfileCache extends NoticedCache<ProfileCache.Entry> {

    /** What the profile shows of the user's identities, built once per read of the database. */
    record Entry(List<UserResource.IdentityView> identities, Map<String, Object> data) {
        Entry {
            identities = List.copyOf(identities);
            data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
        }
    }

    public ProfileCache(LatchkeyConfig config, MeterRegistry metrics) {
        super(config, metrics, "profiles");
    }

    public void userChanged(String userId) {
        changed(userId);
    }
}
