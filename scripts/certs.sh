#!/usr/bin/env bash
# Throwaway test PKI for the local brokers and TLS tests.
#
#   scripts/certs.sh DIR [--force]
#
# Writes into DIR (created if missing):
#   ca.pem, ca-key.pem                 self-signed CA
#   server.pem, server-key.pem         CN=localhost, SAN DNS:localhost,IP:127.0.0.1 (key unencrypted)
#   client.pem, client-key.pem         CN=salvo-client (key encrypted, password salvo-pass)
#   client-key-plain.pem               the same client key, unencrypted
#   wrong-ca.pem, wrong-ca-key.pem     an unrelated CA, for negative tests
#   server.p12                         PKCS12 keystore (server cert+key+CA chain), password salvo-pass
#   ca-truststore.p12                  PKCS12 truststore holding the CA, password salvo-pass
# and, for the TLS failure tests, signed with the keys above:
#   server-expired.pem                 server.pem's key and names, expired yesterday (CA-signed)
#   client-wrong-ca.pem                client-key-plain.pem's key, signed by the wrong CA
#
# Idempotent: if DIR/ca.pem exists, is a valid certificate and every other file
# is present, nothing is done (so brokers started earlier keep matching certs);
# missing extras are added with the existing keys, nothing else is touched.
# --force regenerates everything. Prints nothing except errors.
set -euo pipefail

PASS=salvo-pass
DAYS=3650
BITS=2048

die() { echo "certs.sh: $*" >&2; exit 1; }

usage() { echo "usage: scripts/certs.sh DIR [--force]" >&2; exit 2; }

dir=""
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [[ -z "$dir" ]] || usage; dir="$arg" ;;
  esac
done
[[ -n "$dir" ]] || usage

command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install -y openssl)"
command -v keytool >/dev/null 2>&1 || die "keytool not found (install a JDK, e.g. apt-get install -y openjdk-17-jdk-headless)"

mkdir -p "$dir"
# Absolute, because the work below happens after a cd.
dir=$(cd "$dir" && pwd)

all_files=(ca.pem ca-key.pem server.pem server-key.pem client.pem client-key.pem
           client-key-plain.pem wrong-ca.pem wrong-ca-key.pem server.p12 ca-truststore.p12)

complete() {
  local f
  # "valid" = parses as X.509 and has not expired (checkend 0).
  openssl x509 -in "$dir/ca.pem" -noout -checkend 0 >/dev/null 2>&1 || return 1
  for f in "${all_files[@]}"; do [[ -s "$dir/$f" ]] || return 1; done
  return 0
}

extra_files=(server-expired.pem client-wrong-ca.pem)

extras_complete() {
  local f
  for f in "${extra_files[@]}"; do [[ -s "$dir/$f" ]] || return 1; done
  return 0
}

if [[ $force -eq 0 ]] && complete && extras_complete; then
  exit 0
fi

# Build in a scratch dir next to the target and move into place at the end, so
# an interrupted run never leaves a half-made PKI that looks complete.
work=$(mktemp -d "${dir%/}/.certs-tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Run openssl/keytool quietly; on failure show their output and stop.
q() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "certs.sh: failed: $*" >&2
    echo "$out" >&2
    exit 1
  fi
}

cd "$work"

# Extension files: CA must be a CA; leaf certs must not be.
cat > ca.ext <<'EOF'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
cat > server.ext <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
cat > client.ext <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# CA (self-signed). "req -x509" wants extensions in a config section, so
# instead self-sign the CSR with "x509 -req -signkey", which takes an extfile.
mkca() { # name subject
  q openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$BITS" -out "$1-key.pem"
  q openssl req -new -key "$1-key.pem" -subj "$2" -out "$1.csr"
  q openssl x509 -req -in "$1.csr" -signkey "$1-key.pem" -days "$DAYS" -sha256 \
      -extfile ca.ext -out "$1.pem"
}
# The base PKI, only when it is missing or forced: brokers started earlier keep theirs.
if [[ $force -eq 1 ]] || ! complete; then
mkca ca "/O=salvo/CN=salvo test CA"
mkca wrong-ca "/O=salvo/CN=salvo WRONG test CA"

# Leaf certs signed by the CA.
mkleaf() { # name subject extfile
  q openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$BITS" -out "$1-key.pem"
  q openssl req -new -key "$1-key.pem" -subj "$2" -out "$1.csr"
  q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
      -days "$DAYS" -sha256 -extfile "$3" -out "$1.pem"
}
mkleaf server "/O=salvo/CN=localhost" server.ext
mkleaf client "/O=salvo/CN=salvo-client" client.ext

# client-key.pem is the encrypted PKCS#8 form; keep the plain one alongside.
mv client-key.pem client-key-plain.pem
q openssl pkcs8 -topk8 -in client-key-plain.pem -v2 aes-256-cbc -passout "pass:$PASS" -out client-key.pem

# Java stores. OpenSSL 3's default PKCS12 (AES-256, PBKDF2) is readable by Java 17.
q openssl pkcs12 -export -name server -in server.pem -inkey server-key.pem -certfile ca.pem \
    -passout "pass:$PASS" -out server.p12
q keytool -importcert -noprompt -alias salvo-ca -file ca.pem \
    -keystore ca-truststore.p12 -storetype PKCS12 -storepass "$PASS"

chmod 600 ./*-key.pem
for f in "${all_files[@]}"; do
  mv -f "$f" "${dir%/}/$f"
done
fi

# Extras for the TLS failure tests, from the keys now in DIR (no new keys, so
# nothing that already uses them changes). "-days -1" gives a notAfter one day
# before notBefore: a certificate that has expired.
resign() { # out key subject extfile ca days
  q openssl req -new -key "$dir/$2" -subj "$3" -out "$1.csr"
  q openssl x509 -req -in "$1.csr" -CA "$dir/$5.pem" -CAkey "$dir/$5-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
      -days "$6" -sha256 -extfile "$4" -out "$1"
  mv -f "$1" "${dir%/}/$1"
}
resign server-expired.pem server-key.pem "/O=salvo/CN=localhost" server.ext ca -1
resign client-wrong-ca.pem client-key-plain.pem "/O=salvo/CN=salvo-client" client.ext wrong-ca 3650
