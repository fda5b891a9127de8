#!/usr/bin/env python3
"""Generate a large synthetic JUnit XML report (PERF-1, PERF-4 benchmarks).

The report is written as it is generated, one test class at a time, to
stdout or to --output, optionally gzip'ed: the document is never held in
memory, so a report of millions of testcases costs a few tens of MB.

Shape: <testsuites> root, then three levels of nested <testsuite>
(package / module / class, hundreds to thousands of suites), half of the
packages Java-like (classname com.shop.cart.api.CartServiceTest, file
src/test/java/...) and half Python-like (classname
tests.checkout.payments.test_refunds, file tests/checkout/...py).  About
10% of the testcases are variants of parameterized tests (test_refund[eur-10],
testTotal(1, 2)).  Failures carry a message and a multi-line stack trace of
10-30 lines with line numbers, hex addresses, temp paths and timestamps
(the things fingerprints normalize away); a few <error>, <skipped> and
<system-out> are mixed in.

Reproducibility: the suite layout and test names depend only on --seed and
--tests, never on --run, so reports of several --run values are consecutive
CI runs of the same suite (steady state: every test is already known).
--run changes which tests fail (a stable set of chronically failing tests
plus per-run random failures), the durations, messages and timestamps.

  gen-junit.py --tests 100000 --run 1 > report.xml
  gen-junit.py --tests 3500000 --gzip -o big.xml.gz --stats

Python 3 standard library only.
"""

import argparse
import gzip
import math
import random
import sys
from datetime import datetime, timedelta, timezone

# --------------------------------------------------------------------------
# vocabulary

DOMAINS = [
    "cart", "checkout", "payments", "catalog", "search", "inventory",
    "orders", "shipping", "users", "auth", "pricing", "promotions",
    "reviews", "notifications", "reporting", "billing", "tax", "returns",
    "warehouse", "analytics", "recommendations", "wishlist", "loyalty",
    "giftcards", "subscriptions", "fraud", "ledger", "media", "i18n", "admin",
]
SUBMODULES = [
    "api", "service", "repository", "model", "events", "client", "handlers",
    "validation", "mapping", "jobs", "cache", "config", "web", "rules",
    "export", "importer", "scheduler", "metrics", "storage", "workflow",
]
NOUNS = [
    "Cart", "Order", "Payment", "Refund", "Invoice", "Product", "Price",
    "Discount", "Coupon", "Shipment", "Address", "Customer", "Account",
    "Session", "Token", "Review", "Rating", "Stock", "Warehouse", "Tax",
    "Currency", "Ledger", "Report", "Export", "Notification", "Email",
    "Webhook", "Subscription", "Plan", "GiftCard", "Basket", "Checkout",
    "Catalog", "Category", "Search", "Index", "Queue", "Batch", "Audit",
    "Permission", "Role", "Promotion", "Voucher", "Carrier", "Label",
]
JAVA_SUFFIXES = ["ServiceTest", "ControllerTest", "RepositoryTest",
                 "MapperTest", "ValidatorTest", "IT", "HandlerTest", "Test",
                 "ClientTest", "PolicyTest"]
PY_PREFIXES = ["test_", "test_", "test_", "test_api_", "test_unit_"]
VERBS = [
    "add", "remove", "apply", "compute", "validate", "reject", "accept",
    "create", "update", "delete", "list", "find", "merge", "split", "cancel",
    "refund", "capture", "authorize", "retry", "expire", "renew", "export",
    "import", "serialize", "parse", "round", "convert", "notify", "lock",
    "reserve", "release", "ship", "return", "sync", "index", "rank",
]
OBJECTS = [
    "item", "items", "discount", "coupon", "total", "subtotal", "tax",
    "shipping_fee", "address", "currency", "amount", "partial_amount",
    "order", "line_items", "quantity", "sku", "price", "voucher",
    "session", "token", "payload", "webhook", "invoice", "ledger_entry",
    "stock_level", "reservation", "label", "rate", "locale", "timezone",
]
CONDITIONS = [
    "", "", "", "", "when_empty", "when_expired", "with_zero_quantity",
    "for_guest_user", "with_invalid_input", "twice", "concurrently",
    "after_timeout", "in_foreign_currency", "with_large_values",
    "without_permission", "on_retry", "with_unicode_names", "at_midnight",
    "for_eu_customer", "when_out_of_stock",
]
CURRENCIES = ["eur", "usd", "gbp", "jpy", "chf", "sek", "pln", "brl"]
LOG_LEVELS = ["DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR"]

JAVA_FRAMEWORK_FRAMES = [
    "org.junit.platform.commons.util.ReflectionUtils.invokeMethod(ReflectionUtils.java:{n})",
    "org.junit.jupiter.engine.execution.MethodInvocation.proceed(MethodInvocation.java:{n})",
    "org.junit.jupiter.engine.execution.InvocationInterceptorChain$ValidatingInvocation.proceed(InvocationInterceptorChain.java:{n})",
    "org.junit.jupiter.engine.extension.TimeoutExtension.intercept(TimeoutExtension.java:{n})",
    "org.junit.jupiter.engine.descriptor.TestMethodTestDescriptor.invokeTestMethod(TestMethodTestDescriptor.java:{n})",
    "org.junit.platform.engine.support.hierarchical.NodeTestTask.executeRecursively(NodeTestTask.java:{n})",
    "org.junit.platform.engine.support.hierarchical.ThrowableCollector.execute(ThrowableCollector.java:{n})",
    "org.junit.platform.engine.support.hierarchical.NodeTestTask.execute(NodeTestTask.java:{n})",
    "java.base/java.util.ArrayList.forEach(ArrayList.java:{n})",
    "org.apache.maven.surefire.junitplatform.JUnitPlatformProvider.invokeAllTests(JUnitPlatformProvider.java:{n})",
    "org.apache.maven.surefire.booter.ForkedBooter.runSuitesInProcess(ForkedBooter.java:{n})",
    "org.springframework.test.context.junit.jupiter.SpringExtension.beforeEach(SpringExtension.java:{n})",
    "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:{n})",
    "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:{n})",
    "java.base/java.lang.Thread.run(Thread.java:{n})",
]
JAVA_ASSERT_FRAMES = [
    "org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)",
    "org.junit.jupiter.api.AssertionFailureBuilder.buildAndThrow(AssertionFailureBuilder.java:132)",
    "org.junit.jupiter.api.AssertEquals.failNotEqual(AssertEquals.java:197)",
    "org.junit.jupiter.api.Assertions.assertEquals(Assertions.java:150)",
]
PY_LIB_FRAMES = [
    ("src/shop/{d}/service.py", "in {v}", "result = self._repo.{v}(payload, timeout=self.timeout)"),
    ("src/shop/{d}/repository.py", "in {v}", "row = self._session.execute(query, params).one()"),
    ("src/shop/common/http.py", "in post", "resp = self._client.post(url, json=payload, timeout=timeout)"),
    ("/usr/lib/python3/dist-packages/requests/sessions.py", "in request", "resp = self.send(prep, **send_kwargs)"),
    ("/usr/lib/python3/dist-packages/sqlalchemy/engine/base.py", "in _execute_context", "self.dialect.do_execute(cursor, statement, parameters, context)"),
    ("src/shop/{d}/models.py", "in __post_init__", "raise ValueError(f\"invalid {{self.field}}: {{value!r}}\")"),
]

# --------------------------------------------------------------------------
# helpers

_ATTR_MAP = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
             ord('"'): "&quot;", ord("\n"): "&#10;", ord("\t"): "&#9;"}
_TEXT_MAP = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}


def attr(s):
    return s.translate(_ATTR_MAP)


def text(s):
    return s.translate(_TEXT_MAP)


def mix(*parts):
    """A 64-bit seed from integers (stable across Python versions)."""
    h = 1469598103934665603
    for p in parts:
        h ^= p & 0xFFFFFFFFFFFFFFFF
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 29
    return h


def camel(words):
    """camel(["", "shipping_fee", "total"]) == "ShippingFeeTotal"."""
    parts = [p for w in words[1:] for p in w.split("_")]
    return words[0] + "".join(p[:1].upper() + p[1:] for p in parts)


def hexaddr(rng):
    return "0x7f%010x" % rng.getrandbits(40)


def iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%S")


# --------------------------------------------------------------------------
# layout: packages / modules / classes, from --seed and --tests only

class Klass:
    __slots__ = ("pkg", "mod", "idx", "name", "classname", "file", "java",
                 "ntests")


def build_layout(seed, total):
    """Returns [(package_name, [(module_name, [Klass])])] holding total
    testcases.  Only names and sizes are kept, a few bytes per class."""
    rng = random.Random(mix(seed, 0x1A7))
    packages = []
    count = 0
    kidx = 0
    p = 0
    while count < total:
        dom = DOMAINS[p % len(DOMAINS)]
        gen = p // len(DOMAINS)
        java = (p % 2 == 0)
        if java:
            pkg_name = "com.shop." + dom + (str(gen + 1) if gen else "")
        else:
            pkg_name = "tests." + dom + (str(gen + 1) if gen else "")
        modules = []
        used_mods = set()
        for _ in range(rng.randint(4, 9)):
            if count >= total:
                break
            sub = rng.choice(SUBMODULES)
            while sub in used_mods:
                sub = rng.choice(SUBMODULES) + str(rng.randint(2, 9))
            used_mods.add(sub)
            mod_name = pkg_name + "." + sub
            classes = []
            used_cls = set()
            for _ in range(rng.randint(3, 12)):
                if count >= total:
                    break
                k = Klass()
                noun = rng.choice(NOUNS)
                if java:
                    base = noun + rng.choice(JAVA_SUFFIXES)
                else:
                    base = rng.choice(PY_PREFIXES) + \
                        "_".join(w.lower() for w in
                                 [noun] + ([rng.choice(OBJECTS)]
                                           if rng.random() < 0.5 else []))
                name = base
                n = 2
                while name in used_cls:
                    name = base + str(n)
                    n += 1
                used_cls.add(name)
                k.pkg, k.mod, k.idx, k.java = pkg_name, mod_name, kidx, java
                k.name = name
                k.classname = mod_name + "." + name
                if java:
                    k.file = ("src/test/java/" + k.classname.replace(".", "/")
                              + ".java")
                else:
                    k.file = k.classname.replace(".", "/") + ".py"
                # lognormal class sizes, median ~20, mean ~27
                size = int(math.exp(rng.gauss(3.0, 0.75)))
                size = max(2, min(size, 150))
                size = min(size, total - count)
                k.ntests = size
                count += size
                kidx += 1
                classes.append(k)
            modules.append((mod_name, classes))
        packages.append((pkg_name, modules))
        p += 1
    return packages


def test_names(seed, k):
    """The k.ntests unique testcase names of class k (run-independent)."""
    rng = random.Random(mix(seed, 0x7E57, k.idx))
    names = []
    used = set()
    while len(names) < k.ntests:
        words = [rng.choice(VERBS), rng.choice(OBJECTS)]
        cond = rng.choice(CONDITIONS)
        if k.java:
            base = ("should" + camel(["", *words]) if rng.random() < 0.5
                    else "test" + camel(["", *words]))
            if cond:
                base += camel(["", *cond.split("_")])
        else:
            base = "test_" + "_".join(words) + ("_" + cond if cond else "")
        n = 2
        stem = base
        while base in used:
            base = stem + ("_%d" % n if not k.java else "%d" % n)
            n += 1
        used.add(base)
        # ~10% of testcases are variants of parameterized tests
        if rng.random() < 0.028 and k.ntests - len(names) >= 2:
            nvar = min(rng.randint(2, 6), k.ntests - len(names))
            for v in range(nvar):
                if k.java:
                    names.append("%s(%d, %d)" % (base, v + 1,
                                                 rng.randint(0, 99) + v * 100))
                elif rng.random() < 0.7:
                    names.append("%s[%s-%d]" % (base, CURRENCIES[
                        (v + len(names)) % len(CURRENCIES)], 10 * (v + 1)))
                else:
                    names.append("%s[%d-%d]" % (base, v, v * 7 + 3))
        else:
            names.append(base)
    return names


# --------------------------------------------------------------------------
# per-class outcome: status and time of every testcase for one run

SKIP, PASS, FAIL, ERROR = "S", "P", "F", "E"


def class_props(seed, k):
    """Run-independent per-test properties: base duration (ms), fragility,
    always-skipped flag, error kind, source line, failure kind."""
    rng = random.Random(mix(seed, 0x960B, k.idx))
    props = []
    line = rng.randint(20, 60)
    for _ in range(k.ntests):
        base_ms = math.exp(rng.gauss(2.3, 1.4))      # median ~10 ms
        if rng.random() < 0.02:
            base_ms *= 50                            # a few slow tests
        fragility = rng.random()
        skipped = rng.random() < 0.015
        is_error = rng.random() < 0.15
        kind = rng.randrange(1 << 30)
        line += rng.randint(6, 40)
        props.append((base_ms, fragility, skipped, is_error, kind, line))
    return props


def class_outcome(seed, run, fail_rate, k, props):
    """[(status, seconds)] for class k in run: 2 draws per test."""
    rng = random.Random(mix(seed, 0x0C0E, run, k.idx))
    chronic = 0.25 * fail_rate
    p_random = max(0.0, (fail_rate - chronic * 0.9) / (1.0 - chronic))
    out = []
    for base_ms, fragility, skipped, is_error, _, _ in props:
        r1 = rng.random()
        r2 = rng.random()
        if skipped or r1 > 0.997:
            out.append((SKIP, 0.0))
            continue
        if fragility < chronic:
            bad = r1 < 0.9
        else:
            bad = r1 < p_random
        st = (ERROR if is_error else FAIL) if bad else PASS
        ms = base_ms * (0.75 + 0.5 * r2) * (1.6 if bad else 1.0)
        out.append((st, ms / 1000.0))
    return out


# --------------------------------------------------------------------------
# failure texts

def java_failure(rng, k, name, kind, line, is_error, ts):
    method = name.split("(")[0]
    short = k.name
    krng = random.Random(kind)
    flavor = krng.randrange(4)
    exp_val = krng.randint(1, 500)
    if is_error:
        etype = ["java.lang.NullPointerException",
                 "java.lang.IllegalStateException",
                 "java.sql.SQLTransientConnectionException",
                 "java.util.concurrent.TimeoutException"][flavor]
        msg = [
            'Cannot invoke "com.shop.model.%s.getId()" because "%s" is null'
            % (krng.choice(NOUNS), krng.choice(OBJECTS)),
            "%s@%x in state PENDING cannot be %sed"
            % (krng.choice(NOUNS), rng.getrandbits(32), krng.choice(VERBS)),
            "HikariPool-1 - Connection is not available, request timed out "
            "after %dms." % rng.randint(2000, 30000),
            "Timed out after %d ms waiting for %s %s"
            % (rng.randint(1000, 9000), krng.choice(NOUNS).lower(),
               "%08x-%04x-4%03x-a%03x-%012x" % (
                   rng.getrandbits(32), rng.getrandbits(16),
                   rng.getrandbits(12), rng.getrandbits(12),
                   rng.getrandbits(48))),
        ][flavor]
    else:
        etype = "org.opentest4j.AssertionFailedError"
        msg = [
            "expected: <%d> but was: <%d>" % (exp_val, exp_val +
                                             krng.choice([-1, 1, 10])),
            "%s total mismatch ==> expected: <%d.%02d> but was: <%d.%02d>"
            % (krng.choice(NOUNS), exp_val, krng.randint(0, 99), exp_val,
               krng.randint(0, 99)),
            "expected status <200 OK> but was <409 CONFLICT> for request "
            "id %s" % ("%016x" % rng.getrandbits(64)),
            "Unexpected %s at %s: fixture /tmp/junit%d/%s.json"
            % (krng.choice(OBJECTS), iso(ts), rng.getrandbits(40),
               krng.choice(OBJECTS)),
        ][flavor]
    lines = ["%s: %s" % (etype, msg)]
    if not is_error:
        lines += ["\tat " + f for f in JAVA_ASSERT_FRAMES[:krng.randint(2, 4)]]
    else:
        lines.append("\tat com.shop.%s.%s.%s(%s.java:%d)" % (
            k.pkg.split(".")[-1], krng.choice(NOUNS) + "Service",
            krng.choice(VERBS), krng.choice(NOUNS) + "Service",
            krng.randint(30, 900)))
    lines.append("\tat %s.%s(%s.java:%d)" % (k.classname, method, short,
                                             line))
    lines.append("\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor."
                 "invoke(DirectMethodHandleAccessor.java:103)")
    lines.append("\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)")
    depth = rng.randint(4, 11)
    for i in range(depth):
        f = JAVA_FRAMEWORK_FRAMES[(i * 3 + kind) % len(JAVA_FRAMEWORK_FRAMES)]
        lines.append("\tat " + f.format(n=40 + (i * 37 + kind) % 700))
    if is_error and flavor in (1, 2):
        lines.append("Caused by: java.io.IOException: lock held by "
                     "Thread@%x on /tmp/shop-it-%d/db.lock" % (
                         rng.getrandbits(32), rng.getrandbits(24)))
        lines.append("\tat com.shop.common.io.FileLock.acquire(FileLock.java:88)")
        lines.append("\t... %d more" % depth)
    return etype, msg, "\n".join(lines)


def py_failure(rng, k, name, kind, line, is_error, ts):
    krng = random.Random(kind)
    flavor = krng.randrange(4)
    dom = k.pkg.split(".")[-1]
    fn = name.split("[")[0]
    exp_val = krng.randint(1, 500)
    tmp = "/tmp/pytest-of-ci/pytest-%d/%s0" % (rng.randint(1, 9999), fn[:40])
    lines = [
        "self = <%s.Test%s object at %s>" % (k.classname, krng.choice(NOUNS),
                                             hexaddr(rng)),
        "tmp_path = PosixPath('%s')" % tmp,
        "",
        "    def %s(self, tmp_path):" % fn,
        "        order = make_%s(tmp_path, currency=%r)" % (
            krng.choice(OBJECTS), krng.choice(CURRENCIES)),
    ]
    for _ in range(rng.randint(0, 4)):
        lines.append("        %s = order.%s(%d)" % (
            krng.choice(OBJECTS), krng.choice(VERBS), krng.randint(0, 99)))
    if is_error:
        etype = ["KeyError", "ValueError", "ConnectionError",
                 "TimeoutError"][flavor]
        msg = [
            "KeyError: '%s'" % krng.choice(OBJECTS),
            "ValueError: invalid %s: %d" % (krng.choice(OBJECTS),
                                            rng.randint(-99, -1)),
            "requests.exceptions.ConnectionError: HTTPConnectionPool("
            "host='localhost', port=%d): Max retries exceeded" %
            rng.randint(30000, 60000),
            "TimeoutError: lock /tmp/shop-%d.lock not released after %.1fs"
            % (rng.getrandbits(20), rng.uniform(1, 30)),
        ][flavor]
        lines.append(">       result = service.%s(order)" % krng.choice(VERBS))
        lines.append("")
        lines.append("%s:%d: " % (k.file, line))
        for i in range(rng.randint(1, 3)):
            path, where, code = PY_LIB_FRAMES[(kind + i) % len(PY_LIB_FRAMES)]
            lines.append("_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _")
            lines.append("%s:%d: %s" % (path.format(d=dom),
                                        krng.randint(20, 900),
                                        where.format(v=krng.choice(VERBS))))
            lines.append("    " + code.format(v=krng.choice(VERBS)))
        lines.append("E   " + msg)
        lines.append("")
        lines.append("src/shop/%s/service.py:%d: %s" % (
            dom, krng.randint(20, 900), etype))
    else:
        etype = "AssertionError"
        msg = [
            "AssertionError: assert %d == %d" % (exp_val, exp_val + 1),
            "AssertionError: %s mismatch at %s" % (krng.choice(OBJECTS),
                                                   iso(ts)),
            "AssertionError: assert 'PAID' == 'REFUNDED'",
            "AssertionError: expected call not found, took %dms" %
            rng.randint(1, 900),
        ][flavor]
        lines.append(">       assert %s.%s == expected" % (
            krng.choice(OBJECTS), krng.choice(OBJECTS)))
        lines.append("E       " + msg)
        lines.append("E        +  where %d = <%s id=%d at %s>.%s" % (
            exp_val, krng.choice(NOUNS), rng.randint(1, 99999),
            hexaddr(rng), krng.choice(OBJECTS)))
        for _ in range(rng.randint(0, 8)):
            lines.append("E        +    and %d = <%s at %s>.%s" % (
                rng.randint(0, 999), krng.choice(NOUNS), hexaddr(rng),
                krng.choice(OBJECTS)))
        lines.append("")
        lines.append("%s:%d: AssertionError" % (k.file, line))
    return etype, msg, "\n".join(lines)


def system_out(rng, k, ts, n):
    lines = []
    for i in range(n):
        t = ts + timedelta(milliseconds=rng.randint(0, 5000))
        lines.append("%s,%03d %-5s [%s] %s %s id=%d took %dms" % (
            t.strftime("%Y-%m-%d %H:%M:%S"), rng.randint(0, 999),
            rng.choice(LOG_LEVELS), k.mod, rng.choice(VERBS),
            rng.choice(OBJECTS), rng.randint(1, 10 ** 6),
            rng.randint(0, 400)))
    return "\n".join(lines)


# --------------------------------------------------------------------------
# writer

class Sink:
    def __init__(self, path, use_gzip, level):
        if path in (None, "-"):
            raw = sys.stdout.buffer
            self._close_raw = False
        else:
            raw = open(path, "wb")
            self._close_raw = True
        self._raw = raw
        self._gz = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=level,
                                 mtime=0) if use_gzip else None
        self.bytes = 0

    def write(self, s):
        b = s.encode("utf-8")
        self.bytes += len(b)
        (self._gz or self._raw).write(b)

    def close(self):
        if self._gz:
            self._gz.close()
        self._raw.flush()
        if self._close_raw:
            self._raw.close()


def fmt_secs(s):
    return "%.3f" % s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tests", type=int, default=100000)
    ap.add_argument("--fail-rate", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--run", type=int, default=1)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--gzip-level", type=int, default=6)
    ap.add_argument("-o", "--output", default="-",
                    help="output file (default stdout)")
    ap.add_argument("--stats", action="store_true",
                    help="print a summary line to stderr")
    a = ap.parse_args()
    if a.tests < 1 or not 0.0 <= a.fail_rate <= 1.0:
        ap.error("--tests must be >= 1 and --fail-rate within 0..1")

    layout = build_layout(a.seed, a.tests)
    start = datetime(2026, 1, 5, 8, 0, 0, tzinfo=timezone.utc) + \
        timedelta(hours=a.run - 1)

    # Pass 1: per-class totals (status and time only, cheap), so that
    # every <testsuite> start tag can carry its counts.
    ctot = {}
    for _, modules in layout:
        for _, classes in modules:
            for k in classes:
                oc = class_outcome(a.seed, a.run, a.fail_rate, k,
                                   class_props(a.seed, k))
                t = [len(oc), 0, 0, 0, 0.0]
                for st, secs in oc:
                    if st == FAIL:
                        t[1] += 1
                    elif st == ERROR:
                        t[2] += 1
                    elif st == SKIP:
                        t[3] += 1
                    t[4] += secs
                ctot[k.idx] = t

    def add(dst, src):
        for i in range(5):
            dst[i] += src[i]

    def suite_attrs(name, t, ts):
        return ('name="%s" tests="%d" failures="%d" errors="%d" '
                'skipped="%d" time="%s" timestamp="%s" hostname="ci-runner-7"'
                % (attr(name), t[0], t[1], t[2], t[3], fmt_secs(t[4]),
                   iso(ts)))

    ptot, mtot, root = {}, {}, [0, 0, 0, 0, 0.0]
    for pname, modules in layout:
        ptot[pname] = [0, 0, 0, 0, 0.0]
        for mname, classes in modules:
            mtot[mname] = [0, 0, 0, 0, 0.0]
            for k in classes:
                add(mtot[mname], ctot[k.idx])
            add(ptot[pname], mtot[mname])
        add(root, ptot[pname])

    out = Sink(a.output, a.gzip, a.gzip_level)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<testsuites name="shop-monorepo" tests="%d" failures="%d" '
              'errors="%d" skipped="%d" time="%s">\n'
              % (root[0], root[1], root[2], root[3], fmt_secs(root[4])))
    clock = start
    nsuites = 0
    for pname, modules in layout:
        out.write(' <testsuite %s>\n' % suite_attrs(pname, ptot[pname],
                                                     clock))
        nsuites += 1
        for mname, classes in modules:
            out.write('  <testsuite %s>\n' % suite_attrs(
                mname, mtot[mname], clock))
            nsuites += 1
            for k in classes:
                props = class_props(a.seed, k)
                oc = class_outcome(a.seed, a.run, a.fail_rate, k, props)
                names = test_names(a.seed, k)
                trng = random.Random(mix(a.seed, 0x7E47, a.run, k.idx))
                parts = ['   <testsuite %s>\n' % suite_attrs(
                    k.classname, ctot[k.idx], clock)]
                nsuites += 1
                cn = attr(k.classname)
                fl = attr(k.file)
                for name, (st, secs), pr in zip(names, oc, props):
                    line = pr[5]
                    # Java reports (Surefire, Gradle) carry no line
                    head = ('    <testcase name="%s" classname="%s" '
                            'file="%s"%s time="%s"'
                            % (attr(name), cn, fl, "" if k.java else
                               ' line="%d"' % line, fmt_secs(secs)))
                    has_out = trng.random() < 0.015
                    if st == PASS and not has_out:
                        parts.append(head + "/>\n")
                        continue
                    parts.append(head + ">\n")
                    if st in (FAIL, ERROR):
                        f = java_failure if k.java else py_failure
                        etype, msg, trace = f(trng, k, name, pr[4], line,
                                              st == ERROR, clock)
                        tag = "error" if st == ERROR else "failure"
                        parts.append('     <%s message="%s" type="%s">%s'
                                     '</%s>\n' % (tag, attr(msg), attr(etype),
                                                  text(trace), tag))
                    elif st == SKIP:
                        if trng.random() < 0.5:
                            parts.append('     <skipped message="%s"/>\n'
                                         % attr("requires %s sandbox" %
                                                trng.choice(DOMAINS)))
                        else:
                            parts.append('     <skipped/>\n')
                    if has_out or st in (FAIL, ERROR) and \
                            trng.random() < 0.2:
                        parts.append('     <system-out>%s</system-out>\n'
                                     % text(system_out(trng, k, clock,
                                                       trng.randint(2, 6))))
                    parts.append("    </testcase>\n")
                parts.append("   </testsuite>\n")
                out.write("".join(parts))
                clock += timedelta(seconds=ctot[k.idx][4])
            out.write("  </testsuite>\n")
        out.write(" </testsuite>\n")
    out.write("</testsuites>\n")
    out.close()
    if a.stats:
        sys.stderr.write(
            "gen-junit: tests=%d failures=%d errors=%d skipped=%d suites=%d "
            "classes=%d bytes=%d (uncompressed) run=%d seed=%d\n"
            % (root[0], root[1], root[2], root[3], nsuites, len(ctot),
               out.bytes, a.run, a.seed))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
