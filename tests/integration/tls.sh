#!/bin/bash
# TLS under nodice (shim/sources/tlstime.c). Certificate validity is checked
# against the real time, so an HTTPS client works under the default epoch
# (2000), while a certificate created under nodice keeps virtual dates and
# repeats byte for byte with the seed.
# Usage: tls.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"

# A certificate issued now, in real time, natively.
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost 2>/dev/null || { echo "FAIL: openssl req"; exit 1; }
want="hello over verified TLS"
check() { # name, command...
	local name=$1
	shift
	local out
	out=$(timeout 60 "$@" 2>err.txt)
	[ "$out" = "$want" ] && ok || bad "$name: '$out' $(tail -1 err.txt)"
}
check native $py "$fixtures/python/tls_local.py" cert.pem key.pem
check "nodice run" "$nodice" run -- $py "$fixtures/python/tls_local.py" cert.pem key.pem
check "nodice run (again)" "$nodice" run --seed 3 -- $py "$fixtures/python/tls_local.py" cert.pem key.pem
check "LD_PRELOAD" env LD_PRELOAD="$lib" $py "$fixtures/python/tls_local.py" cert.pem key.pem

# The passed-through check is reported, not hidden.
"$nodice" inspect --json report.json -- $py "$fixtures/python/tls_local.py" cert.pem key.pem >/dev/null 2>&1
grep -q '"symbol": *"X509_cmp_time"' report.json && ok || bad "inspect does not list X509_cmp_time"

# Certificates made under nodice: virtual dates, the same bytes with one seed.
for i in 1 2; do
	"$nodice" run --seed 5 -- openssl req -x509 -newkey rsa:2048 -nodes -keyout k$i.pem -out c$i.pem -days 2 \
		-subj /CN=repro 2>/dev/null
done
cmp -s c1.pem c2.pem && cmp -s k1.pem k2.pem && ok || bad "a certificate made twice with one seed differs"
openssl x509 -in c1.pem -noout -startdate | grep -q "2000 GMT" && ok ||
	bad "a certificate made under nodice is not dated by the virtual clock: $(openssl x509 -in c1.pem -noout -startdate)"
finish tls
