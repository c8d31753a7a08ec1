// Tiny static file server for the browser end-to-end test (no dependencies).
// Serves the test page from ./page and realm-web's browser (IIFE) bundle straight from
// node_modules, on an origin different from Latchkey's so every API call is cross-origin.
//
//   node static-server.mjs [port] [host]      (defaults: 18181, 127.0.0.1)
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const port = Number(process.argv[2] ?? process.env.STATIC_PORT ?? 18181);
const host = process.argv[3] ?? process.env.STATIC_HOST ?? "127.0.0.1";

// A fixed route table: nothing outside it is readable, so there is no path traversal to guard.
const routes = {
  "/": ["page/index.html", "text/html; charset=utf-8"],
  "/index.html": ["page/index.html", "text/html; charset=utf-8"],
  "/app.js": ["page/app.js", "text/javascript; charset=utf-8"],
  "/style.css": ["page/style.css", "text/css; charset=utf-8"],
  // realm-web 2.0.1's browser build: self-contained, defines the global `Realm`.
  "/vendor/realm-web.js": ["node_modules/realm-web/dist/bundle.iife.js", "text/javascript; charset=utf-8"],
};

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const route = routes[path];
  if (!route || (req.method !== "GET" && req.method !== "HEAD")) {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("not found\n");
    return;
  }
  try {
    const body = await readFile(join(here, route[0]));
    res.writeHead(200, {
      "Content-Type": route[1],
      "Content-Length": body.length,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch (err) {
    res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(`cannot read ${route[0]}: ${err.code ?? err.message}\n`);
  }
});

server.listen(port, host, () => {
  console.log(`static: serving ${here}/page on http://${host}:${port}/`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
