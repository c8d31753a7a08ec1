package dev.latchkey.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** Rate limits count an IPv6 client by its /64, an IPv4 client by its address. */
class ClientAddressTest {

    @Test
    void ipv6AddressesOfOneSlash64ShareALimitKey() {
        String a = new ClientAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd").limitKey();
        String b = new ClientAddress("2001:db8:1:2::1").limitKey();
        String other = new ClientAddress("2001:db8:1:3::1").limitKey();
        assertEquals(a, b);
        assertEquals("2001:db8:1:2:0:0:0:0/64", a);
        assertNotEquals(a, other);
    }

    @Test
    void ipv4AddressesAreTheirOwnKey() {
        assertEquals("203.0.113.7", new ClientAddress("203.0.113.7").limitKey());
        assertNotEquals(new ClientAddress("203.0.113.7").limitKey(), new ClientAddress("203.0.113.8").limitKey());
        assertEquals("unknown", new ClientAddress(null).limitKey());
    }
}
