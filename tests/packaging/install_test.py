#!/usr/bin/env python3
"""Packaging (issue 9): `cmake --install` into a temporary prefix lays out the
binary, a systemd unit naming it, the example configuration and the docs; the
installed binary answers --version; the example configuration holds every
setting `promptjang serve --help` lists (and nothing else), the installed
docs/operations.md has a row for each, and a server started on the example
alone comes up.

    install_test.py BUILD_DIR
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def serve_settings(binary):
    out = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True,
                         check=True).stdout
    names = set(re.findall(r"^\s+--([a-z][a-z0-9-]*)", out, re.M))
    return names - {"help", "config"}


def toml_keys(path):
    keys = set()
    with open(path) as f:
        for line in f:
            m = re.match(r"^([a-z][a-z0-9-]*)\s*=", line)
            if m:
                keys.add(m.group(1))
    return keys


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    build = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="pj-install-") as prefix:
        r = subprocess.run(["cmake", "--install", build, "--prefix", prefix],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("cmake --install failed:\n" + r.stdout + r.stderr)
        binary = os.path.join(prefix, "bin", "promptjang")
        unit = os.path.join(prefix, "lib", "systemd", "system", "promptjang.service")
        docdir = os.path.join(prefix, "share", "doc", "promptjang")
        example = os.path.join(docdir, "promptjang.example.toml")
        for path in (binary, unit, example, os.path.join(docdir, "operations.md")):
            if not os.path.isfile(path):
                fail(f"{path} is not installed")
        if not os.access(binary, os.X_OK):
            fail("the installed binary is not executable")

        version = subprocess.run([binary, "--version"], capture_output=True, text=True)
        if version.returncode != 0 or not re.match(r"promptjang \d+\.\d+\.\d+", version.stdout):
            fail(f"--version printed {version.stdout!r} {version.stderr!r}")

        with open(unit) as f:
            text = f.read()
        if f"ExecStart={binary} serve" not in text:
            fail("the unit does not start the installed binary:\n" + text)
        if "@" in re.sub(r"^#.*$", "", text, flags=re.M):
            fail("the unit has an unreplaced @VARIABLE@:\n" + text)
        for needed in ("[Service]", "[Install]", "KillSignal=SIGTERM", "StateDirectory=promptjang"):
            if needed not in text:
                fail(f"the unit lacks {needed}")

        settings, keys = serve_settings(binary), toml_keys(example)
        if settings - keys:
            fail(f"settings missing from promptjang.example.toml: {sorted(settings - keys)}")
        if keys - settings:
            fail(f"promptjang.example.toml has keys serve does not know: {sorted(keys - settings)}")
        # docs/operations.md's table of settings has a row for each, with its
        # flag, environment variable and key.
        with open(os.path.join(docdir, "operations.md")) as f:
            rows = [line for line in f if line.startswith("| `--")]
        for name in sorted(settings):
            env = "PROMPTJANG_" + name.upper().replace("-", "_")
            if not any(row.startswith(f"| `--{name}` | `{env}` | `{name}` |") for row in rows):
                fail(f"docs/operations.md's settings table has no row for --{name}")

        # The example alone (listen and database overridden by the environment,
        # as the unit does) starts a server that answers /healthz.
        port = free_port()
        env = dict(os.environ, PROMPTJANG_LISTEN=f"127.0.0.1:{port}",
                   PROMPTJANG_DATABASE=f"sqlite:{prefix}/pj.db")
        proc = subprocess.Popen([binary, "serve", "--config", example], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.time() + 30
            while time.time() < deadline:
                if proc.poll() is not None:
                    fail("serve --config promptjang.example.toml exited:\n" + proc.stdout.read())
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        if s.recv(64).startswith(b"HTTP/1.1 200"):
                            break
                except OSError:
                    time.sleep(0.1)
            else:
                fail("the server on the example configuration never answered /healthz")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.returncode != 0:
            fail(f"the server exited {proc.returncode} on SIGTERM")
    print("ok: installed layout, unit, --version, example configuration")


if __name__ == "__main__":
    main()
