package dev.latchkey.http;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import io.vertx.core.http.HttpServerRequest;

/**
 * The client a request comes from: the TCP peer, or the forwarded client when the peer is a
 * trusted proxy ({@code quarkus.http.proxy.*} rewrites the peer address before routes see it).
 * {@link #limitKey} groups IPv6 clients by their /64, since one host usually holds the whole /64.
 */
public record ClientAddress(String address) {

    public static ClientAddress of(HttpServerRequest request) {
        return new ClientAddress(request == null || request.remoteAddress() == null ? null
                : request.remoteAddress().hostAddress());
    }

    /** What rate limits count by: the address, an IPv6 address by its /64. */
    public String limitKey() {
        if (address == null) {
            return "unknown";
        }
        if (address.indexOf(':') < 0) {
            return address;
        }
        try {
            InetAddress parsed = InetAddress.getByName(address);
            if (parsed instanceof Inet6Address) {
                byte[] bytes = parsed.getAddress();
                for (int i = 8; i < 16; i++) {
                    bytes[i] = 0;
                }
                return InetAddress.getByAddress(bytes).getHostAddress() + "/64";
            }
            return parsed.getHostAddress();
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
