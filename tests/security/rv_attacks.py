#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The rendezvous against a hostile management network (issue 14, items 1-4 and 11).

rv_attacks.py FABPROBE CASE: runs real fabprobe ranks on loopback and plays the stranger, the
man in the middle or the fake rank 0 with its own implementation of the wire format in
fabric/runtime/rv_codec.h. Exit 0 pass, 1 fail (with what went wrong). Every process it starts is
killed and every folder removed, pass or fail.
"""
import hashlib
import hmac
import os
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

MAGIC, VERSION, HDR = 0x56525046, 4, 56
HELLO, CHALLENGE, AUTH, WELCOME, CONTRIB, RESULT, ERROR = range(1, 8)
FROM_ROOT, FROM_PEER = 0, 1
RUN = ["run", "stream", "--sizes", "4K", "--iters", "50"]


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def hdr(mtype, rank, size, length, seq=0, mac=b"\0" * 32):
    return struct.pack("<IHHIIII", MAGIC, VERSION, mtype, rank, size, seq, length) + mac


def parse(h):
    magic, ver, mtype, rank, size, seq, length = struct.unpack("<IHHIIII", h[:24])
    return dict(type=mtype, rank=rank, size=size, seq=seq, len=length, mac=h[24:56])


def proof(token, label, n0, np, rank, size):
    return hmac.new(token.encode(), label.encode() + b"\0" + n0 + np +
                    struct.pack("<II", rank, size), hashlib.sha256).digest()


def fnv_digest(token):
    """Protocol 1's token digest, which its refusals used to carry."""
    h = 0xcbf29ce484222325
    for c in b"fabprobe-job-token:" + token.encode():
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return struct.pack("<Q", h)


def recv_exact(s, n, timeout=10):
    s.settimeout(timeout)
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise ConnectionError("closed after %d of %d bytes" % (len(b), n))
        b += c
    return b


def recv_msg(s, timeout=10):
    h = recv_exact(s, HDR, timeout)
    m = parse(h)
    return m, h, recv_exact(s, m["len"], timeout) if m["len"] else b""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def connect(port, until=10):
    end = time.time() + until
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)


class Job:
    """fabprobe processes of one test, always reaped."""

    def __init__(self, fabprobe):
        self.fp = fabprobe
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="fp-rv-sec.")

    def rank(self, rank, size, addr, token, timeout="20s", extra=(), **kw):
        args = [self.fp] + RUN + ["--rank", str(rank), "--size", str(size), "--rendezvous",
                                  addr, "--token", token, "--timeout", timeout]
        args += ["--output", os.path.join(self.tmp, "out%d" % len(self.procs))] if rank == 0 \
            else ["--quiet"]
        p = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, **kw)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.communicate()
        shutil.rmtree(self.tmp, ignore_errors=True)


def finish(p, limit=30):
    try:
        out, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise Fail("a rank was still running after %d s: %s" % (limit, err))
    return p.returncode, err


def handshake(port, token, rank=1, size=2):
    """Join as a peer; returns the socket, rank 0's answer to AUTH and the session key."""
    s = connect(port)
    np = os.urandom(32)
    s.sendall(hdr(HELLO, rank, size, 32) + np)
    m, h, n0 = recv_msg(s)
    check(m["type"] == CHALLENGE and len(n0) == 32, "no challenge: %r" % m)
    s.sendall(hdr(AUTH, rank, size, 32) + proof(token, "peer", n0, np, rank, size))
    return s, n0, np


def case_wrong_token(fp):
    """A wrong token is refused with "wrong token" and nothing else; nothing in the reply
    gets a second try in, and the real job still runs."""
    job, port = Job(fp), free_port()
    try:
        r0 = job.rank(0, 2, "127.0.0.1:%d" % port, "right")
        # protocol 1's hello with a wrong digest (padded to a version 2 header): whatever
        # comes back must not carry the right one, as protocol 1's refusal did
        s = connect(port)
        s.sendall(struct.pack("<IHHIIIIQ", MAGIC, 1, 1, 1, 2, 0, 0, 1) + b"\0" * 24)
        s.settimeout(5)
        try:
            old = s.recv(1000)
        except ConnectionResetError:
            old = b""
        s.close()
        check(fnv_digest("right") not in old, "a refusal carries the token digest")
        s, n0, np = handshake(port, "wrong")
        m, h, pl = recv_msg(s)
        s.close()
        reply = h + pl
        check(m["type"] == ERROR and pl == b"wrong token", "refusal: %r %r" % (m, pl))
        check(fnv_digest("right") not in reply, "the refusal carries the token digest")
        check(m["mac"] == b"\0" * 32, "the refusal carries a mac")
        # everything learned: the refusal's bytes as a proof, and the old protocol's digest
        for guess in (h[24:56], hashlib.sha256(reply).digest(), fnv_digest("right") * 4):
            s = connect(port)
            s.sendall(hdr(HELLO, 1, 2, 32) + os.urandom(32))
            recv_msg(s)
            s.sendall(hdr(AUTH, 1, 2, 32) + guess)
            m, _, pl = recv_msg(s)
            s.close()
            check(m["type"] == ERROR and pl == b"wrong token", "a replayed guess got in")
        r1 = job.rank(1, 2, "127.0.0.1:%d" % port, "right")
        rc1, e1 = finish(r1)
        rc0, e0 = finish(r0)
        check(rc0 == 0 and rc1 == 0, "the real job failed: %d %s / %d %s" % (rc0, e0, rc1, e1))
        check("refused a connection from 127.0.0.1: wrong token" in e0,
              "rank 0 did not log the wrong token with the address: %s" % e0)
    finally:
        job.close()


class Mitm:
    """A proxy between rank 1 and rank 0 that can rewrite rank 1's stream after WELCOME."""

    def __init__(self, upstream, meddle):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.upstream, self.meddle = upstream, meddle
        self.done = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        try:
            a, _ = self.lsock.accept()
            b = connect(self.upstream)
            welcomed = False
            n = 0
            while not self.done:
                r, _, _ = select.select([a, b], [], [], 0.2)
                if b in r:
                    m, h, pl = recv_msg(b)
                    welcomed |= m["type"] == WELCOME
                    a.sendall(h + pl)
                if a in r:
                    m, h, pl = recv_msg(a)
                    out = h + pl
                    if welcomed and m["type"] == CONTRIB:
                        out = self.meddle(n, m, h, pl)
                        n += 1
                    b.sendall(out)
        except (OSError, ConnectionError):
            pass

    def close(self):
        self.done = True
        self.lsock.close()


def mitm_case(fp, meddle, what):
    job, port = Job(fp), free_port()
    mitm = Mitm(port, meddle)
    try:
        r0 = job.rank(0, 2, "127.0.0.1:%d" % port, "k")
        r1 = job.rank(1, 2, "127.0.0.1:%d" % mitm.port, "k")
        rc0, e0 = finish(r0)
        finish(r1)
        check(rc0 != 0, "rank 0 accepted %s" % what)
        check("failed authentication" in e0, "rank 0 did not name the forgery: %s" % e0)
        if os.environ.get("FP_VERBOSE"):
            print(e0)
    finally:
        mitm.close()
        job.close()


def case_inject(fp):
    """A message injected into a live session (a forged contribution, the real one's mac
    kept) is refused."""
    def forge(n, m, h, pl):
        if n:
            return h + pl
        fake = pl + b"\x01"
        return hdr(CONTRIB, m["rank"], m["size"], len(fake), m["seq"], h[24:56]) + fake
    mitm_case(fp, forge, "an injected message")


def case_replay(fp):
    """A message replayed into a live session (rank 1's first contribution, sent twice) is
    refused."""
    mitm_case(fp, lambda n, m, h, pl: (h + pl) * (2 if n == 0 else 1), "a replayed message")


def fake_root(fp, welcome):
    """A listener that is not rank 0: rank 1 must refuse its WELCOME."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    job = Job(fp)
    try:
        r1 = job.rank(1, 2, "127.0.0.1:%d" % ls.getsockname()[1], "secret")
        ls.settimeout(10)
        s, _ = ls.accept()
        m, h, np = recv_msg(s)
        check(m["type"] == HELLO and len(np) == 32, "hello: %r" % m)
        n0 = os.urandom(32)
        s.sendall(hdr(CHALLENGE, 0, 2, 32) + n0)
        m, h, peer_proof = recv_msg(s)
        check(m["type"] == AUTH, "auth: %r" % m)
        s.sendall(welcome(n0, np, peer_proof))
        rc, err = finish(r1, 15)
        s.close()
        check(rc != 0 and "not this job's rank 0" in err,
              "rank 1 trusted a fake rank 0: %d %s" % (rc, err))
    finally:
        ls.close()
        job.close()


def case_fake_root(fp):
    """A fake rank 0 is refused, whether it makes up its proof, reflects the peer's own
    proof, or sends an unauthenticated welcome."""
    fake_root(fp, lambda n0, np, p: hdr(WELCOME, 0, 2, 32, 0, os.urandom(32)) + os.urandom(32))
    fake_root(fp, lambda n0, np, p: hdr(WELCOME, 0, 2, 32, 0, p) + p)
    fake_root(fp, lambda n0, np, p: hdr(WELCOME, 0, 2, 32) + b"\0" * 32)


def idle_sockets(port, n):
    socks = []
    for _ in range(n):
        socks.append(connect(port))
    return socks


def case_idle(fp):
    """500 idle connections neither stall the real job nor keep rank 0 past --timeout."""
    job, port = Job(fp), free_port()
    socks = []
    try:
        r0 = job.rank(0, 2, "127.0.0.1:%d" % port, "t", timeout="30s")
        socks = idle_sockets(port, 500)
        t = time.time()
        r1 = job.rank(1, 2, "127.0.0.1:%d" % port, "t", timeout="30s")
        rc1, e1 = finish(r1)
        rc0, e0 = finish(r0)
        check(rc0 == 0 and rc1 == 0, "job behind 500 idle sockets: %d %s / %d %s" %
              (rc0, e0, rc1, e1))
        check(time.time() - t < 10, "500 idle sockets delayed the job %.1f s" % (time.time() - t))
        for s in socks:
            s.close()
        # and rank 0 alone, with strangers that never finish a hello: it ends at --timeout
        port = free_port()
        t = time.time()
        r0 = job.rank(0, 2, "127.0.0.1:%d" % port, "t", timeout="3s")
        socks = idle_sockets(port, 500)
        for s in socks[:50]:
            s.sendall(hdr(HELLO, 1, 2, 32)[:10])  # a slow drip that never completes
        rc0, e0 = finish(r0)
        check(rc0 != 0 and "missing rank 1" in e0, "rank 0 alone: %d %s" % (rc0, e0))
        check(time.time() - t < 6, "rank 0 took %.1f s with --timeout 3s" % (time.time() - t))
    finally:
        for s in socks:
            s.close()
        job.close()


def limit_fds(n):
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))


def case_fd_limit(fp):
    """A job that cannot fit in the fd limit is refused at once (exit 2, with the command to
    raise it); strangers that would exhaust the fds of a job that fits do not end it."""
    t = time.time()
    p = subprocess.run([fp, "run", "stream", "--np", "1024", "--timeout", "60s"],
                       capture_output=True, text=True, timeout=30, preexec_fn=limit_fds(1024))
    check(p.returncode == 2 and "ulimit" in p.stderr and p.stderr.count("\n") == 1,
          "--np 1024 at 1024 fds: %d %s" % (p.returncode, p.stderr))
    # at once: the bug waits out --timeout (60 s); 5 s leaves room for an ASan start and exit
    check(time.time() - t < 5, "the refusal took %.1f s" % (time.time() - t))
    job, port = Job(fp), free_port()
    socks = []
    try:
        r0 = job.rank(0, 2, "127.0.0.1:%d" % port, "f", timeout="30s", preexec_fn=limit_fds(128))
        socks = idle_sockets(port, 300)
        r1 = job.rank(1, 2, "127.0.0.1:%d" % port, "f", timeout="30s")
        rc1, e1 = finish(r1)
        rc0, e0 = finish(r0)
        check(rc0 == 0 and rc1 == 0, "300 strangers at 128 fds: %d %s / %d %s" %
              (rc0, e0[-300:], rc1, e1))
    finally:
        for s in socks:
            s.close()
        job.close()


def case_sigint(fp):
    """SIGINT ends the rendezvous wait within 1 s on rank 0 and on rank 1, and on a rank 1
    that is still trying to reach a rank 0 that is not there."""
    job, port = Job(fp), free_port()
    try:
        r0 = job.rank(0, 4, "127.0.0.1:%d" % port, "s", timeout="60s")
        r1 = job.rank(1, 4, "127.0.0.1:%d" % port, "s", timeout="60s")
        lonely = job.rank(1, 2, "127.0.0.1:%d" % free_port(), "other", timeout="60s")
        time.sleep(1.5)
        for p, who in ((r0, "rank 0"), (r1, "rank 1"), (lonely, "unconnected rank 1")):
            if p.poll() is not None:
                raise Fail("%s ended before the signal: %s" % (who, p.communicate()[1]))
        for p, who in ((r0, "rank 0"), (r1, "rank 1"), (lonely, "unconnected rank 1")):
            t = time.time()
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=3)  # the bug waits out --timeout (60 s)
            except subprocess.TimeoutExpired:
                raise Fail("%s still waits 3 s after SIGINT" % who)
            check(p.returncode != 0, "%s exited 0 after SIGINT" % who)
    finally:
        job.close()


def case_blackhole(fp):
    """A rendezvous port that drops connection attempts (its queue full, as under a flood):
    rank 1 gives up at --timeout, not after the kernel's minutes of SYN retries."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    full = []
    try:
        for _ in range(4):  # never accepted: the queue fills, and further SYNs are dropped
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            full.append(c)
        time.sleep(0.3)
        t = time.time()
        try:
            p = subprocess.run([fp] + RUN + ["--rank", "1", "--size", "2", "--rendezvous",
                               "127.0.0.1:%d" % port, "--token", "b", "--timeout", "2s"],
                               capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            raise Fail("rank 1 still connecting 30 s into a --timeout 2s")
        check(p.returncode != 0, "rank 1 joined a full queue?")
        check(time.time() - t < 5, "rank 1 took %.1f s with --timeout 2s: %s" %
              (time.time() - t, p.stderr))
    finally:
        for c in full:
            c.close()
        ls.close()


def case_garbage_addr(fp):
    """--rendezvous garbage on a rank > 0: exit 2 at once, one line."""
    t = time.time()
    p = subprocess.run([fp] + RUN + ["--rank", "1", "--size", "2", "--rendezvous", "garbage",
                       "--timeout", "60s"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 2 and p.stderr.count("\n") == 1 and "garbage" in p.stderr,
          "garbage: %d %s" % (p.returncode, p.stderr))
    check(time.time() - t < 5, "garbage took %.1f s" % (time.time() - t))  # not --timeout's 60 s


def main():
    fp, case = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    # meson's timeout sends SIGTERM: unwind through the finally blocks that stop the ranks
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        globals()["case_" + case](fp)
    except Fail as e:
        print("FAIL: %s: %s" % (case, e))
        return 1
    print("ok - %s" % case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
