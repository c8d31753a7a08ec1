package dev.latchkey.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * One guard for text that PostgreSQL (or anything else) must never see: a NUL character, a lone
 * surrogate or invalid UTF-8 anywhere in the path, the query or a header value is 400 BadRequest
 * before routing (SPEC section 5). Body fields get the same rule from {@link StrictJson}.
 */
@ApplicationScoped
public class InputGuard {

    static final String BAD_TEXT = "{\"error\":\"request contains a NUL character, a lone surrogate or invalid UTF-8\","
            + "\"error_code\":\"BadRequest\"}";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 2).handler(ctx -> {
            if (!acceptable(ctx.request().uri(), true) || !headersAcceptable(ctx.request().headers())) {
                ctx.response().setStatusCode(400)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .end(BAD_TEXT);
                return;
            }
            ctx.next();
        });
    }

    private static boolean headersAcceptable(Iterable<Map.Entry<String, String>> headers) {
        for (Map.Entry<String, String> header : headers) {
            if (!acceptable(header.getValue(), false)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the text, read as the bytes it came in as (ISO-8859-1 chars, and percent escapes
     * when {@code percentEncoded}), is strict UTF-8 without NUL. Java's strict decoder refuses
     * encoded surrogates, so a lone surrogate cannot slip through as UTF-8 either.
     */
    static boolean acceptable(String text, boolean percentEncoded) {
        if (text == null) {
            return true;
        }
        boolean plainAscii = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0 || c > 0x7e || (percentEncoded && c == '%')) {
                plainAscii = false;
                break;
            }
        }
        if (plainAscii) {
            return true;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (percentEncoded && c == '%' && isHex(text, i + 1) && isHex(text, i + 2)) {
                bytes.write(Integer.parseInt(text, i + 1, i + 3, 16));
                i += 2;
            } else if (c > 0xff) {
                return false;
            } else {
                bytes.write(c);
            }
        }
        byte[] raw = bytes.toByteArray();
        for (byte b : raw) {
            if (b == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean isHex(String text, int at) {
        return at < text.length() && Character.digit(text.charAt(at), 16) >= 0;
    }
}
