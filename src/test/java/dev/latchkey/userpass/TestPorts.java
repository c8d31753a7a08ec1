package dev.latchkey.userpass;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports for the servers these tests start (SMTP, webhook receivers): the first free one of 18620-18649. */
final class TestPorts {

    private TestPorts() {
    }

    static synchronized int free() {
        for (int port = 18620; port <= 18649; port++) {
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                probe.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // next one
            }
        }
        throw new IllegalStateException("no free port in 18620-18649");
    }
}
