"""A visit counter: a small web page that keeps its count in Redis.

It speaks Redis's text protocol over a plain socket, so it needs nothing beyond Python itself.
"""

import os
import socket
from http.server import BaseHTTPRequestHandler, HTTPServer

REDIS_HOST = os.environ.get("REDIS_HOST", "localhost")


def count_visit():
    with socket.create_connection((REDIS_HOST, 6379), timeout=3) as conn:
        conn.sendall(b"INCR visits\r\n")
        reply = conn.recv(64).decode()
    # Redis answers ":<number>\r\n" to INCR.
    return int(reply.strip().lstrip(":"))


class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            text = f"This page has been visited {count_visit()} times.\n"
            status = 200
        except OSError as error:
            text = f"Cannot reach Redis at {REDIS_HOST}: {error}\n"
            status = 503
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(text.encode())


print("Listening on port 8000", flush=True)
HTTPServer(("", 8000), Page).serve_forever()
