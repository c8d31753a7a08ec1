package dev.latchkey.userpass;

import java.util.regex.Pattern;

import dev.latchkey.ObjectIds;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.StrictJson;
import dev.latchkey.provider.LocalUserpassProvider;

/** The lifecycle routes' body fields, checked before anything is read or stored: bad input is 400, never a 500. */
final class Fields {

    static final String INVALID_TOKEN = "invalid token data";

    /** What registration always took: one {@code @}, a dot in the domain, no whitespace. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}\\p{Cf}]{1,64}@[^@\\s\\p{Cntrl}\\p{Cf}]+\\.[^@\\s.\\p{Cntrl}\\p{Cf}]{1,63}");
    /**
     * An address a mail can go to without quoting: HTML's "valid e-mail address" (ASCII letters,
     * digits and {@code .!#$%&'*+/=?^_`{|}~-} before the {@code @}, DNS labels after). No comma,
     * angle bracket, quote or line break can reach a mail header through it.
     */
    private static final Pattern MAILABLE = Pattern.compile(
            "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{" + LifecycleToken.LENGTH + "}");

    private Fields() {
    }

    /** The normalized email (as login normalizes it), or 400. */
    static String email(String raw) {
        if (raw == null) {
            throw ApiException.badRequest("'email' is a required string");
        }
        String email = LocalUserpassProvider.normalize(raw);
        if (email.length() > 254 || !StrictJson.isText(email) || !EMAIL.matcher(email).matches()) {
            throw ApiException.badRequest("email is invalid");
        }
        return email;
    }

    /** The normalized email when a mail can be sent to it, or 400. */
    static String mailableEmail(String raw) {
        String email = email(raw);
        if (!mailable(email)) {
            throw ApiException.badRequest("email is invalid");
        }
        return email;
    }

    static boolean mailable(String email) {
        return email.length() <= 254 && MAILABLE.matcher(email).matches();
    }

    static void password(String password) {
        int length = password == null ? 0 : password.codePointCount(0, password.length());
        if (length < 6 || length > 128) {
            throw ApiException.badRequest("password must be between 6 and 128 characters");
        }
        if (!StrictJson.isText(password)) {
            throw ApiException.badRequest("password contains a NUL character or invalid UTF-16");
        }
    }

    /** A token and tokenId of the shape Latchkey issues, or 400 BadRequest {@value #INVALID_TOKEN}. */
    static void token(String token, String tokenId) {
        if (token == null || tokenId == null || !TOKEN.matcher(token).matches() || !ObjectIds.isValid(tokenId)) {
            throw ApiException.badRequest(INVALID_TOKEN);
        }
    }
}
