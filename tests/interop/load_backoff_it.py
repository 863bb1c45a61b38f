# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side of load_backoff_interop.sh: a small HTTP/1.1 keep-alive
# server, started late on purpose (tern-load's connects are refused until
# it listens), bounded in time.
#   serve IP PORT SECONDS
import http.server
import socketserver
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"	# keep-alive, with Content-Length

	def do_GET(self):
		body = b"ok\n"
		self.send_response(200)
		self.send_header("Content-Length", str(len(body)))
		self.end_headers()
		self.wfile.write(body)

	def log_message(self, *args):
		pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
	daemon_threads = True
	allow_reuse_address = True


def main():
	ip, port, secs = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
	srv = Server((ip, port), Handler)
	threading.Timer(secs, srv.shutdown).start()
	print("listening", flush=True)
	srv.serve_forever()


if __name__ == "__main__" and sys.argv[1] == "serve":
	main()
