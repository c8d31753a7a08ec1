package dev.latchkey;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import io.restassured.RestAssured;

/**
 * HTTP/1.1 written byte for byte, for requests that well-behaved clients refuse to send: a NUL or
 * invalid UTF-8 in the request line or a header. Answers the status code and the whole response text.
 */
public final class RawHttp {

    public record Answer(int status, String text) {
        public boolean jsonError() {
            return text.toLowerCase().contains("content-type: application/json") && text.contains("\"error_code\"");
        }
    }

    private RawHttp() {
    }

    /** {@code head} is the request line and headers without the final blank line; bytes above 0x7f are sent as they are (ISO-8859-1). */
    public static Answer send(String head, byte[] body) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), RestAssured.port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            String fullHead = head + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n";
            out.write(fullHead.getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            String text = response.toString(StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(text.substring(9, 12));
            return new Answer(status, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
