#!/usr/bin/env python3
"""Plant injection payloads in a copy of a result folder.

    report_payload.py SRC DST CANARY_DIR [--keep-hosts]

Every string field that fabprobe report shows (run id, host names, engine, pattern, status,
clock source, start time, command line) carries quotes, newlines, backslashes, gnuplot's
system(), backticks, macros, shell substitution, DOT attribute breakouts and HTML. Each payload
would create a file in CANARY_DIR if it reached gnuplot, a shell or a script: the test asserts
that CANARY_DIR stays empty. --keep-hosts leaves the host names and the status alone (for the analyzer, which
joins hosts to the topology by name) and puts the payloads into the folder name instead.
"""
import json, os, shutil, sys


def payloads(canary, tag):
    c = os.path.join(canary, tag)
    return "".join([
        "x';system('touch %s_q');'" % c,
        "x';system('touch${IFS}%s_ifs');'" % c,
        'x";system("touch %s_d");"' % c,
        "\nsystem('touch %s_n')\n" % c,
        "\\';system('touch %s_bs');'\\" % c,
        "`touch %s_bt`" % c,
        "@pwn $(touch %s_sh)" % c,
        '" [image="/etc/hostname" URL="javascript:x"] "',
        "<script>document.title='PWNED'</script><img src=x onerror=alert(1)>",
        "%s%d{}_^",
    ])


def main():
    src, dst, canary = sys.argv[1:4]
    keep_hosts = "--keep-hosts" in sys.argv
    shutil.copytree(src, dst)
    path = os.path.join(dst, "run.json")
    r = json.load(open(path))
    # the run id alone is one clean breakout (gnuplot rejects a whole line that does not lex;
    # the old report turned its spaces into underscores)
    r["run_id"] = "run';system('touch${IFS}%s');'<script>alert(1)</script>" % os.path.join(canary, "runid")
    r["engine"] = "eng" + payloads(canary, "engine")
    if not keep_hosts:
        # the result reader refuses a status that is not a short name (analyze exits 2)
        r["status"] = "complete" + payloads(canary, "status")
    r["started"] = payloads(canary, "started")
    r["clock"]["source"] = payloads(canary, "clock")
    r["command_line"] = [payloads(canary, "cmd%d" % i) for i in range(2)] + r["command_line"]
    if not keep_hosts:
        for h in r["hosts"]:
            h["hostname"] = "h%d" % h["rank"] + payloads(canary, "host%d" % h["rank"])
            h["address"] = payloads(canary, "addr%d" % h["rank"])
    with open(path, "w") as f:
        json.dump(r, f)


if __name__ == "__main__":
    main()
