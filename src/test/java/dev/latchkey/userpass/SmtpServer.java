package dev.latchkey.userpass;

import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real SMTP server (GreenMail) on 127.0.0.1 for the test application's mailer. Tests stop and
 * start it again on the same port to play an SMTP outage.
 */
public class SmtpServer implements QuarkusTestResourceLifecycleManager {

    private static ServerSetup setup;
    private static GreenMail server;

    @Override
    public Map<String, String> start() {
        setup = new ServerSetup(TestPorts.free(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        up();
        return Map.of("quarkus.mailer.host", "127.0.0.1",
                "quarkus.mailer.port", Integer.toString(setup.getPort()),
                "quarkus.mailer.from", "latchkey@test.example");
    }

    @Override
    public void stop() {
        down();
    }

    static synchronized GreenMail server() {
        if (server == null) {
            throw new IllegalStateException("the SMTP server is down");
        }
        return server;
    }

    static synchronized void up() {
        if (server == null) {
            server = new GreenMail(setup);
            server.start();
        }
    }

    static synchronized void down() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
