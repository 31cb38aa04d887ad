#!/usr/bin/env python3
"""The receiver snippets of README.md ("Verifying deliveries in your receiver")
are run exactly as printed, in Python, Node.js and Go, on a real delivery the
real binary made to a real receiver over loopback. Each must accept the genuine
delivery (also with another secret's signature beside it, as during a
rotation) and refuse a tampered body, a wrong secret, and a delivery older
than its tolerance.

    readme_snippets_test.py PROMPTJANG_BINARY README_PATH
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench", "lib"))
import benchlib  # noqa: E402  (the bench's way of starting `promptjang serve`)

CASES = ["genuine", "rotation", "tampered", "wrong_secret", "too_old"]
EXPECTED = {"genuine": True, "rotation": True, "tampered": False, "wrong_secret": False,
            "too_old": False}


def snippets(readme):
    text = open(readme).read()
    start = text.index("## Verifying deliveries in your receiver")
    section = text[start:text.index("\n## ", start + 10)]
    blocks = dict(re.findall(r"```(python|js|go)\n(.*?)```", section, re.S))
    for lang in ("python", "js", "go"):
        if lang not in blocks:
            raise SystemExit(f"FAIL: no {lang} snippet in the README's section")
    return blocks


def capture_delivery(binary, work):
    got = {}
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got["body"] = body
            got["headers"] = {k.lower(): v for k, v in self.headers.items()}
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            done.set()

        def log_message(self, *args):
            pass

    rx = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=rx.serve_forever, daemon=True).start()
    server = benchlib.Server(binary, os.path.join(work, "pj.db"))
    try:
        ep = server.api("POST", "/api/v1/endpoints",
                        {"url": f"http://127.0.0.1:{rx.server_port}/hook"})
        payload = '{"event":"order.created", "name":"Zoë \\u00e9", "n": 1e3}'
        req = urllib.request.Request(server.url(f"/api/v1/e/{ep['id']}"), data=payload.encode(),
                                     method="POST")
        req.add_header("Authorization", f"Bearer {server.api_key}")
        req.add_header("Content-Type", "application/json")
        urllib.request.urlopen(req, timeout=30).read()
        if not done.wait(30):
            raise SystemExit("FAIL: no delivery arrived")
        if got["body"] != payload.encode():
            raise SystemExit("FAIL: the delivered body differs from the one sent")
        return got, ep["secret"]
    finally:
        server.stop()
        rx.shutdown()


def write_inputs(work, delivery, secret):
    """One input file per case: body, headers, secret, tolerance."""
    other = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    h = delivery["headers"]
    cases = {
        "genuine": (delivery["body"], h, secret, 300),
        "rotation": (delivery["body"],
                     dict(h, **{"webhook-signature": "v1,bm90IHRoZSByaWdodCBvbmU= "
                                + h["webhook-signature"]}), secret, 300),
        "tampered": (delivery["body"].replace(b"1e3", b"1e4"), h, secret, 300),
        "wrong_secret": (delivery["body"], h, other, 300),
        "too_old": (delivery["body"], h, secret, 0),  # a second later: older than 0 s
    }
    paths = {}
    for name, (body, headers, sec, tolerance) in cases.items():
        path = os.path.join(work, f"{name}.json")
        with open(path, "w") as f:
            json.dump({"body": body.decode("latin-1"), "headers": headers, "secret": sec,
                       "tolerance": tolerance}, f)
        paths[name] = path
    return paths


def run_python(code, paths):
    ns = {}
    exec(code, ns)
    out = {}
    for name, path in paths.items():
        c = json.load(open(path))
        out[name] = ns["verify_promptjang"](c["body"].encode("latin-1"), c["headers"], c["secret"],
                                            c["tolerance"])
    return out


def run_node(code, paths, work):
    src = os.path.join(work, "verify.js")
    with open(src, "w") as f:
        f.write(code + """
const fs = require("node:fs");
const out = {};
for (const [name, path] of Object.entries(JSON.parse(process.argv[2]))) {
  const c = JSON.parse(fs.readFileSync(path, "utf8"));
  out[name] = verifyPromptJang(Buffer.from(c.body, "latin1"), c.headers, c.secret, c.tolerance);
}
console.log(JSON.stringify(out));
""")
    r = subprocess.run(["node", src, json.dumps(paths)], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise SystemExit("FAIL: the Node.js snippet did not run:\n" + r.stderr)
    return json.loads(r.stdout)


def run_go(code, paths, work):
    go = shutil.which("go") or "/usr/lib/go/bin/go"
    gowork = os.path.join(work, "go")
    os.makedirs(gowork)
    with open(os.path.join(gowork, "verify.go"), "w") as f:
        f.write("package main\n\n" + code)
    with open(os.path.join(gowork, "main.go"), "w") as f:
        f.write("""package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	var paths map[string]string
	json.Unmarshal([]byte(os.Args[1]), &paths)
	out := map[string]bool{}
	for name, path := range paths {
		raw, _ := os.ReadFile(path)
		var c struct {
			Body      string            `json:"body"`
			Headers   map[string]string `json:"headers"`
			Secret    string            `json:"secret"`
			Tolerance int               `json:"tolerance"`
		}
		json.Unmarshal(raw, &c)
		body := make([]byte, 0, len(c.Body))
		for _, r := range c.Body { // latin-1: one byte per rune
			body = append(body, byte(r))
		}
		h := http.Header{}
		for k, v := range c.Headers {
			h.Set(k, v)
		}
		out[name] = VerifyPromptJang(body, h, c.Secret, time.Duration(c.Tolerance)*time.Second)
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
""")
    env = dict(os.environ, GOCACHE=os.path.join(work, "gocache"), GOPATH=os.path.join(work, "gopath"),
               GO111MODULE="off", GOFLAGS="")
    r = subprocess.run([go, "run", "verify.go", "main.go", json.dumps(paths)], cwd=gowork,
                       capture_output=True, text=True, timeout=180, env=env)
    if r.returncode != 0:
        raise SystemExit("FAIL: the Go snippet did not run:\n" + r.stderr)
    return json.loads(r.stdout)


def main():
    binary, readme = sys.argv[1], sys.argv[2]
    code = snippets(readme)
    with tempfile.TemporaryDirectory(prefix="pj-snippets-") as work:
        delivery, secret = capture_delivery(binary, work)
        paths = write_inputs(work, delivery, secret)
        time.sleep(1.1)  # so that "too_old" is over its 0 s tolerance
        results = {"python": run_python(code["python"], paths),
                   "node": run_node(code["js"], paths, work),
                   "go": run_go(code["go"], paths, work)}
    failed = False
    for lang, got in results.items():
        for case in CASES:
            ok = got.get(case) is EXPECTED[case]
            failed |= not ok
            print(f"{'ok  ' if ok else 'FAIL'} {lang:6} {case:12} -> {got.get(case)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
