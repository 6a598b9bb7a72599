"""A reverse proxy that checks each request's AWS SigV4 signature, then passes it on.

Run with the Python of moto's venv (it has botocore):

    python signing_proxy.py --upstream http://127.0.0.1:PORT --key AKID:SECRET
                            [--cert server.pem --key-file server.key]

For every request it recomputes the signature with botocore, from the request as received:
the credential scope of the Authorization header (access key, date, region, service), exactly
the headers named in SignedHeaders, X-Amz-Date as the time (never the clock), the path (for S3
as sent, for other services percent-encoded once more, as botocore signs them), the query
(decoded, then encoded and sorted by botocore) and the body's SHA-256 (or, when signed,
X-Amz-Content-SHA256, which must then be the body's). A signature that matches is counted and
the request goes to the upstream server unchanged (a chunked body is sent with Content-Length;
Expect is dropped, the proxy has already answered 100-continue); the upstream's answer comes
back with its status, headers and body. Anything else is answered 403 (400 for a wrong body
hash) in the service's own error shape and kept as a mismatch, described with the canonical
request botocore computed.

Control paths, answered by the proxy itself and never passed on:
    GET  /__proxy/stats  -> {"verified": N, "mismatches": ["...", ...]}
    POST /__proxy/keys   {"access_key": "...", "secret_key": "..."}: accept one more key

Once listening it prints its port on a line of stdout. It ends when its stdin ends, so it does
not outlive the test that started it.
"""

import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import ssl
import sys
import threading
import urllib.parse
import uuid

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<key>[^/\s,]+)/(?P<date>\d{8})/(?P<region>[^/\s,]+)/"
    r"(?P<service>[^/\s,]+)/aws4_request\s*,\s*"
    r"SignedHeaders=(?P<signed>[^\s,]+)\s*,\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CONTROL = "/__proxy/"


class _ListedHeaders:
    """Signs over the headers of the request as given (the ones SignedHeaders names), as the
    service does, instead of botocore's client-side choice of headers to sign."""

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            header_map[name.lower()] = value
        return header_map


class Verifier(_ListedHeaders, SigV4Auth):
    pass


class S3Verifier(_ListedHeaders, S3SigV4Auth):
    pass


class Rejection(Exception):
    """A request whose signature does not hold: an HTTP status, an error code and a
    description for the mismatch list."""

    def __init__(self, status, code, description):
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


class State:
    def __init__(self, upstream, keys):
        self.upstream = upstream
        self.keys = dict(keys)
        self.lock = threading.Lock()
        self.verified = 0
        self.mismatches = []


def split_target(target):
    path, _, query = target.partition("?")
    return path, query


def query_params(query):
    """The query's (name, value) pairs, percent-decoded ('+' is kept: it is not a space in
    AWS's canonical form)."""
    params = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        params.append((urllib.parse.unquote(name), urllib.parse.unquote(value)))
    return params


def verify(state, method, target, headers, body, scheme):
    """Raises Rejection unless the request's signature is the one botocore computes."""
    where = f"{method} {target}"
    authorization = headers.get("Authorization")
    if authorization is None:
        raise Rejection(403, "MissingAuthenticationToken", f"{where}: no Authorization header")
    match = AUTHORIZATION.match(authorization.strip())
    if match is None:
        raise Rejection(
            403, "IncompleteSignature", f"{where}: Authorization is not SigV4: {authorization!r}"
        )
    service = match["service"]
    where = f"{where} ({service})"
    with state.lock:
        secret = state.keys.get(match["key"])
    if secret is None:
        raise Rejection(
            403, "InvalidClientTokenId", f"{where}: unknown access key {match['key']!r}"
        )
    amz_date = headers.get("X-Amz-Date")
    if amz_date is None or not re.match(r"^\d{8}T\d{6}Z$", amz_date):
        raise Rejection(403, "IncompleteSignature", f"{where}: no valid X-Amz-Date: {amz_date!r}")
    if amz_date[:8] != match["date"]:
        raise Rejection(
            403,
            "SignatureDoesNotMatch",
            f"{where}: the credential's date {match['date']} is not X-Amz-Date's {amz_date}",
        )
    signed = match["signed"].split(";")
    if signed != sorted(set(signed)) or any(name != name.lower() for name in signed):
        raise Rejection(
            403,
            "SignatureDoesNotMatch",
            f"{where}: SignedHeaders is not lowercase, sorted and unique: {match['signed']}",
        )
    for required in ("host", "x-amz-date"):
        if required not in signed:
            raise Rejection(
                403, "SignatureDoesNotMatch", f"{where}: {required} is not in SignedHeaders"
            )

    path, query = split_target(target)
    url = f"{scheme}://{headers.get('Host', '')}{path}"
    request = AWSRequest(method=method, url=url, data=body)
    for name in signed:
        values = headers.get_all(name)
        if not values:
            raise Rejection(
                403, "SignatureDoesNotMatch", f"{where}: signed header {name} is not in the request"
            )
        for value in values:
            request.headers[name] = value
    params = query_params(query)
    if params:
        request.params = params
    request.context["timestamp"] = amz_date

    content_sha256 = headers.get("X-Amz-Content-SHA256")
    # A body hash the signature covers must be the body's (S3 checks it; so is any service's
    # checked here, since a client that sends one means it).
    if content_sha256 and SHA256_HEX.match(content_sha256):
        actual = hashlib.sha256(body).hexdigest()
        if actual != content_sha256:
            raise Rejection(
                400,
                "XAmzContentSHA256Mismatch",
                f"{where}: x-amz-content-sha256 is {content_sha256}, "
                f"the body's SHA-256 is {actual}",
            )

    verifier_class = S3Verifier if service == "s3" else Verifier
    verifier = verifier_class(
        Credentials(match["key"], secret, headers.get("X-Amz-Security-Token")),
        service,
        match["region"],
    )
    canonical_request = verifier.canonical_request(request)
    string_to_sign = verifier.string_to_sign(request, canonical_request)
    expected = verifier.signature(string_to_sign, request)
    received = match["signature"]
    if not hmac.compare_digest(expected, received):
        raise Rejection(
            403,
            "SignatureDoesNotMatch",
            f"{where}: expected signature {expected}, received {received}\n"
            f"canonical request (botocore):\n{canonical_request}\n"
            f"string to sign:\n{string_to_sign}",
        )


def error_answer(headers, code, message):
    """The body, content type and extra headers of an error in the shape of the service."""
    request_id = str(uuid.uuid4())
    content_type = headers.get("Content-Type", "")
    authorization = headers.get("Authorization", "")
    service = AUTHORIZATION.match(authorization.strip())
    service = service["service"] if service else None
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{xml_escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
        return body.encode(), "application/xml", [("x-amz-request-id", request_id)]
    # The JSON protocols' names for these errors.
    json_code = {
        "SignatureDoesNotMatch": "InvalidSignatureException",
        "MissingAuthenticationToken": "MissingAuthenticationTokenException",
        "InvalidClientTokenId": "UnrecognizedClientException",
    }.get(code, code)
    if content_type.startswith("application/x-amz-json"):
        body = json.dumps(
            {"__type": f"com.amazon.coral.service#{json_code}", "message": message}
        )
        return body.encode(), content_type, [("x-amzn-RequestId", request_id)]
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{xml_escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return body.encode(), "text/xml", [("x-amzn-RequestId", request_id)]
    body = json.dumps({"message": message})
    return (
        body.encode(),
        "application/json",
        [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", f"{json_code}:")],
    )


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MESSAGES = {
    "SignatureDoesNotMatch": "The request signature we calculated does not match the signature "
    "you provided. Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details.",
    "MissingAuthenticationToken": "Request is missing Authentication Token",
    "IncompleteSignature": "The request signature does not conform to AWS standards.",
    "InvalidClientTokenId": "The security token included in the request is invalid.",
    "XAmzContentSHA256Mismatch": "The provided 'x-amz-content-sha256' header does not match "
    "what was computed.",
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "signing-proxy"

    def log_message(self, format, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks), True
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length), False

    def answer(self, status, headers, body):
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def control(self, body):
        state = self.server.state
        path, _ = split_target(self.path)
        if self.command == "GET" and path == CONTROL + "stats":
            with state.lock:
                stats = {"verified": state.verified, "mismatches": list(state.mismatches)}
            self.answer(200, [("Content-Type", "application/json")], json.dumps(stats).encode())
        elif self.command == "POST" and path == CONTROL + "keys":
            key = json.loads(body)
            with state.lock:
                state.keys[key["access_key"]] = key["secret_key"]
            self.answer(204, [], b"")
        else:
            self.answer(404, [("Content-Type", "text/plain")], b"no such control path")

    def handle_any(self):
        body, chunked = self.read_body()
        if self.path.startswith(CONTROL):
            return self.control(body)
        state = self.server.state
        try:
            verify(state, self.command, self.path, self.headers, body, self.server.scheme)
        except Rejection as rejection:
            with state.lock:
                state.mismatches.append(rejection.description)
            print(f"signing proxy: {rejection.description}", file=sys.stderr, flush=True)
            message = MESSAGES.get(rejection.code, rejection.description)
            error_body, content_type, extra = error_answer(self.headers, rejection.code, message)
            return self.answer(
                rejection.status, [("Content-Type", content_type)] + extra, error_body
            )
        with state.lock:
            state.verified += 1
        self.forward(body, chunked)

    def forward(self, body, chunked):
        host, port = self.server.state.upstream
        upstream = http.client.HTTPConnection(host, port, timeout=300)
        try:
            upstream.putrequest(
                self.command, self.path, skip_host=True, skip_accept_encoding=True
            )
            for name, value in self.headers.items():
                lower = name.lower()
                if lower == "expect" or (chunked and lower == "transfer-encoding"):
                    continue
                upstream.putheader(name, value)
            if chunked:
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body if body else None)
            response = upstream.getresponse()
            data = response.read()
            self.send_response_only(response.status, response.reason)
            no_body = self.command == "HEAD" or response.status in (204, 304)
            for name, value in response.getheaders():
                lower = name.lower()
                if lower in ("transfer-encoding", "connection", "keep-alive"):
                    continue
                if lower == "content-length" and not no_body:
                    continue
                self.send_header(name, value)
            if not no_body:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not no_body:
                self.wfile.write(data)
            self.wfile.flush()
        finally:
            upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state, ssl_context):
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = state
        self.ssl_context = ssl_context
        self.scheme = "https" if ssl_context else "http"

    def finish_request(self, request, client_address):
        # The TLS handshake happens here, on the connection's own thread.
        if self.ssl_context is None:
            return super().finish_request(request, client_address)
        with self.ssl_context.wrap_socket(request, server_side=True) as tls:
            super().finish_request(tls, client_address)

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        print(f"signing proxy: connection from {client_address}: {error!r}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="http://HOST:PORT")
    parser.add_argument("--key", action="append", default=[], help="ACCESS_KEY:SECRET_KEY")
    parser.add_argument("--cert", help="PEM certificate: serve HTTPS")
    parser.add_argument("--key-file", help="PEM private key of --cert")
    args = parser.parse_args()

    upstream = urllib.parse.urlsplit(args.upstream)
    if upstream.scheme != "http" or not upstream.hostname or not upstream.port:
        parser.error(f"--upstream must be http://HOST:PORT, not {args.upstream!r}")
    keys = []
    for key in args.key:
        access_key, sep, secret_key = key.partition(":")
        if not sep:
            parser.error(f"--key must be ACCESS_KEY:SECRET_KEY, not {key!r}")
        keys.append((access_key, secret_key))
    ssl_context = None
    if args.cert:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(args.cert, args.key_file)

    server = Server(State((upstream.hostname, upstream.port), keys), ssl_context)

    def end_with_stdin():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=end_with_stdin, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
