package dev.latchkey;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of PostgreSQL that a test can cut and restore, to play a
 * database outage. While cut, it drops every open connection and closes new ones at once; while
 * stalled, it keeps every connection open and forwards nothing (a hung database).
 * The switch is a system property, so the test and the test resource reach the same one
 * whichever class loader loaded each of them.
 */
public final class TcpProxy implements AutoCloseable {

    private static final String SWITCH = "tcpproxy.database-reachable";
    private static final String STALL = "tcpproxy.database-stalled";

    private final ServerSocket server;
    private final String upstreamHost;
    private final int upstreamPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public TcpProxy(String upstreamHost, int upstreamPort) throws IOException {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        setReachable(true);
        daemon("proxy-accept", this::acceptLoop);
        daemon("proxy-watch", this::watchLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Cut (false) or restore (true) the database, for whichever proxy is running. */
    public static void setReachable(boolean reachable) {
        System.setProperty(SWITCH, Boolean.toString(reachable));
    }

    /**
     * Stall (true) or resume (false): while stalled the database "stops answering" the way a hung
     * server does, with every socket left open and no byte forwarded either way.
     */
    public static void setStalled(boolean stalled) {
        System.setProperty(STALL, Boolean.toString(stalled));
    }

    private static boolean stalled() {
        return Boolean.parseBoolean(System.getProperty(STALL, "false"));
    }

    private static boolean reachable() {
        return Boolean.parseBoolean(System.getProperty(SWITCH, "true"));
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (!reachable()) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(upstreamHost, upstreamPort);
                open.add(client);
                open.add(upstream);
                daemon("proxy-up", () -> pump(client, upstream));
                daemon("proxy-down", () -> pump(upstream, client));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void watchLoop() {
        while (!closed) {
            if (!reachable()) {
                open.forEach(TcpProxy::closeQuietly);
                open.clear();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                while (stalled() && !closed) {
                    Thread.sleep(20);
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the other side or the cut closed the socket
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        open.forEach(TcpProxy::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }
}
