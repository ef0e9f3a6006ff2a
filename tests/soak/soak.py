#!/usr/bin/env python3
"""Crash and multi-instance soak of gpd-gateway: see tests/soak/run and the README section
"Crash and multi-instance soak". Python 3 standard library only; MariaDB through its client."""

import argparse
import collections
import datetime as dt
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ORG = "77777777777"
OTHER_ORG = "99999999999"
BROKER = "15376371009"
STATION = "15376371009_01"
JOB_INTERVAL = 1
WEBHOOK_TIMEOUT = 2
# The worker's lease on an event is twice the webhook time-out plus 30 s (src/events): a delivery
# cut by a crash is retried once it expires.
LEASE = 2 * WEBHOOK_TIMEOUT + 30
SOAP_NS = "http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd"


def log(msg):
    try:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)
    except (OSError, ValueError):
        pass  # stdout gone (the reader stopped): the clean-up must still run


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_bin(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
        for d in ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"):
            if os.access(os.path.join(d, name), os.X_OK):
                return os.path.join(d, name)
    return None


class Failed(Exception):
    """Set-up failed: not an invariant, the soak could not run."""


# --- problems and counters --------------------------------------------------------------------


class Record:
    def __init__(self):
        self.lock = threading.Lock()
        self.violations = []
        self.counts = collections.Counter()

    def violation(self, text):
        with self.lock:
            self.violations.append(text)
            if len(self.violations) <= 20:
                log(f"VIOLATION: {text}")

    def count(self, name, n=1):
        with self.lock:
            self.counts[name] += n


# --- MariaDB ----------------------------------------------------------------------------------


class MariaDB:
    """A server reached with the mariadb client: a private throwaway instance this script starts
    (and may kill -9 and restart), or an existing one given by URL (only our databases touched)."""

    def __init__(self, url=None, workdir=None, durable=False):
        self.client = find_bin("mariadb", "mysql")
        if not self.client:
            raise Failed("no mariadb (or mysql) client found (Debian package mariadb-client-core)")
        self.proc = None
        self.dir = None
        self.durable = durable
        self.started_once = False
        if url:
            u = urllib.parse.urlsplit(url)
            if u.scheme != "mysql" or not u.hostname or u.path not in ("", "/"):
                raise Failed("GPD_TEST_MYSQL_URL must be mysql://USER[:PASS]@HOST[:PORT]")
            self.user = urllib.parse.unquote(u.username or "root")
            self.password = urllib.parse.unquote(u.password or "")
            self.host = u.hostname
            self.port = u.port or 3306
            self.private = False
        else:
            self.user, self.password, self.host = "root", "", "127.0.0.1"
            self.port = None
            self.private = True
            self.dir = tempfile.mkdtemp(prefix="gpd-soak-mariadb.", dir=workdir)
            # Its own tmpdir: bootstraps running side by side in /tmp can collide.
            os.makedirs(f"{self.dir}/tmp")
            try:
                self.install()
                self.start()
            except BaseException:
                self.stop()
                raise

    def url(self, database):
        auth = urllib.parse.quote(self.user, safe="")
        if self.password:
            auth += ":" + urllib.parse.quote(self.password, safe="")
        return f"mysql://{auth}@{self.host}:{self.port}/{database}"

    def install(self):
        install_db = find_bin("mariadb-install-db")
        if not install_db:
            raise Failed("mariadb-install-db not found (Debian package mariadb-server-core)")
        args = [install_db, "--no-defaults", f"--datadir={self.dir}/data",
                f"--tmpdir={self.dir}/tmp", "--auth-root-authentication-method=normal"]
        if os.getuid() == 0:
            args.insert(2, "--user=root")
        with open(f"{self.dir}/install.log", "w") as out:
            if subprocess.call(args, stdout=out, stderr=subprocess.STDOUT) != 0:
                tail = open(f"{self.dir}/install.log", errors="replace").read().splitlines()[:5]
                raise Failed("mariadb-install-db failed: " + " | ".join(tail))

    def start(self):
        mariadbd = find_bin("mariadbd")
        if not mariadbd:
            raise Failed("mariadbd not found (Debian package mariadb-server-core)")
        for _ in range(3):
            port = self.port or free_port()
            args = [mariadbd, "--no-defaults", f"--datadir={self.dir}/data",
                    f"--socket={self.dir}/mysqld.sock", f"--pid-file={self.dir}/mysqld.pid",
                    f"--tmpdir={self.dir}/tmp",
                    f"--log-error={self.dir}/mysqld.log", "--bind-address=127.0.0.1",
                    f"--port={port}", "--skip-name-resolve", "--skip-log-bin",
                    "--max-connections=300", "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_general_ci", "--innodb-buffer-pool-size=64M",
                    # Kept with the service logs on a violation: every deadlock in full.
                    "--innodb-print-all-deadlocks=ON",
                    # Durable commits (the default) where the server is killed: an OK answered
                    # after a commit must survive kill -9 of mariadbd.
                    f"--innodb-flush-log-at-trx-commit={1 if self.durable else 2}"]
            if os.getuid() == 0:
                args.insert(2, "--user=root")
            with open(f"{self.dir}/mysqld.out", "a") as out:
                self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
            self.port = port
            deadline = time.time() + 60
            while time.time() < deadline and self.proc.poll() is None:
                if self.ping():
                    self.started_once = True
                    return
                time.sleep(0.3)
            if self.proc.poll() is None:
                break
            text = open(f"{self.dir}/mysqld.log", errors="replace").read()
            # A port taken meanwhile: pick another, unless a restart must keep the URL.
            if "Address already in use" in text and not self.started_once:
                self.port = None
                continue
            break
        raise Failed(f"the private MariaDB did not start, see {self.dir}/mysqld.log")

    def ping(self):
        return subprocess.call(self.args("-e", "SELECT 1"), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) == 0

    def args(self, *extra):
        return [self.client, "--no-defaults", f"-h{self.host}", f"-P{self.port}",
                f"-u{self.user}", "-N", "-B", *extra]

    def env(self):
        env = dict(os.environ)
        if self.password:
            env["MYSQL_PWD"] = self.password
        return env

    def query(self, sql, database=None):
        args = self.args("-e", sql)
        if database:
            args.append(database)
        res = subprocess.run(args, capture_output=True, text=True, env=self.env())
        if res.returncode != 0:
            raise Failed(f"mariadb query failed: {res.stderr.strip()}")
        rows = []
        for line in res.stdout.splitlines():
            rows.append([None if f == "NULL" else f for f in line.split("\t")])
        return rows

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


class Store:
    """The service's database, read directly for the checks."""

    def __init__(self, backend, path=None, server=None, database=None):
        self.backend = backend
        self.path = path
        self.server = server
        self.database = database

    @property
    def url(self):
        if self.backend == "sqlite":
            return f"sqlite://{self.path}"
        return self.server.url(self.database)

    def rows(self, sql):
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                return [[None if v is None else str(v) for v in row]
                        for row in conn.execute(sql).fetchall()]
            finally:
                conn.close()
        return self.server.query(sql, self.database)


# --- the webhook receiver ---------------------------------------------------------------------


class Receiver:
    """Answers 200 to every POST and records each delivery: event id, type, signature check."""

    def __init__(self, record):
        self.record = record
        self.lock = threading.Lock()
        self.deliveries = []  # (event id, type, iupd)
        self.secret = None
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.got(self.headers, body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # A killed service resets its connections: not the receiver's problem.
                if not isinstance(sys.exc_info()[1], OSError):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def got(self, headers, body):
        event_id = headers.get("X-GPD-Event-Id", "")
        event_type = headers.get("X-GPD-Event-Type", "")
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {}
        if doc.get("id") != event_id:
            self.record.violation(
                f"delivery with X-GPD-Event-Id {event_id!r} carries the event id {doc.get('id')!r}")
        if doc.get("type") != event_type:
            self.record.violation(
                f"event {event_id}: X-GPD-Event-Type {event_type!r} but the body says {doc.get('type')!r}")
        if self.secret and not verify_signature(body, headers.get("X-GPD-Signature", ""), self.secret):
            self.record.violation(f"event {event_id}: bad X-GPD-Signature")
        iupd = (doc.get("data") or {}).get("iupd", "")
        with self.lock:
            self.deliveries.append((event_id, event_type, iupd))

    def snapshot(self):
        with self.lock:
            return list(self.deliveries)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def verify_signature(body, header, secret):
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t, v1 = parts.get("t", ""), parts.get("v1", "")
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, v1)


# --- the service ------------------------------------------------------------------------------


class Instance:
    def __init__(self, name, binary, env, workdir):
        self.name = name
        self.binary = binary
        self.port = free_port()
        self.env = dict(env, GPD_BIND=f"127.0.0.1:{self.port}")
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.proc = None
        self.lock = threading.Lock()
        self.starts = 0

    def start(self):
        with self.lock:
            deadline = time.time() + 60
            while True:
                out = open(self.log_path, "a")
                out.write(f"--- start {self.starts + 1} at {time.strftime('%H:%M:%S')}\n")
                out.flush()
                self.proc = subprocess.Popen([self.binary, "serve"], env=self.env,
                                             stdout=out, stderr=subprocess.STDOUT)
                out.close()
                while time.time() < deadline and self.proc.poll() is None:
                    if self.healthy():
                        self.starts += 1
                        return
                    time.sleep(0.05)
                if self.proc.poll() is None or time.time() >= deadline:
                    raise Failed(f"{self.name} did not answer /info within 60 s ({self.log_path})")
                # Exited at start, e.g. the database being down or the port not yet free: again.
                time.sleep(0.3)

    def healthy(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/info")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def kill9(self):
        with self.lock:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self, timeout=40):
        """SIGTERM; returns the exit code (None if it had to be killed)."""
        with self.lock:
            if not self.proc or self.proc.poll() is not None:
                return self.proc.returncode if self.proc else 0
            self.proc.terminate()
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Http:
    """One thread's keep-alive connections to the instances; requests go round-robin."""

    rr = 0
    rr_lock = threading.Lock()

    def __init__(self, instances):
        self.instances = instances
        self.conns = {}

    def pick(self):
        with Http.rr_lock:
            Http.rr += 1
            return self.instances[Http.rr % len(self.instances)]

    def send(self, method, path, body=None, headers=None, instance=None):
        """(status, text), or None when the connection failed: the outcome is unknown."""
        inst = instance or self.pick()
        conn = self.conns.get(inst.port)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", inst.port, timeout=20)
            self.conns[inst.port] = conn
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            text = res.read().decode("utf-8", "replace")
            if res.getheader("Connection", "").lower() == "close":
                conn.close()
                del self.conns[inst.port]
            return res.status, text
        except (OSError, http.client.HTTPException):
            conn.close()
            self.conns.pop(inst.port, None)
            return None


# --- request bodies ---------------------------------------------------------------------------


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def iuv_of(n):
    base = f"02{n:013d}"
    return base + f"{int('3' + base) % 93:02d}"


def option_body(iuv, amount, due, desc, n_transfers, partial, switch):
    shares = [100] * (n_transfers - 1)
    transfers = []
    for i, share in enumerate([amount - sum(shares)] + shares):
        t = {"idTransfer": str(i + 1), "amount": share, "remittanceInformation": f"{desc} t{i + 1}",
             "category": "9/0101108TS/", "iban": f"IT60X054281110100000012345{i}"}
        if i > 0:
            t["organizationFiscalCode"] = OTHER_ORG
        transfers.append(t)
    return {"iuv": iuv, "amount": amount, "description": desc, "isPartialPayment": partial,
            "dueDate": iso(due), "switchToExpired": switch, "transfer": transfers}


def position_body(iupd, iuvs, write, due, switch=False, partial=False):
    rnd = random.Random(f"{iupd}/{write}")
    options = []
    for iuv in iuvs:
        n = rnd.randint(1, 3)
        amount = rnd.randint(100 * n, 500000)
        options.append(option_body(iuv, amount, due, f"Soak {iupd} w{write}", n, partial, switch))
    return {"iupd": iupd, "type": "F", "fiscalCode": "RSSMRA80A01H501U",
            "fullName": f"Mario Rossi w{write}", "companyName": "Comune di Prova",
            "switchToExpired": switch, "paymentOption": options}


def fingerprint_of_body(body):
    return (body["fullName"], tuple(sorted(
        (o["iuv"], o["amount"], o["description"],
         tuple((int(t["idTransfer"]), t["amount"], t["iban"]) for t in o["transfer"]))
        for o in body["paymentOption"])))


def envelope(payload):
    return ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns:nod="{SOAP_NS}"><soapenv:Header/><soapenv:Body>{payload}</soapenv:Body>'
            '</soapenv:Envelope>')


CALLER = f"<idPA>{ORG}</idPA><idBrokerPA>{BROKER}</idBrokerPA><idStation>{STATION}</idStation>"


def verify_req(nav):
    return envelope(f"<nod:paVerifyPaymentNoticeReq>{CALLER}<qrCode><fiscalCode>{ORG}</fiscalCode>"
                    f"<noticeNumber>{nav}</noticeNumber></qrCode></nod:paVerifyPaymentNoticeReq>")


def get_payment_req(nav, amount):
    return envelope(f"<nod:paGetPaymentV2Request>{CALLER}<qrCode><fiscalCode>{ORG}</fiscalCode>"
                    f"<noticeNumber>{nav}</noticeNumber></qrCode><amount>{amount / 100:.2f}</amount>"
                    "</nod:paGetPaymentV2Request>")


def send_rt_req(nav, receipt_id, option):
    transfers = "".join(
        f"<transfer><idTransfer>{t['idTransfer']}</idTransfer><transferAmount>{t['amount'] / 100:.2f}"
        f"</transferAmount><fiscalCodePA>{t.get('organizationFiscalCode', ORG)}</fiscalCodePA>"
        f"<companyName>Comune di Prova</companyName><IBAN>{t['iban']}</IBAN>"
        f"<remittanceInformation>{t['remittanceInformation']}</remittanceInformation>"
        f"<transferCategory>{t['category']}</transferCategory></transfer>"
        for t in option["transfer"])
    return envelope(
        f"<nod:paSendRTV2Request>{CALLER}<receipt><receiptId>{receipt_id}</receiptId>"
        f"<noticeNumber>{nav}</noticeNumber><fiscalCode>{ORG}</fiscalCode><outcome>OK</outcome>"
        f"<creditorReferenceId>{option['iuv']}</creditorReferenceId>"
        f"<paymentAmount>{option['amount'] / 100:.2f}</paymentAmount>"
        f"<description>{option['description']}</description><companyName>Comune di Prova</companyName>"
        "<debtor><uniqueIdentifier><entityUniqueIdentifierType>F</entityUniqueIdentifierType>"
        "<entityUniqueIdentifierValue>RSSMRA80A01H501U</entityUniqueIdentifierValue></uniqueIdentifier>"
        f"<fullName>Mario Rossi</fullName></debtor><transferList>{transfers}</transferList>"
        "<idPSP>BCITITMM</idPSP><pspFiscalCode>00799960158</pspFiscalCode>"
        "<PSPCompanyName>Intesa Sanpaolo</PSPCompanyName><idChannel>00799960158_01</idChannel>"
        "<channelDescription>app</channelDescription><paymentMethod>creditCard</paymentMethod>"
        "<fee>1.50</fee><primaryCiIncurredFee>0.50</primaryCiIncurredFee><idBundle>b1</idBundle>"
        f"<paymentDateTime>{iso(dt.datetime.utcnow())}</paymentDateTime>"
        f"<applicationDate>{dt.date.today().isoformat()}</applicationDate></receipt></nod:paSendRTV2Request>")


def soap_outcome(text):
    """'OK', the faultCode of a KO, or None when the reply is not a paForNode answer."""
    m = re.search(r"<outcome>(OK|KO)</outcome>", text)
    if not m:
        return None
    if m.group(1) == "OK":
        return "OK"
    f = re.search(r"<faultCode>([A-Z_]+)</faultCode>", text)
    return f.group(1) if f else "KO"


# --- positions, as the load generator knows them ----------------------------------------------


class Pos:
    def __init__(self, iupd, kind, iuvs):
        self.iupd = iupd
        self.kind = kind  # pay | plan | expire | invalidate | update | storm
        self.iuvs = iuvs
        self.writes = []  # [body, acked]: every body sent, in order
        self.created_201 = False
        self.exists = False  # a create answered 201, or 409 after an attempt without answer
        self.receipts = {}  # nav -> receipt id answered OK
        self.invalidated = False
        self.due = None
        self.pay_at = None  # expire kind: a receipt sent around the due time, racing the job
        self.rivals = []  # storms with rival receipt ids: those answered PAA_RECEIPT_DUPLICATA

    def body(self):
        return self.writes[-1][0]


# --- the soak ---------------------------------------------------------------------------------


class Soak:
    def __init__(self, args):
        self.args = args
        self.mode = args.mode
        self.backend = "mysql" if self.mode in ("crash-db", "multi") else args.backend
        self.record = Record()
        self.workdir = tempfile.mkdtemp(prefix=f"gpd-soak-{self.mode}-{self.backend}.")
        self.server = None
        self.store = None
        self.dropdb = None
        self.instances = []
        self.receiver = None
        self.positions = []
        self.pos_lock = threading.Lock()
        self.counter = 0
        self.stop_load = threading.Event()
        self.hard_deadline = None
        self.key = None
        self.killer_thread = None
        self.late = []
        self.late_lock = threading.Lock()

    # set-up

    def cli(self, *argv):
        res = subprocess.run([self.args.bin, *argv], capture_output=True, text=True,
                             env=self.base_env())
        if res.returncode != 0:
            raise Failed(f"gpd-gateway {' '.join(argv)} failed: {res.stderr.strip()}")
        return res.stdout.strip().splitlines()

    def base_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GPD_")}
        env.update(DATABASE_URL=self.store.url, RUST_LOG="info")
        if self.secret_keys:
            env["GPD_SECRET_KEYS"] = self.secret_keys
        return env

    def setup(self):
        if self.backend == "sqlite":
            self.store = Store("sqlite", path=os.path.join(self.workdir, "soak.db"))
        else:
            url = None if self.mode == "crash-db" else os.environ.get("GPD_TEST_MYSQL_URL")
            if self.mode == "crash-db" and os.environ.get("GPD_TEST_MYSQL_URL"):
                log("crash-db kills the database server: it starts its own private MariaDB "
                    "instead of GPD_TEST_MYSQL_URL's")
            self.server = MariaDB(url=url, durable=self.mode == "crash-db")
            where = "a private MariaDB" if self.server.private else "GPD_TEST_MYSQL_URL's server"
            name = f"gpdsoak_{os.getpid()}_{self.mode.replace('-', '_')}"
            self.server.query(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            self.dropdb = name
            self.store = Store("mysql", server=self.server, database=name)
            log(f"database {name} on {where} (127.0.0.1:{self.server.port})")
        self.secret_keys = ""
        self.secret_keys = self.cli("secrets", "new-key", "--id", "soak")[-1]
        self.cli("migrate")
        self.cli("org", "add", "--fiscal-code", ORG, "--name", "Comune di Prova")
        self.cli("station", "add", "--broker", BROKER, "--station", STATION, "--org", ORG,
                 "--version", "2")
        self.key = self.cli("key", "create", "--org", ORG, "--label", "soak")[-1]
        self.receiver = Receiver(self.record)
        self.receiver.secret = self.cli("webhook", "set", "--org", ORG, "--url", self.receiver.url)[-1]
        env = self.base_env()
        env.update(GPD_STATUS_JOB_INTERVAL_SECS=str(JOB_INTERVAL), GPD_WEBHOOK_POLL_MS="100",
                   GPD_WEBHOOK_TIMEOUT_SECS=str(WEBHOOK_TIMEOUT), GPD_WEBHOOK_BACKOFF_BASE_MS="200",
                   GPD_WEBHOOK_BACKOFF_MAX_SECS="2", GPD_WORKERS="2", GPD_SHUTDOWN_TIMEOUT_SECS="5")
        n = 3 if self.mode == "multi" else 1
        self.instances = [Instance(f"instance{i + 1}", self.args.bin, env, self.workdir)
                          for i in range(n)]
        for inst in self.instances:
            inst.start()
        log(f"{n} instance(s) on port(s) {', '.join(str(i.port) for i in self.instances)}, "
            f"webhook receiver {self.receiver.url}")

    def cleanup(self, keep_logs):
        # A second Ctrl-C or SIGTERM must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        steps = [self.stop_processes, lambda: self.keep_logs(keep_logs), self.stop_servers,
                 lambda: shutil.rmtree(self.workdir, ignore_errors=True)]
        for step in steps:
            try:
                step()
            except Exception as e:  # every step runs, whatever happened before
                log(f"clean-up: {e}")

    def stop_processes(self):
        self.stop_load.set()
        if self.killer_thread:
            self.killer_thread.join(90)
        for inst in self.instances:
            inst.stop()

    def keep_logs(self, keep_logs):
        if keep_logs:
            dest = os.path.join(self.args.log_dir, f"{self.mode}-{self.backend}")
            shutil.rmtree(dest, ignore_errors=True)
            os.makedirs(dest, exist_ok=True)
            for inst in self.instances:
                if os.path.exists(inst.log_path):
                    shutil.copy(inst.log_path, dest)
            if self.server and self.server.dir and os.path.exists(f"{self.server.dir}/mysqld.log"):
                shutil.copy(f"{self.server.dir}/mysqld.log", dest)
            log(f"service logs kept in {dest}")

    def stop_servers(self):
        if self.receiver:
            self.receiver.stop()
        if self.server:
            if self.dropdb:
                try:
                    self.server.query(f"DROP DATABASE IF EXISTS `{self.dropdb}`")
                except Failed as e:
                    log(f"could not drop {self.dropdb}: {e}")
            self.server.stop()

    # load

    def new_pos(self, kind, n_options):
        with self.pos_lock:
            self.counter += n_options
            first = self.counter - n_options + 1
            pos = Pos(f"SOAK-{os.getpid()}-{first:07d}", kind,
                      [iuv_of(os.getpid() % 1000 * 10**7 + first + i) for i in range(n_options)])
            self.positions.append(pos)
        return pos

    def rest(self, h, method, path, body=None):
        headers = {"Ocp-Apim-Subscription-Key": self.key}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        return h.send(method, f"/organizations/{ORG}{path}", data, headers)

    def soap(self, h, action, body, instance=None):
        res = h.send("POST", "/paForNode", body.encode(),
                     {"SOAPAction": action, "Content-Type": "text/xml"}, instance)
        if res is None:
            return None
        status, text = res
        if status != 200:
            return f"HTTP {status}"
        return soap_outcome(text) or f"HTTP 200 without outcome: {text[:200]}"

    def retrying(self, what, attempt):
        """Runs `attempt` until it returns a result that is not None (None: try again)."""
        delay = 0.05
        while time.time() < self.hard_deadline:
            result = attempt()
            if result is not None:
                return result
            self.record.count("retries")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        self.record.count("unfinished")
        log(f"gave up retrying {what} at the end of the run")
        return None

    def write(self, h, pos, body, create):
        """Creates or replaces the position, retrying until answered; True when stored."""
        pos.writes.append([body, False])
        unanswered = [False]

        def attempt():
            if create:
                res = self.rest(h, "POST", "/debtpositions?toPublish=true", body)
            else:
                res = self.rest(h, "PUT", f"/debtpositions/{pos.iupd}?toPublish=true", body)
            if res is None or res[0] in (429, 500, 502, 503):
                unanswered[0] = True
                self.rest_failed(res)
                return None
            status, text = res
            if create and status == 201:
                pos.created_201 = True
                self.record.count("creates_201")
                return True
            if create and status == 409 and unanswered[0]:
                self.record.count("creates_409_after_retry")
                return True
            if not create and status == 200:
                self.record.count("updates_200")
                return True
            if (create and status == 400 and pos.due and "must not be in the past" in text
                    and dt.datetime.utcnow() > pos.due):
                # Retried past its own due date (the service was down): not a fault.
                self.record.count("expire_created_too_late")
                return False
            self.record.violation(f"{'create' if create else 'update'} of {pos.iupd}: HTTP {status} {text[:300]}")
            return False

        ok = self.retrying(f"the write of {pos.iupd}", attempt)
        if ok:
            pos.writes[-1][1] = True
            pos.exists = True
        return bool(ok)

    def rest_failed(self, res):
        if res is None:
            return
        self.record.count("rest_5xx")
        if res[0] == 500 and self.mode != "crash-db":
            self.record.violation(f"REST answered 500 with the database up: {res[1][:300]}")

    def nodo_call(self, h, pos, action, body, expect="OK", instance=None):
        """A Nodo request retried (as the Nodo does) on no answer or PAA_SYSTEM_ERROR."""

        def attempt():
            outcome = self.soap(h, action, body, instance)
            if outcome is None or outcome in ("PAA_SYSTEM_ERROR", "HTTP 503"):
                if outcome:
                    self.record.count("nodo_system_errors")
                return None
            return outcome

        outcome = self.retrying(f"{action} of {pos.iupd}", attempt)
        if outcome is not None and expect is not None and outcome != expect:
            self.record.violation(f"{action} for {pos.iupd}: {outcome}, expected {expect}")
        return outcome

    def pay(self, h, pos, option, nav):
        if self.nodo_call(h, pos, "paVerifyPaymentNotice", verify_req(nav)) != "OK":
            return False
        self.record.count("verify_ok")
        if self.nodo_call(h, pos, "paGetPaymentV2", get_payment_req(nav, option["amount"])) != "OK":
            return False
        self.record.count("getpayment_ok")
        receipt_id = f"R{nav[-10:]}{random.randrange(10**6):06d}"
        if self.nodo_call(h, pos, "paSendRTV2", send_rt_req(nav, receipt_id, option)) != "OK":
            return False
        pos.receipts[nav] = receipt_id
        self.record.count("sendrt_ok")
        if random.random() < 0.2:
            # The Nodo sends a receipt again when it lost the answer: OK again, nothing changes.
            if self.nodo_call(h, pos, "paSendRTV2", send_rt_req(nav, receipt_id, option)) == "OK":
                self.record.count("sendrt_replayed_ok")
        return True

    def lifecycle(self, h):
        now = dt.datetime.utcnow()
        far = now + dt.timedelta(days=400)
        r = random.random()
        if r < 0.45:
            kind, n = "pay", 1
        elif r < 0.6:
            kind, n = "plan", 2
        elif r < 0.75:
            kind, n = "expire", random.randint(1, 2)
        elif r < 0.85:
            kind, n = "invalidate", 1
        else:
            kind, n = "update", random.randint(1, 3)
        pos = self.new_pos(kind, n)
        if kind == "expire":
            pos.due = now + dt.timedelta(seconds=random.uniform(2, 5))
            if random.random() < 0.35:
                pos.pay_at = pos.due + dt.timedelta(seconds=random.uniform(-0.5, 1.5))
            body = position_body(pos.iupd, pos.iuvs, 0, pos.due, switch=True)
        else:
            body = position_body(pos.iupd, pos.iuvs, 0, far, partial=kind == "plan")
        if not self.write(h, pos, body, create=True):
            return
        updates = {"update": random.randint(1, 4), "expire": 0}.get(kind, random.randint(0, 2))
        for w in range(1, updates + 1):
            body = position_body(pos.iupd, pos.iuvs, w, far, partial=kind == "plan")
            if not self.write(h, pos, body, create=False):
                return
        if pos.pay_at:
            with self.late_lock:
                self.late.append(pos)
        if kind in ("pay", "plan"):
            options = pos.body()["paymentOption"]
            count = len(options) if kind == "pay" or random.random() < 0.7 else 1
            for option in options[:count]:
                if not self.pay(h, pos, option, "3" + option["iuv"]):
                    return
        elif kind == "invalidate":
            unanswered = [False]

            def attempt():
                res = self.rest(h, "POST", f"/debtpositions/{pos.iupd}/invalidate")
                if res is None or res[0] in (429, 500, 502, 503):
                    unanswered[0] = True
                    self.rest_failed(res)
                    return None
                if res[0] == 200 or (res[0] == 409 and unanswered[0]):
                    return True
                self.record.violation(f"invalidate {pos.iupd}: HTTP {res[0]} {res[1][:300]}")
                return False

            if self.retrying(f"invalidate {pos.iupd}", attempt):
                pos.invalidated = True
                self.record.count("invalidated")

    def load_thread(self):
        h = Http(self.instances)
        while not self.stop_load.is_set():
            self.lifecycle(h)

    def late_thread(self):
        """Receipts for positions at their due time, while the status job may be expiring them:
        accepted whatever the status (the money was taken), and one transition each."""
        h = Http(self.instances)
        while True:
            now = dt.datetime.utcnow()
            with self.late_lock:
                ready = [p for p in self.late if p.pay_at <= now]
                self.late = [p for p in self.late if p.pay_at > now]
                idle = not self.late
            for pos in ready:
                option = pos.body()["paymentOption"][0]
                nav = "3" + option["iuv"]
                receipt_id = f"L{nav[-10:]}{random.randrange(10**6):06d}"
                if self.nodo_call(h, pos, "paSendRTV2", send_rt_req(nav, receipt_id, option)) == "OK":
                    pos.receipts[nav] = receipt_id
                    self.record.count("sendrt_ok")
                    self.record.count("late_paid")
            if idle and self.stop_load.is_set() and all(
                    not t.is_alive() for t in self.load_threads):
                return
            time.sleep(0.05)

    def storm(self, rivals):
        """One receipt (or, with `rivals`, one receipt id per copy) sent concurrently to every
        instance, several copies each."""
        h = Http(self.instances)
        far = dt.datetime.utcnow() + dt.timedelta(days=400)
        pos = self.new_pos("storm", 1)
        body = position_body(pos.iupd, pos.iuvs, 0, far)
        if not self.write(h, pos, body, create=True):
            return
        option = body["paymentOption"][0]
        nav = "3" + option["iuv"]
        copies = self.args.storm_copies
        same = f"S{nav[-10:]}{random.randrange(10**6):06d}"
        ids = [f"{same}-{i}" if rivals else same for i in range(copies * len(self.instances))]
        outcomes = [None] * len(ids)
        barrier = threading.Barrier(len(ids))

        def one(i):
            hh = Http(self.instances)
            inst = self.instances[i % len(self.instances)]
            req = send_rt_req(nav, ids[i], option)
            barrier.wait()
            # Rival receipts are checked together below.
            outcomes[i] = self.nodo_call(hh, pos, "paSendRTV2", req,
                                         expect=None if rivals else "OK", instance=inst)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(ids))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.record.count("storms")
        self.record.count("storm_copies", len(ids))
        if not rivals:
            if all(o == "OK" for o in outcomes):
                pos.receipts[nav] = same
                self.record.count("sendrt_ok")
            return
        oks = [ids[i] for i, o in enumerate(outcomes) if o == "OK"]
        others = [o for o in outcomes if o not in ("OK", "PAA_RECEIPT_DUPLICATA")]
        pos.rivals = [ids[i] for i, o in enumerate(outcomes) if o == "PAA_RECEIPT_DUPLICATA"]
        if len(oks) != 1 or others:
            self.record.violation(
                f"rival receipts for {nav}: {len(oks)} answered OK, others {collections.Counter(others)}"
                " (expected exactly one OK and PAA_RECEIPT_DUPLICATA for the rest)")
        if oks:
            pos.receipts[nav] = oks[0]
            self.record.count("sendrt_ok")

    def storm_thread(self):
        n = 0
        while not self.stop_load.is_set():
            self.storm(rivals=n % 2 == 1)
            n += 1
            time.sleep(0.2)

    def killer(self):
        every = self.args.kill_every
        while not self.stop_load.wait(random.uniform(0.5 * every, 1.5 * every)):
            try:
                if self.mode == "crash-service":
                    inst = self.instances[0]
                    inst.kill9()
                    self.record.count("kills")
                    time.sleep(random.uniform(0, 0.5))
                    inst.start()
                else:
                    self.server.kill9()
                    self.record.count("kills")
                    time.sleep(random.uniform(0, 0.5))
                    self.server.start()
            except Failed as e:
                self.record.violation(f"restart after kill -9 failed: {e}")
                self.stop_load.set()
                return

    def run(self):
        seconds = self.args.seconds
        log(f"soak {self.mode} {self.backend}: {seconds} s, {self.args.threads} load threads"
            + (f", kill -9 every ~{self.args.kill_every} s" if self.mode.startswith("crash") else ""))
        self.setup()
        start = time.time()
        self.hard_deadline = start + seconds + 120
        threads = [threading.Thread(target=self.load_thread, daemon=True)
                   for _ in range(self.args.threads)]
        self.load_threads = list(threads)
        threads.append(threading.Thread(target=self.late_thread, daemon=True))
        if self.mode == "multi":
            threads.append(threading.Thread(target=self.storm_thread, daemon=True))
        if self.mode.startswith("crash"):
            self.killer_thread = threading.Thread(target=self.killer, daemon=True)
            threads.append(self.killer_thread)
        for t in threads:
            t.start()
        next_report = start + 10
        while time.time() < start + seconds and not self.stop_load.is_set():
            time.sleep(0.5)
            if time.time() >= next_report:
                c = self.record.counts
                log(f"{int(time.time() - start)} s: {c['creates_201']} creates, {c['sendrt_ok']} "
                    f"sendRT OK, {c['kills']} kills, {len(self.receiver.snapshot())} deliveries")
                next_report += 10
        self.stop_load.set()
        log("load stopped: finishing the operations under way")
        for t in threads:
            t.join()
        if self.mode == "crash-db" and not self.server.ping():
            raise Failed("the private MariaDB is not up after the last restart")
        for inst in self.instances:
            if inst.proc.poll() is not None:
                self.record.violation(f"{inst.name} exited by itself (code {inst.proc.returncode})")
        self.elapsed = time.time() - start
        self.settle()
        self.check()
        for inst in self.instances:
            code = inst.terminate()
            if code != 0:
                self.record.violation(f"{inst.name} exited with {code} after SIGTERM (expected 0)")
        self.scan_logs()

    # the end

    def settle(self):
        """Waits for the status job to store the expirations and for the outbox to drain."""
        dues = [p.due for p in self.positions if p.kind == "expire" and p.exists]
        if dues:
            wait = (max(dues) - dt.datetime.utcnow()).total_seconds() + 2 * JOB_INTERVAL + 1
            if wait > 0:
                time.sleep(wait)
        deadline = time.time() + LEASE + 40
        log(f"waiting for the outbox to drain (at most {int(deadline - time.time())} s: a delivery "
            f"cut by a kill is retried when its {LEASE} s lease expires)")
        while True:
            pending = self.store.rows(
                "SELECT COUNT(*) FROM events WHERE subscriber = '' AND state <> 'DELIVERED'")[0][0]
            expiring = self.store.rows(
                "SELECT COUNT(*) FROM payment_positions WHERE status = 'VALID' AND iupd IN ("
                + ",".join([f"'{p.iupd}'" for p in self.positions
                            if p.kind == "expire" and p.exists] + ["''"])
                + ")")
            if pending == "0" and expiring[0][0] == "0":
                committed = {r[0] for r in self.store.rows(
                    "SELECT event_id FROM events WHERE subscriber = ''")}
                if committed <= {d[0] for d in self.receiver.snapshot()}:
                    break
            if time.time() > deadline:
                log(f"gave up waiting: {pending} events not delivered, {expiring[0][0]} positions "
                    "due to expire still VALID")
                break
            time.sleep(0.5)
        time.sleep(1.5)  # late duplicate deliveries, if any, show up in the checks
        self.drain_time = time.time()

    def check(self):
        rec = self.record
        rows = self.store.rows
        positions = {r[1]: r for r in rows(
            "SELECT id, iupd, status, full_name, min_due_date, max_due_date FROM payment_positions "
            f"WHERE organization_fiscal_code = '{ORG}'")}
        options = collections.defaultdict(list)
        option_by_id = {}
        for r in rows("SELECT o.id, p.iupd, o.iuv, o.nav, o.amount, o.description, o.status, "
                      "o.id_receipt, o.due_date FROM payment_options o JOIN payment_positions p "
                      "ON p.id = o.payment_position_id"):
            options[r[1]].append(r)
            option_by_id[r[0]] = r
        transfers = collections.defaultdict(list)
        for r in rows("SELECT payment_option_id, transfer_id, amount, iban FROM transfers"):
            transfers[r[0]].append(r)
        orphans = rows("SELECT COUNT(*) FROM payment_options o LEFT JOIN payment_positions p "
                       "ON p.id = o.payment_position_id WHERE p.id IS NULL")[0][0]
        orphans_t = rows("SELECT COUNT(*) FROM transfers t LEFT JOIN payment_options o "
                         "ON o.id = t.payment_option_id WHERE o.id IS NULL")[0][0]
        if orphans != "0" or orphans_t != "0":
            rec.violation(f"half-written: {orphans} options without position, {orphans_t} transfers "
                          "without option")
        # No position half-written.
        half = int(orphans) + int(orphans_t)
        for iupd, p in positions.items():
            problems = []
            opts = options.get(iupd, [])
            if not opts:
                problems.append("no options")
            for o in opts:
                ts = transfers.get(o[0], [])
                if not ts:
                    problems.append(f"option {o[2]} has no transfers")
                elif sum(int(t[2]) for t in ts) != int(o[4]):
                    problems.append(f"option {o[2]}: transfers add up to {sum(int(t[2]) for t in ts)}, "
                                    f"amount {o[4]}")
                if o[3] != "3" + o[2]:
                    problems.append(f"option {o[2]} has notice number {o[3]}")
            if opts:
                dues = sorted(o[8][:19].replace(" ", "T") for o in opts)
                if (p[4][:19].replace(" ", "T"), p[5][:19].replace(" ", "T")) != (dues[0], dues[-1]):
                    problems.append(f"min/max due date {p[4]}/{p[5]} but options due {dues[0]}..{dues[-1]}")
            if problems:
                half += 1
                rec.violation(f"half-written position {iupd}: {'; '.join(problems)}")
        self.half_written = half
        # What the load generator was told is stored.
        receipts = collections.defaultdict(list)
        for r in rows("SELECT receipt_id, notice_number, status FROM receipts "
                      f"WHERE organization_fiscal_code = '{ORG}'"):
            receipts[r[0]].append(r)
        applied_by_nav = collections.Counter(r[1] for rs in receipts.values() for r in rs
                                             if r[2] == "APPLIED")
        events = rows("SELECT event_id, event_type, iupd, state, id FROM events WHERE subscriber = '' "
                      "ORDER BY id")
        per_pos = collections.defaultdict(collections.Counter)
        for e in events:
            per_pos[e[2]][e[1]] += 1
        acked_receipts = stored_once = creates = kept = 0
        expired = invalid = late = late_expired = 0
        for pos in self.positions:
            p = positions.get(pos.iupd)
            if pos.created_201 or pos.exists:
                if p is None:
                    rec.violation(f"position {pos.iupd} was acknowledged (create answered "
                                  f"{'201' if pos.created_201 else '409 on retry'}) but is not stored")
                    continue
            if p is None:
                continue
            creates += pos.created_201
            opts = {o[3]: o for o in options.get(pos.iupd, [])}
            # The stored content is the last acknowledged write, or one sent after it.
            last = max((i for i, w in enumerate(pos.writes) if w[1]), default=0)
            allowed = [fingerprint_of_body(w[0]) for w in pos.writes[last:]]
            stored = (p[3], tuple(sorted(
                (o[2], int(o[4]), o[5], tuple(sorted((int(t[1]), int(t[2]), t[3])
                                                    for t in transfers.get(o[0], []))))
                for o in options.get(pos.iupd, []))))
            if stored not in allowed:
                rec.violation(f"position {pos.iupd}: stored content is not its last acknowledged "
                              f"write (write {last} of {len(pos.writes)}): {stored} not in {allowed}")
            elif pos.writes[-1][1]:
                kept += 1
            counts = per_pos.get(pos.iupd, collections.Counter())
            for nav, receipt_id in pos.receipts.items():
                acked_receipts += 1
                rows_for = receipts.get(receipt_id, [])
                o = opts.get(nav)
                problems = []
                if len(rows_for) != 1:
                    problems.append(f"{len(rows_for)} receipt rows")
                elif rows_for[0][2] != "APPLIED":
                    problems.append(f"receipt status {rows_for[0][2]}")
                if applied_by_nav[nav] != 1:
                    problems.append(f"{applied_by_nav[nav]} applied receipts for the notice")
                if o is None or o[6] != "PO_PAID" or o[7] != receipt_id:
                    problems.append(f"option {o and o[6]} with receipt {o and o[7]}")
                if problems:
                    rec.violation(f"sendRT {receipt_id} for {nav} answered OK but: {', '.join(problems)}")
                else:
                    stored_once += 1
            for receipt_id in pos.rivals:
                kept_as = [r[2] for r in receipts.get(receipt_id, [])]
                if kept_as != ["DUPLICATE"]:
                    rec.violation(f"rival receipt {receipt_id} answered PAA_RECEIPT_DUPLICATA is stored "
                                  f"as {kept_as}, expected once as DUPLICATE")
            paid = sum(1 for o in opts.values() if o[6] == "PO_PAID")
            if paid != len(pos.receipts):
                rec.violation(f"position {pos.iupd}: {paid} options paid, {len(pos.receipts)} receipts "
                              "answered OK")
            want = collections.Counter()
            if pos.receipts:
                want["payment.received"] = len(pos.receipts)
                partly = pos.kind == "plan" and len(pos.receipts) < len(opts)
                status = "PARTIALLY_PAID" if partly else "PAID"
                if p[2] != status:
                    rec.violation(f"position {pos.iupd} ({pos.kind}) is stored {p[2]}, expected {status} "
                                  f"after {len(pos.receipts)} receipts")
                if not partly:
                    want["position.paid"] = 1
                if pos.kind == "expire":
                    # Paid around its due time: expired first by the job, or never.
                    late += 1
                    if counts["position.expired"] == 1:
                        want["position.expired"] = 1
                        late_expired += 1
            elif pos.kind == "expire":
                want["position.expired"] = 1
                if p[2] != "EXPIRED":
                    rec.violation(f"position {pos.iupd} due {pos.due} is stored {p[2]}, not EXPIRED")
                else:
                    expired += 1
            if pos.invalidated:
                want["position.invalidated"] = 1
                if p[2] != "INVALID":
                    rec.violation(f"position {pos.iupd} invalidated but stored {p[2]}")
                else:
                    invalid += 1
            if counts != want:
                rec.violation(f"position {pos.iupd} ({pos.kind}): events {dict(counts)}, expected "
                              f"{dict(want)}")
        self.acked_receipts, self.stored_once = acked_receipts, stored_once
        self.creates, self.kept, self.expired, self.invalid = creates, kept, expired, invalid
        self.n_positions = len(positions)
        self.late, self.late_expired = late, late_expired
        # Events: every committed one delivered with the same id; in order per position.
        deliveries = self.receiver.snapshot()
        delivered = collections.Counter(d[0] for d in deliveries)
        committed = {e[0]: e for e in events}
        not_delivered = [e for e in events if e[0] not in delivered]
        for e in not_delivered[:10]:
            rec.violation(f"event {e[0]} ({e[1]} of {e[2]}, state {e[3]}) committed but never delivered")
        if len(not_delivered) > 10:
            rec.violation(f"... {len(not_delivered) - 10} more events committed but never delivered")
        unknown = [d for d in delivered if d not in committed]
        if unknown:
            rec.violation(f"{len(unknown)} delivered event ids are not in the outbox, e.g. {unknown[0]}")
        for d in deliveries:
            if d[0] in committed and committed[d[0]][1] != d[1]:
                rec.violation(f"event {d[0]} delivered as {d[1]}, committed as {committed[d[0]][1]}")
        self.redelivered = sum(n - 1 for n in delivered.values())
        if self.mode == "multi" and self.redelivered:
            rec.violation(f"{self.redelivered} extra deliveries without any crash: "
                          f"{[i for i, n in delivered.items() if n > 1][:5]} delivered more than once")
        first_seen = []
        seen = set()
        for d in deliveries:
            if d[0] not in seen and d[0] in committed:
                seen.add(d[0])
                first_seen.append(committed[d[0]])
        last_id = {}
        for e in first_seen:
            if e[2] in last_id and int(e[4]) < last_id[e[2]]:
                rec.violation(f"events of {e[2]} delivered out of order: {e[0]} after a later one")
            last_id[e[2]] = max(last_id.get(e[2], 0), int(e[4]))
        self.n_events = len(events)
        self.n_delivered = sum(1 for e in events if e[0] in delivered)

    def scan_logs(self):
        """No panic; and, with the database up all along, no database error (a deadlock, a lost
        connection): those reach the Nodo as PAA_SYSTEM_ERROR and REST clients as 500."""
        errors = collections.Counter()
        for inst in self.instances:
            with open(inst.log_path, errors="replace") as f:
                for line in f:
                    if "panicked" in line:
                        self.record.violation(f"{inst.name} panicked: {line.strip()[:300]}")
                    if "database error:" in line:
                        what = line.split("database error:", 1)[1].strip()
                        errors[re.sub(r"\d+", "N", what)[:160]] += 1
        self.db_errors = sum(errors.values())
        if self.mode != "crash-db":
            for what, n in errors.most_common(5):
                self.record.violation(f"{n} requests failed with a database error while the "
                                      f"database was up: {what}")

    def summary(self):
        c = self.record.counts
        parts = []
        if self.mode.startswith("crash"):
            what = "service" if self.mode == "crash-service" else "mariadbd"
            parts.append(f"{c['kills']} kills of {what}")
        else:
            parts.append(f"{len(self.instances)} instances")
        parts.append(f"{self.acked_receipts} sendRT OK -> {self.stored_once} stored once")
        parts.append(f"{self.record.counts['creates_201']} creates 201 -> {self.creates} stored")
        parts.append(f"{c['updates_200']} updates 200, {self.kept} positions = last acknowledged write")
        once = self.mode == "multi" and not self.redelivered
        parts.append(f"{self.n_events} events committed -> {self.n_delivered} delivered (same ids"
                     + (", each exactly once)" if once else f", {self.redelivered} redelivered)"))
        parts.append(f"{self.expired} expired by the job -> 1 event each")
        parts.append(f"{self.late} paid at their due time racing the job ({self.late_expired} "
                     "expired first) -> 1 payment and 1 transition each")
        parts.append(f"{self.invalid} invalidated")
        if self.mode == "multi":
            parts.append(f"{c['storms']} sendRT storms x {c['storm_copies'] // max(c['storms'], 1)} "
                         "copies -> 1 payment and 1 event each")
        parts.append(f"{c['nodo_system_errors']} PAA_SYSTEM_ERROR and {c['rest_5xx']} REST 5xx retried"
                     + (f" ({self.db_errors} database errors)" if self.mode == "crash-db" else ""))
        parts.append(f"{self.n_positions} positions, {self.half_written} half-written")
        n = len(self.record.violations)
        verdict = "OK" if n == 0 else f"FAILED ({n} violations)"
        return (f"soak {self.mode} {self.backend} ({int(self.elapsed)} s): " + ", ".join(parts)
                + f": {verdict}")


def run_one(args):
    soak = Soak(args)
    ok = True  # logs are kept on a violation, not when interrupted
    try:
        soak.run()
        line = soak.summary()
        ok = not soak.record.violations
        if not ok:
            log(f"{len(soak.record.violations)} violations; the first ones:")
            for v in soak.record.violations[:30]:
                print(f"  - {v}")
        try:
            print(line, flush=True)
        except (OSError, ValueError):
            pass
        return 0 if ok else 1
    except Failed as e:
        ok = False
        log(f"soak {soak.mode} {soak.backend}: could not run: {e}")
        return 2
    finally:
        soak.cleanup(keep_logs=args.keep_logs or not ok)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mode", choices=["crash-service", "crash-db", "multi"], required=True)
    ap.add_argument("--backend", choices=["sqlite", "mysql"], default="sqlite")
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--kill-every", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=6)
    ap.add_argument("--storm-copies", type=int, default=5,
                    help="multi: copies of a storm's receipt sent to each instance at once")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--log-dir", required=True)
    ap.add_argument("--keep-logs", action="store_true",
                    help="keep the service logs in --log-dir also when every invariant holds")
    args = ap.parse_args()
    # The first Ctrl-C or SIGTERM unwinds through the clean-up; later ones are ignored.
    def stop(signum, _frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt if signum == signal.SIGINT else SystemExit(143)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        sys.exit(run_one(args))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
