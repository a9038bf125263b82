#!/bin/bash
# Lock and Election services against our etcd: coord_client_test (gtest, generated
# stubs) with ETCD_ENDPOINT set.   coord_test.sh ETCD CLIENT_TEST PORT
set -u
ETCD=$1; CLIENT=$2; PORT=$3
. "$(dirname "$0")/lib.sh"
start_etcd c1 "$TMP/data" "$PORT" $((PORT + 1))
ETCD_ENDPOINT=127.0.0.1:$PORT timeout 60 "$CLIENT" || fail "coord_client_test"
echo "PASS"
