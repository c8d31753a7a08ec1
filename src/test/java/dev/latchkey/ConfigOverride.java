package dev.latchkey;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * A configuration mapping with some values replaced, for tests that start a second component (a
 * second "instance") with other settings beside the running application: each named method
 * answers the given value, every other one the original's.
 */
public final class ConfigOverride {

    private ConfigOverride() {
    }

    @SuppressWarnings("unchecked")
    public static <T> T of(Class<T> type, T original, Map<String, Object> values) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (proxy, method, args) -> {
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            try {
                return method.invoke(original, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    /** The application's configuration with other token settings and key-encryption keys. */
    public static LatchkeyConfig withKeys(LatchkeyConfig config, Map<String, Object> token, Map<String, Object> top) {
        Map<String, Object> values = new java.util.HashMap<>(top);
        values.put("token", of(LatchkeyConfig.Token.class, config.token(), token));
        return of(LatchkeyConfig.class, config, values);
    }
}
