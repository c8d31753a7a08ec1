package dev.latchkey.http;

import jakarta.inject.Singleton;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.quarkus.jackson.ObjectMapperCustomizer;

/**
 * Request bodies are read without coercion: {@code 5} or {@code true} is not a name or a password.
 * And no string field may hold a NUL character or a lone surrogate (JSON escapes can write both;
 * PostgreSQL refuses the first, and neither is text): reading such a body is a 400.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    /** Strings as Jackson reads them, refused when they are not text PostgreSQL can store. */
    static final class TextOnly extends StdScalarDeserializer<String> {
        private final StringDeserializer plain = StringDeserializer.instance;

        TextOnly() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = plain.deserialize(parser, context);
            if (value != null && !isText(value)) {
                throw MismatchedInputException.from(parser, String.class,
                        "a string holds a NUL character or a lone surrogate");
            }
            return value;
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }
    }

    /** No NUL, and every surrogate in a pair. */
    public static boolean isText(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("latchkey-text-only").addDeserializer(String.class, new TextOnly()));
        // A key given twice is ambiguous (which one did the client mean?): refuse it.
        mapper.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Array, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Object, CoercionAction.Fail);
    }
}
