#!/usr/bin/env python3
"""Runs the parser (the CLI's `parse --from client|server`) over the reference transcripts and reports, per
source, how many frames parse without a diagnostic and which rules fire, with examples. By hand only: the
test suite never reads the corpus. See bench/README.md.

What is fed, per source:
  mailkit/*          MailKit's replay resources: server responses only (`--from server`). Stored with LF line
                     ends; MailKit's replay stream sends them with CRLF and their literal lengths count CRLF, so
                     bare LFs become CRLF here.
  apache-james-mpt   `.test` scripts: only the `C:` lines are real bytes (each line + CRLF, `--from client`);
                     `S:` lines are regular expressions and are ignored, as are SUB/LOG/TIMER/WAIT directives.
                     `SESSION: n` switches connection, `REINIT` starts new connections.
  dovecot-imaptest   imaptest scripts: after the header, the command lines are real (without the connection
                     number, the optional `tagN` and the expected `ok|no|bad|""` prefix), with `$variables`
                     expanded to plausible values, `{{{ ... }}}` turned into literals, and a bare `append` sent
                     as imaptest does, with the next message of the test's mbox. Lines starting `* ! ?` and
                     tagged `ok|no|bad` replies are expectations and are ignored. One stream per connection.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SOURCES = ["mailkit/gmail", "mailkit/dovecot", "mailkit/common", "apache-james-mpt", "dovecot-imaptest"]
DERIVED_KINDS = {"state", "transport"}  # frames the parser derives, not bytes on the wire
EXAMPLES_PER_RULE = 3


# ---- MailKit ----

def mailkit_streams(corpus, source):
    folder = os.path.join(corpus, source)
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        yield f"{source}/{name}", "server", data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# ---- Apache James MPT ----

def james_streams(corpus):
    root = os.path.join(corpus, "apache-james-mpt")
    paths = []
    for folder, _, files in os.walk(root):
        paths += [os.path.join(folder, f) for f in files if f.endswith(".test")]
    for path in sorted(paths):
        name = os.path.relpath(path, corpus)
        for suffix, data in james_client_bytes(path):
            yield name + suffix, "client", data


def james_client_bytes(path):
    """Client bytes per connection: {session number: bytes}, a new set after each REINIT."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    generation, session = 0, 1
    streams = collections.OrderedDict()
    for line in lines:
        line = line.rstrip(b"\r")
        if line.startswith(b"C:"):
            # MPT sends what follows "C: " and a CRLF.
            key = (generation, session)
            streams[key] = streams.get(key, b"") + line[3:] + b"\r\n"
        elif line.startswith(b"SESSION:"):
            session = int(line[8:].strip())
        elif line.strip() == b"REINIT":
            generation += 1
    for (generation, session), data in streams.items():
        suffix = "" if len(streams) == 1 else f"#conn{session}" + (f".{generation}" if generation else "")
        yield suffix, data


# ---- Dovecot imaptest ----

IMAPTEST_VARIABLES = {
    "mailbox": "imaptest", "mailbox_url": "imaptest", "sep": "/",
    "user": "testuser@example.com", "username": "testuser", "domain": "example.com", "password": "pass",
    "uidvalidity": "1736841600", "uidv": "1736841600", "uidnext": "6", "size": "300", "searchtag": "1.5",
}


def imaptest_value(name):
    """Values the script names; those captured from server replies at run time get plausible stand-ins."""
    if name in IMAPTEST_VARIABLES:
        return IMAPTEST_VARIABLES[name]
    if name.startswith("mail_url"):
        return f"imap://testuser@example.com/imaptest/;uid=1;urlauth=user+testuser@example.com:internal:{'0' * 32}"
    digits = re.search(r"(\d+)$", name)
    if name.startswith(("uid", "srcuid", "modseq")) or name.isdigit():
        return digits.group(1) if digits else "1"
    raise KeyError(name)


def imaptest_expand(command, unknown):
    """Expands $name, ${name} and $$ as imaptest's test_expand_all does."""
    out, i = bytearray(), 0
    while i < len(command):
        c = command[i:i + 1]
        if c != b"$" or i + 1 == len(command):
            out += c
            i += 1
            continue
        i += 1
        if command[i:i + 1] == b"$":
            out += b"$"
            i += 1
            continue
        if command[i:i + 1] == b"{":
            end = command.index(b"}", i)
            name, i = command[i + 1:end], end + 1
        else:
            m = re.match(rb"[A-Za-z0-9_]*", command[i:])
            name, i = m.group(0), i + m.end()
        try:
            out += imaptest_value(name.decode()).encode()
        except KeyError:
            unknown.add(name.decode())
            out += b"1"
    return bytes(out)


def imaptest_logical_lines(data):
    """Joins `{{{ ... }}}` blocks into one line with `{n}` (or `~{n}`) literals (imaptest's test_parse_file)."""
    physical = data.split(b"\n")
    if physical and physical[-1] == b"":
        physical.pop()
    i = 0
    while i < len(physical):
        line = physical[i].rstrip(b"\r")
        i += 1
        if not line.endswith(b"{{{"):
            yield line
            continue
        text = bytearray()
        while line.endswith(b"{{{"):
            binary = line.endswith(b"~{{{")
            text += line[:-4] if binary else line[:-3]
            body = bytearray()
            while i < len(physical) and not physical[i].startswith(b"}}}"):
                raw = physical[i]
                crlf = raw.endswith(b"\r")
                # Text literals get CRLF line ends; binary ones keep what the file has.
                body += raw.rstrip(b"\r") + (b"\n" if binary and not crlf else b"\r\n")
                i += 1
            body = body[:-2] if body.endswith(b"\r\n") else body[:-1]
            text += (b"~" if binary else b"") + b"{%d}\r\n" % len(body) + body
            line = physical[i][3:].rstrip(b"\r") if i < len(physical) else b""
            i += 1
        yield bytes(text + line)


def mbox_messages(path):
    with open(path, "rb") as f:
        data = f.read()
    messages = re.split(rb"(?m)^From [^\n]*\n", data)
    # The blank line before the next "From " separates messages; it is not part of the message.
    messages = [m[:-1] if m.endswith(b"\n\n") else m for m in messages if m.strip()]
    return [m.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for m in messages]


REPLY = re.compile(rb'^(?:tag(\d+) )?(ok|no|bad|"")(?: |$)', re.IGNORECASE)
TAGGED = re.compile(rb"^tag(\d+) ", re.IGNORECASE)


def imaptest_streams(corpus):
    root = os.path.join(corpus, "dovecot-imaptest")
    default_mbox = os.path.join(root, "default.mbox")
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if not os.path.isfile(path) or name.endswith((".mbox", ".md")):
            continue
        with open(path, "rb") as f:
            data = f.read()
        mbox = path + ".mbox" if os.path.exists(path + ".mbox") else default_mbox
        unknown = set()
        streams = imaptest_client_bytes(data, mbox_messages(mbox), unknown)
        if unknown:
            print(f"note: {name}: unknown variables {sorted(unknown)} replaced by 1", file=sys.stderr)
        for connection, stream in sorted(streams.items()):
            suffix = "" if len(streams) == 1 else f"#conn{connection}"
            yield f"dovecot-imaptest/{name}{suffix}", "client", stream


def imaptest_client_bytes(data, messages, unknown):
    """The commands imaptest sends for a script (its test_parse_command_line, simplified)."""
    header, connections = True, 1
    skip, ifenv = False, []
    pending, group_commands = 0, 0
    streams, tags = {}, collections.Counter()
    next_message = 0
    for line in imaptest_logical_lines(data):
        if header:
            if line == b"":
                header = False
            elif line.lower().startswith(b"connections:"):
                connections = int(line.split(b":", 1)[1])
            continue
        if line == b"" or line.startswith(b"#"):
            continue
        # No environment variables are set: "!ifenv X" blocks are skipped, "!ifnenv X" blocks kept.
        if line.startswith(b"!ifenv ") or line.startswith(b"!ifnenv "):
            ifenv.append(skip)
            skip = skip or line.startswith(b"!ifenv ")
            continue
        if line == b"!else":
            skip = not skip if not ifenv[-1] else skip
            continue
        if line == b"!endif":
            skip = ifenv.pop()
            continue
        if skip or line.startswith((b"!sleep ", b"!output ", b"!ordered")):
            continue
        if line[:2] in (b"* ", b"! ", b"? "):
            continue  # an expected untagged reply
        rest = line
        connection = 1
        if connections > 1:
            first, _, after = line.partition(b" ")
            if first.isdigit():
                connection, rest = int(first), after
        if pending > 0 and REPLY.match(rest):
            pending -= 1  # an expected tagged reply
            continue
        if pending == 0:
            group_commands = 0
        tagged = TAGGED.match(rest)
        if tagged:
            rest = rest[tagged.end():]
        reply = REPLY.match(rest)
        if reply:
            rest = rest[reply.end():]
        elif group_commands == 0 and rest[:2] in (b"* ", b"! ", b"? "):
            continue  # banner check
        if not reply:
            pending += 1
        group_commands += 1

        command = imaptest_expand(rest, unknown)
        words = command.split(b" ", 1)
        if words[0].lower() == b"append" and not append_has_body(command):
            # imaptest appends the next message of the mbox (imap_client_append).
            message = messages[next_message % len(messages)]
            next_message += 1
            target = words[1] if len(words) > 1 and words[1] else b"imaptest"
            command = b"APPEND " + target + b" {%d}\r\n" % len(message) + message
        tags[connection] += 1
        streams.setdefault(connection, bytearray())
        streams[connection] += b"%d.%d " % (connection, tags[connection]) + command + b"\r\n"
    return {c: bytes(s) for c, s in streams.items()}


def append_has_body(command):
    """APPEND with a literal or CATENATE (imaptest's append_has_body, roughly)."""
    return re.search(rb"\{\d+\+?\}\r\n", command) is not None or b" catenate " in command.lower()


# ---- running the parser ----

def parse(cli, work, item):
    name, direction, data = item
    path = os.path.join(work, re.sub(r"[^A-Za-z0-9.#_-]", "_", name))
    with open(path, "wb") as f:
        f.write(data)
    result = subprocess.run(["dotnet", cli, "parse", "--from", direction, path],
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{name}: exit {result.returncode}: {result.stderr.decode(errors='replace')}")
    frames = [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]
    return name, direction, data, frames


def escape(data):
    out = []
    for b in data:
        if b == 13:
            out.append("\\r")
        elif b == 10:
            out.append("\\n")
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02X}")
    return "".join(out)


def excerpt(data, frame, diagnostic):
    """The frame's first bytes, and the bytes around the diagnostic when it lies further in."""
    start, length = frame["offset"], max(frame["length"], 1)
    head = data[start:start + min(length, 140)]
    text = escape(head) + ("…" if length > 140 else "")
    at = diagnostic.get("offset", start)
    if at > start + 140:
        text += "  …[at +%d] %s" % (at - start, escape(data[max(at - 40, start):at + 60]))
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--cli", required=True, help="path to imapproxy.dll")
    parser.add_argument("--work", required=True, help="scratch folder for the streams")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    inputs = {s: list(mailkit_streams(args.corpus, s)) for s in SOURCES if s.startswith("mailkit/")}
    inputs["apache-james-mpt"] = list(james_streams(args.corpus))
    inputs["dovecot-imaptest"] = list(imaptest_streams(args.corpus))

    summary = []
    details = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for source in SOURCES:
            frames_total = clean = 0
            rules = collections.Counter()
            examples = collections.defaultdict(list)
            for name, direction, data, frames in pool.map(lambda i: parse(args.cli, args.work, i), inputs[source]):
                for frame in frames:
                    if frame["kind"] in DERIVED_KINDS:
                        continue
                    frames_total += 1
                    diagnostics = frame.get("diagnostics") or []
                    if frame["kind"] != "malformed" and not diagnostics:
                        clean += 1
                    for d in diagnostics:
                        rules[d["rule"]] += 1
                        if len(examples[d["rule"]]) < EXAMPLES_PER_RULE and not any(
                                e[0] == name for e in examples[d["rule"]]):
                            examples[d["rule"]].append((name, frame, d, excerpt(data, frame, d)))
            share = 100.0 * clean / frames_total if frames_total else 0.0
            summary.append((source, len(inputs[source]), frames_total, share, rules))
            details.append((source, rules, examples))

    print("| source | streams | frames | clean | diagnostics by rule |")
    print("|---|---:|---:|---:|---|")
    for source, streams, frames, share, rules in summary:
        by_rule = ", ".join(f"{r} {n}" for r, n in rules.most_common()) or "none"
        print(f"| {source} | {streams} | {frames} | {share:.2f}% | {by_rule} |")
    print()
    print("Frames: wire frames only (state/transport frames the parser derives are not counted).")
    print("Clean: neither malformed nor carrying a diagnostic.")
    for source, rules, examples in details:
        if not rules:
            continue
        print(f"\n## {source}")
        for rule, count in rules.most_common():
            print(f"\n### {rule} ({count})")
            for name, frame, d, text in examples[rule]:
                print(f"- {name} @{d.get('offset')}: {d.get('message')}")
                print(f"    {text}")


if __name__ == "__main__":
    main()
