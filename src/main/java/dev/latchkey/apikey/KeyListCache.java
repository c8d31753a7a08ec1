package dev.latchkey.apikey;

import java.util.List;

import jakarta.inject.Singleton;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.notify.NoticedCache;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Each owner's key list as last read, so listing keys (with the session from the live-session
 * cache) needs no database round trip. V9's trigger announces every change to an owner's keys
 * (create, enable, disable, delete, rotate, expiry, last use, a leak report, an operator's SQL)
 * and the listener drops that owner's list; the instance that made a change drops it before
 * answering.
 */
@Singleton
public class KeyListCache extends NoticedCache<List<ApiKey>> {

    public KeyListCache(LatchkeyConfig config, MeterRegistry metrics) {
        super(config, metrics, "key-lists");
    }

    @Override
    public void keep(String ownerId, List<ApiKey> list, long versionBeforeRead) {
        super.keep(ownerId, List.copyOf(list), versionBeforeRead);
    }

    public void ownerChanged(String ownerId) {
        changed(ownerId);
    }
}
