# fuzz.py — bad input against the server: malformed and truncated messages,
# absurd lengths, unknown message types, startup packets with huge or
# missing parameter lists, and random mutations of valid message sequences,
# each on its own connection. Every connection must be answered with an
# ErrorResponse and/or closed (never hang), and after every round a fresh
# connection must still run a query. Usage: fuzz.py PORT [ROUNDS] [SEED]
# Prints "N passed, M failed"; exit status 1 when anything failed.
import random
import socket
import struct
import sys
import time

port = int(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20261122)
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def startup(user=b"fuzz", extra=b""):
    body = struct.pack("!I", 196608) + b"user\0" + user + b"\0" + extra + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def msg(t, body):
    return t + struct.pack("!I", len(body) + 4) + body


def drain(s, timeout=5.0, until_ready=False):
    """Read until EOF (or, with until_ready, the first ReadyForQuery);
    returns (bytes, closed)."""
    s.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
            return data, False
        except (ConnectionResetError, BrokenPipeError):
            return data, True
        if not d:
            return data, True
        data += d
        if until_ready and data[-6:-1] == b"Z\0\0\0\x05":
            return data, False
    return data, False


def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def still_serving(tag):
    s = connect()
    s.sendall(startup() + msg(b"Q", b"select 1\0") + msg(b"X", b""))
    data, _ = drain(s)
    s.close()
    check(b"C\0\0\0\x0dSELECT 1\0" in data, "server still serving after " + tag)


def send_and_expect_close(payload, tag, login=True):
    s = connect()
    try:
        if login:
            s.sendall(startup())
            drain(s, 5.0, until_ready=True)
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    data, closed = drain(s)
    s.close()
    check(closed, tag + ": connection closed")
    return data


# Fixed cases.
cases_startup = {
    "startup length 0": struct.pack("!I", 0),
    "startup length 7": struct.pack("!II", 7, 196608),
    "startup length 1 GB": struct.pack("!II", 1 << 30, 196608),
    "startup negative length": b"\xff\xff\xff\xf0" + b"x" * 12,
    "unknown protocol 9.9": struct.pack("!II", 8, (9 << 16) | 9),
    "missing parameter list": struct.pack("!II", 8, 196608),
    "missing user": struct.pack("!II", 9, 196608) + b"\0",
    "unterminated parameters": struct.pack("!II", 12, 196608) + b"user",
    "huge parameter list": struct.pack("!II", 9999 + 8, 196608) + (b"k" * 4000 + b"\0" + b"v" * 4000 + b"\0") + b"\0" * (9999 - 8002),
    "huge value over the limit": struct.pack("!II", 20008, 196608) + b"user\0" + b"u" * 20000,
    "cancel request too short": struct.pack("!II", 12, 80877102) + b"\0\0\0\0",
    "ssl request then garbage": struct.pack("!II", 8, 80877103) + b"\x16\x03\x01garbage",
}
for tag, payload in cases_startup.items():
    data = send_and_expect_close(payload, tag, login=False)
    if tag.startswith("cancel") or tag.startswith("ssl"):
        continue
    check(data[:1] == b"E" and b"SFATAL\0" in data, tag + ": FATAL ErrorResponse")

cases_msgs = {
    "length 3": b"Q\0\0\0\x03",
    "length 2^31-1": b"Q\x7f\xff\xff\xff",
    "length 2^32-1": b"Q\xff\xff\xff\xff",
    "unknown type 0x00": msg(b"\0", b""),
    "unknown type z": msg(b"z", b"abc"),
    "query without NUL": msg(b"Q", b"select 1"),
    "parse truncated": msg(b"P", b"\0select 1"),
    "parse huge param count": msg(b"P", b"\0select 1\0\x7f\xff"),
    "bind truncated": msg(b"P", b"\0select $1::int + 1\0\0\0") + msg(b"B", b"\0\0\0\x01\0"),
    "bind lying length": msg(b"P", b"\0select $1::int + 1\0\0\0") + msg(b"B", b"\0\0\0\0\0\x01\x7f\xff\xff\xff"),
    "describe bad kind": msg(b"D", b"X\0"),
    "execute truncated": msg(b"E", b"\0\0\0"),
    "close bad kind": msg(b"C", b"Q\0"),
    "password message after login": msg(b"p", b"secret\0") + msg(b"Q", b"select 1\0"),
    "copy data then garbage in COPY": msg(b"Q", b"COPY t FROM STDIN\0") + msg(b"d", b"1\tx\n") + msg(b"Q", b"select 1\0"),
    "terminate with body": msg(b"X", b"junk") + msg(b"Q", b"select 1\0"),
}
for tag, payload in cases_msgs.items():
    data = send_and_expect_close(payload, tag)
    if not tag.startswith("terminate"):
        check(b"E\0" in data, tag + ": ErrorResponse")
still_serving("fixed cases")

# Random mutations of a valid pipeline.
valid = [
    msg(b"Q", b"select 1; select 'x'\0"),
    msg(b"P", b"s\0SELECT * FROM t WHERE id = $1\0\0\0"),
    msg(b"B", b"p\0s\0\0\0\0\x01\0\0\0\x012\0\0"),
    msg(b"D", b"Pp\0"),
    msg(b"E", b"p\0\0\0\0\x01"),
    msg(b"S", b""),
    msg(b"H", b""),
    msg(b"C", b"Ss\0"),
]
for r in range(rounds):
    seq = b"".join(rng.choice(valid) for _ in range(rng.randint(1, 6)))
    b = bytearray(seq)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(4)
        if op == 0 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 1 and b:
            del b[rng.randrange(len(b)):]
        elif op == 2:
            b[rng.randrange(len(b) + 1):0] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            i = rng.randrange(len(b) + 1)
            b[i:i] = rng.choice(valid)
    s = connect()
    try:
        s.sendall(startup())
        drain(s, 5.0, until_ready=True)
        s.sendall(bytes(b))
        s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    data, closed = drain(s)
    s.close()
    check(closed, "round %d: the server closes after EOF" % r)
    if r % 50 == 49:
        still_serving("round %d" % r)
still_serving("random rounds")

# Many connections that only send a partial startup packet, then vanish.
socks = []
for i in range(200):
    s = connect()
    s.sendall(struct.pack("!I", 100)[: (i % 4) + 1])
    socks.append(s)
still_serving("200 half-open connections")
for s in socks:
    s.close()
still_serving("half-open connections closed")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
