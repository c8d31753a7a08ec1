package dev.latchkey.userpass;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The mail's link: the configured URL with token and tokenId added, its own query and fragment kept. */
class LinkTest {

    static final LifecycleToken TOKEN = new LifecycleToken("0123456789abcdef01234567", "abc_DEF-123");

    @Test
    void parametersJoinTheUrlsOwnQueryAndFragment() {
        assertEquals("https://a.example/c?token=abc_DEF-123&tokenId=0123456789abcdef01234567",
                LifecycleMail.link("https://a.example/c", TOKEN));
        assertEquals("https://a.example/c?lang=en&token=abc_DEF-123&tokenId=0123456789abcdef01234567",
                LifecycleMail.link("https://a.example/c?lang=en", TOKEN));
        assertEquals("https://a.example/c?token=abc_DEF-123&tokenId=0123456789abcdef01234567#/reset",
                LifecycleMail.link("https://a.example/c#/reset", TOKEN));
        assertEquals("https://a.example/c?x=1&token=abc_DEF-123&tokenId=0123456789abcdef01234567",
                LifecycleMail.link("https://a.example/c?x=1&", TOKEN));
        assertEquals("https://a.example/c?token=abc_DEF-123&tokenId=0123456789abcdef01234567",
                LifecycleMail.link("https://a.example/c?", TOKEN));
    }

    @Test
    void theSignatureIsHmacSha256OfTimestampDotBody() {
        // Computed independently: printf '1.{}' | openssl dgst -sha256 -hmac key
        assertEquals("1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224",
                Webhook.sign("key", 1, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
