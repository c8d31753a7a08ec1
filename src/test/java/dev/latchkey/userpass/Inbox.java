package dev.latchkey.userpass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;

/** Mails the test SMTP server received, read back as a mail client would. */
final class Inbox {

    /** One received mail: its subject, both bodies, and the link in the text body with its query parameters. */
    record Mail(String from, String subject, String text, String html, String link, Map<String, String> query) {
        String token() {
            return query.get("token");
        }

        String tokenId() {
            return query.get("tokenId");
        }

        Map<String, String> tokenBody() {
            return Map.of("token", token(), "tokenId", tokenId());
        }
    }

    private static final Pattern LINK = Pattern.compile("https?://\\S+");

    private Inbox() {
    }

    /** Every mail to {@code recipient} so far. */
    static List<Mail> all(String recipient) {
        List<Mail> mails = new ArrayList<>();
        try {
            for (MimeMessage message : SmtpServer.server().getReceivedMessages()) {
                for (Address to : message.getRecipients(Message.RecipientType.TO)) {
                    if (to.toString().equalsIgnoreCase(recipient)) {
                        mails.add(read(message));
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return mails;
    }

    /** Waits (at most {@code seconds}) until {@code count} mails to the recipient have arrived; the last of them. */
    static Mail await(String recipient, int count, int seconds) {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            List<Mail> mails = all(recipient);
            if (mails.size() >= count) {
                assertEquals(count, mails.size(), "more mails than expected to " + recipient);
                return mails.get(count - 1);
            }
            pause(100);
        }
        return fail("mail " + count + " to " + recipient + " did not arrive within " + seconds + " s (got "
                + all(recipient).size() + ")");
    }

    static Mail await(String recipient) {
        return await(recipient, 1, 15);
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Mail read(MimeMessage message) throws Exception {
        String text = null;
        String html = null;
        Object content = message.getContent();
        if (content instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart part = multipart.getBodyPart(i);
                if (part.isMimeType("text/plain")) {
                    text = (String) part.getContent();
                } else if (part.isMimeType("text/html")) {
                    html = (String) part.getContent();
                }
            }
        } else if (message.isMimeType("text/plain")) {
            text = (String) content;
        }
        assertNotNull(text, "the mail has no text/plain part");
        Matcher link = LINK.matcher(text);
        String url = link.find() ? link.group() : null;
        return new Mail(message.getFrom()[0].toString(), message.getSubject(), text, html, url, url == null ? Map.of() : query(url));
    }

    private static Map<String, String> query(String url) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = URI.create(url).getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return params;
    }
}
